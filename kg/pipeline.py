"""The stages composed: read → normalise → recognise → relate → resolve → validate.

`build` runs the `extractor.Extractor` over a corpus (through `corpus`, in parallel and
resumably) into files, then resolves and validates in streaming passes over those files, so
memory does not grow with the number of triples. The CLI calls these; none of them prints.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Callable, Iterable, Iterator, Sequence

from .corpus import Execution, extract_corpus
from .extractor import Extractor, Settings
from .limits import InputLimits
from .model import Document, KnowledgeGraph, Mention, Rejection, Triple
from .ontology import Ontology, load_ontology
from .build_outputs import write_directory_outputs
from .resolve import EntityResolver
from .sinks import jsonl
from .sinks.rdf import DEFAULT_BASE
from .sources import SourceError
from .validate import RULES, check_triple


EXTRACTED = "extracted"  # a build's resumable extraction: a `kg extract` directory inside it
GRAPH_OUTPUT_LIMIT = 200_000  # valid triples; Neo4j from `kg build` and JSON-LD read the graph into memory


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


@dataclass(slots=True)
class ValidationTally:
    """`ValidationResult.summary()` counted one triple at a time, holding no triple."""

    valid: int = 0
    rejected: int = 0
    by_rule: Counter = field(default_factory=Counter)
    by_predicate: dict[str, Counter] = field(default_factory=dict)

    def add(self, triple: Triple, violations: tuple) -> None:
        outcome = "rejected" if violations else "valid"
        setattr(self, outcome, getattr(self, outcome) + 1)
        self.by_rule.update(v.rule for v in violations)
        self.by_predicate.setdefault(triple.predicate.id, Counter(valid=0, rejected=0))[outcome] += 1

    def summary(self) -> dict:
        return {"total": self.valid + self.rejected, "valid": self.valid, "rejected": self.rejected,
                "by_rule": {rule: self.by_rule[rule] for rule in RULES},
                "by_predicate": {p: dict(c) for p, c in sorted(self.by_predicate.items())}}


def build(inputs: Iterable[str | Path], directory: str | Path, settings: Settings = Settings(), *,
          execution=None, force: bool = False, stdin=None, extractor: Extractor | None = None,
          on_document: Callable | None = None, limits: InputLimits = InputLimits()) -> BuildReport:
    """Extract every input into DIRECTORY/extracted (resumable), then resolve entities across
    documents and validate every triple in a streaming pass over the files written there.

    Writes triples.jsonl, rejected.jsonl, entities.jsonl, mentions.jsonl and documents.jsonl;
    `on_document` hears each input's `corpus.Outcome` as it is done.
    """
    directory = Path(directory)
    report = BuildReport()
    started = perf_counter()
    for outcome in extract_corpus(inputs, directory / EXTRACTED, settings, execution=execution or Execution(),
                                  force=force, stdin=stdin, extractor=extractor, limits=limits):
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
    tally = ValidationTally()
    with open(directory / jsonl.TRIPLES, "w", encoding="utf-8") as valid, \
            open(directory / jsonl.REJECTED, "w", encoding="utf-8") as rejected:
        for triple in _read(extracted / jsonl.TRIPLES, Triple.from_dict):
            triple = resolver.resolve_triple(triple)
            violations = check_triple(triple, ontology)
            tally.add(triple, violations)
            jsonl.dump_line(Rejection(triple, violations).to_dict() if violations else triple.to_dict(),
                            rejected if violations else valid)
    report.triples_extracted = tally.valid + tally.rejected
    report.validation = tally.summary()
    # Every group is a mention's or a triple endpoint's (resolve_triple adds the latter), so all
    # are written, streamed in id order from the resolver's store.
    report.entities = jsonl.write_lines(directory / jsonl.ENTITIES, (e.to_dict() for e in resolver.iter_entities()))
    resolver.close()
    for name in (jsonl.MENTIONS, jsonl.DOCUMENTS):
        shutil.copyfile(extracted / name, directory / name)
    report.seconds["validate"] = perf_counter() - started


def _read(path: Path, parse: Callable[[dict], object]) -> Iterator:
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            yield parse(json.loads(line))


def _documents_with_mentions(extracted: Path) -> Iterator[tuple[Document, list[Mention]]]:
    """documents.jsonl and mentions.jsonl side by side: both were written document by document."""
    mentions = _read(extracted / jsonl.MENTIONS, Mention.from_dict)
    waiting = next(mentions, None)
    for record in _read(extracted / jsonl.DOCUMENTS, dict):
        document = Document(record["id"], record["text"], record["source"], record["title"])
        own = []
        while waiting is not None and waiting.doc == document.id:
            own.append(waiting)
            waiting = next(mentions, None)
        yield document, own


def write_graph_outputs(directory: str | Path, report: BuildReport, ontology: Ontology, *,
                        rdf_formats: tuple[str, ...] = ("ttl",), base: str = DEFAULT_BASE, html: bool = True,
                        limit: int = GRAPH_OUTPUT_LIMIT, load_graph: bool = False) -> tuple[KnowledgeGraph | None, dict]:
    """RDF, the page and report.json for a built directory, streamed from its files
    (`build_outputs`): the report summary, and the graph when `load_graph` asks for it (for
    Neo4j) and it has at most `limit` valid triples, else None. Memory does not grow with the graph.
    """
    directory = Path(directory)
    summary = report.to_dict()
    write_directory_outputs(directory, summary, ontology, rdf_formats=rdf_formats, base=base, html=html,
                            jsonld_limit=limit)
    graph = jsonl.read_graph(directory) if load_graph and report.validation.get("valid", 0) <= limit else None
    return graph, summary
