"""Time expressions in Chinese text → normalised qualifiers (2024年第四季度 → "2024-Q4").

Facts in business text hold for a year, quarter, half, month or day; a quantity without its
period is ambiguous, so the relater attaches one of these. Forms produced:
"2024", "2024-Q4", "2022-Q1..Q3", "2024-H1", "2024-03", "2024-01..09", "2024-12-31",
"2020..2024" and "FY2024". Without a year (and no default) a quarter or half stays "Q4"/"H1"
and a month or day uses the ISO 8601 no-year forms "--12" and "--12-31"; a day of an
unnamed month ("24日", common in news) is "---24", so quantities never read it as 24 days.
Input is already normalised (simplified script, half-width digits).
"""

from __future__ import annotations

import re

from kg.components import component
from kg.grammar import GrammarError, default_grammar
from kg.model import Doc, TimeMatch, TimeQualifier

# The words come from ontology/grammar.tsv, by group (named in each pattern below); this module
# only knows the shapes Chinese dates take. The patterns are compiled once, at import.
_GRAMMAR = default_grammar()
_DIGITS = _GRAMMAR.values("digit")  # 一 → 1, 两 → 2
_RELATIVE_YEARS = _GRAMMAR.values("relative_year")  # 去年: 去 → -1
_EDGE_MONTHS = _GRAMMAR.values("year_edge")  # 年底: 底 → 12, 年初: 初 → 1
_HALVES = _GRAMMAR.values("half_year")  # 上半年 → 1


def _words(group: str) -> tuple[str, ...]:
    words = _GRAMMAR.words(group)
    if not words:
        raise GrammarError(f"the grammar has no words in group {group!r}, which the time reader needs")
    return words


def _alt(*groups: str, extra: tuple[str, ...] = ()) -> str:
    """The groups' words (and `extra`) as a regex alternation, longest first: 月份 before 月."""
    words = dict.fromkeys([*extra, *(w for g in groups for w in _words(g))])
    return "(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True))) + ")"


def _digits(low: int, high: int) -> list[str]:
    """The one-character Chinese digits worth low..high: 一二两三四 for 1..4."""
    return [w for w, v in _DIGITS.items() if low <= v <= high and len(w) == 1]


def _chars(chars: list[str]) -> str:
    return "".join(map(re.escape, chars))


# An edge that opens the year is no edge before not_edge_after (年初步 is "preliminary").
_NOT_EDGE = f"(?!{_alt('not_edge_after')})" if _GRAMMAR.words("not_edge_after") else ""
_EDGE = "|".join(re.escape(word) + (_NOT_EDGE if month == 1 else "")
                 for word, month in sorted(_EDGE_MONTHS.items(), key=lambda p: -len(p[0])))

_YEAR = r"(?:19[0-9]{2}|20[0-9]{2}|2100)"  # a 4-digit number is a year only in 1900–2100
_QUARTER = rf"[1-4{_chars(_digits(1, 4))}]"
_MONTH = r"(?:1[0-2]|0?[1-9])"
_DAY = r"(?:3[01]|[12][0-9]|0?[1-9])"
_SEP = _alt("range_separator", extra=("-", "~", "—", "–"))
_ORDINAL = _alt("ordinal_prefix") + "?"  # 第四季度 or 四季度
_QUARTER_WORD = _alt("quarter_word")
_YEAR_WORD = _alt("year_word")
_YEAR_SUFFIX = _alt("year_suffix") + "?"  # 2024年度

_PERIOD = rf"""
    {_alt("first_periods")}(?P<q_first>[23{_chars(_digits(2, 3))}]){_alt("quarter_measure")}?{_QUARTER_WORD}
  | {_ORDINAL}(?P<q_from>{_QUARTER}){_QUARTER_WORD}?{_SEP}{_ORDINAL}(?P<q_to>{_QUARTER}){_QUARTER_WORD}
  | [Qq](?P<q_from_latin>[1-4]){_SEP}[Qq](?P<q_to_latin>[1-4])(?![0-9])
  | {_ORDINAL}(?P<quarter>{_QUARTER}){_QUARTER_WORD}
  | [Qq](?P<quarter_latin>[1-4])(?![0-9])
  | (?P<half>{_alt("half_year")})
  | [Hh](?P<half_latin>[12])(?![0-9])
  | (?P<m_from>{_MONTH}){_SEP}(?P<m_to>{_MONTH}){_alt("month_word")}
  | (?P<month>{_MONTH}){_alt("month_word")}(?:(?P<day>{_DAY}){_alt("day_word")})?
  | (?P<lone_day>{_DAY}){_alt("lone_day_word")}(?!{_alt("not_day_after")})
"""

