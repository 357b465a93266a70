"""Dictionary matching: names that must be found whole, with their class.

Entries come from the ontology's alias table, from user dictionaries (`--dict FILE`) and from
lexicons learned at training time. Matching is one Aho-Corasick pass over the text; a Latin
name only matches at Latin word boundaries (NIO is not found inside UNION).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import ahocorasick

from ..dictionaries import DictionaryError, read_table  # noqa: F401  (DictionaryError: re-exported)
from ..text import Coverage, normalise


@dataclass(frozen=True, slots=True)
class LexiconEntry:
    name: str  # canonical name
    type: str  # ontology class
    aliases: tuple[str, ...] = ()
    tier: int = 2  # 3 = user dictionary (always wins), 2 = shipped tables


def read_dictionary(path: str | Path, tier: int = 3) -> list[LexiconEntry]:
    """A TSV dictionary: name<TAB>class<TAB>alias|alias…  (# comments and a header allowed)."""
    return [LexiconEntry(row.name, row.type, row.aliases, tier) for row in read_table(path)]


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


class Lexicon:
    """Longest-match dictionary lookup over normalised text."""

    def __init__(self, entries: Iterable[LexiconEntry] = ()):
        self.entries: dict[str, LexiconEntry] = {}
        for entry in entries:
            self.add(entry)
        self._automaton = None

    def add(self, entry: LexiconEntry) -> None:
        for surface in (entry.name, *entry.aliases):
            key = normalise(surface).text
            current = self.entries.get(key)
            if current is None or entry.tier >= current.tier:
                self.entries[key] = entry
        self._automaton = None

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, surface: str) -> bool:
        return surface in self.entries

    def _built(self):
        if self._automaton is None:
            automaton = ahocorasick.Automaton()
            for key in self.entries:
                automaton.add_word(key, key)
            if len(automaton):
                automaton.make_automaton()
            self._automaton = automaton
        return self._automaton

    def find(self, text: str) -> Iterator[tuple[int, int, LexiconEntry]]:
        """(start, end, entry) for every occurrence, longest first at each position, no overlaps."""
        automaton = self._built()
        if not len(automaton):
            return
        hits = []
        for end_index, key in automaton.iter(text):
            start, end = end_index - len(key) + 1, end_index + 1
            if _is_latin(key[0]) and start > 0 and _is_latin(text[start - 1]):
                continue
            if _is_latin(key[-1]) and end < len(text) and _is_latin(text[end]):
                continue
            hits.append((start, end, key))
        hits.sort(key=lambda h: (-(h[1] - h[0]), h[0]))
        taken = Coverage(len(text))  # linear in the text, not in hits × names taken
        for start, end, key in hits:
            if not taken.overlaps(start, end):
                taken.add(start, end)
                yield start, end, self.entries[key]

    def to_bytes(self) -> bytes:
        rows = sorted({(e.name, e.type, e.aliases, e.tier) for e in self.entries.values()})
        return json.dumps(rows, ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> "Lexicon":
        return cls(LexiconEntry(n, t, tuple(a), tier) for n, t, a, tier in json.loads(data))
