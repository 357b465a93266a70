"""JSON Lines: the build directory other tools (and `kg load/export/viz/stats`) read.

A build directory holds triples.jsonl, mentions.jsonl, entities.jsonl, rejected.jsonl,
documents.jsonl and report.json. `read_graph` turns it back into a KnowledgeGraph, so each
later command works from files without re-running extraction.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, TextIO

from ..model import Document, Entity, KnowledgeGraph, Mention, Rejection, Triple, Violation

TRIPLES = "triples.jsonl"
MENTIONS = "mentions.jsonl"
ENTITIES = "entities.jsonl"
REJECTED = "rejected.jsonl"
DOCUMENTS = "documents.jsonl"
REPORT = "report.json"


class BuildDirectoryError(ValueError):
    """A directory that is not the output of `kg build`, or a line that does not parse."""


def dump_line(record: dict[str, Any], out: TextIO) -> None:
    out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")


def write_lines(path: Path, records: Iterable[dict[str, Any]]) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for record in records:
            dump_line(record, out)
            count += 1
    return count


def document_record(doc: Document) -> dict[str, Any]:
    return {"id": doc.id, "title": doc.title, "source": doc.source, "text": doc.text}


def write_graph(graph: KnowledgeGraph, directory: str | Path) -> dict[str, int]:
    """Every part of the graph as JSON Lines; returns the line count per file."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return {
        TRIPLES: write_lines(directory / TRIPLES, (t.to_dict() for t in graph.triples)),
        MENTIONS: write_lines(directory / MENTIONS, (m.to_dict() for m in graph.mentions)),
        ENTITIES: write_lines(directory / ENTITIES, (e.to_dict() for e in sorted(graph.entities.values(), key=lambda e: e.id))),
        REJECTED: write_lines(directory / REJECTED, (r.to_dict() for r in graph.rejected)),
        DOCUMENTS: write_lines(directory / DOCUMENTS, (document_record(d) for d in graph.documents.values())),
    }


def _records(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    if not path.exists():
        return
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError as exc:
                    raise BuildDirectoryError(f"{path}:{number}: invalid JSON ({exc.msg})") from None


def read_triples(path: str | Path) -> list[Triple]:
    path = Path(path)
    out = []
    for number, record in _records(path):
        try:
            out.append(Triple.from_dict(record))
        except (KeyError, TypeError, ValueError) as exc:
            raise BuildDirectoryError(f"{path}:{number}: not a triple: {exc}") from None
    return out


def read_graph(directory: str | Path) -> KnowledgeGraph:
    """The graph a `kg build` wrote into `directory`."""
    directory = Path(directory)
    if not (directory / TRIPLES).exists():
        raise BuildDirectoryError(f"{directory}: no {TRIPLES} here; run `kg build INPUT -o {directory}` first")
    graph = KnowledgeGraph(triples=read_triples(directory / TRIPLES))
    for number, record in _records(directory / ENTITIES):
        entity = Entity.from_dict(record)
        graph.entities[entity.id] = entity
    for _, record in _records(directory / MENTIONS):
        graph.mentions.append(Mention.from_dict(record))
    for _, record in _records(directory / DOCUMENTS):
        graph.documents[record["id"]] = Document(record["id"], record.get("text", ""), record.get("source", ""),
                                                 record.get("title", ""))
    for _, record in _records(directory / REJECTED):
        violations = tuple(Violation(**v) for v in record.pop("violations", ()))
        graph.rejected.append(Rejection(Triple.from_dict(record), violations))
    for triple in graph.triples:  # a triples file alone still gives a complete graph
        for entity in (triple.subject, triple.object):
            if isinstance(entity, Entity):
                graph.entities.setdefault(entity.id, entity)
    return graph
