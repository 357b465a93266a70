"""The knowledge graph as Neo4j holds it: one row per node and relationship to write.

    (:Document {id, title, source})-[:MENTIONS]->(:Entity:<Class>... {id, name, type, aliases, mentions})
    (:Entity)-[:PARTNER_OF {fact_id, predicate, label_zh, time, confidence, inferred, evidence, doc, ...}]->(:Entity)
    (:Entity)-[:REVENUE {the same fact properties}]->(:Measurement {id, predicate, value, unit, year, ...})
    (:Measurement)-[:EVIDENCED_BY]->(:Document)

Statements of one figure that agree across documents (kg.figures) are one Measurement with an
edge per statement and an EVIDENCED_BY per document; `conflict: true` marks a measurement
that other documents contradict (same subject, measure, period: same `figure_id`).

Every fact is one typed relationship with the same provenance properties (confidence,
inferred, extractor, evidence, doc, offsets), whether its object is an entity or a
measurement; a Measurement node holds only what was measured (value, unit, raw, time).
Every entity is linked from each document that mentions it (recognised mentions, the facts'
documents, and as a last resort the document text).

The Bolt loader (neo4j.py) and the bulk CSV export (neo4j_import.py) both read these rows, so
the two paths write the same graph. Labels and relationship types cannot be Cypher parameters,
so they come only from ontology names that pass `IDENTIFIER`, never from extracted text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from kg.figures import FigureGroup, Value, merge_measurements
from kg.model import Entity, KnowledgeGraph, Quantity, TimeQualifier, Triple
from kg.ontology import Ontology

IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
ENTITY = "Entity"
MEASUREMENT = "Measurement"
DOCUMENT = "Document"
MENTIONS = "MENTIONS"
EVIDENCED_BY = "EVIDENCED_BY"

# Property name → neo4j-admin import type; the rows below carry exactly these keys.
RELATION_PROPERTIES = {
    "fact_id": "string", "predicate": "string", "label_zh": "string", "time": "string",
    "time_raw": "string", "confidence": "double", "extractor": "string", "evidence": "string",
    "doc": "string", "start": "long", "end": "long", "inferred": "boolean",
    "stated": "string",  # a measured fact: the figure as this statement wrote it (the node may merge several)
}
# A measurement's own properties; the fact's provenance sits on the edge to it (RELATION_PROPERTIES).
MEASUREMENT_PROPERTIES = {
    "id": "string", "predicate": "string", "label_zh": "string", "value": "double", "unit": "string",
    "dimension": "string", "raw": "string", "modifier": "string", "upper": "double",
    "previous_value": "double", "previous_raw": "string", "approximate": "boolean", "time": "string",
    "time_raw": "string", "year": "int",
    # across documents (kg.figures): statements that agree are one measurement
    "figure_id": "string", "sources": "int", "support": "double", "conflict": "boolean",
}


class GraphModelError(ValueError):
    """The graph names a class or predicate the Neo4j model cannot write safely."""


@dataclass
class Neo4jRows:
    """Rows grouped the way Cypher needs them: by label set and by relationship type."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    entities: dict[tuple[str, ...], list[dict[str, Any]]] = field(default_factory=dict)
    relations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    measurements: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    mentions: list[dict[str, str]] = field(default_factory=list)

    @property
    def doc_ids(self) -> list[str]:
        return [d["id"] for d in self.documents]


def safe_identifier(name: str) -> str:
    """Return `name` if it may be spliced into Cypher as a label or type, else refuse it."""
    if not IDENTIFIER.match(name):
        raise GraphModelError(f"{name!r} cannot be a Neo4j label or relationship type "
                              f"(it must match {IDENTIFIER.pattern})")
    return name


