"""One document through the language stages: normalise → times → quantities → words → recognise
→ triggers → relations, each a named component (`kg.components`) filling one `model.Doc`.

`Extractor` builds the components once (models and tables load here) and runs them on every
document; `corpus` runs it over many documents and `pipeline` resolves, validates and writes
what it made.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from time import perf_counter
from typing import Iterable, Iterator

from . import quantities, text, times, words  # noqa: F401  (they register their components)
from .components import build_components
from .model import Doc, Document, Mention, Triple
from .ontology import Ontology, load_ontology
from .recognise import recogniser  # noqa: F401
from .relate import facts, learned, triggers  # noqa: F401
from .sources import SourceError, read_documents

DEFAULT_COMPONENTS = ("normalise", "times", "quantities", "tokens", "recognise", "triggers", "relations", "pair-relations")


@dataclass(frozen=True, slots=True)
class Settings:
    """What a user can change about a run; everything else comes from the ontology."""

    ontology: tuple[str, ...] = ()  # extra ontology files (Turtle, or grammar TSV)
    replace_ontology: bool = False
    dictionaries: tuple[str, ...] = ()  # name<TAB>class<TAB>aliases files that force names whole
    aliases: tuple[str, ...] = ()  # extra alias tables for resolution
    use_model: bool = True  # the trained recogniser; off = dictionaries and rules only
    components: tuple[str, ...] = DEFAULT_COMPONENTS  # the language stages, in order

    def component_config(self) -> dict[str, dict]:
        return {"recognise": {"dictionaries": self.dictionaries, "use_model": self.use_model}}


@dataclass(slots=True)
class DocumentResult:
    document: Document
    mentions: list[Mention]
    triples: list[Triple]
    seconds: float = 0.0
    problems: list[dict] = field(default_factory=list)  # what was lost, e.g. an unreadable figure


class Extractor:
    """One document at a time through the components. Models load once, here."""

    def __init__(self, settings: Settings = Settings(), ontology: Ontology | None = None):
        self.settings = settings
        self.ontology = ontology or load_ontology(settings.ontology, settings.replace_ontology)
        self.components = build_components(settings.components, self.ontology, settings.component_config())

    def component(self, name: str):
        """The built component of that name (KeyError if the pipeline has none)."""
        return dict(self.components)[name]

    def analyse(self, document: Document) -> Doc:
        """The document with every component's findings."""
        doc = Doc(document)
        for _, component in self.components:
            component(doc)
        return doc

    def __call__(self, document: Document) -> DocumentResult:
        started = perf_counter()
        document, problems = _without_surrogates(document)
        doc = self.analyse(document)
        return DocumentResult(document, doc.mentions, doc.triples, perf_counter() - started, problems + doc.problems)


def _without_surrogates(document: Document) -> tuple[Document, list[dict]]:
    """A text with lone surrogates (\\ud800: no Unicode text, nothing downstream can encode it)
    gets U+FFFD in their place, one for one so every offset holds, and a problem saying so."""
    lone = [i for i, ch in enumerate(document.text) if "\ud800" <= ch <= "\udfff"]
    if not lone:
        return document, []
    text = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in document.text)
    return replace(document, text=text), [{"doc": document.id, "start": lone[0], "end": lone[0] + 1, "text": "\ufffd",
                                           "reason": f"{len(lone)} lone surrogate(s) replaced by U+FFFD"}]


def extract(inputs: Iterable[str | Path], extractor: Extractor,
            stdin=None) -> Iterator[DocumentResult | SourceError]:
    """Each input document's mentions and triples, as it is read; read errors pass through."""
    for item in read_documents(inputs, stdin=stdin):
        if isinstance(item, SourceError):
            yield item
            continue
        try:
            yield extractor(item)
        except Exception as exc:  # one bad document must not end a corpus run
            yield SourceError(item.source or item.id, f"extraction failed: {type(exc).__name__}: {exc}")
