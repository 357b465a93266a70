"""Numbers with units in Chinese text → exact Quantities (13.69万辆 → 136900 辆).

Units, their surfaces, dimensions and factors come from the ontology; this module only knows
how Chinese writes numbers: Arabic or Chinese digits, 万/亿 multipliers, approximate markers
(约, 超, 多, 余, 以上 ...) and ranges (3-5万元). Input is already normalised (simplified script,
half-width characters); offsets point into the text given.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from decimal import (Context, Decimal, DecimalException, DivisionByZero, Inexact, InvalidOperation, Overflow,
                     localcontext)
from functools import lru_cache

from kg.components import component
from kg.grammar import GrammarError, default_grammar
from kg.model import Doc, Quantity, QuantityMatch
from kg.ontology import Ontology, Unit
from kg.text import Coverage
from kg.times import find_times

# The words come from ontology/grammar.tsv, by group (named below); this module only knows how
# Chinese writes numbers. The patterns and tables are built once, at import.
_GRAMMAR = default_grammar()


def _words(group: str) -> tuple[str, ...]:
    """The group's words, longest first (超过 before 超)."""
    words = _GRAMMAR.words(group)
    if not words:
        raise GrammarError(f"the grammar has no words in group {group!r}, which the number reader needs")
    return tuple(sorted(words, key=len, reverse=True))


def _chars(group: str) -> str:
    """A group of one-character words (digits, multipliers, markers read inside a number)."""
    words = _GRAMMAR.words(group)
    if not words or any(len(w) != 1 for w in words):
        raise GrammarError(f"grammar group {group!r} must hold one-character words, has {words!r}")
    return "".join(words)


def _class(chars: str) -> str:
    """Characters for a regex character class."""
    return "".join(map(re.escape, chars))


def _alt(words: tuple[str, ...]) -> str:
    """Words for a regex alternation, in the order given."""
    return "|".join(map(re.escape, words))


_CHINESE_DIGITS = _GRAMMAR.values("digit")  # 一 → 1, 两 → 2
_SMALL_UNITS = _GRAMMAR.values("small_multiplier")  # 十 百 千: multiply the digit before them
_BIG_MULTIPLIERS = _chars("big_multiplier")  # 万 亿 兆: scale everything before them
_MULTIPLIERS = {**_SMALL_UNITS, **_GRAMMAR.values("big_multiplier")}
_SECTION_MULTIPLIER = min(_GRAMMAR.values("big_multiplier").values())  # 万 scales its section only: 一亿二千万
_SCALE_MARKERS = _chars("scale_marker")  # a number without a unit is a quantity only at this scale
# 10^12 in 6.16兆新台币, but "mega" in 千兆宽带: trusted before a unit only
_UNIT_ONLY_MULTIPLIERS = _chars("unit_only_multiplier")
_CHINESE_START = _chars("digit") + _chars("small_multiplier")
_CHINESE_BIG = "".join(ch for ch in _BIG_MULTIPLIERS if ch not in _UNIT_ONLY_MULTIPLIERS)  # inside 一亿二千万
_PREFIX_MODIFIERS = _words("approx_prefix")
_INNER_MODIFIERS = _chars("approx_inner") + "+"
_SUFFIX_MODIFIERS = _words("approx_suffix")
_RANGE_SEPARATORS = "-~" + _chars("range_separator") + "—–"
_VAGUE_BEFORE = _words("vague_before")  # 几十万 / 数百亿 are vague, not values
_ORDINAL_PREFIXES = _words("ordinal_prefix")  # 第3 is an ordinal, not a count
_COPULA = _words("approx_copula")  # 约为500亿元

_NUMBER = re.compile(
    rf"(?:(?P<mod>{_alt(_PREFIX_MODIFIERS)})(?:{_alt(_COPULA)})?)?"
    r"(?P<minus>(?<![0-9A-Za-z%.])[-−])?"
    r"(?:(?P<arabic>[0-9]+(?:,[0-9]{3}(?![0-9]))*(?:\.[0-9]+)?)"
    rf"|(?P<chinese>[{_class(_CHINESE_START)}][{_class(_CHINESE_START + _CHINESE_BIG)}]*))"
    rf"(?P<inner>[{_class(_INNER_MODIFIERS)}])?"
    rf"(?P<mult>[{_class(''.join(_MULTIPLIERS))}]*)"
    rf"(?P<inner_after>[{_class(_INNER_MODIFIERS)}])?"
)

