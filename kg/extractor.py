"""One document through the language stages: read → normalise → recognise → relate.

`Extractor` turns one document into mentions and (unresolved) triples; it holds the models and
tables, loaded once. `corpus` runs it over many documents and `pipeline` resolves, validates
and writes what it made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from time import perf_counter
from typing import Iterable, Iterator, Sequence

import rjieba

from .model import Document, Mention, Triple
from .ontology import Ontology, load_ontology
from .quantities import find_quantities
from .recognise import mentions as mention_steps
from .recognise.lexicon import Lexicon, LexiconEntry, read_dictionary
from .recognise.ner import DEFAULT_MODEL, NerModel
from .recognise.rules import Candidate, Rules, Token
from .relate.facts import Relater
from .resolve import DEFAULT_ALIASES, load_alias_table
from .sources import SourceError, read_documents
from .text import Coverage, normalise, split_sentences
from .times import TimeMatch, find_times


_DIGITS = re.compile(r"\d[\d,.，]*")  # a run of digits: where an unreadable figure can be
_FIGURE_CONTEXT = 12  # characters either side that the quantity reader needs to read a figure
_BLANK = " "


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
    problems: list[dict] = field(default_factory=list)  # what was lost, e.g. an unreadable figure


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
        document, problems = _without_surrogates(document)
        norm = normalise(document.text)
        sentences = split_sentences(document.id, norm)
        times = self.find_times(norm.text, sentences)
        time_spans = [(t.start, t.end) for t in times]
        in_time = Coverage(len(norm.text), time_spans)
        found, unreadable = self._quantities(document, norm.text)
        problems += unreadable
        quantities = [q for q in found if not in_time.overlaps(q.start, q.end)]
        tokens: list[Token] = [tuple(t) for t in rjieba.tokenize(norm.text, hmm=True)]
        blocked = [(q.start, q.end) for q in quantities] + time_spans
        candidates = self.recognise(norm.text, tokens, blocked)
        triples = self.relater.relate(document, norm.text, sentences, candidates, quantities, times, tokens)
        mentions = [Mention(document.id, document.text[c.start:c.end], c.type, c.start, c.end,
                            norm.text[c.start:c.end], c.source, c.score) for c in candidates]
        return DocumentResult(document, mentions, triples, perf_counter() - started, problems)

    def _quantities(self, document: Document, text: str) -> tuple[list, list[dict]]:
        """The figures of `text`; one the quantity reader cannot compute (99999…9亿元 overflows
        the decimal context) costs that figure only, reported as a problem, never the document.
        The figure is blanked out (same length, so offsets hold) and the text read again."""
        try:
            return find_quantities(text, self.ontology), []
        except ArithmeticError:
            pass
        masked, problems = text, []
        for run in _DIGITS.finditer(text):
            window = slice(max(0, run.start() - _FIGURE_CONTEXT), run.end() + _FIGURE_CONTEXT)
            try:
                find_quantities(text[window], self.ontology)
            except ArithmeticError as exc:
                masked = masked[:run.start()] + _BLANK * (run.end() - run.start()) + masked[run.end():]
                problems.append(self._problem(document, run.start(), run.end(), exc))
        try:
            return find_quantities(masked, self.ontology), problems
        except ArithmeticError as exc:  # a figure no digit run explains (written in Chinese numerals)
            return [], [self._problem(document, 0, len(text), exc, "figures of this document")]

    @staticmethod
    def _problem(document: Document, start: int, end: int, exc: Exception, what: str = "figure") -> dict:
        return {"doc": document.id, "start": start, "end": end, "text": document.text[start:end][:80],
                "reason": f"unreadable {what}: {type(exc).__name__} (too large or too precise to compute)"}

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


def _without_surrogates(document: Document) -> tuple[Document, list[dict]]:
    """A text with lone surrogates (\\ud800: no Unicode text, nothing downstream can encode it)
    gets U+FFFD in their place, one for one so every offset holds, and a problem saying so."""
    lone = [i for i, ch in enumerate(document.text) if "\ud800" <= ch <= "\udfff"]
    if not lone:
        return document, []
    text = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in document.text)
    return replace(document, text=text), [{"doc": document.id, "start": lone[0], "end": lone[0] + 1, "text": "\ufffd",
                                           "reason": f"{len(lone)} lone surrogate(s) replaced by U+FFFD"}]


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
