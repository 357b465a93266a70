"""The Python entry point: `kg.build` on texts or files, and the graph's writers in one place.

Researchers hold texts in memory (a DataFrame column, a scraped page), so `build` takes raw
strings, `Document`s and (id, text) pairs next to paths, with no file per text. It runs the
same `pipeline.build` as `kg build`: texts travel as the JSON Lines stream that the pipeline
already reads from standard input, so every input is read, resolved and validated the same way.
The pipeline streams through a build directory; here that is a temporary one, read back whole.
"""

from __future__ import annotations

import io
import tempfile
import warnings
from pathlib import Path
from typing import Iterable, Iterator, Union

from . import pipeline
from .extractor import Settings
from .model import Document, KnowledgeGraph
from .ontology import Ontology, load_ontology
from .sinks.jsonl import read_graph, to_line
from .sources import SourceError, read_documents, title_of

PathLike = Union[str, Path]
Input = Union[PathLike, Document, tuple[str, str]]
OntologySpec = Union[Ontology, PathLike, Iterable[PathLike], None]
PATH_MAX = 4096


class PartlyReadWarning(UserWarning):
    """Part of a document could not be read (a figure too large to compute, bytes that were not
    text); the rest of it is in the graph. Listed in the build's problems.jsonl too."""


class InputError(ValueError):
    """Inputs that could not be read or extracted; `failed` lists each with its reason."""

    def __init__(self, failed: list[SourceError]):
        super().__init__(f"{len(failed)} input(s) failed: " + "; ".join(map(str, failed)))
        self.failed = failed


def _paths(spec: PathLike | Iterable[PathLike] | None) -> tuple[str, ...]:
    if spec is None:
        return ()
    if isinstance(spec, (str, Path)):
        return (str(spec),)
    return tuple(str(p) for p in spec)


def ontology_of(spec: OntologySpec = None) -> Ontology:
    """An `Ontology` as given, or the built-in one extended by the given file(s)."""
    return spec if isinstance(spec, Ontology) else load_ontology(_paths(spec))


def _is_path(text: str) -> bool:
    """A string names a file when it could be one and is one; anything else is text."""
    if "\n" in text or len(text) > PATH_MAX:
        return False
    try:
        return Path(text).exists()
    except OSError:
        return False


def documents(inputs: Iterable[Input]) -> Iterator[Document | SourceError]:
    """Every input as documents: paths are read like `kg build` reads them, strings that are no
    existing path are texts (ids text-1, text-2, … by position)."""
    for number, item in enumerate(inputs, 1):
        if isinstance(item, Document):
            yield item
        elif isinstance(item, tuple):
            doc_id, text = item
            yield Document(str(doc_id), text, str(doc_id), title_of(text))
        elif isinstance(item, Path) or _is_path(item):
            yield from read_documents([item])
        else:
            yield Document(f"text-{number}", item, f"text-{number}", title_of(item))


def _as_jsonl(docs: Iterable[Document]) -> io.BytesIO:
    # ASCII escapes: a lone surrogate in a text travels as \\ud800 and is refused by name when read
    return io.BytesIO("".join(to_line({"id": d.id, "text": d.text, "source": d.source or d.id, "title": d.title},
                                      ascii_only=True) for d in docs).encode("ascii"))


def build(texts_or_paths: Input | Iterable[Input], ontology: PathLike | Iterable[PathLike] | None = None, *,
          dictionaries: Iterable[PathLike] = (), aliases: Iterable[PathLike] = (),
          use_model: bool = True) -> KnowledgeGraph:
    """Extract, resolve and validate like `kg build`; raises `InputError` if any input failed
    and warns (`PartlyReadWarning`) for each part of a document that could not be read.

    `ontology` adds ontology files to the built-in one, `dictionaries` are name<TAB>class<TAB>
    aliases files whose names are always found whole, `aliases` extra alias tables.
    """
    items = [texts_or_paths] if isinstance(texts_or_paths, (str, Path, Document)) else list(texts_or_paths)
    read = list(documents(items))
    failed = [d for d in read if isinstance(d, SourceError)]
    settings = Settings(ontology=_paths(ontology), dictionaries=_paths(dictionaries),
                                 aliases=_paths(aliases), use_model=use_model)
    docs = [d for d in read if isinstance(d, Document)]
    with tempfile.TemporaryDirectory(prefix="zhkg-") as directory:
        report = pipeline.build(["-"] if docs else [], directory, settings, stdin=_as_jsonl(docs))
        graph = read_graph(directory)
    failed += report.failed
    if failed:
        raise InputError(failed)
    for problem in report.problems:  # lost inside a document that was otherwise read: said, not raised
        warnings.warn(f"{problem['doc']}:{problem['start']}-{problem['end']}: {problem['reason']}",
                      PartlyReadWarning, stacklevel=2)
    return graph


def to_networkx(graph: KnowledgeGraph):
    """A networkx MultiDiGraph of entities and facts: see `kg.analytics.to_networkx`."""
    from .analytics import to_networkx as convert
    return convert(graph)


def to_rdf(graph: KnowledgeGraph, ontology: OntologySpec = None, base: str | None = None):
    """The graph as an rdflib Dataset; SPARQL over it sees the union of every document's graph."""
    from .sinks.rdf import DEFAULT_BASE, to_rdf as dataset
    return dataset(graph, ontology_of(ontology), base or DEFAULT_BASE)


def to_neo4j(graph: KnowledgeGraph, driver, ontology: OntologySpec = None, **options):
    """Load into Neo4j with `sinks.neo4j.load_graph` (idempotent); returns its LoadSummary."""
    from .sinks.neo4j import load_graph
    return load_graph(graph, driver, ontology=ontology_of(ontology), **options)


def to_html(graph: KnowledgeGraph, path: PathLike, ontology: OntologySpec = None, title: str = "") -> Path:
    """One self-contained page (it opens offline); returns its path."""
    from .sinks.html import write_html
    return write_html(graph, path, ontology_of(ontology), title=title)


def write(graph: KnowledgeGraph, directory: PathLike, ontology: OntologySpec = None,
          **options) -> dict[str, str]:
    """The build directory `kg build` writes (JSONL, RDF, page, report); returns {what: path}."""
    from .outputs import write_outputs
    return write_outputs(graph, {}, directory, ontology_of(ontology), **options)


def load_build(directory: PathLike, uri: str | None = None, user: str | None = None, password: str | None = None,
               database: str | None = None, *, graph: KnowledgeGraph | None = None,
               ontology: Ontology | None = None, **options):
    """Load a build directory (or its graph, already read) into Neo4j with the ontology the
    build recorded; returns the LoadSummary. Raises `Neo4jLoadError` (server, credentials) and
    `GraphModelError` (a class or predicate the model cannot write)."""
    from .sinks.neo4j import connect, load_graph
    if graph is None or ontology is None:
        read, recorded = pipeline.read_build(directory)
        graph, ontology = graph or read, ontology or recorded
    with connect(uri, user, password, database) as connection:
        return load_graph(graph, connection.driver, database=connection.database, ontology=ontology, **options)