# Every form starts with a digit, F(Y), Q, H or the first character of one of these words:
# the lookahead skips the rest of the text fast.
_FIRST = sorted({w[0] for g in ("as_of", "relative_year", "first_periods", "ordinal_prefix", "half_year")
                 for w in _words(g)} | set(_digits(1, 4)))

_TIME = re.compile(rf"""
    (?=[0-9FQqHh{_chars(_FIRST)}])
    (?<![0-9A-Za-z.])
    (?P<asof>{_alt("as_of")})?
    (?:
        (?P<y_from>{_YEAR}){_YEAR_WORD}?{_SEP}(?P<y_to>{_YEAR}){_YEAR_WORD}
      | (?P<iso_y>{_YEAR})[-/](?P<iso_m>{_MONTH})[-/](?P<iso_d>{_DAY})(?![0-9])
      | (?:(?P<named_year>
            (?P<year>{_YEAR})(?:(?P<fiscal>{_alt("fiscal_year")}){_YEAR_SUFFIX}
                               |{_YEAR_WORD}(?P<edge>{_EDGE})?{_YEAR_SUFFIX}
                               |(?=\s?[QqHh][1-4]))
          | FY(?P<fy>{_YEAR})
          | (?P<rel>{_alt("relative_year")}){_YEAR_WORD}(?P<rel_edge>{_EDGE})?
        ){_alt("whole_year")}?)?
        (?:(?(named_year)\s?|)(?P<period>{_PERIOD}))?
        (?(named_year)|(?(period)|(?!)))  # a year, a period or both, never nothing
    )
""", re.VERBOSE)


def _digit(text: str) -> int:
    return _DIGITS[text] if text in _DIGITS else int(text)


def _year(m: re.Match, default_year: int | None) -> tuple[bool, str | None]:
    """(whether the expression names a year, that year as written out or None if unknown)."""
    if m["year"]:
        return True, f"FY{m['year']}" if m["fiscal"] else m["year"]
    if m["fy"]:
        return True, f"FY{m['fy']}"
    if m["rel"]:
        return True, None if default_year is None else str(default_year + _RELATIVE_YEARS[m["rel"]])
    return False, None if default_year is None else str(default_year)


def _period(m: re.Match) -> tuple[str, str] | None:
    """(the period within a year, its ISO prefix when no year is known) or None for a whole year.

    Quarters and halves stand alone ("Q4"); months and days take the ISO 8601 no-year forms
    "--12" and "--12-31"; a day of an unnamed month ("24日" in news) is "---24".
    """
    edge = m["edge"] or m["rel_edge"]
    if m["q_first"]:
        return f"Q1..Q{_digit(m['q_first'])}", ""
    if m["q_from"] or m["q_from_latin"]:
        low, high = _digit(m["q_from"] or m["q_from_latin"]), _digit(m["q_to"] or m["q_to_latin"])
        return (f"Q{low}..Q{high}", "") if low < high else None
    if m["quarter"] or m["quarter_latin"]:
        return f"Q{_digit(m['quarter'] or m['quarter_latin'])}", ""
    if m["half"]:
        return f"H{_HALVES[m['half']]}", ""
    if m["half_latin"]:
        return f"H{m['half_latin']}", ""
    if m["m_from"]:
        low, high = int(m["m_from"]), int(m["m_to"])
        return (f"{low:02d}..{high:02d}", "--") if low < high else None
    if m["month"]:
        day = f"-{int(m['day']):02d}" if m["day"] else ""
        return f"{int(m['month']):02d}{day}", "--"
    if m["lone_day"]:
        return f"{int(m['lone_day']):02d}", "---"
    if edge:
        return f"{_EDGE_MONTHS[edge]:02d}", "--"
    return None


