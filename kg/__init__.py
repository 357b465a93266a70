"""zhkg: Chinese text → a validated knowledge graph.

`kg.build` and the model types are loaded on first use (PEP 562), so that `import kg` (and with
it the `kg` command's start-up) does not pay for jieba, spaCy and the models.
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {"build": "api", "InputError": "api", "to_networkx": "api", "to_rdf": "api", "to_neo4j": "api",
            "to_html": "api", "write": "api", "Document": "model", "Entity": "model",
            "KnowledgeGraph": "model", "Quantity": "model", "Triple": "model"}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'kg' has no attribute {name!r}")
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
