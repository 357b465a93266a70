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
from kg.model import Doc, TimeMatch, TimeQualifier

_YEAR = r"(?:19[0-9]{2}|20[0-9]{2}|2100)"  # a 4-digit number is a year only in 1900–2100
_QUARTER = r"[1-4一二两三四]"
_MONTH = r"(?:1[0-2]|0?[1-9])"
_DAY = r"(?:3[01]|[12][0-9]|0?[1-9])"
_SEP = r"(?:-|~|至|到|—|–)"
_EDGE = r"底|末|初(?!步)"  # 年初步 is "preliminary", not the start of the year

_PERIOD = rf"""
    前(?P<q_first>[二两三23])个?季度
  | 第?(?P<q_from>{_QUARTER})(?:季度)?{_SEP}第?(?P<q_to>{_QUARTER})季度
  | [Qq](?P<q_from_latin>[1-4]){_SEP}[Qq](?P<q_to_latin>[1-4])(?![0-9])
  | 第?(?P<quarter>{_QUARTER})季度
  | [Qq](?P<quarter_latin>[1-4])(?![0-9])
  | (?P<half>上半年|下半年)
  | [Hh](?P<half_latin>[12])(?![0-9])
  | (?P<m_from>{_MONTH}){_SEP}(?P<m_to>{_MONTH})月份?
  | (?P<month>{_MONTH})月份?(?:(?P<day>{_DAY})[日号])?
  | (?P<lone_day>{_DAY})日(?!内|以内|之内)
"""

_TIME = re.compile(rf"""
    (?=[0-9截FQqHh去今明前第一二两三四上下])  # every form starts with one of these: skip the rest fast
    (?<![0-9A-Za-z.])
    (?P<asof>截至|截止)?
    (?:
        (?P<y_from>{_YEAR})年?{_SEP}(?P<y_to>{_YEAR})年
      | (?P<iso_y>{_YEAR})[-/](?P<iso_m>{_MONTH})[-/](?P<iso_d>{_DAY})(?![0-9])
      | (?:(?P<named_year>
            (?P<year>{_YEAR})(?:(?P<fiscal>财年)度?|年(?P<edge>{_EDGE})?度?|(?=\s?[QqHh][1-4]))
          | FY(?P<fy>{_YEAR})
          | (?P<rel>去|今|明|前)年(?P<rel_edge>{_EDGE})?
        )(?:全年)?)?
        (?:(?(named_year)\s?|)(?P<period>{_PERIOD}))?
        (?(named_year)|(?(period)|(?!)))  # a year, a period or both, never nothing
    )
""", re.VERBOSE)

_CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_RELATIVE_YEARS = {"前": -2, "去": -1, "今": 0, "明": 1}
_EDGE_MONTHS = {"底": 12, "末": 12, "初": 1}


def _digit(text: str) -> int:
    return _CHINESE_DIGITS[text] if text in _CHINESE_DIGITS else int(text)


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
        return ("H1" if m["half"] == "上半年" else "H2"), ""
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
    """Times sentence by sentence, each read against the latest year the article has named so
    far (a 2023 report that compares with 2022 still means 2023 by 第四季度)."""

    def __init__(self, ontology):
        pass

    def __call__(self, doc: Doc) -> None:
        year = None
        for sentence in doc.sentences:
            for match in find_times(doc.text[sentence.start:sentence.end], year):
                match = TimeMatch(match.start + sentence.start, match.end + sentence.start, match.time)
                doc.times.append(match)
                if match.time.normalised[:4].isdigit():
                    year = max(year or 0, int(match.time.normalised[:4]))
