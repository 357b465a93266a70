"""The knowledge graph as linked data: IRIs, statements, the rdflib Dataset and the files.

Every format is written from one stream of statements (`statements`), so Turtle, N-Triples,
JSON-LD, TriG and N-Quads say exactly the same thing and re-exporting is byte-identical:
node IRIs are hashes of the facts, never counters. Modelling choices are in docs/rdf.md:
entity–entity facts are direct ontology properties plus a `zhkg:Fact` node with the
provenance; measurements are n-ary `zhkg:Quantity` nodes (W3C n-ary relations, pattern 1),
one per value however many documents state it (kg.figures), in the default graph, linked by
`zhkg:conflictsWith` to the values other documents state for the same figure.
The export is self-contained: every entity is typed with its class and the classes above it,
every document and unit a fact names is typed (zhkg:Document, zhkg:Unit with its
zhkg:Dimension), so it conforms to ontology/shapes.ttl without the ontology mixed in.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, TextIO
from urllib.parse import quote, urlsplit

from kg.sinks.rdf_time import time_interval

from rdflib import RDF, RDFS, SKOS, XSD, Dataset, Graph, Namespace

from kg.figures import MergedFigures, Value, merge_measurements
from kg.model import Document, Entity, KnowledgeGraph, Quantity, TimeQualifier, Triple
from kg.ontology import ZHKG, Ontology
from kg.sinks.rdf_stream import (Quad, boolean, integer, iri, text, typed, write_nquads,
                                 write_ntriples, write_trig, write_turtle)

DEFAULT_BASE = "https://w3id.org/zhkg/id/"
LANG = "zh"

PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("https://schema.org/")
QUDT = Namespace("http://qudt.org/schema/qudt/")
DCTERMS = Namespace("http://purl.org/dc/terms/")

# Every property and class the export writes, by role; shapes and docs use the same names.
VOCAB = {
    "type": RDF.type, "label": RDFS.label, "altLabel": SKOS.altLabel,
    "subject": RDF.subject, "predicate": RDF.predicate, "object": RDF.object,
    "Document": ZHKG.Document, "ProvEntity": PROV.Entity, "Fact": ZHKG.Fact, "Quantity": ZHKG.Quantity,
    "title": DCTERMS.title, "source": DCTERMS.source, "derivedFrom": PROV.wasDerivedFrom,
    "confidence": ZHKG.confidence, "extractor": ZHKG.extractor, "inferred": ZHKG.inferred,
    "time": ZHKG.time, "timeRaw": ZHKG.timeRaw, "evidence": ZHKG.evidence,
    "evidenceStart": ZHKG.evidenceStart, "evidenceEnd": ZHKG.evidenceEnd,
    "value": SCHEMA.value, "maxValue": SCHEMA.maxValue, "unit": QUDT.unit, "unitText": SCHEMA.unitText,
    "raw": ZHKG.raw, "dimension": ZHKG.dimension, "approximate": ZHKG.approximate,
    "modifier": ZHKG.modifier, "previous": ZHKG.previous,
    "sha256": SCHEMA.sha256, "startDate": SCHEMA.startDate, "endDate": SCHEMA.endDate,
    "Unit": ZHKG.Unit, "Dimension": ZHKG.Dimension, "unitDimension": ZHKG.dimension,
    "statedAs": ZHKG.statedAs, "sources": ZHKG.sources, "support": ZHKG.support,
    "conflictsWith": ZHKG.conflictsWith,
}
_T = {role: iri(str(term)) for role, term in VOCAB.items()}
_DECIMAL = str(XSD.decimal)
_DATE = str(XSD.date)


def check_base(base: str) -> str:
    """`base` if it can prefix every IRI the export mints, else ValueError with a one-line
    reason: it must be absolute (scheme and host) and end in / or #, or `entity/…` would be
    glued onto its last segment."""
    parts = urlsplit(base)
    if not (parts.scheme and parts.netloc and base[-1:] in ("/", "#")):
        hint = f" (did you mean {base}/ ?)" if parts.scheme and parts.netloc else ""
        raise ValueError(f"RDF base must be an absolute IRI ending in / or #, not {base!r}{hint}")
    try:
        iri(base)
    except ValueError:
        raise ValueError(f"RDF base {base!r} contains characters an IRI cannot carry "
                         "(space, <>\"{}|^`\\); percent-encode them") from None
    return base


def prefixes(base: str = DEFAULT_BASE) -> dict[str, str]:
    """Prefixes for Turtle, TriG, JSON-LD (inline context) and SPARQL over the export."""
    return {
        "rdf": str(RDF), "rdfs": str(RDFS), "skos": str(SKOS), "xsd": str(XSD), "zhkg": str(ZHKG),
        "prov": str(PROV), "schema": str(SCHEMA), "qudt": str(QUDT), "dcterms": str(DCTERMS),
        "unit": "http://qudt.org/vocab/unit/", "cur": "http://qudt.org/vocab/currency/",
        "entity": f"{base}entity/", "doc": f"{base}doc/", "fact": f"{base}fact/",
        "quantity": f"{base}quantity/", "graph": f"{base}graph/",
    }


def decimal_lexical(value: Decimal | float) -> str:
    """The XSD 1.1 canonical form (2177, 0.5, never 2177.0 or 3.659E+11), so that every
    writer and parser agrees on one literal and round trips stay isomorphic."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"xsd:decimal has no form for {number}")
    lexical = format(number, "f")
    if "." in lexical:
        lexical = lexical.rstrip("0").rstrip(".")
    return "0" if lexical == "-0" else lexical


