"""The language words every stage shares, read from `ontology/grammar.tsv` (and users' TSV files).

Pronouns, function words, list separators, passive and change markers, titles, number and time
words: the Chinese of the engine lives in that file, one group of words each, and this module
is its only reader. Code asks for a group by its English name (`grammar.words("pronoun")`) and
never spells a Chinese word itself. docs/grammar.md lists the groups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Iterable

DEFAULT_GRAMMAR = Path(__file__).resolve().parent.parent / "ontology" / "grammar.tsv"

# Groups whose words, like the `function` group itself, never stand inside a name.
FUNCTION_GROUPS = ("function", "pronoun", "referring_opener", "passive_marker", "change_from",
                   "enum_separator", "list_end", "modifier_particle", "name_breaker")
# Groups whose words are never an entity on their own.
NOT_AN_ENTITY_GROUPS = ("not_an_entity", "pronoun", "party_word", "referring_opener")


class GrammarError(ValueError):
    """A grammar file that cannot be read: the message names the file and line."""


@dataclass
class Grammar:
    """Words by group, in file order, each with an optional value (一 → 1, 去 → -1)."""

    groups: dict[str, dict[str, str]] = field(default_factory=dict)
    sources: tuple[str, ...] = ()

    def words(self, group: str) -> tuple[str, ...]:
        return tuple(self.groups.get(group, ()))

    def values(self, group: str) -> dict[str, int]:
        """The group's words with their integer values (digits, multipliers, relative years)."""
        return {w: int(v) for w, v in self.groups.get(group, {}).items()}

    def labels(self, group: str) -> dict[str, str]:
        """The group's words with their text values (该板块 → BusinessUnit)."""
        return dict(self.groups.get(group, {}))

    def union(self, names: Iterable[str]) -> frozenset[str]:
        return frozenset(w for name in names for w in self.groups.get(name, ()))

    @cached_property
    def function_words(self) -> frozenset[str]:
        return self.union(FUNCTION_GROUPS)

    @cached_property
    def title_words(self) -> frozenset[str]:
        return frozenset(self.words("title"))

    @cached_property
    def stop_names(self) -> frozenset[str]:
        return self.union(NOT_AN_ENTITY_GROUPS)

    def extend(self, other: "Grammar") -> "Grammar":
        merged = {g: dict(words) for g, words in self.groups.items()}
        for group, words in other.groups.items():
            merged.setdefault(group, {}).update(words)
        return Grammar(merged, self.sources + other.sources)


def read_grammar(path: str | Path) -> Grammar:
    """One grammar TSV: `group<TAB>word[<TAB>value]` rows, `#` comments and blank lines."""
    groups: dict[str, dict[str, str]] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise GrammarError(f"cannot read grammar file {path}: {exc}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) not in (2, 3) or not cells[0].isidentifier() or not cells[1]:
            raise GrammarError(f"{path}:{number}: expected group<TAB>word[<TAB>value], got {line!r}")
        groups.setdefault(cells[0], {})[cells[1]] = cells[2] if len(cells) == 3 else ""
    return Grammar(groups, (str(path),))


def load_grammar(paths: Iterable[str | Path] = (), replace: bool = False) -> Grammar:
    """The shipped grammar (unless `replace`) extended by the given files."""
    grammar = Grammar() if replace else default_grammar()
    for path in paths:
        grammar = grammar.extend(read_grammar(path))
    return grammar


@lru_cache(maxsize=1)
def default_grammar() -> Grammar:
    """The shipped grammar, read once: the number and time readers compile their patterns from it."""
    return read_grammar(DEFAULT_GRAMMAR)