# Figures are exact: one that a Decimal of 28 digits cannot hold exactly is unreadable, skipped.
_EXACT = Context(prec=28, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])


@dataclass(frozen=True, slots=True)
class _UnitTable:
    """The ontology's unit surfaces, ready for longest-first lookup at a position."""

    after: dict[str, Unit]  # written after the number: 元, 辆, %, km
    after_sizes: dict[str, tuple[int, ...]]  # first character → lengths of surfaces, longest first
    before: dict[str, Unit]  # currency signs written before it: $, US$, €
    longest: int
    bare: Unit | None  # the unit with symbol "", for 4.2亿 with nothing after
    canonical: dict[str, Unit]  # dimension → its unit of factor 1, in which scaled units are written (一成 → 10 %)

    def unit_after(self, text: str, pos: int) -> tuple[int, Unit] | None:
        """The longest unit written at `pos` (one space allowed before it) → (its end, unit)."""
        if text.startswith(" ", pos):
            return self.longest_at(text, pos) or self.longest_at(text, pos + 1)
        return self.longest_at(text, pos)

    def longest_at(self, text: str, pos: int) -> tuple[int, Unit] | None:
        """Longest first, so 个百分点 beats 个 and 元人民币 beats 元."""
        for size in self.after_sizes.get(text[pos:pos + 1], ()):
            unit = self.after.get(text[pos:pos + size]) if pos + size <= len(text) else None
            if unit is not None and not _glued_latin_after(text, pos + size):
                return pos + size, unit
        return None

    def unit_before(self, text: str, pos: int) -> tuple[int, Unit] | None:
        """A currency sign ending at `pos` → (its start, unit)."""
        for size in range(min(self.longest, pos), 0, -1):
            unit = self.before.get(text[pos - size:pos])
            if unit is not None:
                return pos - size, unit
        return None


class _ByIdentity:
    """An ontology as a cache key: the same object, not an equal one (Ontology has no hash)."""

    __slots__ = ("ontology",)

    def __init__(self, ontology: Ontology):
        self.ontology = ontology  # held, so its id() cannot pass to another object while cached

    def __hash__(self) -> int:
        return id(self.ontology)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ByIdentity) and other.ontology is self.ontology


def _unit_table(ontology: Ontology) -> _UnitTable:
    """The lookup for this ontology object, built once (find_quantities may run on every sentence)."""
    return _build_unit_table(_ByIdentity(ontology))


@lru_cache(maxsize=8)
def _build_unit_table(key: _ByIdentity) -> _UnitTable:
    ontology = key.ontology
    surfaces = ontology.unit_surfaces
    before = {s: u for s, u in surfaces.items() if _is_currency_sign(s)}
    after = {s: u for s, u in surfaces.items() if s not in before}
    sizes: dict[str, set[int]] = {}
    for surface in after:
        sizes.setdefault(surface[0], set()).add(len(surface))
    after_sizes = {ch: tuple(sorted(n, reverse=True)) for ch, n in sizes.items()}
    canonical = {}
    for unit in ontology.units.values():
        if unit.factor == 1:
            canonical.setdefault(unit.dimension, unit)
    return _UnitTable(after, after_sizes, before, max(map(len, surfaces), default=0), ontology.units.get(""),
                      canonical)


def _is_currency_sign(surface: str) -> bool:
    """$ and US$ precede the number; surfaces with a currency symbol (Unicode Sc) do."""
    return any(unicodedata.category(ch) == "Sc" for ch in surface)


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _is_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _glued_latin_after(text: str, end: int) -> bool:
    """5mm is not 5 m, 小米12s Ultra is no 12 seconds: an ASCII ending must not run on into
    more letters or digits, nor into a Latin word after one space (a model name)."""
    if not 0 < end < len(text) or not _is_latin(text[end - 1]):
        return False
    return _is_latin(text[end]) or (text[end] == " " and _is_letter(text[end + 1:end + 2])
                                    and _is_letter(text[end - 1]))


