"""The stages composed: read → normalise → recognise → relate → resolve → validate.

`Extractor` turns one document into mentions and (unresolved) triples; it holds the models
and tables, loaded once. `build` runs it over a corpus (through `corpus`, in parallel and
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

import rjieba

from .model import Document, KnowledgeGraph, Mention, Rejection, Triple
from .ontology import Ontology, load_ontology
from .outputs import write_outputs
from .quantities import find_quantities
from .recognise import mentions as mention_steps
from .recognise.lexicon import Lexicon, LexiconEntry, read_dictionary
from .recognise.ner import DEFAULT_MODEL, NerModel
from .recognise.rules import Candidate, Rules, Token
from .relate.facts import Relater
from .resolve import DEFAULT_ALIASES, EntityResolver, load_alias_table
from .sinks import jsonl
from .sinks.rdf import DEFAULT_BASE
from .sources import SourceError, read_documents
from .text import Coverage, normalise, split_sentences
from .times import TimeMatch, find_times
from .validate import RULES, check_triple



@dataclass(frozen=True, slots=True)
class Settings:
    """What a user can change about a run; everything else comes from the ontology."""

    ontology: tuple[str, ...] = ()  # extra ontology files
    replace_ontology: bool = False
    dictionaries: tuple[str, ...] = ()  # name<TAB>class<TAB>aliases files that force names whole
    aliases: tuple[str, ...] = ()  # extra alias tables for resolution
    use_model: bool = True  # the trained recogniser; off = dictionaries and rules only


@dataclass(slots=True)
class DocumentResult:
    document: Document
    mentions: list[Mention]
    triples: list[Triple]
    seconds: float = 0.0


class Extractor:
    """One document at a time: normalise, recognise, relate. Models load once, here."""

    def __init__(self, settings: Settings = Settings(), ontology: Ontology | None = None):
        self.settings = settings
        self.ontology = ontology or load_ontology(settings.ontology, settings.replace_ontology)
        self.rules = Rules(self.ontology)
        self.lexicon = Lexicon(self._lexicon_entries())
        self.model = NerModel.load(DEFAULT_MODEL) if settings.use_model else None
        self.relater = Relater(self.ontology, self.rules)

    def _lexicon_entries(self) -> Iterator[LexiconEntry]:
        for entry in load_alias_table(DEFAULT_ALIASES):
            yield LexiconEntry(entry.name, entry.type, tuple(entry.aliases), tier=2)
        for path in self.settings.dictionaries:
            yield from read_dictionary(path, tier=3)

    def __call__(self, document: Document) -> DocumentResult:
        started = perf_counter()
        norm = normalise(document.text)
        sentences = split_sentences(document.id, norm)
        times = self.find_times(norm.text, sentences)
        time_spans = [(t.start, t.end) for t in times]
        in_time = Coverage(len(norm.text), time_spans)
        quantities = [q for q in find_quantities(norm.text, self.ontology) if not in_time.overlaps(q.start, q.end)]
        tokens: list[Token] = [tuple(t) for t in rjieba.tokenize(norm.text, hmm=True)]
        blocked = [(q.start, q.end) for q in quantities] + time_spans
        candidates = self.recognise(norm.text, tokens, blocked)
        triples = self.relater.relate(document, norm.text, sentences, candidates, quantities, times, tokens)
        mentions = [Mention(document.id, document.text[c.start:c.end], c.type, c.start, c.end,
                            norm.text[c.start:c.end], c.source, c.score) for c in candidates]
        return DocumentResult(document, mentions, triples, perf_counter() - started)

    def find_times(self, text: str, sentences) -> list[TimeMatch]:
        """Times sentence by sentence, each read against the latest year the article has named so
        far (a 2023 report that compares with 2022 still means 2023 by 第四季度)."""
        found: list[TimeMatch] = []
        year = None
        for sentence in sentences:
            for match in find_times(text[sentence.start:sentence.end], year):
                match = TimeMatch(match.start + sentence.start, match.end + sentence.start, match.time)
                found.append(match)
                if match.time.normalised[:4].isdigit():
                    year = max(year or 0, int(match.time.normalised[:4]))
        return found

    def recognise(self, text: str, tokens: Sequence[Token], blocked: list[tuple[int, int]]) -> list[Candidate]:
        candidates = [Candidate(s, e, entry.type, "dictionary" if entry.tier == 3 else "lexicon", 1.0, entry.tier)
                      for s, e, entry in self.lexicon.find(text)]
        candidates += self.rules.candidates(text, tokens, blocked)
        if self.model is not None:
            candidates += [Candidate(s, e, cls, "ner", score, 1) for s, e, cls, score in self.model.predict(text)]
        covered = Coverage(len(text), blocked)
        candidates = [c for c in candidates if not covered.overlaps(c.start, c.end)]
        selected = mention_steps.select(c for c in candidates if mention_steps.keep(text, c, self.ontology))
        selected = mention_steps.complete_person_names(text, selected, tokens, self.ontology)
        spread = mention_steps.propagate(text, selected, self.ontology)
        return [c for c in spread if mention_steps.keep(text, c, self.ontology) and not covered.overlaps(c.start, c.end)]


def extract(inputs: Iterable[str | Path], extractor: Extractor,
            stdin=None) -> Iterator[DocumentResult | SourceError]:
    """Each input document's mentions and triples, as it is read; read errors pass through."""
    for item in read_documents(inputs, stdin=stdin):
        if isinstance(item, SourceError):
            yield item
            continue
        try:
            yield extractor(item)
        except Exception as exc:  # one bad document must not end a corpus run
            yield SourceError(item.source or item.id, f"extraction failed: {type(exc).__name__}: {exc}")


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
          on_document: Callable | None = None) -> BuildReport:
    """Extract every input into DIRECTORY/extracted (resumable), then resolve entities across
    documents and validate every triple in a streaming pass over the files written there.

    Writes triples.jsonl, rejected.jsonl, entities.jsonl, mentions.jsonl and documents.jsonl;
    `on_document` hears each input's `corpus.Outcome` as it is done.
    """
    from .corpus import Execution, extract_corpus  # corpus runs the Extractor defined here
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
    with open(directory / jsonl.TRIPLES, "w", encoding="utf-8") as valid, \
            open(directory / jsonl.REJECTED, "w", encoding="utf-8") as rejected:
        for triple in _read(extracted / jsonl.TRIPLES, Triple.from_dict):
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
    (directory / jsonl.REPORT).write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return None, summary
