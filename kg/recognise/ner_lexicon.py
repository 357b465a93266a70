"""Typed gazetteers for the statistical recogniser: where does each character sit in a known name?

A CRF cannot memorise thousands of company or person names from a few thousand sentences, but it
can learn how far to trust "this character is inside a string some list calls a company". Each kind
is a separate signal, so a string listed as both a company and an organisation yields both and the
model weighs them.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Sequence

import ahocorasick
import numpy as np

MIN_LENGTH = 2  # single characters are in every list and say nothing
LENGTH_BITS = 8  # automaton value: match length in the low bits, a bit per kind above


def bmes(offset: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Position code of a character at `offset` in a piece of `length`: 1 B, 2 M, 3 E, 4 S."""
    return np.where(length == 1, 4, np.where(offset == 0, 1, np.where(offset == length - 1, 3, 2)))


class Lexicon:
    """Entity strings grouped by kind; one Aho-Corasick pass finds every kind's matches."""

    def __init__(self, entries: dict[str, set[str]], kinds: Sequence[str]):
        self.kinds = list(kinds)
        self.entries = {kind: {s for s in entries.get(kind, ()) if len(s) >= MIN_LENGTH and "\n" not in s}
                        for kind in self.kinds}
        masks: dict[str, int] = {}
        for bit, kind in enumerate(self.kinds):
            for string in self.entries[kind]:
                masks[string] = masks.get(string, 0) | 1 << bit
        self._automaton = ahocorasick.Automaton()
        for string, mask in masks.items():
            self._automaton.add_word(string, len(string) | mask << LENGTH_BITS)
        if masks:
            self._automaton.make_automaton()

    def positions(self, text: str) -> np.ndarray:
        """(kinds × characters): 0 outside every match, else 8 * BMES (1..4) + length bucket (0..7).

        A character takes its place in the longest match of each kind covering it (the leftmost
        of equally long ones), so overlapping candidates never hide a longer name.
        """
        out = np.zeros((len(self.kinds), len(text)), dtype=np.int64)
        found = np.array(list(self._automaton.iter(text)) if len(self._automaton) else [], dtype=np.int64)
        if not len(found):
            return out
        ends, lengths = found[:, 0], found[:, 1] & ((1 << LENGTH_BITS) - 1)
        has_kind = (found[:, 1:] >> (LENGTH_BITS + np.arange(len(self.kinds)))) & 1
        match, kind = np.nonzero(has_kind)
        length, start = lengths[match], ends[match] - lengths[match] + 1
        inside = np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length)
        cell = np.repeat(kind * len(text) + start, length) + inside
        rank = np.repeat((length << 32) | (0xFFFFFFFF - start), length)  # longest, then leftmost
        best = np.zeros(out.size, dtype=np.int64)
        np.maximum.at(best, cell, rank)
        covered = np.flatnonzero(best)
        won_length, won_start = best[covered] >> 32, 0xFFFFFFFF - (best[covered] & 0xFFFFFFFF)
        offset = covered % len(text) - won_start
        out.ravel()[covered] = 8 * bmes(offset, won_length) + np.minimum(won_length, 7)
        return out

    def save(self, path: Path) -> None:
        with gzip.open(path, "wt", encoding="utf-8") as stream:
            for kind in sorted(self.entries):
                for string in sorted(self.entries[kind]):
                    stream.write(f"{kind}\t{string}\n")

    @classmethod
    def load(cls, path: Path, kinds: Sequence[str]) -> "Lexicon":
        entries: dict[str, set[str]] = {kind: set() for kind in kinds}
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            for line in stream:
                kind, string = line.rstrip("\n").split("\t", 1)
                entries.setdefault(kind, set()).add(string)
        return cls(entries, kinds)
