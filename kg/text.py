"""Script and width normalisation with an offset map, and Chinese sentence splitting.

Every stage works on normalised text (simplified script, half-width letters, digits and
punctuation) so that one set of dictionaries and rules serves 寧德時代 and 宁德时代, ＳＵ７ and
SU7. Outputs must still point into the ORIGINAL text: conversion is character for character, so an
offset into the normalised text is the same offset into the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import opencc

from .components import component
from .grammar import default_grammar
from .model import Doc, Sentence

# Full-width ASCII (！ to ～) sits 0xFEE0 above its half-width form; U+3000 is the ideographic space.
_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _to_simplified(text: str) -> str:
    """OpenCC t2s, kept to one output character per input character.

    OpenCC converts phrases, which almost always keeps the length; where a line changes length
    we convert that line character by character so offsets stay exact.
    """
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    lines = text.split("\n")
    out = []
    for line in lines:
        c = _t2s().convert(line)
        if len(c) != len(line):
            c = "".join(ch2 if len(ch2 := _t2s().convert(ch)) == 1 else ch for ch in line)
        out.append(c)
    return "\n".join(out)


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """The text the pipeline reads, with the way back to the original."""

    original: str
    text: str

    def original_span(self, start: int, end: int) -> str:
        """Offsets map one to one: normalisation never changes a character count."""
        return self.original[start:end]


def normalise(text: str) -> NormalisedText:
    """Traditional → simplified, full-width → half-width; same length, so offsets carry over."""
    folded = text.translate(_WIDTH)
    simplified = _to_simplified(folded)
    return NormalisedText(text, simplified)


# ---------------------------------------------------------------- sentence splitting

_TERMINATORS = set("。！？!?；;")
# A sentence longer than this is cut, at the last clause mark (，、：) of each stretch or else hard,
# so that no stage that reads a sentence whole can be made slow by one giant sentence.
MAX_SENTENCE_CHARS = 500
_CLAUSE_MARKS = "，,、：:"
_CLOSERS_AFTER_END = set("”’」』\"')）】》")
_OPEN = {"“": "”", "「": "」", "『": "』", "(": ")", "（": "）", "【": "】", "《": "》", "[": "]"}
BULLET_MARKS = "•·●▪◆◇■□○◎►▶➤✔✓-*"
_LIST_NUMERALS = "".join(w for group in ("digit", "small_multiplier") for w in default_grammar().words(group))
_BULLET = re.compile(rf"[ \t\u3000]*(?:[{re.escape(BULLET_MARKS)}]|\d{{1,2}}(?:[、)）]|\.(?=[ \t]))"
                     rf"|[{_LIST_NUMERALS}]{{1,2}}、|[(（]\d{{1,2}}[)）])[ \t\u3000]*")


def split_sentences(doc_id: str, normalised: NormalisedText) -> list[Sentence]:
    """Split into sentences at 。！？； and line breaks, keeping quotes and brackets whole.

    A line that starts with a bullet (•, -, 1., 一、, (1)) starts a new sentence; the bullet
    itself is left out of the sentence. A sentence over MAX_SENTENCE_CHARS is cut into pieces
    (`cut_long`). Splitting reads the normalised text; each Sentence carries its original
    surface and offsets into the original text.
    """
    text = normalised.text
    sentences: list[Sentence] = []
    paragraph = 0
    line_start = 0
    for line in text.split("\n"):
        line_end = line_start + len(line)
        if line.strip():
            bullet = _BULLET.match(line)
            start = line_start + (bullet.end() if bullet else 0)
            for s, e in (piece for span in _split_line(text, start, line_end) for piece in cut_long(text, *span)):
                sentences.append(Sentence(doc_id, len(sentences), s, e, normalised.original[s:e], paragraph))
            paragraph += 1
        line_start = line_end + 1
    return sentences


def _split_line(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, depth_stack, s = [], [], start
    i = start
    while i < end:
        ch = text[i]
        if depth_stack and ch == depth_stack[-1]:
            depth_stack.pop()
            if not depth_stack and text[i - 1] in _TERMINATORS:
                spans.append((s, i + 1))  # “……出海！” closes a sentence
                s = i + 1
        elif ch in _OPEN and not (ch == "(" and depth_stack and depth_stack[-1] == ")"):
            depth_stack.append(_OPEN[ch])
        elif ch in _TERMINATORS and not depth_stack:
            j = i + 1
            while j < end and (text[j] in _TERMINATORS or text[j] in _CLOSERS_AFTER_END):
                j += 1
            spans.append((s, j))
            s, i = j, j
            continue
        i += 1
    spans.append((s, end))
    return [trimmed for a, b in spans if (trimmed := _trim(text, a, b))]


def cut_long(text: str, start: int, end: int, limit: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """The span start–end in pieces of at most `limit` characters: each cut after the last
    clause mark in its stretch when that leaves at least half of it, else hard at `limit`."""
    pieces = []
    while end - start > limit:
        window = text[start:start + limit]
        mark = max(window.rfind(c) for c in _CLAUSE_MARKS) + 1
        cut = start + (mark if mark >= limit // 2 else limit)
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return [trimmed for a, b in pieces if (trimmed := _trim(text, a, b))]


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


@component("normalise", assigns=("text", "sentences"))
class Normaliser:
    """Traditional → simplified and full-width → half-width, then sentences and paragraphs."""

    def __init__(self, ontology):
        pass

    def __call__(self, doc: Doc) -> None:
        normalised = normalise(doc.document.text)
        doc.text = normalised.text
        doc.sentences = split_sentences(doc.document.id, normalised)


class Coverage:
    """Which characters of a text some spans cover: overlap tests in O(span), not O(spans)."""

    def __init__(self, length: int, spans=()):
        self._covered = bytearray(length + 1)
        for start, end in spans:
            self.add(start, end)

    def add(self, start: int, end: int) -> None:
        self._covered[start:end] = b"\x01" * (end - start)

    def overlaps(self, start: int, end: int) -> bool:
        return any(self._covered[start:end])
