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
from decimal import Decimal

from kg.components import component
from kg.model import Doc, Quantity, QuantityMatch
from kg.ontology import Ontology, Unit
from kg.text import Coverage
from kg.times import find_times

_MULTIPLIERS = {"十": 10, "百": 100, "千": 1000, "万": 10**4, "亿": 10**8, "兆": 10**12}
_SMALL_UNITS = {ch: _MULTIPLIERS[ch] for ch in "十百千"}
_BIG_MULTIPLIERS = "万亿兆"
_SCALE_MARKERS = "千万亿"  # a number without a unit is a quantity only at this scale
_UNIT_ONLY_MULTIPLIER = "兆"  # 10^12 in 6.16兆新台币, but "mega" in 千兆宽带: trusted before a unit only
_CHINESE_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
                   "七": 7, "八": 8, "九": 9}
_CHINESE_START = "".join(_CHINESE_DIGITS) + "".join(_SMALL_UNITS)
_PREFIX_MODIFIERS = ("大约", "约", "超过", "超", "将近", "近", "逾")
_INNER_MODIFIERS = "多余+"
_SUFFIX_MODIFIERS = ("以上", "左右")
_RANGE_SEPARATORS = "-~至到—–"
_VAGUE_BEFORE = ("几", "数")  # 几十万 / 数百亿 are vague, not values

_NUMBER = re.compile(
    rf"(?:(?P<mod>{'|'.join(_PREFIX_MODIFIERS)})为?)?"
    r"(?P<minus>(?<![0-9A-Za-z%.])[-−])?"
    r"(?:(?P<arabic>[0-9]+(?:,[0-9]{3}(?![0-9]))*(?:\.[0-9]+)?)"
    rf"|(?P<chinese>[{_CHINESE_START}][{_CHINESE_START}万亿]*))"
    rf"(?P<inner>[{re.escape(_INNER_MODIFIERS)}])?"
    rf"(?P<mult>[{''.join(_MULTIPLIERS)}]*)"
    rf"(?P<inner_after>[{re.escape(_INNER_MODIFIERS)}])?"
)


@dataclass(frozen=True, slots=True)
class _UnitTable:
    """The ontology's unit surfaces, ready for longest-first lookup at a position."""

    ontology: Ontology  # kept so the id() used as cache key cannot be reused by another object
    after: dict[str, Unit]  # written after the number: 元, 辆, %, km
    after_sizes: dict[str, tuple[int, ...]]  # first character → lengths of surfaces, longest first
    before: dict[str, Unit]  # currency signs written before it: $, US$, €
    longest: int
    bare: Unit | None  # the unit with symbol "", for 4.2亿 with nothing after

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


_TABLES: dict[int, _UnitTable] = {}


def _unit_table(ontology: Ontology) -> _UnitTable:
    """Build the lookup once per ontology object (find_quantities runs on every sentence)."""
    table = _TABLES.get(id(ontology))
    if table is None or table.ontology is not ontology:
        surfaces = ontology.unit_surfaces
        before = {s: u for s, u in surfaces.items() if _is_currency_sign(s)}
        after = {s: u for s, u in surfaces.items() if s not in before}
        sizes: dict[str, set[int]] = {}
        for surface in after:
            sizes.setdefault(surface[0], set()).add(len(surface))
        after_sizes = {ch: tuple(sorted(n, reverse=True)) for ch, n in sizes.items()}
        table = _UnitTable(ontology, after, after_sizes, before,
                           max(map(len, surfaces), default=0), ontology.units.get(""))
        _TABLES[id(ontology)] = table
    return table


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
            if big == _MULTIPLIERS["万"]:
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
    except ValueError:
        return None
    if high is None:
        return None
    if low.unit is None:
        borrowed = high.multiplier if low.multiplier == 1 else low.multiplier
        low = replace(low, multiplier=borrowed, unit=high.unit)
    elif low.unit is not high.unit:
        return None
    return (low, high) if low.value < high.value else None


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
    return Quantity(raw, _tidy(low.value), unit.symbol, unit.dimension, modifier,
                    _tidy(high.value) if high else None)


def normalise_quantity(raw: str, ontology: Ontology) -> Quantity:
    """Read one whole quantity expression (约500亿元, 3-5万元, 23.3%); ValueError otherwise."""
    table = _unit_table(ontology)
    m = _NUMBER.search(raw)
    try:
        found = _expression(raw, m, table) if m else None
    except ValueError:
        found = None
    if found is None or found[0].start != 0 or (found[1] or found[0]).end != len(raw):
        raise ValueError(f"not a quantity: {raw!r}")
    return _quantity(raw, *found, table)


def _plausible(text: str, low: _Reading, high: _Reading | None) -> bool:
    """Context says this number is a measured value, not a model name, ordinal or label."""
    last = high or low
    before = text[max(0, low.start - 2):low.start]
    if before[-1:] == "第" or _is_letter(before[-1:]) or (before[-1:] == " " and _is_letter(before[:1])):
        return False  # 第3, SU7, A17, Mate 70, iPhone 15
    if low.chinese and before.endswith(_VAGUE_BEFORE):
        return False
    if last.chinese and len(last.numeral) < 2:
        return False  # 一家, 三元锂电池: a lone Chinese digit is a determiner, not a value
    if last.unit is None and (_UNIT_ONLY_MULTIPLIER in last.numeral
                              or not any(ch in _SCALE_MARKERS for ch in last.numeral)):
        return False  # a plain 15 or 2000 says nothing about what it counts
    return not _glued_latin_after(text, last.end)


def find_quantities(text: str, ontology: Ontology) -> list[QuantityMatch]:
    """Every quantity in `text`, left to right and non-overlapping; dates are left to times."""
    table = _unit_table(ontology)
    times = [(t.start, t.end) for t in find_times(text)]
    out: list[QuantityMatch] = []
    pos = 0
    while (m := _NUMBER.search(text, pos)) is not None:
        pos = m.end()
        try:
            found = _expression(text, m, table)
        except ValueError:
            continue
        if found is None or not _plausible(text, *found):
            continue
        start, end = found[0].start, (found[1] or found[0]).end
        if any(s < end and start < e for s, e in times):
            continue
        raw = text[start:end]
        out.append(QuantityMatch(start, end, _quantity(raw, *found, table)))
        pos = end
    return out


@component("quantities", requires=("text", "times"), assigns=("quantities",))
class QuantityReader:
    """Figures with their units, outside the times already read (2024年 is no 2024 years)."""

    def __init__(self, ontology: Ontology):
        self.ontology = ontology

    def __call__(self, doc: Doc) -> None:
        in_time = Coverage(len(doc.text), ((t.start, t.end) for t in doc.times))
        doc.quantities = [q for q in find_quantities(doc.text, self.ontology) if not in_time.overlaps(q.start, q.end)]
