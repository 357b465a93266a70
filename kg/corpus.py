"""A corpus through the extractor: in worker processes or on a Dask cluster, written as it goes.

Results are written in input order whatever order the workers finish in, so a parallel or
distributed run writes byte for byte what one process writes, and what a killed run finished
is always a prefix of its output files. A document counts as done only once its lines are
flushed and fsynced and its entry is in progress.jsonl; the entry holds the file lengths after
it, so a restart cuts off whatever was half-written after the last entry and goes on from there.
"""

from __future__ import annotations

import gzip
import json
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path
from time import monotonic
from typing import Callable, Iterable, Iterator

from .limits import InputLimits, count_lines
from .model import Document
from .extractor import DocumentResult, Extractor, Settings
from .sinks.jsonl import DOCUMENTS, MENTIONS, TRIPLES, document_record
from .sources import JSONL_SUFFIXES, SourceError, read_documents

PROGRESS = "progress.jsonl"
OUTPUT_FILES = (TRIPLES, MENTIONS, DOCUMENTS)
TASKS_PER_WORKER = 4  # in flight per worker: enough to hide hand-over, little held in memory
COMMIT_SECONDS = 1.0  # fsync at most this often; a kill loses at most this much work
LOCAL = "local"


class ResumeError(ValueError):
    """The output directory holds a run with other settings; resuming it would mix results."""


@dataclass(frozen=True, slots=True)
class Lines:
    """One document's results as JSON Lines, serialised in the worker that computed them."""

    triples: str
    mentions: str
    triple_count: int
    mention_count: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one input: for progress, the summary and the exit status."""

    source: str
    chars: int = 0
    triples: int = 0
    mentions: int = 0
    skipped: bool = False  # done by an earlier run of the same output directory
    error: SourceError | None = None


@dataclass(frozen=True, slots=True)
class Execution:
    """Where extraction runs: `workers` processes here, or a Dask scheduler (address or "local")."""

    workers: int = 1
    scheduler: str = ""


def serialise(result: DocumentResult) -> Lines:
    def dump(records) -> str:
        return "".join(json.dumps(r.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n"
                       for r in records)
    return Lines(dump(result.triples), dump(result.mentions), len(result.triples), len(result.mentions))


@lru_cache(maxsize=2)
def worker_extractor(settings: Settings) -> Extractor:
    """The extractor of this process: models load once per worker, not once per document."""
    return Extractor(settings)


def extract_in_worker(settings: Settings, document: Document) -> Lines:
    return serialise(worker_extractor(settings)(document))


def count_documents(inputs: Iterable[str | Path]) -> int | None:
    """How many documents the inputs hold, for an ETA; None when that needs reading stdin."""
    total = 0
    for spec in inputs:
        if str(spec) == "-":
            return None
        path = Path(spec)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            total += _count_lines(file) if file.name.removesuffix(".gz").endswith(tuple(JSONL_SUFFIXES)) else 1
    return total


def _count_lines(path: Path) -> int:
    with (gzip.open if path.suffix == ".gz" else open)(path, "rb") as data:
        return count_lines(data)  # in chunks: a giant line or a decompression bomb costs no memory


@contextmanager
def _submitter(settings: Settings, execution: Execution,
               extractor: Callable[[Document], DocumentResult] | None) -> Iterator[tuple[Callable[[Document], Future], int]]:
    """A function that starts one document's extraction, and how many may be in flight."""
    if execution.scheduler:
        with _dask_client(execution) as client:
            workers = max(1, sum(client.nthreads().values()))
            yield (lambda doc: client.submit(extract_in_worker, settings, doc, pure=False)), workers * TASKS_PER_WORKER
    elif execution.workers > 1:
        with ProcessPoolExecutor(execution.workers, mp_context=get_context("spawn"),
                                 initializer=worker_extractor, initargs=(settings,)) as pool:
            yield (lambda doc: pool.submit(extract_in_worker, settings, doc)), execution.workers * TASKS_PER_WORKER
    else:
        here = extractor or worker_extractor(settings)

        def run_here(doc: Document) -> Future:
            future: Future = Future()
            try:
                future.set_result(serialise(here(doc)))
            except Exception as exc:  # one bad document must not end a corpus run
                future.set_exception(exc)
            return future
        yield run_here, 1


