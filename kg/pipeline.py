"""The stages composed: read → normalise → recognise → relate → resolve → validate.

`Extractor` turns one document into mentions and (unresolved) triples; it holds the models
and tables, loaded once. `build` runs it over inputs and resolves and validates the result
into a `KnowledgeGraph`. Both are what the CLI calls; neither prints.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from time import perf_counter
from typing import Callable, Iterable, Iterator, Sequence

import jieba

from .model import Document, KnowledgeGraph, Mention, Triple
from .ontology import Ontology, load_ontology
from .quantities import QuantityMatch, find_quantities
from .recognise import mentions as mention_steps
from .recognise.lexicon import Lexicon, LexiconEntry, read_dictionary
from .recognise.ner import DEFAULT_MODEL, NerModel
from .recognise.rules import Candidate, Rules, Token
from .relate.facts import Relater
from .resolve import DEFAULT_ALIASES, EntityResolver, load_alias_table
from .sources import SourceError, read_documents
from .text import NormalisedText, normalise, split_sentences
from .times import TimeMatch, find_times
from .validate import validate

jieba.setLogLevel(logging.WARNING)


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
        quantities = [q for q in find_quantities(norm.text, self.ontology)
                      if not any(q.start < e and s < q.end for s, e in time_spans)]
        tokens: list[Token] = list(jieba.tokenize(norm.text))
        blocked = [(q.start, q.end) for q in quantities] + time_spans
        candidates = self.recognise(norm.text, tokens, blocked)
        triples = self.relater.relate(document, norm.text, sentences, candidates, quantities, times, tokens)
        mentions = [Mention(document.id, document.text[c.start:c.end], c.type, c.start, c.end,
                            norm.text[c.start:c.end], c.source, c.score) for c in candidates]
        return DocumentResult(document, mentions, triples, perf_counter() - started)

    def find_times(self, text: str, sentences) -> list[TimeMatch]:
        """Times sentence by sentence, each read against the last year the article named."""
        found: list[TimeMatch] = []
        year = None
        for sentence in sentences:
            for match in find_times(text[sentence.start:sentence.end], year):
                match = TimeMatch(match.start + sentence.start, match.end + sentence.start, match.time)
                found.append(match)
                if match.time.normalised[:4].isdigit():
                    year = int(match.time.normalised[:4])
        return found

    def recognise(self, text: str, tokens: Sequence[Token], blocked: list[tuple[int, int]]) -> list[Candidate]:
        candidates = [Candidate(s, e, entry.type, "dictionary" if entry.tier == 3 else "lexicon", 1.0, entry.tier)
                      for s, e, entry in self.lexicon.find(text)]
        candidates += self.rules.candidates(text, tokens, blocked)
        if self.model is not None:
            candidates += [Candidate(s, e, cls, "ner", score, 1) for s, e, cls, score in self.model.predict(text)]
        candidates = [c for c in candidates if not any(c.start < e and s < c.end for s, e in blocked)]
        selected = [c for c in mention_steps.select(candidates) if mention_steps.keep(text, c, self.ontology)]
        selected = mention_steps.complete_person_names(text, selected, tokens, self.ontology)
        spread = mention_steps.propagate(text, selected, self.ontology)
        return [c for c in spread if mention_steps.keep(text, c, self.ontology)
                and not any(c.start < e and s < c.end for s, e in blocked)]


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


@dataclass(slots=True)
class BuildReport:
    documents: int = 0
    failed: list[SourceError] = field(default_factory=list)
    mentions: int = 0
    triples_extracted: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    validation: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"documents": self.documents, "failed": [{"source": f.source, "reason": f.reason} for f in self.failed],
                "mentions": self.mentions, "triples_extracted": self.triples_extracted,
                "validation": self.validation, "seconds": {k: round(v, 3) for k, v in self.seconds.items()}}


def build(inputs: Iterable[str | Path], settings: Settings = Settings(), *, stdin=None,
          extractor: Extractor | None = None,
          on_document: Callable[[DocumentResult | SourceError], None] | None = None
          ) -> tuple[KnowledgeGraph, BuildReport]:
    """Extract every input, resolve entities across documents, validate every triple."""
    extractor = extractor or Extractor(settings)
    resolver = EntityResolver(extractor.ontology, alias_files=settings.aliases)
    graph, report = KnowledgeGraph(), BuildReport()
    triples: list[Triple] = []
    started = perf_counter()
    for result in extract(inputs, extractor, stdin=stdin):
        if on_document is not None:
            on_document(result)
        if isinstance(result, SourceError):
            report.failed.append(result)
            continue
        doc = result.document
        report.documents += 1
        graph.documents[doc.id] = doc
        graph.mentions.extend(result.mentions)
        resolver.learn_document_aliases(doc.text, result.mentions, doc.id)
        for m in result.mentions:
            resolver.canonical(m.norm or m.text, m.type, doc.id)
        triples.extend(result.triples)
    report.seconds["extract"] = perf_counter() - started
    started = perf_counter()
    resolved = [resolver.resolve_triple(t) for t in triples]
    report.seconds["resolve"] = perf_counter() - started
    started = perf_counter()
    result = validate(resolved, extractor.ontology)
    report.seconds["validate"] = perf_counter() - started
    graph.triples, graph.rejected = result.valid, result.rejected
    used = {t.subject.id for t in resolved} | {t.object.id for t in resolved if not t.is_quantity}
    graph.entities = {e.id: e for e in resolver.entities() if e.id in used or e.mentions}
    report.mentions = len(graph.mentions)
    report.triples_extracted = len(triples)
    report.validation = result.summary()
    return graph, report
