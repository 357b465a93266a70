"""JSON Lines: the one module that writes and reads the build directory's files.

A build directory holds triples.jsonl, mentions.jsonl, entities.jsonl, rejected.jsonl,
documents.jsonl, problems.jsonl (what extraction lost, e.g. a figure too large to compute)
and report.json. `read_graph` turns it back into a KnowledgeGraph, so each
later command works from files without re-running extraction. Every other module (corpus,
pipeline, api) writes and reads these lines through the functions here.

Files are written under a temporary name and renamed when complete, so a reader never sees a
half-written file. A line that does not parse, or parses into the wrong shape, is a
`LineError` naming the file and line; readers either raise it (`BuildDirectoryError`) or, given
an `errors` list, report it there and go on with the next line.
"""

from __future__ import annotations

import dataclasses
import json
import os
from contextlib import contextmanager
from decimal import InvalidOperation
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TextIO, TypeVar

from ..model import Document, Entity, KnowledgeGraph, Mention, Rejection, Triple, Violation

TRIPLES = "triples.jsonl"
MENTIONS = "mentions.jsonl"
ENTITIES = "entities.jsonl"
REJECTED = "rejected.jsonl"
DOCUMENTS = "documents.jsonl"
PROBLEMS = "problems.jsonl"  # what extraction lost: {doc, start, end, text, reason} per line
REPORT = "report.json"
PARTIAL_SUFFIX = ".partial"

T = TypeVar("T")


class BuildDirectoryError(ValueError):
    """A directory that is not the output of `kg build`, or a line that does not parse."""


@dataclasses.dataclass(frozen=True, slots=True)
class LineError:
    """One line of a JSON Lines file that could not be read, and why."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


# ---------------------------------------------------------------- writing

def to_line(record: dict[str, Any], ascii_only: bool = False) -> str:
    """One record as one compact line, non-ASCII kept as written (or \\u-escaped: `ascii_only`)."""
    return json.dumps(record, ensure_ascii=ascii_only, separators=(",", ":")) + "\n"


def dump_line(record: dict[str, Any], out: TextIO) -> None:
    out.write(to_line(record))


@contextmanager
def replacing(path: str | Path) -> Iterator[Path]:
    """A temporary path beside `path`, renamed to `path` when the block ends without error
    (removed when it fails): nobody ever reads a half-written output file."""
    path = Path(path)
    partial = path.with_name(path.name + PARTIAL_SUFFIX)
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def writing(path: str | Path) -> Iterator[TextIO]:
    """A text stream to `path`, written under a temporary name and renamed when complete."""
    with replacing(path) as partial, open(partial, "w", encoding="utf-8") as out:
        yield out


def write_lines(path: str | Path, records: Iterable[dict[str, Any]]) -> int:
    count = 0
    with writing(path) as out:
        for record in records:
            dump_line(record, out)
            count += 1
    return count


def write_report(directory: str | Path, report: dict[str, Any]) -> Path:
    path = Path(directory) / REPORT
    with writing(path) as out:
        out.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    return path


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


# ---------------------------------------------------------------- reading

def parse_line(line: str | bytes) -> Any:
    """One line's JSON value; ValueError (with a short reason) for anything that is not JSON,
    nested too deep, or holds text that is not valid Unicode (lone surrogates)."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON ({exc.msg}, column {exc.colno})") from None
    except RecursionError:
        raise ValueError("invalid JSON (nested too deep)") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 ({exc.reason})") from None
    _check_unicode(value)
    return value


def _check_unicode(value: Any, depth: int = 0) -> None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("text with a lone surrogate (\\ud800-\\udfff), which is not Unicode text") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_unicode(key, depth + 1)
            _check_unicode(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_unicode(item, depth + 1)


def records(path: str | Path, errors: list[LineError] | None = None) -> Iterator[tuple[int, Any]]:
    """(line number, JSON value) for every non-blank line of `path` (nothing if it is missing)."""
    path = Path(path)
    if not path.exists():
        return
    with open(path, "rb") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                yield number, parse_line(line)
            except ValueError as exc:
                _fail(LineError(str(path), number, str(exc)), errors)


def read_objects(path: str | Path, parse: Callable[[dict], T], what: str,
                 errors: list[LineError] | None = None) -> Iterator[T]:
    """Every line of `path` parsed into `what` (a triple, a mention…) and checked for shape."""
    for number, record in records(path, errors):
        try:
            if not isinstance(record, dict):
                raise TypeError(f"expected a JSON object, found {type(record).__name__}")
            value = parse(record)
            _check_shape(value)
        except (KeyError, TypeError, ValueError, AttributeError, InvalidOperation) as exc:
            reason = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc) or type(exc).__name__
            _fail(LineError(str(path), number, f"not {what}: {reason}"), errors)
            continue
        yield value