def _chinese_value(numeral: str) -> Decimal:
    """一千二百万 → 12000000, 两万五 → 25000; ValueError for runs that are not one number."""
    total = section = last_small = 0
    number: int | None = None
    last_unit = 0  # the unit just read, for the spoken short form 一千二 (= 1200)
    after_zero = False
    for ch in numeral:
        if ch in _CHINESE_DIGITS:
            if number not in (None, 0):
                raise ValueError(f"not a Chinese number: {numeral!r}")  # 一二, 三四
            after_zero, number = number == 0, _CHINESE_DIGITS[ch]
        elif ch in _SMALL_UNITS:
            unit = _SMALL_UNITS[ch]
            if last_small and unit >= last_small:
                raise ValueError(f"not a Chinese number: {numeral!r}")  # 十百, 一百二百
            section += (1 if number is None else number) * unit
            number, last_unit, last_small = None, unit, unit
        else:
            big = _MULTIPLIERS[ch]
            if big == _SECTION_MULTIPLIER:
                total += (section + (number or 0)) * big  # 一亿二千万: 万 scales its section only
            else:
                total = (total + section + (number or 0)) * big
            section, number, last_unit, last_small = 0, None, big, 0
    if number is not None and last_unit >= 100 and not after_zero:
        number *= last_unit // 10  # 一千二 is 1200, 两万五 is 25000
    return Decimal(total + section + (number or 0))


def _product(multipliers: str) -> Decimal:
    out = Decimal(1)
    for ch in multipliers:
        out *= _MULTIPLIERS[ch]
    return out


@dataclass(frozen=True, slots=True)
class _Reading:
    """One written number with the unit after it: value = number × multiplier × unit factor."""

    start: int
    end: int
    number: Decimal
    multiplier: Decimal  # what 万/亿 contributed, so 3-5万元 can lend it to the 3
    unit: Unit | None
    modifier: str
    numeral: str  # the digits and multipliers as written, modifiers removed
    chinese: bool

    @property
    def value(self) -> Decimal:
        return self.number * self.multiplier * (self.unit.factor if self.unit else 1)


def _early_unit(text: str, m: re.Match, table: _UnitTable) -> tuple[int, int, Unit] | None:
    """A unit that starts inside the multipliers wins: 5千米 is 5 km, 1.2万千瓦 is 12000 kW."""
    first = m.start("chinese") + 1 if m["chinese"] else m.start("mult")
    for pos in range(first, m.end("mult")):
        found = table.longest_at(text, pos)
        if found:
            return pos, *found
    return None


def _read(text: str, m: re.Match, table: _UnitTable) -> _Reading | None:
    """Read the number matched by `m` and the unit and markers around it.

    A currency named right before the number wins over the 元 after it: 新台币2兆元 and
    美元30亿元 are not yuan.
    """
    reading = _read_number(text, m, table)
    if reading is None or reading.unit is None or reading.unit.dimension != "currency" or m["mod"]:
        return reading
    named = _currency_named_before(text, reading.start, table)
    if named is None or named[1] is reading.unit:
        return reading
    return replace(reading, start=named[0], unit=named[1])


def _read_number(text: str, m: re.Match, table: _UnitTable) -> _Reading | None:
    early = _early_unit(text, m, table)
    numeral_end = early[0] if early else m.end()
    if early:
        end, unit = early[1], early[2]
    else:
        found = table.unit_after(text, m.end())
        end, unit = found if found else (m.end(), None)
    if unit is not None and text.startswith("/", end):
        return None  # km/h, 元/股: a rate the ontology does not name
    start = m.start()
    if unit is None and not m["mod"]:
        sign = table.unit_before(text, m.start())
        if sign:
            start, unit = sign
    modifier = m["mod"] or next((m[g] for g in ("inner", "inner_after")
                                 if m[g] and m.start(g) < numeral_end), "")
    if text.startswith(_SUFFIX_MODIFIERS, end):
        suffix = next(s for s in _SUFFIX_MODIFIERS if text.startswith(s, end))
        modifier, end = modifier or suffix, end + len(suffix)

    head = m["arabic"] or m["chinese"][:numeral_end - m.start("chinese")]
    mult = m["mult"][:max(0, numeral_end - m.start("mult"))]
    if m["arabic"]:
        number, multiplier = Decimal(head.replace(",", "")), _product(mult)
    else:
        whole = head + mult
        scale = len(whole) - len(whole.rstrip(_BIG_MULTIPLIERS))
        multiplier = _product(whole[len(whole) - scale:])
        number = _chinese_value(whole) / multiplier
    if m["minus"]:
        number = -number
    if unit is None and m["arabic"] and mult and mult[-1] in _BIG_MULTIPLIERS:
        rest = _compound_tail(text, end, mult[-1], table)
        if rest is not None:  # 2兆1,326亿元 = 2×10^12 + 1326×10^8 元
            return _Reading(start, rest.end, number * multiplier / rest.multiplier + rest.number,
                            rest.multiplier, rest.unit, modifier or rest.modifier, head + mult + rest.numeral, False)
    return _Reading(start, end, number, multiplier, unit, modifier, head + mult, not m["arabic"])


