"""Rules that generalise to names no dictionary has seen.

Each rule reads the normalised text and its word tokens (jieba) and proposes candidates:
  - product and model names: Latin letters and digits, with the brand word before them
    (SU7 Ultra, Mate 70 Pro+, 骁龙8295, Redmi Note 12);
  - names ending in a class suffix from the ontology (…股份有限公司, …工厂, …业务, …技术);
  - quoted names with a class suffix (“麒麟电池平台”, 「一体化压铸技术」);
  - person names next to a title (董事长王传福, CEO李斌).
Names end where a function word, trigger word or punctuation starts, all of which come from
the ontology.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Iterable, Sequence

from ..grammar import default_grammar
from ..ontology import Ontology
from ..text import Coverage
from ..words import HAN as _HAN, NameWords, is_common_word, word_info

from ..model import Token


@dataclass(frozen=True, slots=True)
class Candidate:
    start: int
    end: int
    type: str
    source: str
    score: float
    tier: int = 2  # 3 user dictionary, 2 shipped dictionaries and rules, 1 statistical model


_MODEL = re.compile(
    r"(?<![A-Za-z0-9.])"
    r"(?:[A-Za-z][A-Za-z0-9\-]*|\d+[A-Za-z][A-Za-z0-9\-]*|\d+(?=[ ][A-Z]))"
    r"(?:[ ](?:[A-Z][A-Za-z0-9\-]*|\d+[A-Za-z0-9\-]*|[a-z]+\d+[A-Za-z0-9]*))*"
    r"\+?"
)
# A digit run glued to a counter (年, 元, 辆) or to a multiplier that scales Arabic digits (5千,
# 3000万) is a figure or date, not a model name. 十 after digits starts a word (2018十大) and the
# unit-only 兆 may be "mega" (1000兆): neither counts. Words from ontology/grammar.tsv.
_GRAMMAR = default_grammar()
_FIGURE_AFTER = [*_GRAMMAR.words("counter"),
                 *(w for w, v in _GRAMMAR.values("small_multiplier").items() if v >= 100),
                 *(w for w in _GRAMMAR.words("big_multiplier") if w not in _GRAMMAR.words("unit_only_multiplier"))]
_TRAILING_DIGITS = re.compile(r"(?<![A-Za-z0-9.])\d+[A-Za-z0-9]*\+?"
                              rf"(?![\d.%]|{'|'.join(map(re.escape, _FIGURE_AFTER))})")
_QUOTED = re.compile(r"[“「]([^“”「」,，。；;！!？?:：\s]{2,14})[”」]")
_SERIES = "系列"


class Rules:
    """The rule set, built once per ontology (its word lists become lookup sets)."""

    def __init__(self, ontology: Ontology):
        self.ontology = ontology
        self.is_name_word = NameWords(ontology).is_name_word

    @property
    def suffixes(self) -> tuple[tuple[str, str], ...]:
        return self.ontology.name_suffixes

    @cached_property
    def _suffix_pattern(self) -> re.Pattern:
        return re.compile("|".join(re.escape(s) for s, _ in self.suffixes))

    @cached_property
    def _suffix_class(self) -> dict[str, str]:
        return dict(self.suffixes)

    @cached_property
    def _unit_surfaces(self) -> frozenset[str]:
        return frozenset(self.ontology.unit_surfaces)

    def candidates(self, text: str, tokens: Sequence[Token],
                   blocked: Iterable[tuple[int, int]] = ()) -> list[Candidate]:
        blocked = Coverage(len(text), blocked)
        return [*self.product_names(text, tokens, blocked), *self.suffix_names(text, tokens, blocked),
                *self.quoted_names(text), *_non_overlapping(self.titled_people(tokens))]

    # -- product and model names ---------------------------------------------------------

    def product_names(self, text: str, tokens: Sequence[Token],
                      blocked: Coverage) -> list[Candidate]:
        """Latin/digit model names, extended left by an adjacent brand word and right by 系列."""
        ends = {e: w for w, _, e in tokens}
        found = []
        for match in [*_MODEL.finditer(text), *_TRAILING_DIGITS.finditer(text)]:
            start, end = match.span()
            core = match.group()
            if blocked.overlaps(start, end):
                continue
            if core in self.ontology.title_words:
                continue
            has_letter = any(ch.isalpha() for ch in core)
            brand = self._brand_before(text, start, ends.get(start), has_letter, any(ch.isdigit() for ch in core))
            if not brand and core in self.ontology.stop_names:
                continue
            if not has_letter and not brand:
                continue
            if not brand and (core in self._unit_surfaces or len(core) < 2):
                continue
            start -= len(brand)
            if text.startswith(_SERIES, end):
                end += len(_SERIES)
            score = 0.9 if brand or any(ch.isdigit() for ch in core) else 0.6
            found.append(Candidate(start, end, "Product", "rule:product", score))
        return _non_overlapping(found)

    def _brand_before(self, text: str, start: int, word: str | None, model_has_letter: bool,
                      model_has_digit: bool) -> str:
        """The Han word glued to a model name (小米15, 骁龙8295), without a leading 于/在/的.

        A brand is a name-like word (unknown to the dictionary, tagged as a proper noun, or a
        rare noun), never a common word (用户3 is no product). A one-character brand is only
        believed as a word of its own before a model with letters (…于汉EV, not 折叠屏MIX).
        """
        if not word or not _HAN.match(word):
            return ""
        stripped = False
        while word and word[0] in self.ontology.function_words:
            word, stripped = word[1:], True
        if not 1 <= len(word) <= 4 or not self.is_name_word(word):
            return ""
        if is_common_word(word) and not (model_has_letter and model_has_digit):
            return ""  # 用户3 is no product, but a common word can brand a model (澎湃S1)
        if len(word) == 1:
            before = text[start - 2] if start >= 2 else ""
            if not model_has_letter or not (stripped or not _HAN.match(before or "a")):
                return ""
        return word

    # -- names ending in a class suffix --------------------------------------------------

    def suffix_names(self, text: str, tokens: Sequence[Token],
                     blocked: Coverage) -> list[Candidate]:
        """…股份有限公司 → Company, …工厂 → Facility: the suffix names the class, tokens the name."""
        found = []
        index_by_end = {e: i for i, (_, _, e) in enumerate(tokens)}
        for match in self._suffix_pattern.finditer(text):
            suffix_start, end = match.span()
            if end not in index_by_end:
                continue  # the suffix is inside a longer word (公司 in 公司法)
            i = index_by_end[end]
            while i >= 0 and tokens[i][1] >= suffix_start:
                i -= 1  # tokens inside the suffix
            start = suffix_start
            if i >= 0 and tokens[i][2] > suffix_start:
                start = tokens[i][1]  # a token straddling the suffix holds part of the name (科技股份)
                i -= 1
            words = 0
            while (i >= 0 and words < 4 and self.is_name_word(tokens[i][0]) and tokens[i][2] == start
                   and not blocked.overlaps(tokens[i][1], tokens[i][1] + 1)):
                start = tokens[i][1]
                i -= 1
                words += 1
            name = text[start:end]
            if len(match.group()) == 1 and not self._place_before(tokens, index_by_end[end], suffix_start):
                continue
            if end - start < len(match.group()) + 2 or self._ends_in_stop_name(name, match.group()):
                continue
            found.append(Candidate(start, end, self._suffix_class[match.group()], "rule:suffix", 0.8))
        return _non_overlapping(found)

    def _ends_in_stop_name(self, name: str, suffix: str) -> bool:
        """当季本公司, 归属于上市公司: a name ending in a non-name longer than its suffix is none."""
        return name in self.ontology.stop_names or any(
            len(stop) > len(suffix) and name.endswith(stop) for stop in self._long_stop_names)

    @cached_property
    def _long_stop_names(self) -> tuple[str, ...]:
        return tuple(s for s in self.ontology.stop_names if len(s) >= 2)

    @staticmethod
    def _place_before(tokens: Sequence[Token], suffix_index: int, suffix_start: int) -> bool:
        """省/市/区/国 count as a suffix only as a word of their own after a place name (深圳市)."""
        word, start, _ = tokens[suffix_index]
        if start != suffix_start or suffix_index == 0:
            return False
        tag, _ = word_info(tokens[suffix_index - 1][0])
        return tag in (None, "ns")

    # -- quoted names and titled people ----------------------------------------------------

    def quoted_names(self, text: str) -> list[Candidate]:
        """A short quoted term is a name; its class comes from its suffix, else Product."""
        found = []
        for match in _QUOTED.finditer(text):
            name = match.group(1)
            if name in self.ontology.stop_names or self._suffix_pattern.fullmatch(name):
                continue
            suffix = next((s for s, _ in self.suffixes if name.endswith(s) and len(s) > 1), None)
            if suffix is None:
                continue  # “史上最强年报” is a slogan; a quoted name needs a class suffix
            found.append(Candidate(match.start(1), match.end(1), self._suffix_class[suffix], "rule:quoted", 0.7))
        return found

    def titled_people(self, tokens: Sequence[Token]) -> list[Candidate]:
        """董事长王传福 / CEO李斌: a 2–3 character Han word right after a title is a person."""
        found = []
        for i, (word, _, end) in enumerate(tokens[:-1]):
            if word not in self.ontology.title_words:
                continue
            j = i + 1
            while j + 1 < len(tokens) and tokens[j][0] == "兼" and tokens[j + 1][0] in self.ontology.title_words:
                j += 2  # 创始人兼CEO李斌
            if j >= len(tokens):
                continue
            name, start, name_end = tokens[j]
            if 2 <= len(name) <= 3 and _HAN.match(name) and self.is_name_word(name):
                found.append(Candidate(start, name_end, "Person", "rule:title", 0.85))
        return found


def _non_overlapping(candidates: list[Candidate]) -> list[Candidate]:
    """Longest first; a candidate inside a longer one of the same rule is dropped."""
    kept: list[Candidate] = []
    for c in sorted(candidates, key=lambda c: (-(c.end - c.start), c.start)):
        if all(c.end <= k.start or c.start >= k.end for k in kept):
            kept.append(c)
    return sorted(kept, key=lambda c: c.start)
