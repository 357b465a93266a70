"""A corpus through the extractor: in worker processes or on a Dask cluster, written as it goes.

Results are written in input order whatever order the workers finish in, so a parallel or
distributed run writes byte for byte what one process writes, and what a killed run finished
is always a prefix of its output files. A document counts as done only once its lines are
flushed and fsynced and its entry is in progress.jsonl; the entry holds the file lengths after
it, so a restart cuts off whatever was half-written after the last entry and goes on from there.
"""

from __future__ import annotations

import gzip
import os
import stat
import threading
import zlib
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path
from time import monotonic, sleep
from typing import Callable, Iterable, Iterator

from .dictionaries import file_hash
from .limits import InputLimits, count_lines
from .model import Document
from .ontology import DEFAULT_ONTOLOGY
from .resolve import DEFAULT_ALIASES
from .extractor import DocumentResult, Extractor, Settings
from .recognise.ner import DEFAULT_MODEL
from .sinks.jsonl import DOCUMENTS, MENTIONS, PROBLEMS, TRIPLES, document_record, parse_line, to_line
from .sources import JSONL_SUFFIXES, ReadNote, SourceError, files_under, read_documents

PROGRESS = "progress.jsonl"
OUTPUT_FILES = (TRIPLES, MENTIONS, DOCUMENTS, PROBLEMS)
TASKS_PER_WORKER = 4  # in flight per worker: enough to hide hand-over, little held in memory
COMMIT_SECONDS = 1.0  # fsync at most this often; a kill loses at most this much work
LOCAL = "local"
PARENT_POLL_SECONDS = 0.5  # how soon a worker notices its parent was killed


class ResumeError(ValueError):
    """The output directory holds a run with other settings; resuming it would mix results."""


class DirectoryInUse(RuntimeError):
    """Another run is writing into this output directory right now."""


LOCK = ".lock"


@contextmanager
def directory_lock(directory: str | Path) -> Iterator[None]:
    """Hold DIRECTORY/.lock for the length of a run: a second run into the same directory is
    refused instead of interleaving its lines with ours. The lock dies with its process."""
    import fcntl
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / LOCK, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            raise DirectoryInUse(f"{directory} is in use by another run ({lock.read().strip() or 'unknown pid'}); "
                                 "wait for it to end or write elsewhere") from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"pid {os.getpid()}\n")
        lock.flush()
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@dataclass(frozen=True, slots=True)
class Lines:
    """One document's results as JSON Lines, serialised in the worker that computed them."""

    triples: str
    mentions: str
    triple_count: int
    mention_count: int
    problems: str = ""  # what extraction lost (an unreadable figure), one JSON object a line


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one input: for progress, the summary and the exit status."""

    source: str
    chars: int = 0
    triples: int = 0
    mentions: int = 0
    skipped: bool = False  # done by an earlier run of the same output directory
    error: SourceError | None = None
    notes: tuple[str, ...] = ()  # what reading did that is no failure: an id taken, so a new one
    dropped: bool = False  # not a document after all: the same input given twice


SMALL_INPUT = 1_000_000  # bytes: below this one process extracts faster than starting workers


@dataclass(frozen=True, slots=True)
class Execution:
    """Where extraction runs: `workers` processes here (None: decided by the input's size), or a
    Dask scheduler (address or "local")."""

    workers: int | None = 1
    scheduler: str = ""


def serialise(result: DocumentResult) -> Lines:
    def dump(records) -> str:
        return "".join(to_line(r.to_dict()) for r in records)
    return Lines(dump(result.triples), dump(result.mentions), len(result.triples), len(result.mentions),
                 "".join(to_line(p) for p in result.problems))


def fingerprint(settings: Settings) -> dict:
    """What decides an extraction's results, by content: the sha256 of every ontology file,
    dictionary and model file (the built-in ones included), not their paths, so an edited dictionary is never
    mixed with results made from the old one. Alias tables only matter to resolution, which a
    build redoes in full every time, so they are left out."""
    files = {"ontology": ([] if settings.replace_ontology else [DEFAULT_ONTOLOGY]) + list(settings.ontology),
             "dictionaries": [DEFAULT_ALIASES, *settings.dictionaries],
             "model": sorted(DEFAULT_MODEL.iterdir()) if settings.use_model else []}
    return {"use_model": settings.use_model, "replace_ontology": settings.replace_ontology,
            **{kind: [_hash_or_reason(p) for p in paths] for kind, paths in files.items()}}


def _hash_or_reason(path) -> str:
    try:
        return file_hash(path)
    except OSError as exc:
        return f"unreadable: {exc.strerror}"


def _difference(old: bytes, new: bytes) -> str:
    try:
        before, after = parse_line(old)["settings"], parse_line(new)["settings"]
        changed = [key for key in after if before.get(key) != after[key]]
    except (ValueError, KeyError, TypeError, AttributeError):
        changed = []
    names = {"ontology": "the ontology files' contents", "dictionaries": "the dictionaries' contents",
             "model": "the trained model",
             "use_model": "--no-model", "replace_ontology": "--replace-ontology"}
    return "changed: " + ", ".join(names.get(k, k) for k in changed) if changed else "written by another version"


@lru_cache(maxsize=2)
def worker_extractor(settings: Settings) -> Extractor:
    """The extractor of this process: models load once per worker, not once per document."""
    return Extractor(settings)


def start_worker(settings: Settings, parent: int) -> None:
    """A worker process's first act: watch its parent, then load the models once."""
    end_with_parent(parent)
    worker_extractor(settings)


def end_with_parent(parent: int, every: float = PARENT_POLL_SECONDS) -> None:
    """End this process when process `parent` is gone: a SIGKILLed `kg build` has no chance to
    stop its workers, and they must not go on computing for nobody."""
    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            sleep(every)
    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


def extract_in_worker(settings: Settings, document: Document) -> Lines:
    return serialise(worker_extractor(settings)(document))


def count_documents(inputs: Iterable[str | Path]) -> int | None:
    """How many documents the inputs hold, for an ETA; None when that needs reading stdin.
    Never fails: what cannot be counted counts as one (reading it will say what is wrong)."""
    total = 0
    for spec in inputs:
        if str(spec) == "-":
            return None
        path = Path(spec)
        for file in (files_under(path) if path.is_dir() else [path]):
            jsonl = isinstance(file, Path) and file.name.removesuffix(".gz").endswith(tuple(JSONL_SUFFIXES))
            total += _count_lines(file) if jsonl else 1
    return total


def _count_lines(path: Path) -> int:
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return 1
        with (gzip.open if path.suffix == ".gz" else open)(path, "rb") as data:
            return count_lines(data)  # in chunks: a giant line or a decompression bomb costs no memory
    except (OSError, EOFError, zlib.error):
        return 1


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
                                 initializer=start_worker, initargs=(settings, os.getpid())) as pool:
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
        header = to_line({"settings": fingerprint(settings)}).encode("utf-8")
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
                    raise ResumeError(f"{self.directory} holds a run with other settings "
                                      f"({_difference(line, header)}); use --force to start over")
                if number:
                    record = parse_line(line)
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
        document_line = to_line(document_record(document))
        for index, text in enumerate((lines.triples, lines.mentions, document_line, lines.problems)):
            data = text.encode("utf-8")
            self.files[index].write(data)
            self.offsets[index] += len(data)
        entry = {"id": document.id, "hash": document.content_hash, "offsets": self.offsets}
        self.uncommitted.append(to_line(entry).encode("utf-8"))
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
    inputs = list(inputs)
    if execution.workers is None:  # a worker would spend longer loading the models than extracting a small input
        small = not execution.scheduler and input_bytes(inputs) < SMALL_INPUT
        execution = replace(execution, workers=1 if small else os.cpu_count() or 1)
    with directory_lock(directory):
        yield from _extract_corpus(inputs, directory, settings, execution, force, stdin, extractor, limits)