@lru_cache(maxsize=1 << 16)
def iri_segment(value: str) -> str:
    """Text → one IRI path segment: NFC, then percent-encoded, so a Chinese id has exactly one
    spelling (a raw and an encoded IRI would be two different nodes)."""
    return quote(unicodedata.normalize("NFC", value), safe="-._~")


class _Names:
    """Mints the N-Triples term of every node the export mentions."""

    def __init__(self, ontology: Ontology, base: str):
        self.base = check_base(base)
        self.ontology = ontology
        self._predicates = {p.id: iri(p.iri) for p in ontology.predicates.values()}
        self._units = {u.symbol: iri(u.iri) for u in ontology.units.values()}
        self._classes: dict[str, tuple[str, ...]] = {}

    def entity(self, entity_id: str) -> str:
        return f"<{self.base}entity/{iri_segment(entity_id)}>"

    def document(self, doc_id: str) -> str:
        return f"<{self.base}doc/{iri_segment(doc_id)}>"

    def graph(self, doc_id: str) -> str:
        return f"<{self.base}graph/{iri_segment(doc_id)}>"

    def node(self, kind: str, digest: str) -> str:
        return f"<{self.base}{kind}/{digest}>"

    def cls(self, name: str) -> str:
        return iri(self.ontology.class_iri(name))

    def classes(self, name: str) -> tuple[str, ...]:
        """The class and every ontology class above it (Company → Organization → Entity), so
        `?x a zhkg:Organization` finds companies without rdfs:subClassOf* or a reasoner."""
        found = self._classes.get(name)
        if found is None:
            found = self._classes[name] = tuple(self.cls(c) for c in self.ontology.ancestors(name))
        return found

    def predicate(self, predicate_id: str) -> str:
        try:
            return self._predicates[predicate_id]
        except KeyError:
            raise ValueError(f"predicate {predicate_id!r} is not in the ontology; validate first") from None

    def unit(self, symbol: str) -> str:
        try:
            return self._units[symbol]
        except KeyError:
            raise ValueError(f"unit {symbol!r} is not in the ontology; validate first") from None

    def unit_dimension(self, symbol: str) -> str:
        self.unit(symbol)
        return self.dimension(self.ontology.units[symbol].dimension)

    def dimension(self, name: str) -> str:
        return iri(str(ZHKG[name]))


def fact_digest(triple: Triple) -> str:
    """Stable identity of a fact node: the triple's key plus where it was read."""
    obj = triple.object
    target = obj.id if isinstance(obj, Entity) else f"{decimal_lexical(obj.value)} {obj.unit}"
    parts = (triple.subject.id, triple.predicate.id, target,
             triple.time.normalised if triple.time else "",
             triple.evidence.doc, str(triple.evidence.start), str(triple.evidence.end))
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=8).hexdigest()


