"""Typed gazetteers for the statistical recogniser: where does each character sit in a known name?

A CRF cannot memorise thousands of company or person names from a few thousand sentences, but it
can learn how far to trust "this character is inside a string some list calls a company". Each type
gets its own Aho-Corasick automaton so a string listed as both a company and an organisation yields
both signals, and the model weighs them.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Iterable

import ahocorasick
import numpy as np

MIN_LENGTH = 2  # single characters are in every list and say nothing


def bmes(offset: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Position code of a character at `offset` in a piece of `length`: 1 B, 2 M, 3 E, 4 S."""
    return np.where(length == 1, 4, np.where(offset == 0, 1, np.where(offset == length - 1, 3, 2)))


class Lexicon:
    """Entity strings grouped by type, matched leftmost-longest per type."""

    def __init__(self, entries: dict[str, set[str]]):
        self.entries = {kind: {s for s in strings if len(s) >= MIN_LENGTH and "\n" not in s}
                        for kind, strings in entries.items()}
        self._automata: dict[str, ahocorasick.Automaton] = {}
        for kind, strings in self.entries.items():
            if not strings:
                continue
            automaton = ahocorasick.Automaton()
            for string in strings:
                automaton.add_word(string, len(string))
            automaton.make_automaton()
            self._automata[kind] = automaton

    def positions(self, kind: str, text: str) -> np.ndarray:
        """Per character: 0 outside a match, else 8 * BMES (1..4) + length bucket (0..7)."""
        out = np.zeros(len(text), dtype=np.int64)
        automaton = self._automata.get(kind)
        matches = np.array(list(automaton.iter_long(text)) if automaton else [], dtype=np.int64)
        if not len(matches):
            return out
        ends, lengths = matches[:, 0], matches[:, 1]
        inside = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        length = np.repeat(lengths, lengths)
        out[np.repeat(ends - lengths + 1, lengths) + inside] = 8 * bmes(inside, length) + np.minimum(length, 7)
        return out

    def save(self, path: Path) -> None:
        with gzip.open(path, "wt", encoding="utf-8") as stream:
            for kind in sorted(self.entries):
                for string in sorted(self.entries[kind]):
                    stream.write(f"{kind}\t{string}\n")

    @classmethod
    def load(cls, path: Path, kinds: Iterable[str]) -> "Lexicon":
        entries: dict[str, set[str]] = {kind: set() for kind in kinds}
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            for line in stream:
                kind, string = line.rstrip("\n").split("\t", 1)
                entries.setdefault(kind, set()).add(string)
        return cls(entries)