def _currency_named_before(text: str, pos: int, table: _UnitTable) -> tuple[int, Unit] | None:
    """A currency word written right before the number (新台币, 美元, 人民币) → (its start, unit)."""
    for size in range(min(4, pos), 1, -1):
        unit = table.after.get(text[pos - size:pos])
        if unit is not None and unit.dimension == "currency":
            return pos - size, unit
    return None


def _compound_tail(text: str, pos: int, magnitude: str, table: _UnitTable) -> _Reading | None:
    """The lower part of a compound number: the 1,326亿元 after 2兆, the 3000万 after 1亿."""
    tail = _NUMBER.match(text, pos)
    if tail is None or not tail["arabic"] or tail["mod"] or tail["minus"] or not tail["mult"]:
        return None
    if tail["mult"][-1] not in _BIG_MULTIPLIERS or _MULTIPLIERS[tail["mult"][-1]] >= _MULTIPLIERS[magnitude]:
        return None
    return _read_number(text, tail, table)


def _read_range(text: str, low: _Reading, table: _UnitTable) -> tuple[_Reading, _Reading] | None:
    """3-5万元, 3万至5万元, 20%-30%: the low end borrows what the high end spells out."""
    if low.end >= len(text) or text[low.end] not in _RANGE_SEPARATORS:
        return None
    m = _NUMBER.match(text, low.end + 1)
    if m is None or m["mod"] or m["minus"]:
        return None
    try:
        high = _read(text, m, table)
        if high is None:
            return None
        if low.unit is None:
            borrowed = high.multiplier if low.multiplier == 1 else low.multiplier
            low = replace(low, multiplier=borrowed, unit=high.unit)
        elif low.unit is not high.unit:
            return None
        return (low, high) if low.value < high.value else None
    except (ValueError, DecimalException):
        return None  # the high end is no number (一二三) or more than Decimal holds exactly


def _expression(text: str, m: re.Match, table: _UnitTable) -> tuple[_Reading, _Reading | None] | None:
    """The quantity starting at `m`: one reading, or the two ends of a range."""
    low = _read(text, m, table)
    if low is None:
        return None
    pair = _read_range(text, low, table)
    return pair if pair else (low, None)


