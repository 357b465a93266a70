"""The stages composed: read → normalise → recognise → relate → resolve → validate.

`build` runs the `extractor.Extractor` over a corpus (through `corpus`, in parallel and
resumably) into files, then resolves and validates in streaming passes over those files, so
memory does not grow with the number of triples. The CLI calls these; none of them prints.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Callable, Iterable, Iterator

from .corpus import Execution, extract_corpus
from .extractor import Extractor, Settings
from .model import Document, KnowledgeGraph, Mention, Rejection
from .ontology import Ontology, load_ontology
from .outputs import write_outputs
from .resolve import EntityResolver
from .sinks import jsonl
from .sinks.rdf import DEFAULT_BASE
from .sources import SourceError
from .validate import ValidationTally, check_triple


EXTRACTED = "extracted"  # a build's resumable extraction: a `kg extract` directory inside it
GRAPH_OUTPUT_LIMIT = 200_000  # valid triples; RDF, the page and Neo4j read the graph into memory


@dataclass(slots=True)
class BuildReport:
    documents: int = 0
    resumed: int = 0  # documents an earlier run of the same build had finished
    failed: list[SourceError] = field(default_factory=list)
    mentions: int = 0
    entities: int = 0
    triples_extracted: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    validation: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"documents": self.documents, "resumed": self.resumed,
                "failed": [{"source": f.source, "reason": f.reason} for f in self.failed],
                "mentions": self.mentions, "triples_extracted": self.triples_extracted,
                "validation": self.validation, "seconds": {k: round(v, 3) for k, v in self.seconds.items()}}


def build(inputs: Iterable[str | Path], directory: str | Path, settings: Settings = Settings(), *,
          execution=None, force: bool = False, stdin=None, extractor: Extractor | None = None,
          on_document: Callable | None = None) -> BuildReport:
    """Extract every input into DIRECTORY/extracted (resumable), then resolve entities across
    documents and validate every triple in a streaming pass over the files written there.

    Writes triples.jsonl, rejected.jsonl, entities.jsonl, mentions.jsonl and documents.jsonl;
    `on_document` hears each input's `corpus.Outcome` as it is done.
    """
    directory = Path(directory)
    report = BuildReport()
    started = perf_counter()
    for outcome in extract_corpus(inputs, directory / EXTRACTED, settings, execution=execution or Execution(),
                                  force=force, stdin=stdin, extractor=extractor):
        if on_document is not None:
            on_document(outcome)
        if outcome.error is not None:
            report.failed.append(outcome.error)
        report.resumed += outcome.skipped
    report.seconds["extract"] = perf_counter() - started
    ontology = extractor.ontology if extractor else load_ontology(settings.ontology, settings.replace_ontology)
    resolve_extracted(directory / EXTRACTED, directory, ontology, settings.aliases, report)
    return report


def resolve_extracted(extracted: Path, directory: Path, ontology: Ontology, aliases: Iterable[str],
                      report: BuildReport) -> None:
    """Two passes over an extraction on disk: every mention teaches the resolver, then every
    triple is resolved (all aliases known by then), validated and written where it belongs."""
    started = perf_counter()
    resolver = EntityResolver(ontology, alias_files=aliases)
    for document, mentions in _documents_with_mentions(extracted):
        report.documents += 1
        report.mentions += len(mentions)
        resolver.learn_document_aliases(document.text, mentions, document.id)
        for m in mentions:
            resolver.canonical(m.norm or m.text, m.type, document.id)
    report.seconds["resolve"] = perf_counter() - started
    started = perf_counter()
    tally, used = ValidationTally(), set()
    with jsonl.writing(directory / jsonl.TRIPLES) as valid, jsonl.writing(directory / jsonl.REJECTED) as rejected:
        for triple in jsonl.read_triples(extracted / jsonl.TRIPLES):
            triple = resolver.resolve_triple(triple)
            violations = check_triple(triple, ontology)
            tally.add(triple, violations)
            used.add(triple.subject.id)
            if not triple.is_quantity:
                used.add(triple.object.id)
            jsonl.dump_line(Rejection(triple, violations).to_dict() if violations else triple.to_dict(),
                            rejected if violations else valid)
    report.triples_extracted = tally.valid + tally.rejected
    report.validation = tally.summary()
    report.entities = jsonl.write_lines(directory / jsonl.ENTITIES,
                      (e.to_dict() for e in resolver.entities() if e.id in used or e.mentions))
    for name in (jsonl.MENTIONS, jsonl.DOCUMENTS):
        with jsonl.replacing(directory / name) as partial:
            shutil.copyfile(extracted / name, partial)
    report.seconds["validate"] = perf_counter() - started


def _documents_with_mentions(extracted: Path) -> Iterator[tuple[Document, list[Mention]]]:
    """documents.jsonl and mentions.jsonl side by side: both were written document by document."""
    mentions = jsonl.read_mentions(extracted / jsonl.MENTIONS)
    waiting = next(mentions, None)
    for document in jsonl.read_document_records(extracted / jsonl.DOCUMENTS):
        own = []
        while waiting is not None and waiting.doc == document.id:
            own.append(waiting)
            waiting = next(mentions, None)
        yield document, own


def write_graph_outputs(directory: str | Path, report: BuildReport, ontology: Ontology, *,
                        rdf_formats: tuple[str, ...] = ("ttl",), base: str = DEFAULT_BASE, html: bool = True,
                        limit: int = GRAPH_OUTPUT_LIMIT) -> tuple[KnowledgeGraph | None, dict]:
    """RDF, the page and report.json for a built directory: the graph and the report summary.

    These read the whole graph into memory, so above `limit` valid triples only report.json is
    written (the summary says what was skipped) and the graph is None.
    """
    directory = Path(directory)
    summary = report.to_dict()
    if report.validation.get("valid", 0) <= limit:
        graph = jsonl.read_graph(directory)
        write_outputs(graph, summary, directory, ontology, rdf_formats=rdf_formats, base=base, html=html)
        return graph, summary
    summary["counts"] = {"documents": report.documents, "mentions": report.mentions, "entities": report.entities,
                         "triples": report.validation["valid"], "rejected": report.validation["rejected"]}
    summary["skipped"] = {"outputs": [*rdf_formats, *(["html"] if html else [])],
                          "reason": f"more than {limit} valid triples"}
    jsonl.write_report(directory, summary)
    return None, summary
