"""zhkg: Chinese text → a validated knowledge graph."""

__version__ = "0.1.0"
