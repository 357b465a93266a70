"""Load a KnowledgeGraph into Neo4j over Bolt: idempotent, batched, and honest about failures.

Constraints come first, then documents, entities, relations, measurements and mentions in
`UNWIND` batches, each batch one `execute_write` transaction (the driver may retry it, and
every statement is a MERGE, so a retry or a second load writes the same graph). A failure
raises `Neo4jLoadError` naming what was already written; nothing is reported as loaded that
was not.
"""

from __future__ import annotations

import os
from concurrent.futures import CancelledError, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, fields
from typing import Any, Sequence

import neo4j
from neo4j.exceptions import AuthError, ClientError, Neo4jError, ServiceUnavailable

from kg.model import KnowledgeGraph
from kg.ontology import Ontology, load_ontology
from kg.sinks import neo4j_queries as q
from kg.sinks.neo4j_graph import graph_rows

DEFAULT_URI = "bolt://localhost:7687"
DEFAULT_USER = "neo4j"
DEFAULT_BATCH_SIZE = 10_000


@dataclass
class KindCount:
    written: int = 0  # rows sent
    created: int = 0  # of which new; the rest merged into what was there

    @property
    def merged(self) -> int:
        return self.written - self.created


@dataclass
class LoadSummary:
    documents: KindCount = field(default_factory=KindCount)
    entities: KindCount = field(default_factory=KindCount)
    relations: KindCount = field(default_factory=KindCount)
    measurements: KindCount = field(default_factory=KindCount)
    mentions: KindCount = field(default_factory=KindCount)
    deleted_relationships: int = 0
    deleted_nodes: int = 0
    batches: int = 0

    def describe(self) -> str:
        kinds = [f"{f.name} {c.written} ({c.created} new)" for f in fields(self)
                 if isinstance(c := getattr(self, f.name), KindCount) and c.written]
        deleted = (f", deleted {self.deleted_relationships} relationships and {self.deleted_nodes} nodes"
                   if self.deleted_relationships or self.deleted_nodes else "")
        return f"{', '.join(kinds) or 'nothing'} in {self.batches} batches{deleted}"


class Neo4jLoadError(RuntimeError):
    """A load that could not start or finish; `written` says what reached the database."""

    def __init__(self, message: str, written: LoadSummary | None = None):
        super().__init__(message)
        self.written = written or LoadSummary()


@dataclass
class Neo4jConnection:
    """A verified driver and the database to write to; close it (or use `with`)."""

    driver: neo4j.Driver
    uri: str
    user: str
    database: str | None

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> "Neo4jConnection":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def explain(exc: Exception, database: str | None, uri: str = "the server") -> str:
    """Driver exception → what a user should check."""
    if isinstance(exc, AuthError):
        return f"Neo4j at {uri} refused the user name or password ({exc.message})"
    if isinstance(exc, ServiceUnavailable):
        return f"cannot reach Neo4j at {uri}: is the server running and the URI right? ({exc})"
    if isinstance(exc, ClientError) and exc.code and "DatabaseNotFound" in exc.code:
        return f"Neo4j at {uri} has no database {database!r} (Community edition has only 'neo4j')"
    if isinstance(exc, Neo4jError):
        return f"Neo4j at {uri} answered {exc.code}: {exc.message}"
    return f"talking to Neo4j at {uri} failed: {exc}"


def check_reachable(driver: neo4j.Driver, database: str | None, uri: str = "the server") -> None:
    """Fail fast, before writing: wrong password, no server or no such database all surface here."""
    try:
        with driver.session(database=database) as session:
            session.run("RETURN 1").consume()
    except (Neo4jError, ServiceUnavailable, OSError) as exc:
        raise Neo4jLoadError(explain(exc, database, uri)) from exc


