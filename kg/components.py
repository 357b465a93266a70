"""The extractor's stages as named components, like spaCy's factories.

Each component is a small class with one job: it is built once from the ontology and its
settings, then called on every `model.Doc`, and declares which fields of the Doc it reads
(`requires`) and fills (`assigns`). `kg.extractor` builds the list named in its settings and
checks the order when it is built, naming what is missing, so a component can be swapped for
another of the same contract or left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol, Sequence

from .model import Doc
from .ontology import Ontology


class Component(Protocol):
    def __call__(self, doc: Doc) -> None: ...


@dataclass(frozen=True)
class Factory:
    name: str
    make: Callable[..., Component]
    requires: tuple[str, ...]
    assigns: tuple[str, ...]


class PipelineError(ValueError):
    """A pipeline that cannot run: an unknown component, or one whose inputs nothing provides."""


_FACTORIES: dict[str, Factory] = {}


def component(name: str, *, requires: Sequence[str] = (), assigns: Sequence[str] = ()):
    """Register a component class (or factory function) under `name`."""

    def register(make: Callable[..., Component]):
        _FACTORIES[name] = Factory(name, make, tuple(requires), tuple(assigns))
        return make

    return register


def factory(name: str) -> Factory:
    if name not in _FACTORIES:
        raise PipelineError(f"unknown component {name!r}; known: {', '.join(sorted(_FACTORIES))}")
    return _FACTORIES[name]


def build_components(names: Sequence[str], ontology: Ontology, config: dict[str, dict[str, Any]]
                     ) -> list[tuple[str, Component]]:
    """Make each named component in order, refusing one whose requirements come later or never."""
    provided = {"document", "text"}
    built = []
    for name in names:
        spec = factory(name)
        missing = [field for field in spec.requires if field not in provided]
        if missing:
            raise PipelineError(f"component {name!r} needs {', '.join(missing)}, which no earlier component "
                                f"assigns (pipeline: {', '.join(names)})")
        built.append((name, spec.make(ontology, **config.get(name, {}))))
        provided.update(spec.assigns)
    return built
