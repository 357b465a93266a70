"""RDF straight from a build directory's JSON Lines, in passes over the files, never the graph.

`directory_statements` yields what `rdf.statements(read_graph(directory), …)` yields, in the
same order when triples.jsonl is grouped by document (as `kg build` writes it), without reading
the graph into memory: documents and entities stream from their files, units and the
documents only named by a fact are collected in a first pass over the triples (both few), the
entities a fact names that entities.jsonl lacks in a second (checked against an on-disk set),
and the facts in a third. The measured facts are held once, to merge the figures documents
agree on (kg.figures); every format but JSON-LD is written this way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from kg.model import Document, Entity, Quantity, Triple
from kg.ontology import Ontology
from kg.sinks import jsonl
from kg.figures import merge_measurements
from kg.sinks.rdf import (DEFAULT_BASE, _document, _entity, _fact, _measurements, _Names, _units, check_base,
                          prefixes, rdf_format)
from kg.sinks.rdf_stream import Quad
from kg.store import NOTHING, Store

STREAMED_FORMATS = ("ttl", "nt", "trig", "nq")  # JSON-LD is framed by rdflib, in memory


def _lines(path: Path) -> Iterator[dict]:
    if not path.exists():
        return
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise jsonl.BuildDirectoryError(f"{path}:{number}: invalid JSON ({exc.msg})") from None


def _triples(directory: Path) -> Iterator[Triple]:
    for record in _lines(directory / jsonl.TRIPLES):
        yield Triple.from_dict(record)


def directory_statements(directory: str | Path, ontology: Ontology, base: str = DEFAULT_BASE) -> Iterator[Quad]:
    """The export of the build in `directory` as a stream of statements (see the module doc)."""
    directory = Path(directory)
    if not (directory / jsonl.TRIPLES).exists():
        raise jsonl.BuildDirectoryError(f"{directory}: no {jsonl.TRIPLES} here; run `kg build` first")
    names = _Names(ontology, base)
    documents: set[str] = set()  # ids only: one short string per document
    for record in _lines(directory / jsonl.DOCUMENTS):
        if record["id"] in documents:
            continue  # an id read twice: the first record stands
        documents.add(record["id"])
        yield from _document(Document(record["id"], record.get("text", ""), record.get("source", ""),
                                      record.get("title", "")), names)
    named_only: dict[str, None] = {}
    unit_triples: list[Triple] = []  # one triple per unit (chain) first seen: units are few
    units_seen: set[tuple[str, ...]] = set()
    measured: list[Triple] = []  # figures are merged across documents (kg.figures): these stay in memory
    position: dict[int, int] = {}  # line of triples.jsonl → index in `measured`
    for line, triple in enumerate(_triples(directory)):
        if isinstance(triple.object, Quantity):
            position[line] = len(measured)
            measured.append(triple)
        if triple.evidence.doc not in documents:
            named_only.setdefault(triple.evidence.doc)
        chain = _unit_chain(triple.object)
        if chain and chain not in units_seen:
            units_seen.add(chain)
            unit_triples.append(triple)
    for doc_id in named_only:
        yield from _document(Document(doc_id, ""), names)
    store = Store()
    try:
        listed = store.map("listed", NOTHING)
        for record in _lines(directory / jsonl.ENTITIES):
            entity = Entity.from_dict(record)
            listed.add((entity.id,))
            yield from _entity(entity, names)
        for triple in _triples(directory):
            for node in (triple.subject, triple.object):
                if isinstance(node, Entity) and (node.id,) not in listed:
                    listed.add((node.id,))
                    yield from _entity(node, names)
    finally:
        store.close()
    yield from _units(unit_triples, names)
    merged = merge_measurements(measured, ontology)
    del measured
    yield from _measurements(merged, names)
    said: set[tuple[str, str, str]] = set()  # one document stating a value twice says it once
    current = None
    for line, triple in enumerate(_triples(directory)):
        if triple.evidence.doc != current:
            current, said = triple.evidence.doc, set()
        value = merged.value_of(position[line]) if line in position else None
        yield from _fact(triple, value, names, names.graph(triple.evidence.doc), said)


def _unit_chain(obj) -> tuple[str, ...]:
    units = []
    while isinstance(obj, Quantity):
        units.append(obj.unit)
        obj = obj.previous
    return tuple(units)


def write_rdf_from_directory(directory: str | Path, path: str | Path, format: str, ontology: Ontology,
                             base: str = DEFAULT_BASE) -> int:
    """`rdf.write_rdf(read_graph(directory), path, …)` without the graph in memory; returns the
    number of statements. JSON-LD (built by rdflib in memory) is refused: use another format."""
    if format not in STREAMED_FORMATS:
        raise ValueError(f"{format} cannot be written in constant memory; choose one of {', '.join(STREAMED_FORMATS)}")
    writer = rdf_format(format)
    check_base(base)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        return writer.write(directory_statements(directory, ontology, base), out, prefixes(base))