def connect(uri: str | None = None, user: str | None = None, password: str | None = None,
            database: str | None = None) -> Neo4jConnection:
    """Open and verify a connection; unset arguments come from NEO4J_URI, NEO4J_USERNAME,
    NEO4J_PASSWORD and NEO4J_DATABASE (default bolt://localhost:7687, user neo4j)."""
    uri = uri or os.environ.get("NEO4J_URI", DEFAULT_URI)
    user = user or os.environ.get("NEO4J_USERNAME", DEFAULT_USER)
    password = password if password is not None else os.environ.get("NEO4J_PASSWORD")
    database = database or os.environ.get("NEO4J_DATABASE") or None
    if password is None:
        raise Neo4jLoadError("no Neo4j password: pass one or set NEO4J_PASSWORD")
    try:
        driver = neo4j.GraphDatabase.driver(uri, auth=(user, password))
    except ValueError as exc:  # a malformed URI
        raise Neo4jLoadError(f"not a Neo4j URI: {uri!r} ({exc})") from exc
    try:
        check_reachable(driver, database, uri)
    except Neo4jLoadError:
        driver.close()
        raise
    return Neo4jConnection(driver, uri, user, database)


def _write(driver: neo4j.Driver, database: str | None, query: q.Query) -> Any:
    def work(tx: neo4j.ManagedTransaction) -> Any:
        return tx.run(*query).consume().counters

    with driver.session(database=database) as session:
        return session.execute_write(work)


def _run_batches(driver: neo4j.Driver, database: str | None, jobs: Sequence[q.Query], workers: int,
                 count: KindCount, created_counter: str, summary: LoadSummary) -> None:
    """Run the batches of one kind, `workers` at a time (their MERGE keys are disjoint).

    Every batch that succeeded is counted even when another fails, so the error can say
    exactly what was written.
    """
    def one(job: q.Query) -> tuple[int, int]:
        return len(job[1]["rows"]), getattr(_write(driver, database, job), created_counter)

    def add(written: int, created: int) -> None:
        count.written += written
        count.created += created
        summary.batches += 1

    if workers <= 1:
        for job in jobs:
            add(*one(job))
        return
    failure: BaseException | None = None
    with ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(one, job) for job in jobs]
        for future in as_completed(futures):
            try:
                add(*future.result())
            except CancelledError:
                continue
            except Exception as exc:
                failure = failure or exc
                for pending in futures:
                    pending.cancel()
    if failure:
        raise failure


def load_graph(graph: KnowledgeGraph, driver: neo4j.Driver, *, database: str | None = None,
               batch_size: int = DEFAULT_BATCH_SIZE, replace_docs: bool = False,
               ontology: Ontology | None = None, workers: int = 1) -> LoadSummary:
    """Write `graph` and return what was created or merged, per kind.

    `replace_docs` first deletes everything the graph's documents said in an earlier load, so
    facts a re-extraction dropped do not linger. A model error (a predicate or class not in the
    ontology) is raised as GraphModelError before anything is written.
    """
    rows = graph_rows(graph, ontology or load_ontology())
    check_reachable(driver, database)
    summary = LoadSummary()
    try:
        with driver.session(database=database) as session:
            for statement in q.SCHEMA:  # schema changes cannot share a transaction with writes
                session.run(statement).consume()
            session.run(q.AWAIT_INDEXES).consume()  # else the first batches get (and cache) scan plans
        if replace_docs and rows.documents:
            _delete_documents(driver, database, rows.doc_ids, summary)
        for kind, created_counter, jobs in q.load_plan(rows, batch_size):
            _run_batches(driver, database, jobs, workers, getattr(summary, kind), created_counter, summary)
    except (Neo4jError, ServiceUnavailable, OSError) as exc:
        raise Neo4jLoadError(f"{explain(exc, database)}; the load stopped part-way after writing "
                             f"{summary.describe()}", summary) from exc
    return summary


def _delete_documents(driver: neo4j.Driver, database: str | None, doc_ids: list[str],
                      summary: LoadSummary) -> None:
    def work(tx: neo4j.ManagedTransaction) -> tuple[int, int]:
        counters = [tx.run(*query).consume().counters for query in q.delete_document_facts(doc_ids)]
        return sum(c.relationships_deleted for c in counters), sum(c.nodes_deleted for c in counters)

    with driver.session(database=database) as session:
        relationships, nodes = session.execute_write(work)
    summary.deleted_relationships += relationships
    summary.deleted_nodes += nodes
    summary.batches += 1
