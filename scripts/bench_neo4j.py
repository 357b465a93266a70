"""Benchmark the Neo4j loader on a synthetic graph against a real Neo4j server.

    .venv/bin/python scripts/bench_neo4j.py --out reports/bench_neo4j.json

Generates ENTITIES entities and FACTS facts (90 % entity-entity, 10 % measurements), then for
each batch size × worker count loads them with `load_graph` into a fresh server, and times the
bulk path (CSV export + neo4j-admin import). Figures go to the JSON file named by --out.
"""

from __future__ import annotations

import json
import os
import platform
import random
import shlex
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import click
import neo4j

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts" / "neo4j_server")]

import embedded_neo4j  # noqa: E402
from kg.model import Document, Entity, Evidence, KnowledgeGraph, PredicateRef, Quantity, TimeQualifier, Triple  # noqa: E402
from kg.ontology import load_ontology  # noqa: E402
from kg.sinks.neo4j import load_graph  # noqa: E402
from kg.sinks.neo4j_import import write_neo4j_import  # noqa: E402

TYPES = ("Company", "Company", "Product", "Technology", "Person", "Organization")
RELATIONS = ("partnerOf", "supplies", "investsIn", "develops", "adopts", "benchmarksAgainst", "worksFor")
MEASURES = {"revenue": ("亿元", Decimal(100_000_000), "元", "currency"),
            "deliveries": ("万辆", Decimal(10_000), "辆", "vehicles")}
ENTITIES_PER_DOC = 100  # a document talks about one cluster of subjects, as news articles do


def synthetic_graph(n_entities: int, n_facts: int, seed: int = 7) -> KnowledgeGraph:
    """Deterministic graph: subjects cluster by document, objects are drawn from anywhere."""
    rng = random.Random(seed)
    ontology = load_ontology()
    entities = [Entity.named(f"企业{i:06d}", TYPES[i % len(TYPES)], mentions=1) for i in range(n_entities)]
    triples = []
    for i in range(n_facts):
        subject_index = rng.randrange(n_entities)
        subject = entities[subject_index]
        doc = f"doc-{subject_index // ENTITIES_PER_DOC}"
        sentence = f"{subject.name}的第{i}条事实。"
        evidence = Evidence(doc, sentence, 0, len(sentence))
        if i % 10 == 9:
            predicate = rng.choice(sorted(MEASURES))
            suffix, factor, unit, dimension = MEASURES[predicate]
            amount = rng.randrange(1, 5000)
            year = 2019 + i % 6
            obj = Quantity(f"{amount}{suffix}", amount * factor, unit, dimension)
            time_ = TimeQualifier(f"{year}年", str(year))
        else:
            predicate = rng.choice(RELATIONS)
            obj, time_ = entities[rng.randrange(n_entities)], None
        label = ontology.predicates[predicate].label
        triples.append(Triple(subject, PredicateRef(predicate, label), obj, evidence, time_, 0.9, "bench"))
    docs = {t.evidence.doc: Document(t.evidence.doc, "", title=t.evidence.doc) for t in triples}
    return KnowledgeGraph(entities={e.id: e for e in entities}, triples=triples, documents=docs)


def relationship_count(server: embedded_neo4j.Neo4jServer) -> tuple[int, int]:
    with neo4j.GraphDatabase.driver(server.uri, auth=(server.user, server.password)) as driver:
        nodes = driver.execute_query("MATCH (n) RETURN count(n) AS c").records[0]["c"]
        rels = driver.execute_query("MATCH ()-[r]->() RETURN count(r) AS c").records[0]["c"]
    return nodes, rels


def bolt_run(graph: KnowledgeGraph, batch_size: int, workers: int, heap: str, pagecache: str) -> dict:
    """One load into a fresh server, so every configuration starts from an empty store."""
    server = embedded_neo4j.start(heap=heap, pagecache=pagecache)
    try:
        with neo4j.GraphDatabase.driver(server.uri, auth=(server.user, server.password)) as driver:
            started = time.perf_counter()
            summary = load_graph(graph, driver, batch_size=batch_size, workers=workers)
            seconds = time.perf_counter() - started
        nodes, rels = relationship_count(server)
    finally:
        embedded_neo4j.stop(server)
    facts = summary.relations.written + summary.measurements.written
    return {"method": "bolt load_graph", "batch_size": batch_size, "workers": workers,
            "seconds": round(seconds, 2), "facts_per_s": round(facts / seconds),
            "relationships": rels, "relationships_per_s": round(rels / seconds), "nodes": nodes,
            "batches": summary.batches}


def bulk_run(graph: KnowledgeGraph, heap: str, pagecache: str) -> dict:
    """CSV export plus neo4j-admin import; the server start afterwards is not counted."""
    with tempfile.TemporaryDirectory(prefix="zhkg-bulk-") as tmp:
        started = time.perf_counter()
        command_file = write_neo4j_import(graph, Path(tmp) / "csv")
        exported = time.perf_counter()
        home = Path(tmp) / "home"
        home.mkdir()
        done = embedded_neo4j.neo4j_admin(home, shlex.split(command_file.read_text())[1:])
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise click.ClickException(f"neo4j-admin import failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        server = embedded_neo4j.start(home=home, heap=heap, pagecache=pagecache)
        try:
            nodes, rels = relationship_count(server)
        finally:
            embedded_neo4j.stop(server)
    return {"method": "csv + neo4j-admin import", "seconds": round(seconds, 2),
            "export_seconds": round(exported - started, 2), "relationships": rels,
            "relationships_per_s": round(rels / seconds), "nodes": nodes}


@click.command()
@click.option("--entities", default=100_000, show_default=True)
@click.option("--facts", default=500_000, show_default=True)
@click.option("--batch-size", "batch_sizes", multiple=True, type=int, default=(10_000, 50_000), show_default=True)
@click.option("--workers", "worker_counts", multiple=True, type=int, default=(1,), show_default=True)
@click.option("--bulk/--no-bulk", default=True, show_default=True, help="Also time the neo4j-admin path.")
@click.option("--heap", default="4g", show_default=True)
@click.option("--pagecache", default="2g", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("reports/bench_neo4j.json"),
              show_default=True)
def main(entities: int, facts: int, batch_sizes: tuple[int, ...], worker_counts: tuple[int, ...], bulk: bool,
         heap: str, pagecache: str, out: Path) -> None:
    started = time.perf_counter()
    graph = synthetic_graph(entities, facts)
    report = {"entities": entities, "facts": facts, "generate_seconds": round(time.perf_counter() - started, 2),
              "neo4j_version": embedded_neo4j.neo4j_version(), "heap": heap, "pagecache": pagecache,
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "platform": platform.platform()},
              "runs": []}
    for batch_size in batch_sizes:
        for workers in worker_counts:
            report["runs"].append(bolt_run(graph, batch_size, workers, heap, pagecache))
            click.echo(json.dumps(report["runs"][-1], ensure_ascii=False), err=True)
    if bulk:
        report["runs"].append(bulk_run(graph, heap, pagecache))
        click.echo(json.dumps(report["runs"][-1], ensure_ascii=False), err=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    click.echo(f"wrote {out}", err=True)


if __name__ == "__main__":
    main()
