"""Cypher for the Neo4j loader, built by pure functions that return (query, parameters).

Values always travel as parameters (`UNWIND $rows`). Labels and relationship types cannot, so
each builder takes them as arguments and refuses anything `safe_identifier` would not pass;
callers get them from the ontology (kg.sinks.neo4j_graph), never from extracted text. Every
statement is a MERGE, so a batch that the driver retries, or a whole load run twice, writes
the same graph.
"""

from __future__ import annotations

from typing import Any, Sequence

from kg.sinks.neo4j_graph import (DOCUMENT, ENTITY, EVIDENCED_BY, MEASUREMENT, MENTIONS, Neo4jRows,
                                  safe_identifier)

Query = tuple[str, dict[str, Any]]

SCHEMA = (
    f"CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (e:{ENTITY}) REQUIRE e.id IS UNIQUE",
    f"CREATE CONSTRAINT document_id IF NOT EXISTS FOR (d:{DOCUMENT}) REQUIRE d.id IS UNIQUE",
    f"CREATE CONSTRAINT measurement_id IF NOT EXISTS FOR (m:{MEASUREMENT}) REQUIRE m.id IS UNIQUE",
    f"CREATE INDEX entity_name IF NOT EXISTS FOR (e:{ENTITY}) ON (e.name)",
    f"CREATE INDEX measurement_predicate_year IF NOT EXISTS FOR (m:{MEASUREMENT}) ON (m.predicate, m.year)",
)

AWAIT_INDEXES = "CALL db.awaitIndexes(300)"


def merge_documents(rows: Sequence[dict[str, Any]]) -> Query:
    """A document seen only through evidence has no title: keep one a fuller load wrote."""
    query = (f"UNWIND $rows AS row\n"
             f"MERGE (d:{DOCUMENT} {{id: row.id}})\n"
             f"SET d.title = coalesce(row.title, d.title, ''), d.source = coalesce(row.source, d.source, '')")
    return query, {"rows": list(rows)}


def merge_entities(labels: Sequence[str], rows: Sequence[dict[str, Any]]) -> Query:
    """MERGE on the unique `id` of :Entity; aliases from every load are kept (set union)."""
    if not labels or labels[0] != ENTITY:
        raise ValueError(f"entity labels must start with {ENTITY}: {labels!r}")
    extra = "".join(f":{safe_identifier(label)}" for label in labels[1:])
    set_labels = f"e{extra}, " if extra else ""
    query = (f"UNWIND $rows AS row\n"
             f"MERGE (e:{ENTITY} {{id: row.id}})\n"
             f"SET {set_labels}e.name = row.name, e.type = row.type, e.mentions = row.mentions,\n"
             f"    e.aliases = [a IN coalesce(e.aliases, []) WHERE NOT a IN row.aliases] + row.aliases")
    return query, {"rows": list(rows)}


def merge_relations(rel_type: str, rows: Sequence[dict[str, Any]]) -> Query:
    """One relationship per fact id: the same fact from another document is a second edge."""
    query = (f"UNWIND $rows AS row\n"
             f"MATCH (s:{ENTITY} {{id: row.subject}})\n"
             f"MATCH (o:{ENTITY} {{id: row.object}})\n"
             f"MERGE (s)-[r:{safe_identifier(rel_type)} {{fact_id: row.props.fact_id}}]->(o)\n"
             f"SET r += row.props")
    return query, {"rows": list(rows)}


def merge_measurements(rel_type: str, rows: Sequence[dict[str, Any]]) -> Query:
    """A measurement is a node (value, unit, year together and indexed); the fact that names
    it is an edge carrying the same provenance properties as an entity–entity relation."""
    query = (f"UNWIND $rows AS row\n"
             f"MATCH (s:{ENTITY} {{id: row.subject}})\n"
             f"MATCH (d:{DOCUMENT} {{id: row.doc}})\n"
             f"MERGE (m:{MEASUREMENT} {{id: row.props.id}})\n"
             f"SET m += row.props\n"
             f"MERGE (s)-[r:{safe_identifier(rel_type)} {{fact_id: row.edge.fact_id}}]->(m)\n"
             f"SET r += row.edge\n"
             f"MERGE (m)-[:{EVIDENCED_BY}]->(d)")
    return query, {"rows": list(rows)}


def merge_mentions(rows: Sequence[dict[str, str]]) -> Query:
    query = (f"UNWIND $rows AS row\n"
             f"MATCH (d:{DOCUMENT} {{id: row.doc}})\n"
             f"MATCH (e:{ENTITY} {{id: row.entity}})\n"
             f"MERGE (d)-[:{MENTIONS}]->(e)")
    return query, {"rows": list(rows)}


def delete_document_facts(doc_ids: Sequence[str]) -> list[Query]:
    """What the documents said before: their relations, their statements of measurements (and
    the measurements no other document states), mentions, and entities left with no
    relationship at all. Run together in one transaction."""
    params = {"docs": list(doc_ids)}
    find = f"UNWIND $docs AS doc\nMATCH (d:{DOCUMENT} {{id: doc}})"
    return [
        (f"{find}-[:{MENTIONS}]->(:{ENTITY})-[r]->(:{ENTITY})\nWHERE r.doc = doc\nDELETE r", params),
        (f"{find}<-[x:{EVIDENCED_BY}]-(m:{MEASUREMENT})\n"
         f"OPTIONAL MATCH (:{ENTITY})-[r]->(m) WHERE r.doc = doc\nDELETE r, x\n"
         f"WITH DISTINCT m WHERE NOT EXISTS {{ (m)-[:{EVIDENCED_BY}]->() }}\nDETACH DELETE m", params),
        (f"{find}-[x:{MENTIONS}]->(e:{ENTITY})\nDELETE x\nWITH DISTINCT e\n"
         f"WHERE NOT EXISTS {{ (e)--() }}\nDELETE e", params),
    ]


def batches(rows: Sequence[Any], size: int) -> list[Sequence[Any]]:
    if size < 1:
        raise ValueError(f"batch size must be at least 1, not {size}")
    return [rows[i:i + size] for i in range(0, len(rows), size)]


def load_plan(rows: Neo4jRows, batch_size: int) -> list[tuple[str, str, list[Query]]]:
    """(kind, the counter that says how many were new, batches) in the order MATCHes need:
    documents and entities exist before the facts that point at them."""
    def each(groups: dict[str, list[dict[str, Any]]], build) -> list[Query]:
        return [build(key, batch) for key, group in groups.items() for batch in batches(group, batch_size)]

    return [
        ("documents", "nodes_created", [merge_documents(b) for b in batches(rows.documents, batch_size)]),
        ("entities", "nodes_created", each(rows.entities, merge_entities)),
        ("relations", "relationships_created", each(rows.relations, merge_relations)),
        ("measurements", "nodes_created", each(rows.measurements, merge_measurements)),
        ("mentions", "relationships_created", [merge_mentions(b) for b in batches(rows.mentions, batch_size)]),
    ]
