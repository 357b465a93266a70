"""A build directory's RDF, page and report.json written from its JSON Lines files, streaming.

`kg build` resolves and validates in passes over files; this writes what comes after the same
way, so memory does not grow with the graph: every RDF format but JSON-LD is streamed from
triples.jsonl (`sinks.rdf_files`), the page is the whole graph when it is small and a bounded
view of the most connected entities when it is not (`sinks.html.page_view`, with a note on the
page and under "page" in report.json), and the report's counts come from counting lines.
JSON-LD is framed by rdflib in memory, so above `jsonld_limit` valid triples it alone is skipped
(report.json says so under "skipped").
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from time import perf_counter

from .ontology import Ontology
from .outputs import GRAPH_STEM, PAGE
from .sinks import jsonl
from .sinks.html import write_page_from_directory
from .sinks.rdf import DEFAULT_BASE, rdf_format, write_rdf
from .sinks.rdf_files import STREAMED_FORMATS, write_rdf_from_directory

JSONLD_LIMIT = 200_000  # valid triples; JSON-LD alone is built in memory


def write_directory_outputs(directory: str | Path, summary: dict, ontology: Ontology, *,
                            rdf_formats: tuple[str, ...] = ("ttl",), base: str = DEFAULT_BASE, html: bool = True,
                            title: str = "", jsonld_limit: int = JSONLD_LIMIT) -> dict[str, str]:
    """RDF files, graph.html and report.json for the build in `directory`; returns {what: path}.

    `summary` (a `BuildReport.to_dict()`, with its "validation") gains "rdf_statements",
    timings, "counts", "per_predicate", "page" and, when JSON-LD was left out, "skipped";
    it is written as report.json.
    """
    directory = Path(directory)
    paths: dict[str, str] = {}
    timings = summary.setdefault("seconds", {})
    valid = summary.get("validation", {}).get("valid", 0)
    skipped = []
    for name in rdf_formats:
        started = perf_counter()
        path = directory / f"{GRAPH_STEM}{rdf_format(name).suffix}"
        if name in STREAMED_FORMATS:
            count = write_rdf_from_directory(directory, path, name, ontology, base)
        elif valid <= jsonld_limit:
            count = write_rdf(jsonl.read_graph(directory), path, name, ontology, base)
        else:
            skipped.append(name)
            continue
        summary.setdefault("rdf_statements", {})[name] = count
        paths[name] = str(path)
        timings[f"write_{name}"] = round(perf_counter() - started, 3)
    if html:
        started = perf_counter()
        view = write_page_from_directory(directory, directory / PAGE, ontology, title=title)
        summary["page"] = view.summary()
        paths["html"] = str(directory / PAGE)
        timings["write_html"] = round(perf_counter() - started, 3)
    summary["counts"] = {"documents": _count(directory / jsonl.DOCUMENTS), "mentions": _count(directory / jsonl.MENTIONS),
                         "entities": _count(directory / jsonl.ENTITIES), "triples": _count(directory / jsonl.TRIPLES),
                         "rejected": _count(directory / jsonl.REJECTED)}
    summary["per_predicate"] = per_predicate(directory / jsonl.TRIPLES)
    if skipped:
        summary["skipped"] = {"outputs": skipped,
                              "reason": f"JSON-LD is built in memory and the graph has more than {jsonld_limit} valid "
                                        "triples; the other RDF formats hold the same statements"}
    (directory / jsonl.REPORT).write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    paths["report"] = str(directory / jsonl.REPORT)
    return paths


def _count(path: Path) -> int:
    if not path.exists():
        return 0
    with open(path, "rb") as lines:
        return sum(1 for line in lines if line.strip())


def per_predicate(path: Path) -> dict[str, int]:
    """Valid triples per predicate label, most first (ties in order of first use)."""
    counts: Counter = Counter()
    if path.exists():
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    counts[json.loads(line)["predicate"]["label"]] += 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))
