"""The bulk path into Neo4j: CSV files for `neo4j-admin database import full`.

For graphs too big to MERGE over Bolt in reasonable time, neo4j-admin writes the store files
directly (into an empty or overwritten database). The rows are the ones the Bolt loader writes
(kg.sinks.neo4j_graph), so both paths give the same graph; the export is deduplicated here
because the importer, unlike MERGE, refuses a node id seen twice.
"""

from __future__ import annotations

import csv
import shlex
from pathlib import Path
from typing import Any, Iterable

from kg.model import KnowledgeGraph
from kg.ontology import Ontology, load_ontology
from kg.sinks.neo4j_graph import (DOCUMENT, EVIDENCED_BY, MEASUREMENT, MEASUREMENT_PROPERTIES, MENTIONS,
                                  RELATION_PROPERTIES, GraphModelError, graph_rows)

ARRAY_DELIMITER = "|"  # between labels and between aliases; rarer in Chinese names than ';'
COMMAND_FILE = "import-command.txt"
MEASUREMENT_COLUMNS = {k: v for k, v in MEASUREMENT_PROPERTIES.items() if k != "id"}  # id is the :ID


def _cell(value: Any) -> str:
    if value is None:
        return ""  # an empty cell: the property is absent, as a null is in Cypher
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _typed(properties: dict[str, str]) -> list[str]:
    return [name if kind == "string" else f"{name}:{kind}" for name, kind in properties.items()]


def _write_csv(path: Path, header: list[str], rows: Iterable[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows([_cell(v) for v in row] for row in rows)
    return path


def _array(values: Iterable[str], what: str) -> str:
    values = list(values)
    clash = [v for v in values if ARRAY_DELIMITER in v]
    if clash:
        raise GraphModelError(f"{what} {clash[0]!r} contains the CSV array delimiter {ARRAY_DELIMITER!r}")
    return ARRAY_DELIMITER.join(values)


def write_neo4j_import(graph: KnowledgeGraph, out_dir: str | Path, ontology: Ontology | None = None,
                       database: str = "neo4j") -> Path:
    """Write node and relationship CSVs plus `import-command.txt` (the exact neo4j-admin call).

    Returns the command file's path.
    """
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    rows = graph_rows(graph, ontology or load_ontology())
    relations = {r["props"]["fact_id"]: (rel_type, r) for rel_type, group in rows.relations.items() for r in group}
    measurements = {m["props"]["id"]: (rel_type, m) for rel_type, group in rows.measurements.items() for m in group}
    statements = {m["edge"]["fact_id"]: (rel_type, m) for rel_type, group in rows.measurements.items() for m in group}
    sources = {(m["props"]["id"], m["doc"]): None for _, m in statements.values()}  # a merged measurement: one per document

    nodes = [
        _write_csv(out / "documents.csv", [f"id:ID({DOCUMENT})", ":LABEL", "title", "source"],
                   ([d["id"], DOCUMENT, d["title"] or "", d["source"] or ""] for d in rows.documents)),
        _write_csv(out / "entities.csv", ["id:ID(Entity)", ":LABEL", "name", "type", "aliases:string[]",
                                          "mentions:long"],
                   ([e["id"], _array(labels, "label"), e["name"], e["type"], _array(e["aliases"], "alias"),
                     e["mentions"]] for labels, group in rows.entities.items() for e in group)),
        _write_csv(out / "measurements.csv",
                   [f"id:ID({MEASUREMENT})", ":LABEL", *_typed(MEASUREMENT_COLUMNS)],
                   ([m["props"]["id"], MEASUREMENT, *(m["props"][k] for k in MEASUREMENT_COLUMNS)]
                    for _, m in measurements.values())),
    ]
    relationships = [
        _write_csv(out / "relations.csv", [":START_ID(Entity)", ":END_ID(Entity)", ":TYPE",
                                           *_typed(RELATION_PROPERTIES)],
                   ([r["subject"], r["object"], rel_type, *(r["props"][k] for k in RELATION_PROPERTIES)]
                    for rel_type, r in relations.values())),
        _write_csv(out / "measured.csv", [":START_ID(Entity)", f":END_ID({MEASUREMENT})", ":TYPE",
                                          *_typed(RELATION_PROPERTIES)],
                   ([m["subject"], m["props"]["id"], rel_type, *(m["edge"][k] for k in RELATION_PROPERTIES)]
                    for rel_type, m in statements.values())),
        _write_csv(out / "evidenced_by.csv", [f":START_ID({MEASUREMENT})", f":END_ID({DOCUMENT})", ":TYPE"],
                   ([measurement, doc, EVIDENCED_BY] for measurement, doc in sources)),
        _write_csv(out / "mentions.csv", [f":START_ID({DOCUMENT})", ":END_ID(Entity)", ":TYPE"],
                   ([m["doc"], m["entity"], MENTIONS] for m in rows.mentions)),
    ]
    command = ["neo4j-admin", "database", "import", "full", database, "--overwrite-destination=true",
               f"--array-delimiter={ARRAY_DELIMITER}", "--multiline-fields=true",
               *(f"--nodes={p}" for p in nodes), *(f"--relationships={p}" for p in relationships)]
    command_file = out / COMMAND_FILE
    command_file.write_text(shlex.join(command) + "\n", encoding="utf-8")
    return command_file