def _normalised(m: re.Match, default_year: int | None) -> str | None:
    """The normalised form of one match, or None when it cannot be pinned down."""
    if m["y_from"]:
        return f"{m['y_from']}..{m['y_to']}" if m["y_from"] < m["y_to"] else None
    if m["iso_y"]:
        return f"{m['iso_y']}-{int(m['iso_m']):02d}-{int(m['iso_d']):02d}"
    names_year, year = _year(m, default_year)
    if names_year and year is None:
        return None  # 去年 with no reference year
    if m["half_latin"] and not names_year:
        return None  # a lone "H1" is more often a product name than a half-year
    period = _period(m)
    if period is None:
        return year if names_year else None
    text, no_year_prefix = period
    if no_year_prefix == "---":
        return None if names_year else no_year_prefix + text  # a year alone cannot place a day
    return f"{year}-{text}" if year is not None else no_year_prefix + text


def normalise_time(raw: str, default_year: int | None = None) -> TimeQualifier:
    """Normalise one whole time expression; ValueError if `raw` is not exactly one."""
    m = _TIME.fullmatch(raw)
    normalised = _normalised(m, default_year) if m else None
    if normalised is None:
        raise ValueError(f"not a time expression: {raw!r}")
    return TimeQualifier(raw, normalised)


_DAY = re.compile(r"(?:\d{4}-|--|---)(?:\d\d-)?\d\d")


def is_day(normalised: str) -> bool:
    """2024-10-28, --10-28, ---28: a day, when something happened, not a period of figures."""
    return bool(_DAY.fullmatch(normalised)) and not re.fullmatch(r"(?:\d{4}-|--)\d\d", normalised)


def periods_of(normalised: str) -> list[str]:
    """The periods a range is made of, in order ("2022..2024" → 2022, 2023, 2024;
    "2024-Q1..Q3" → 2024-Q1, 2024-Q2, 2024-Q3); a single period is a list of one. A
    distributive list (2022年至2024年…分别为A、B和C) gives one figure to each."""
    m = re.fullmatch(r"(?P<head>.*?)(?P<q>Q?)(?P<low>\d+)\.\.(?P=q)(?P<high>\d+)", normalised)
    if m is None:
        return [normalised]
    low, high = int(m["low"]), int(m["high"])
    width = len(m["low"]) if not m["q"] else 1
    return [f"{m['head']}{m['q']}{n:0{width}d}" for n in range(low, high + 1)]


def find_times(text: str, default_year: int | None = None) -> list[TimeMatch]:
    """Every time expression in `text`, left to right, with offsets into `text`."""
    out = []
    for m in _TIME.finditer(text):
        normalised = _normalised(m, default_year)
        if normalised is not None:
            out.append(TimeMatch(m.start(), m.end(), TimeQualifier(m.group(), normalised)))
    return out


@component("times", requires=("sentences",), assigns=("times",))
class TimeReader:
    """Times sentence by sentence, each read against the latest year the article has named
    before it, earlier in its own sentence included (a 2023 report that compares with 2022
    still means 2023 by 第四季度; 2024年营收…，上年同期… means 2023). A time before any year
    of the article takes the first year named after it in its sentence (第四季度营收…，2023年全年…),
    but not a year of a plan (11月24日签约，预计2027年下半年交付: the date is not in 2027)."""

    def __init__(self, ontology):
        self.forecast_markers = ontology.grammar.words("forecast_marker")

    def __call__(self, doc: Doc) -> None:
        year = None
        for sentence in doc.sentences:
            text = doc.text[sentence.start:sentence.end]
            readings = {year: find_times(text, year)}
            named = [(m.start, int(m.time.normalised[:4])) for m in readings[year]
                     if m.time.normalised[:4].isdigit()]
            latest = max([year or 0, *(y for _, y in named)]) or None
            for m in readings.setdefault(latest, find_times(text, latest)):
                reference = self._reference_year(text, m, year, named)
                if reference not in readings:
                    readings[reference] = find_times(text, reference)
                read = next((r for r in readings[reference] if r.start == m.start), None)
                if read is not None:  # 上年 with no year to count from
                    doc.times.append(TimeMatch(read.start + sentence.start, read.end + sentence.start, read.time))
            if named:
                year = max([year or 0, *(y for _, y in named)])

    def _reference_year(self, text: str, time: TimeMatch, year: int | None,
                        named: list[tuple[int, int]]) -> int | None:
        before = [y for start, y in named if start < time.start]
        if before or year is not None:
            return max([year or 0, *before])
        after = next(((start, y) for start, y in named if start > time.start), None)
        if after is None or any(marker in text[time.end:after[0]] for marker in self.forecast_markers):
            return None
        return after[1]