def _tidy(value: Decimal) -> Decimal:
    """136900.00 → 136900, 23.30 → 23.3: the same number, written as a reader expects."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _quantity(raw: str, low: _Reading, high: _Reading | None, table: _UnitTable) -> Quantity:
    unit = (high or low).unit or table.bare
    if unit is None:
        raise ValueError(f"not a quantity: {raw!r} (the ontology defines no unit with symbol \"\")")
    modifier = low.modifier or (high.modifier if high else "")
    if unit.factor != 1:  # the value already carries the factor: write it in the dimension's own unit
        unit = table.canonical.get(unit.dimension, unit)
    return Quantity(raw, _tidy(low.value), unit.symbol, unit.dimension, modifier,
                    _tidy(high.value) if high else None)


def normalise_quantity(raw: str, ontology: Ontology) -> Quantity:
    """Read one whole quantity expression (约500亿元, 3-5万元, 23.3%); ValueError otherwise,
    also for a figure more precise than a Decimal of 28 digits holds exactly."""
    table = _unit_table(ontology)
    m = _NUMBER.search(raw)
    with localcontext(_EXACT):
        try:
            found = _expression(raw, m, table) if m else None
        except (ValueError, DecimalException):
            found = None
        if found is None or found[0].start != 0 or (found[1] or found[0]).end != len(raw):
            raise ValueError(f"not a quantity: {raw!r}")
        try:
            return _quantity(raw, *found, table)
        except DecimalException:
            raise ValueError(f"not a quantity: {raw!r} (more digits than can be held exactly)") from None


def _plausible(text: str, low: _Reading, high: _Reading | None) -> bool:
    """Context says this number is a measured value, not a model name, ordinal or label."""
    last = high or low
    before = text[max(0, low.start - 2):low.start]
    scaled_amount = last.unit is not None and last.multiplier > 1  # Healthcare 1.6亿欧元, Ultra 52.99万元
    if text.endswith(_ORDINAL_PREFIXES, 0, low.start) or _is_letter(before[-1:]) \
            or (before[-1:] == " " and _is_letter(before[:1]) and not scaled_amount):
        return False  # 第3, SU7, A17, Mate 70, iPhone 15
    if low.chinese and text.endswith(_VAGUE_BEFORE, 0, low.start):
        return False
    if last.chinese and len(last.numeral) < 2 and not (last.unit is not None and last.unit.factor != 1):
        return False  # 一家, 三元锂电池: a lone Chinese digit is a determiner, not a value (一成 is 10 %)
    if last.unit is None and (any(ch in _UNIT_ONLY_MULTIPLIERS for ch in last.numeral)
                              or not any(ch in _SCALE_MARKERS for ch in last.numeral)):
        return False  # a plain 15 or 2000 says nothing about what it counts
    return not _glued_latin_after(text, last.end)


def find_quantities(text: str, ontology: Ontology) -> list[QuantityMatch]:
    """Every quantity in `text`, left to right and non-overlapping; dates are left to times.

    A figure that cannot be read exactly (more than 28 significant digits) is skipped.
    """
    return _find_quantities(text, _unit_table(ontology))


def _find_quantities(text: str, table: _UnitTable, unreadable: list | None = None) -> list[QuantityMatch]:
    """The figures of `text`; (start, end) of each one too large or too precise to compute goes to
    `unreadable` when given (it costs that figure only)."""
    times = [(t.start, t.end) for t in find_times(text)]
    out: list[QuantityMatch] = []
    pos = 0
    with localcontext(_EXACT):
        while (m := _NUMBER.search(text, pos)) is not None:
            pos = m.end()
            try:
                found = _expression(text, m, table)
            except ValueError:
                continue  # 一二 is no number
            except DecimalException:
                if unreadable is not None:
                    unreadable.append((m.start(), m.end()))  # 99999999999999999999999999亿: more than a Decimal holds
                continue
            if found is None or not _plausible(text, *found):
                continue
            start, end = found[0].start, (found[1] or found[0]).end
            if any(s < end and start < e for s, e in times):
                continue
            raw = text[start:end]
            try:
                quantity = _quantity(raw, *found, table)
            except DecimalException:
                if unreadable is not None:
                    unreadable.append((start, end))
                continue
            out.append(QuantityMatch(start, end, quantity))
            pos = end
    return out


@component("quantities", requires=("text", "times"), assigns=("quantities",))
class QuantityReader:
    """Figures with their units, outside the times already read (2024年 is no 2024 years)."""

    def __init__(self, ontology: Ontology):
        self.ontology = ontology
        self.units = _unit_table(ontology)  # built once per reader

    def __call__(self, doc: Doc) -> None:
        in_time = Coverage(len(doc.text), ((t.start, t.end) for t in doc.times))
        unreadable: list[tuple[int, int]] = []
        doc.quantities = [q for q in _find_quantities(doc.text, self.units, unreadable)
                          if not in_time.overlaps(q.start, q.end)]
        doc.problems += [{"doc": doc.id, "start": start, "end": end, "text": doc.document.text[start:end][:80],
                          "reason": "unreadable figure: too large or too precise to compute"}
                         for start, end in unreadable]