@contextmanager
def _dask_client(execution: Execution):
    from distributed import Client, LocalCluster
    if execution.scheduler != LOCAL:
        with Client(execution.scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=execution.workers, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


def _in_order(documents: Iterable[Document], submit: Callable[[Document], Future],
              window: int) -> Iterator[tuple[Document, Lines | Exception]]:
    """Each document with its results (or its error), in input order, `window` in flight."""
    pending: deque[tuple[Document, Future]] = deque()

    def oldest() -> tuple[Document, Lines | Exception]:
        document, future = pending.popleft()
        try:
            return document, future.result()
        except Exception as exc:
            return document, exc

    for document in documents:
        pending.append((document, submit(document)))
        if len(pending) >= window:
            yield oldest()
    while pending:
        yield oldest()


class ResultFiles:
    """triples.jsonl, mentions.jsonl and documents.jsonl appended to, with progress.jsonl saying
    which documents are durably in them (by id and content hash) and where they end."""

    def __init__(self, directory: str | Path, settings: Settings, force: bool = False):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.done: set[tuple[str, str]] = set()
        self.offsets = [0] * len(OUTPUT_FILES)
        header = (json.dumps({"settings": asdict(settings)}, ensure_ascii=False) + "\n").encode("utf-8")
        manifest_length = 0
        if (self.directory / PROGRESS).exists() and not force:
            manifest_length = self._resume(header)
        self.files = [self._open(name, length) for name, length in zip(OUTPUT_FILES, self.offsets)]
        self.manifest = self._open(PROGRESS, manifest_length)
        if not manifest_length:
            self.manifest.write(header)
        self.uncommitted: list[bytes] = []
        self.last_commit = monotonic()

    def _resume(self, header: bytes) -> int:
        """Read what an earlier run finished; returns the length of the manifest worth keeping."""
        length = 0
        with open(self.directory / PROGRESS, "rb") as lines:
            for number, line in enumerate(lines):
                if not line.endswith(b"\n"):
                    break  # a line the kill cut short: that document was not done
                if number == 0 and line != header:
                    raise ResumeError(f"{self.directory} holds a run with other settings; use --force to start over")
                if number:
                    record = json.loads(line)
                    self.done.add((record["id"], record["hash"]))
                    self.offsets = record["offsets"]
                length += len(line)
        return length

    def _open(self, name: str, length: int):
        stream = open(self.directory / name, "ab")
        stream.truncate(length)
        return stream

    def is_done(self, document: Document) -> bool:
        return (document.id, document.content_hash) in self.done

    def write(self, document: Document, lines: Lines) -> None:
        document_line = json.dumps(document_record(document), ensure_ascii=False, separators=(",", ":")) + "\n"
        for index, text in enumerate((lines.triples, lines.mentions, document_line)):
            data = text.encode("utf-8")
            self.files[index].write(data)
            self.offsets[index] += len(data)
        entry = {"id": document.id, "hash": document.content_hash, "offsets": self.offsets}
        self.uncommitted.append((json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8"))
        if monotonic() - self.last_commit >= COMMIT_SECONDS:
            self.commit()

    def commit(self) -> None:
        """Results to disk first, then the entries that say they are there."""
        for stream in self.files:
            _sync(stream)
        self.manifest.writelines(self.uncommitted)
        self.uncommitted.clear()
        _sync(self.manifest)
        self.last_commit = monotonic()

    def close(self) -> None:
        self.commit()
        for stream in (*self.files, self.manifest):
            stream.close()


def _sync(stream) -> None:
    stream.flush()
    os.fsync(stream.fileno())


def extract_corpus(inputs: Iterable[str | Path], directory: str | Path, settings: Settings = Settings(), *,
                   execution: Execution = Execution(), force: bool = False, stdin=None,
                   extractor: Callable[[Document], DocumentResult] | None = None,
                   limits: InputLimits = InputLimits()) -> Iterator[Outcome]:
    """Extract every input into `directory`, skipping documents an earlier run finished.

    Yields one Outcome per input as its results are written (read and extraction errors
    included); `extractor` is used only when extracting in this process; `limits` bound reading.
    """
    files = ResultFiles(directory, settings, force)
    try:
        todo: deque[Outcome] = deque()

        def unfinished() -> Iterator[Document]:
            for item in read_documents(inputs, stdin=stdin, limits=limits):
                if isinstance(item, SourceError):
                    todo.append(Outcome(item.source, error=item))
                elif files.is_done(item):
                    todo.append(Outcome(item.source or item.id, len(item.text), skipped=True))
                else:
                    yield item

        with _submitter(settings, execution, extractor) as (submit, window):
            for document, lines in _in_order(unfinished(), submit, window):
                yield from _drain(todo)
                source = document.source or document.id
                if isinstance(lines, Exception):
                    reason = f"extraction failed: {type(lines).__name__}: {lines}"
                    yield Outcome(source, len(document.text), error=SourceError(source, reason))
                    continue
                files.write(document, lines)
                yield Outcome(source, len(document.text), lines.triple_count, lines.mention_count)
            yield from _drain(todo)
    finally:
        files.close()


def _drain(outcomes: deque[Outcome]) -> Iterator[Outcome]:
    while outcomes:
        yield outcomes.popleft()
