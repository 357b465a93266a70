"""Benchmark the RDF writers: statements per second and memory, streaming vs rdflib.

    .venv/bin/python scripts/bench_rdf.py                       # 1,000,000 statements
    .venv/bin/python scripts/bench_rdf.py --statements 200000 --rdflib-statements 50000

A synthetic graph (companies, partnerships, revenues and deliveries spread over documents)
is built in memory first; each format is then written to a temporary file. Memory is the
growth of the process's peak RSS while a writer runs (0 means it never needed more than the
graph itself: the writer streams). rdflib is measured on a smaller sample because it holds
the whole graph, and its serialise step is timed alone (building its Dataset is not counted).
Results go to --out as JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.model import (Document, Entity, Evidence, KnowledgeGraph, PredicateRef, Quantity,  # noqa: E402
                      TimeQualifier, Triple)
from kg.ontology import load_ontology  # noqa: E402
from kg.sinks.rdf import rdf_format, statements, to_rdf, union_graph, write_rdf  # noqa: E402

RDFLIB_NAMES = {"nt": "nt", "nq": "nquads", "ttl": "turtle", "trig": "trig", "jsonld": "json-ld"}


def synthetic_graph(facts: int) -> KnowledgeGraph:
    """A graph shaped like real output: one in two facts a measurement, every fact timed,
    ten facts per company and fifty per document whatever the size."""
    companies, documents = max(2, facts // 10), max(1, facts // 50)
    firms = [Entity.named(f"测试公司{i}号", "Company", [f"公司{i}"]) for i in range(companies)]
    docs = {f"doc-{d}": Document(f"doc-{d}", "…", f"news/{d}.txt", f"报道 {d}") for d in range(documents)}
    triples = []
    for i in range(facts):
        subject, other = firms[i % companies], firms[(i * 7 + 1) % companies]
        sentence = f"{subject.name}{2020 + i % 5}年与{other.name}达成战略合作，营收增长。"
        evidence = Evidence(f"doc-{i % documents}", sentence, i % 5000, i % 5000 + len(sentence))
        time_ = TimeQualifier(f"{2020 + i % 5}年", str(2020 + i % 5))
        if i % 2:
            obj = Quantity(f"{i % 9000 + 1}亿元", Decimal(i % 9000 + 1) * Decimal("1E8"), "元", "currency")
            triples.append(Triple(subject, PredicateRef("revenue", "营收"), obj, evidence, time_, 0.9, "rule:quantity"))
        else:
            triples.append(Triple(subject, PredicateRef("partnerOf", "合作"), other, evidence, time_, 0.8, "rule:relation"))
    return KnowledgeGraph({e.id: e for e in firms}, triples, [], docs)


def sized_graph(target: int, ontology) -> tuple[KnowledgeGraph, int]:
    """The smallest synthetic graph with about `target` statements."""
    probe = synthetic_graph(2000)
    per_fact = sum(1 for _ in statements(probe, ontology)) / 2000
    graph = synthetic_graph(max(1, int(target / per_fact)))
    return graph, sum(1 for _ in statements(graph, ontology))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def bench_stream(graph: KnowledgeGraph, ontology, fmt: str, folder: Path) -> dict:
    path = folder / f"bench{rdf_format(fmt).suffix}"
    before = peak_rss_mb()
    start = time.perf_counter()
    count = write_rdf(graph, path, fmt, ontology)
    seconds = time.perf_counter() - start
    result = {"writer": "zhkg-stream", "format": fmt, "statements": count, "seconds": round(seconds, 2),
              "statements_per_s": round(count / seconds), "bytes": path.stat().st_size,
              "peak_rss_growth_mb": round(peak_rss_mb() - before, 1)}
    path.unlink()
    return result


def bench_rdflib(graph: KnowledgeGraph, ontology, fmt: str, folder: Path) -> dict:
    before = peak_rss_mb()
    dataset = to_rdf(graph, ontology)
    target = dataset if fmt in ("nq", "trig", "jsonld") else union_graph(dataset)
    path = folder / f"rdflib{rdf_format(fmt).suffix}"
    start = time.perf_counter()
    target.serialize(destination=str(path), format=RDFLIB_NAMES[fmt], encoding="utf-8")
    seconds = time.perf_counter() - start
    count = len(target)
    result = {"writer": "rdflib", "format": fmt, "statements": count, "seconds": round(seconds, 2),
              "statements_per_s": round(count / seconds), "bytes": path.stat().st_size,
              "peak_rss_growth_mb": round(peak_rss_mb() - before, 1)}
    path.unlink()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--formats", default="nt,nq,ttl,trig")
    parser.add_argument("--rdflib-statements", type=int, default=100_000,
                        help="sample size for rdflib (0 to skip)")
    parser.add_argument("--rdflib-formats", default="nt,ttl")
    parser.add_argument("--out", type=Path, default=Path("reports/bench_rdf.json"))
    args = parser.parse_args()

    ontology = load_ontology()
    graph, total = sized_graph(args.statements, ontology)
    results = {"machine": {"python": platform.python_version(), "platform": platform.platform()},
               "graph": {"facts": len(graph.triples), "statements": total,
                         "peak_rss_after_build_mb": round(peak_rss_mb(), 1)},
               "runs": []}
    with tempfile.TemporaryDirectory() as folder:
        for fmt in args.formats.split(","):
            results["runs"].append(bench_stream(graph, ontology, fmt, Path(folder)))
            print(json.dumps(results["runs"][-1], ensure_ascii=False), flush=True)
        if args.rdflib_statements:
            sample, _ = sized_graph(args.rdflib_statements, ontology)
            for fmt in args.rdflib_formats.split(","):
                results["runs"].append(bench_rdflib(sample, ontology, fmt, Path(folder)))
                print(json.dumps(results["runs"][-1], ensure_ascii=False), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