def statements(graph: KnowledgeGraph, ontology: Ontology, base: str = DEFAULT_BASE) -> Iterator[Quad]:
    """The whole export as a stream: documents, entities and the units measurements use in
    the default graph, then each document's facts in its named graph `<base>graph/<doc id>`."""
    names = _Names(ontology, base)
    merged = merge_measurements(graph.triples, ontology)
    by_document = _by_document(graph.triples)
    for doc in graph.documents.values():
        yield from _document(doc, names)
    for doc_id in by_document:  # a fact's document is typed even when only its id is known
        if doc_id not in graph.documents:
            yield from _document(Document(doc_id, ""), names)
    for entity in _all_entities(graph):
        yield from _entity(entity, names)
    yield from _units(graph.triples, names)
    yield from _measurements(merged, names)
    for doc_id, triples in by_document.items():
        context = names.graph(doc_id)
        said: set[tuple[str, str, str]] = set()  # one document stating a value twice says it once
        for index, triple in triples:
            yield from _fact(triple, merged.value_of(index), names, context, said)


def _all_entities(graph: KnowledgeGraph) -> Iterator[Entity]:
    """Resolved entities, then any triple endpoint the resolver did not list (so every node
    that a fact names has a type and a label)."""
    seen = set(graph.entities)
    yield from graph.entities.values()
    for triple in graph.triples:
        for node in (triple.subject, triple.object):
            if isinstance(node, Entity) and node.id not in seen:
                seen.add(node.id)
                yield node


def _by_document(triples: Iterable[Triple]) -> dict[str, list[tuple[int, Triple]]]:
    """Facts (with their index) grouped by document, so each named graph is one contiguous TriG block."""
    groups: dict[str, list[tuple[int, Triple]]] = {}
    for index, triple in enumerate(triples):
        groups.setdefault(triple.evidence.doc, []).append((index, triple))
    return groups


_WEB_ADDRESS = re.compile(r"https?://", re.IGNORECASE)


def source_name(source: str) -> str:
    """What the export says a document came from: the file name, never the directory it sat
    in on the machine that ran the build (`/home/me/news/a.txt` → `a.txt`; a JSON Lines
    record `corpus.jsonl:12` → itself). A web address (http, https) is public and kept."""
    if _WEB_ADDRESS.match(source):
        return source
    return source.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def _document(doc: Document, names: _Names) -> Iterator[Quad]:
    node = names.document(doc.id)
    yield node, _T["type"], _T["Document"], ""
    yield node, _T["type"], _T["ProvEntity"], ""
    if doc.title:
        yield node, _T["title"], text(doc.title, LANG), ""
    if doc.source:
        yield node, _T["source"], text(source_name(doc.source)), ""
    if doc.text:
        yield node, _T["sha256"], text(doc.content_hash), ""


def _entity(entity: Entity, names: _Names) -> Iterator[Quad]:
    node = names.entity(entity.id)
    for cls in names.classes(entity.type):
        yield node, _T["type"], cls, ""
    yield node, _T["label"], text(entity.name, LANG), ""
    for alias in entity.aliases:
        yield node, _T["altLabel"], text(alias, LANG), ""


def _units(triples: Iterable[Triple], names: _Names) -> Iterator[Quad]:
    """Each unit a measurement uses, typed zhkg:Unit with its zhkg:Dimension (both typed),
    in the order first used: what the unit shapes check, without the ontology at hand."""
    units: dict[str, None] = {}
    for triple in triples:
        quantity = triple.object
        while isinstance(quantity, Quantity):
            units.setdefault(quantity.unit)
            quantity = quantity.previous
    dimensions: dict[str, None] = {}
    for symbol in units:
        node, dimension = names.unit(symbol), names.unit_dimension(symbol)
        yield node, _T["type"], _T["Unit"], ""
        yield node, _T["unitDimension"], dimension, ""
        if dimension not in dimensions:
            dimensions.setdefault(dimension)
            yield dimension, _T["type"], _T["Dimension"], ""