def _fail(error: LineError, errors: list[LineError] | None) -> None:
    if errors is None:
        raise BuildDirectoryError(str(error))
    errors.append(error)


_SIMPLE = {"str": str, "int": int, "float": (int, float), "bool": bool}


def _check_shape(value: Any) -> None:
    """The fields a model class declares as str/int/float/bool/tuple[str, ...] hold those types
    (`from_dict` checks the names of the fields, not what is in them)."""
    if not dataclasses.is_dataclass(value):
        return
    for f in dataclasses.fields(value):
        item = getattr(value, f.name)
        expected = _SIMPLE.get(str(f.type))
        if expected is not None and (not isinstance(item, expected) or (expected is int and isinstance(item, bool))):
            raise TypeError(f"{type(value).__name__}.{f.name} should be {f.type}, not {type(item).__name__}")
        if str(f.type) == "tuple[str, ...]" and not all(isinstance(a, str) for a in item):
            raise TypeError(f"{type(value).__name__}.{f.name} should be a list of strings")
        if dataclasses.is_dataclass(item):
            _check_shape(item)
        elif isinstance(item, tuple):
            for part in item:
                _check_shape(part)


def _document(record: dict) -> Document:
    return Document(record["id"], record.get("text", ""), record.get("source", ""), record.get("title", ""))


def _rejection(record: dict) -> Rejection:
    record = dict(record)
    violations = tuple(Violation(**v) for v in record.pop("violations", ()))
    return Rejection(Triple.from_dict(record), violations)


def read_triples(path: str | Path, errors: list[LineError] | None = None) -> Iterator[Triple]:
    return read_objects(path, Triple.from_dict, "a triple", errors)


def read_mentions(path: str | Path, errors: list[LineError] | None = None) -> Iterator[Mention]:
    return read_objects(path, Mention.from_dict, "a mention", errors)


def read_entities(path: str | Path, errors: list[LineError] | None = None) -> Iterator[Entity]:
    return read_objects(path, Entity.from_dict, "an entity", errors)


def read_document_records(path: str | Path, errors: list[LineError] | None = None) -> Iterator[Document]:
    return read_objects(path, _document, "a document", errors)


def read_rejections(path: str | Path, errors: list[LineError] | None = None) -> Iterator[Rejection]:
    return read_objects(path, _rejection, "a rejected triple", errors)


def read_problems(path: str | Path, errors: list[LineError] | None = None) -> Iterator[dict]:
    return read_objects(path, _problem, "a problem", errors)


def _problem(record: dict) -> dict:
    if not {"doc", "start", "end", "reason"} <= set(record):
        raise KeyError(sorted({"doc", "start", "end", "reason"} - set(record))[0])
    return record


def read_report(directory: str | Path) -> dict[str, Any]:
    """report.json of a build directory ({} when there is none or it does not parse)."""
    path = Path(directory) / REPORT
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return report if isinstance(report, dict) else {}


def read_graph(directory: str | Path, errors: list[LineError] | None = None) -> KnowledgeGraph:
    """The graph a `kg build` wrote into `directory`.

    Without `errors`, the first bad line raises `BuildDirectoryError`; with it, bad lines are
    listed there and left out of the graph.
    """
    directory = Path(directory)
    if not directory.is_dir() or not (directory / TRIPLES).exists():
        raise BuildDirectoryError(f"{directory}: no {TRIPLES} here; run `kg build INPUT -o {directory}` first")
    graph = KnowledgeGraph(triples=list(read_triples(directory / TRIPLES, errors)))
    for entity in read_entities(directory / ENTITIES, errors):
        graph.entities[entity.id] = entity
    graph.mentions.extend(read_mentions(directory / MENTIONS, errors))
    for document in read_document_records(directory / DOCUMENTS, errors):
        graph.documents[document.id] = document
    graph.rejected.extend(read_rejections(directory / REJECTED, errors))
    for triple in graph.triples:  # a triples file alone still gives a complete graph
        for entity in (triple.subject, triple.object):
            if isinstance(entity, Entity):
                graph.entities.setdefault(entity.id, entity)
    return graph
