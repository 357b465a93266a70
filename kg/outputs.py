"""Writing a build directory: JSON Lines, RDF, the HTML page and the report, in one place."""

from __future__ import annotations

from pathlib import Path
from time import perf_counter

from .model import KnowledgeGraph
from .ontology import Ontology
from .sinks import jsonl
from .sinks.html import write_html
from .sinks.rdf import DEFAULT_BASE, rdf_format, write_rdf

GRAPH_STEM = "graph"
PAGE = "graph.html"


def write_outputs(graph: KnowledgeGraph, report: dict, directory: str | Path, ontology: Ontology, *,
                  rdf_formats: tuple[str, ...] = ("ttl",), base: str = DEFAULT_BASE,
                  html: bool = True, title: str = "") -> dict[str, str]:
    """Write everything `kg build` promises; returns {what: path}. `report` gains counts and timings."""
    directory = Path(directory)
    paths: dict[str, str] = {}
    started = perf_counter()
    counts = jsonl.write_graph(graph, directory)
    paths.update({name: str(directory / name) for name in counts})
    timings = report.setdefault("seconds", {})
    timings["write_jsonl"] = round(perf_counter() - started, 3)
    for name in rdf_formats:
        started = perf_counter()
        path = directory / f"{GRAPH_STEM}{rdf_format(name).suffix}"
        with jsonl.replacing(path) as partial:
            report.setdefault("rdf_statements", {})[name] = write_rdf(graph, partial, name, ontology, base)
        paths[name] = str(path)
        timings[f"write_{name}"] = round(perf_counter() - started, 3)
    if html:
        started = perf_counter()
        with jsonl.replacing(directory / PAGE) as partial:
            write_html(graph, partial, ontology, title=title)
        paths["html"] = str(directory / PAGE)
        timings["write_html"] = round(perf_counter() - started, 3)
    report["counts"] = {"documents": len(graph.documents), "mentions": len(graph.mentions),
                        "entities": len(graph.entities), "triples": len(graph.triples),
                        "rejected": len(graph.rejected)}
    report["per_predicate"] = _per_predicate(graph)
    paths["report"] = str(jsonl.write_report(directory, report))
    return paths


def _per_predicate(graph: KnowledgeGraph) -> dict[str, int]:
    counts: dict[str, int] = {}
    for t in graph.triples:
        counts[t.predicate.label] = counts.get(t.predicate.label, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))