def _time(node: str, time: TimeQualifier | None, context: str) -> Iterator[Quad]:
    """The time as written and normalised (strings), plus the period it covers as two
    xsd:date literals SPARQL can compare ("2024-Q4" → 2024-10-01 … 2024-12-31)."""
    if time is not None:
        yield node, _T["time"], text(time.normalised), context
        yield node, _T["timeRaw"], text(time.raw), context
        interval = time_interval(time.normalised)
        if interval is not None:
            yield node, _T["startDate"], typed(interval[0].isoformat(), _DATE), context
            yield node, _T["endDate"], typed(interval[1].isoformat(), _DATE), context


def _measurements(merged: MergedFigures, names: _Names) -> Iterator[Quad]:
    """Each value documents state, once, in the default graph: what was measured (from its
    most precise statement), how many documents state it, their noisy-or confidence, and
    `zhkg:conflictsWith` every value of the same figure and unit that other documents state."""
    for group in merged.groups:
        with_nodes = {v.id for v in group.values if v.has_value_role}
        for value in group.values:
            if value.id not in with_nodes:
                continue  # only a change's old value says it: no measurement node of its own
            node = names.node("quantity", value.id)
            rep = value.representative
            yield from _quantity(node, rep.quantity, rep.triple.time, names, "")
            yield node, _T["sources"], integer(len(value.documents)), ""
            yield node, _T["support"], typed(decimal_lexical(Decimal(str(value.support))), _DECIMAL), ""
            for rival in value.rivals:
                if rival in with_nodes:
                    yield node, _T["conflictsWith"], names.node("quantity", rival), ""


def _fact(triple: Triple, value: Value | None, names: _Names, context: str,
          said: set[tuple[str, str, str]]) -> Iterator[Quad]:
    digest = fact_digest(triple)
    subject = names.entity(triple.subject.id)
    predicate = names.predicate(triple.predicate.id)
    doc = names.document(triple.evidence.doc)
    if isinstance(triple.object, Quantity):
        obj = names.node("quantity", value.id if value is not None else digest)
        for statement in ((subject, predicate, obj), (obj, _T["derivedFrom"], doc)):
            if statement not in said:
                said.add(statement)
                yield *statement, context
    else:
        obj = names.entity(triple.object.id)
        yield subject, predicate, obj, context
    fact = names.node("fact", digest)
    evidence = triple.evidence
    yield fact, _T["type"], _T["Fact"], context
    yield fact, _T["subject"], subject, context
    yield fact, _T["predicate"], predicate, context
    yield fact, _T["object"], obj, context
    yield fact, _T["confidence"], typed(decimal_lexical(round(triple.confidence, 4)), _DECIMAL), context
    if triple.extractor:
        yield fact, _T["extractor"], text(triple.extractor), context
    yield fact, _T["inferred"], boolean(triple.inferred), context
    yield from _time(fact, triple.time, context)
    yield fact, _T["derivedFrom"], doc, context
    yield fact, _T["evidence"], text(evidence.sentence), context
    yield fact, _T["evidenceStart"], integer(evidence.start), context
    yield fact, _T["evidenceEnd"], integer(evidence.end), context
    if isinstance(triple.object, Quantity):
        yield fact, _T["statedAs"], text(triple.object.raw), context


def _quantity(node: str, quantity: Quantity, time: TimeQualifier | None, names: _Names,
              context: str) -> Iterator[Quad]:
    """An n-ary measurement node; a change (从A到B) links its old value as `zhkg:previous`."""
    yield node, _T["type"], _T["Quantity"], context
    yield node, _T["value"], typed(decimal_lexical(quantity.value), _DECIMAL), context
    if quantity.upper is not None:
        yield node, _T["maxValue"], typed(decimal_lexical(quantity.upper), _DECIMAL), context
    yield node, _T["unit"], names.unit(quantity.unit), context
    if quantity.unit:
        yield node, _T["unitText"], text(quantity.unit), context
    yield node, _T["raw"], text(quantity.raw), context
    yield node, _T["dimension"], names.dimension(quantity.dimension), context
    yield node, _T["approximate"], boolean(quantity.approximate), context
    if quantity.modifier:
        yield node, _T["modifier"], text(quantity.modifier), context
    yield from _time(node, time, context)
    if quantity.previous is not None:
        previous = f"{node[:-1]}-previous>"
        yield node, _T["previous"], previous, context
        yield from _quantity(previous, quantity.previous, None, names, context)