def input_bytes(inputs: Iterable[str | Path]) -> float:
    """The size of the inputs on disk; infinite when unknown (standard input, unreadable paths)."""
    total = 0
    for spec in inputs:
        if str(spec) == "-":
            return float("inf")
        try:
            path = Path(spec)
            total += sum(f.stat().st_size for f in (files_under(path) if path.is_dir() else [path])
                         if isinstance(f, Path) and f.is_file())
        except OSError:
            return float("inf")
    return total


def _extract_corpus(inputs, directory, settings, execution, force, stdin, extractor,
                    limits: InputLimits) -> Iterator[Outcome]:
    files = ResultFiles(directory, settings, force)
    try:
        todo: deque[Outcome] = deque()

        notes: dict[str, list[ReadNote]] = {}

        def note(document: Document, what: ReadNote) -> None:
            if what.dropped:
                todo.append(Outcome(document.source or document.id, dropped=True, notes=_said(document, [what])))
            else:
                notes.setdefault(document.id, []).append(what)

        def unfinished() -> Iterator[Document]:
            for item in read_documents(inputs, stdin=stdin, on_note=note, limits=limits):
                if isinstance(item, SourceError):
                    todo.append(Outcome(item.source, error=item))
                elif files.is_done(item):
                    todo.append(Outcome(item.source or item.id, len(item.text), skipped=True,
                                        notes=_said(item, notes.pop(item.id, ()))))
                else:
                    yield item

        with _submitter(settings, execution, extractor) as (submit, window):
            for document, lines in _in_order(unfinished(), submit, window):
                yield from _drain(todo)
                source = document.source or document.id
                if isinstance(lines, Exception):
                    reason = f"extraction failed: {type(lines).__name__}: {lines}"
                    yield Outcome(source, len(document.text), error=SourceError(source, reason),
                                  notes=_said(document, notes.pop(document.id, ())))
                    continue
                said = notes.pop(document.id, ())
                lost = "".join(to_line({"doc": document.id, "start": n.start, "end": n.end,
                                        "text": document.text[n.start:n.end], "reason": n.message})
                               for n in said if n.lost)
                files.write(document, replace(lines, problems=lost + lines.problems))
                yield Outcome(source, len(document.text), lines.triple_count, lines.mention_count,
                              notes=_said(document, said))
            yield from _drain(todo)
    finally:
        files.close()


def _said(document: Document, notes) -> tuple[str, ...]:
    """Notes for the user; what was lost is written to problems.jsonl and listed from there."""
    return tuple(f"{document.source or document.id}: {n.message}" for n in notes if not n.lost)


def _drain(outcomes: deque[Outcome]) -> Iterator[Outcome]:
    while outcomes:
        yield outcomes.popleft()
