"""One sentence as the relation engine sees it: its mentions, figures, times, triggers and words,
cut into clauses, sliced out of the document by bisection."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Sequence

from ..model import Doc, Mention, QuantityMatch, Sentence, TimeMatch, TimeQualifier, Token, TriggerHit

YEAR = re.compile(r"^(?:FY)?(\d{4})")


def year_of(time: TimeQualifier) -> str | None:
    """The calendar year a normalised time falls in (2024-Q4 → 2024, FY2024 → 2024)."""
    match = YEAR.match(time.normalised)
    return match.group(1) if match else None


CLAUSE_BREAKS = frozenset(",;:，；：")


@dataclass(slots=True)
class SentenceView:
    """What one sentence holds, in normalised-text offsets (identical to original offsets)."""

    sentence: Sentence
    doc: Doc
    mentions: list[Mention]
    quantities: list[QuantityMatch]
    times: list[TimeMatch]
    triggers: list[TriggerHit]
    tokens: list[Token]
    clauses: list[tuple[int, int]]
    topic: Mention | None
    listed: list[Mention] = field(default_factory=list)  # the last distributive list's subjects
    previous: Mention | None = None  # the explicit subject of the previous sentence, same paragraph
    stated: Mention | None = None  # the explicit subject of this sentence's first relation
    old_values: list[tuple[int, int]] = field(default_factory=list)  # 由2022年的17.04%: times there are A's
    context_time: TimeQualifier | None = None  # the paragraph's latest year, else the report year

    def clause_of(self, offset: int) -> tuple[int, int]:
        for start, end in self.clauses:
            if start <= offset < end:
                return start, end
        return self.clauses[-1]

    @property
    def text(self) -> str:
        """The whole normalised document text."""
        return self.doc.text

    def between(self, start: int, end: int) -> str:
        return self.text[start:end]


class Spans:
    """Items with start/end, sorted once, sliced per sentence by bisection (not a scan per sentence)."""

    def __init__(self, items: Sequence):
        self.items = sorted(items, key=lambda x: x.start)
        self.starts = [x.start for x in self.items]

    def inside(self, start: int, end: int) -> list:
        lo, hi = bisect_left(self.starts, start), bisect_left(self.starts, end)
        return [x for x in self.items[lo:hi] if x.end <= end]


def clauses(text: str, sentence: Sentence) -> list[tuple[int, int]]:
    """Cut at clause punctuation outside brackets and quotes."""
    out, start, depth = [], sentence.start, 0
    for i in range(sentence.start, sentence.end):
        ch = text[i]
        if ch in "(（“「《[【":
            depth += 1
        elif ch in ")）”」》]】" and depth:
            depth -= 1
        elif ch in CLAUSE_BREAKS and not depth:
            out.append((start, i + 1))
            start = i + 1
    if start < sentence.end:
        out.append((start, sentence.end))
    return out or [(sentence.start, sentence.end)]