def _dataset(quads: Iterable[Quad], bindings: Mapping[str, str]) -> tuple[Dataset, int]:
    """rdflib's view of the stream, read through its own N-Quads parser."""
    buffer = io.StringIO()
    count = write_nquads(quads, buffer, bindings)
    dataset = Dataset(default_union=True)
    for name, namespace in bindings.items():
        dataset.bind(name, namespace, replace=True)
    dataset.parse(data=buffer.getvalue(), format="nquads")
    return dataset, count


def to_rdf(graph: KnowledgeGraph, ontology: Ontology, base: str = DEFAULT_BASE) -> Dataset:
    """The export as an rdflib Dataset (queries see the union of all graphs): for SHACL,
    SPARQL and tests. Large exports should stream with `write_rdf` instead."""
    return _dataset(statements(graph, ontology, base), prefixes(base))[0]


def _write_jsonld(quads: Iterable[Quad], out: TextIO, context: Mapping[str, str]) -> int:
    """JSON-LD with the context written inline: reading it back never fetches a URL.

    rdflib writes a Dataset's default graph as a graph object without `@id`, which a JSON-LD
    1.1 processor (pyld, Jena, Oxigraph) turns into a blank-node *named* graph, so entities
    and labels would vanish from the default graph. Its node objects are lifted to the top
    level instead, where they belong to the default graph; named graphs keep their `@id`."""
    dataset, count = _dataset(quads, context)
    document = json.loads(dataset.serialize(format="json-ld", context=dict(context)))
    out.write(json.dumps(_lift_default_graph(document), ensure_ascii=False, indent=2))
    out.write("\n")
    return count


def _lift_default_graph(document: dict | list) -> dict:
    """Top-level graph objects with no `@id` → their nodes at the top level."""
    if isinstance(document, list):
        document = {"@graph": document}
    items = document.get("@graph", [document] if "@id" in document else [])
    top: list = []
    for item in items:
        if isinstance(item, dict) and "@graph" in item and "@id" not in item:
            top.extend(item["@graph"])
        else:
            top.append(item)
    return {"@context": document.get("@context", {}), "@graph": top}


@dataclass(frozen=True, slots=True)
class RdfFormat:
    name: str
    suffix: str
    media_type: str
    rdflib_name: str  # what rdflib's parse() calls it, for reading an export back
    write: Callable[[Iterable[Quad], TextIO, Mapping[str, str]], int]


FORMATS: dict[str, RdfFormat] = {f.name: f for f in (
    RdfFormat("ttl", ".ttl", "text/turtle", "turtle", write_turtle),
    RdfFormat("nt", ".nt", "application/n-triples", "nt", write_ntriples),
    RdfFormat("jsonld", ".jsonld", "application/ld+json", "json-ld", _write_jsonld),
    RdfFormat("trig", ".trig", "application/trig", "trig", write_trig),
    RdfFormat("nq", ".nq", "application/n-quads", "nquads", write_nquads),
)}


def rdf_format(name: str) -> RdfFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown RDF format {name!r}; choose one of {', '.join(FORMATS)}") from None


def write_rdf(graph: KnowledgeGraph, path: str | Path, format: str, ontology: Ontology,
              base: str = DEFAULT_BASE) -> int:
    """Write the export to `path` in `format` (ttl, nt, jsonld, trig, nq); returns the number
    of statements written. Everything but JSON-LD streams in constant memory."""
    writer = rdf_format(format)
    check_base(base)  # before the file is opened: a bad base must not leave an empty file
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        return writer.write(statements(graph, ontology, base), out, prefixes(base))


def union_graph(data: Graph) -> Graph:
    """All statements of a Dataset (or a Graph) in one plain Graph: what the triple formats
    hold, and what SHACL and isomorphism checks compare."""
    union = Graph()
    quads = data.quads((None, None, None, None)) if isinstance(data, Dataset) else \
        ((s, p, o, None) for s, p, o in data)
    for s, p, o, _ in quads:
        union.add((s, p, o))
    return union


def read_rdf(path: str | Path, format: str) -> Dataset:
    """Parse an export back (for SPARQL over `kg build` output, and the round-trip tests)."""
    dataset = Dataset(default_union=True)
    dataset.parse(str(path), format=rdf_format(format).rdflib_name)
    return dataset