def relationship_type(predicate_id: str) -> str:
    """Ontology id → Neo4j convention, mechanically: partnerOf → PARTNER_OF, rdInvestment → RD_INVESTMENT."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", safe_identifier(predicate_id)).upper()


def entity_labels(type_name: str, ontology: Ontology) -> tuple[str, ...]:
    """`Entity` plus the class and its ancestors, so (:Organization) also finds companies."""
    if type_name not in ontology.classes:
        raise GraphModelError(f"entity type {type_name!r} is not a class of the ontology")
    ancestors = [safe_identifier(c) for c in reversed(ontology.ancestors(type_name)) if c != ENTITY]
    return (ENTITY, *ancestors)


def fact_id(triple: Triple) -> str:
    """Stable identity of a fact as read in one document: re-loading MERGEs instead of duplicating."""
    key = repr((*triple.key, triple.evidence.doc)).encode("utf-8")
    return hashlib.blake2b(key, digest_size=12).hexdigest()


def year_of(time: TimeQualifier | None) -> int | None:
    """The year a normalised time starts in ("2024-Q4" → 2024): what "by year" queries group on."""
    match = re.match(r"(\d{4})", time.normalised) if time else None
    return int(match.group(1)) if match else None


def _fact_properties(triple: Triple) -> dict[str, Any]:
    ev = triple.evidence
    return {
        "predicate": triple.predicate.id, "label_zh": triple.predicate.label,
        "time": triple.time.normalised if triple.time else None,
        "time_raw": triple.time.raw if triple.time else None,
        "confidence": float(triple.confidence), "extractor": triple.extractor,
        "evidence": ev.sentence, "doc": ev.doc, "start": ev.start, "end": ev.end,
        "inferred": triple.inferred,
        "stated": triple.object.raw if isinstance(triple.object, Quantity) else None,
    }


def _measurement_properties(value: Value, group: FigureGroup) -> dict[str, Any]:
    """What was measured, from the most precise statement of the value; how many documents
    state it, their combined confidence (`support`, noisy-or; the edges keep each statement's
    own confidence) and whether other documents disagree."""
    triple, quantity = value.representative.triple, value.representative.quantity
    previous = quantity.previous
    return {
        "id": value.id, "figure_id": group.id, "sources": len(value.documents),
        "support": value.support, "conflict": value.conflict,
        "predicate": triple.predicate.id, "label_zh": triple.predicate.label,
        "time": triple.time.normalised if triple.time else None,
        "time_raw": triple.time.raw if triple.time else None,
        "value": float(quantity.value), "unit": quantity.unit, "dimension": quantity.dimension,
        "raw": quantity.raw, "modifier": quantity.modifier or None,
        "upper": None if quantity.upper is None else float(quantity.upper),
        "previous_value": float(previous.value) if previous else None,
        "previous_raw": previous.raw if previous else None,
        "approximate": quantity.approximate, "year": year_of(triple.time),
    }


def _entity_row(entity: Entity) -> dict[str, Any]:
    return {"id": entity.id, "name": entity.name, "type": entity.type,
            "aliases": list(entity.aliases), "mentions": entity.mentions}


def _checked_predicate(triple: Triple, ontology: Ontology) -> str:
    predicate = ontology.predicates.get(triple.predicate.id)
    if predicate is None:
        raise GraphModelError(f"predicate {triple.predicate.id!r} is not in the ontology")
    if predicate.is_quantity != triple.is_quantity:
        raise GraphModelError(f"predicate {predicate.id!r} is a {predicate.kind} predicate but the "
                              f"triple's object is {'a quantity' if triple.is_quantity else 'an entity'}")
    rel_type = relationship_type(predicate.id)
    if rel_type in (MENTIONS, EVIDENCED_BY):
        raise GraphModelError(f"predicate {predicate.id!r} would collide with the model's {rel_type}")
    return rel_type


def graph_rows(graph: KnowledgeGraph, ontology: Ontology) -> Neo4jRows:
    """Every node and relationship of `graph`, checked against `ontology` before anything is written."""
    rows = Neo4jRows()
    entities: dict[str, Entity] = {}
    mentions: dict[tuple[str, str], None] = {}
    docs = {d.id: {"id": d.id, "title": d.title or None, "source": d.source or None}
            for d in graph.documents.values()}
    merged = merge_measurements(graph.triples, ontology)
    for index, triple in enumerate(graph.triples):
        rel_type = _checked_predicate(triple, ontology)
        doc = triple.evidence.doc
        docs.setdefault(doc, {"id": doc, "title": None, "source": None})
        entities.setdefault(triple.subject.id, triple.subject)
        mentions[(doc, triple.subject.id)] = None
        if isinstance(triple.object, Quantity):
            value = merged.by_triple[index]
            props = _measurement_properties(value, merged.group_of[value.id])
            rows.measurements.setdefault(rel_type, []).append(
                {"subject": triple.subject.id, "doc": doc, "props": props,
                 "edge": {"fact_id": fact_id(triple), **_fact_properties(triple)}})
        else:
            entities.setdefault(triple.object.id, triple.object)
            mentions[(doc, triple.object.id)] = None
            rows.relations.setdefault(rel_type, []).append(
                {"subject": triple.subject.id, "object": triple.object.id,
                 "props": {"fact_id": fact_id(triple), **_fact_properties(triple)}})
    entities.update(graph.entities)
    for entity in entities.values():
        rows.entities.setdefault(entity_labels(entity.type, ontology), []).append(_entity_row(entity))
    for doc, entity_id in _mentioned(graph, entities):
        docs.setdefault(doc, {"id": doc, "title": None, "source": None})
        mentions[(doc, entity_id)] = None
    rows.documents = list(docs.values())
    rows.mentions = [{"doc": doc, "entity": entity} for doc, entity in mentions]
    return rows


def _mentioned(graph: KnowledgeGraph, entities: dict[str, Entity]) -> list[tuple[str, str]]:
    """(document, entity) for every entity a document mentions.

    A recognised mention (mentions.jsonl: doc, text, type) names the entity whose name or
    alias it is, of the same class when there is one. An entity no mention or fact ties to a
    document (one a rule made from a phrase, say) is looked for in the normalised text of
    the documents the graph has."""
    by_surface: dict[str, list[Entity]] = {}
    for entity in entities.values():
        for surface in {entity.name, *entity.aliases}:
            by_surface.setdefault(surface, []).append(entity)
    found: dict[tuple[str, str], None] = {}
    for mention in graph.mentions:
        candidates = by_surface.get(mention.norm or mention.text) or by_surface.get(mention.text) or []
        same_class = [e for e in candidates if e.type == mention.type]
        for entity in same_class or candidates:
            found[(mention.doc, entity.id)] = None
    linked = {entity_id for _, entity_id in found} | {t.subject.id for t in graph.triples} | {
        t.object.id for t in graph.triples if isinstance(t.object, Entity)}
    orphans = [e for e in entities.values() if e.id not in linked]
    if orphans and any(d.text for d in graph.documents.values()):
        from kg.text import normalise
        for doc in graph.documents.values():
            text = normalise(doc.text).text if doc.text else ""
            for entity in orphans:
                if any(surface and surface in text for surface in (entity.name, *entity.aliases)):
                    found[(doc.id, entity.id)] = None
    return list(found)
