"""A normalised time qualifier (kg.times) → the calendar period it covers, for typed RDF.

"2024" → 2024-01-01 … 2024-12-31, "2024-Q4" → 2024-10-01 … 2024-12-31, "2022-Q1..Q3",
"2024-H1", "2024-03", "2024-01..09", "2024-12-31", "2020..2024" and "FY2024" (taken as the
calendar year: the export does not know a company's fiscal calendar). Forms without a year
("Q4", "--12", "---24") cover no known period and give None, as does anything unrecognised.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

_YEAR = r"(?P<y>\d{4})"
_FORMS = (
    re.compile(rf"(?:FY)?{_YEAR}(?:\.\.(?P<y2>\d{{4}}))?"),
    re.compile(rf"{_YEAR}-Q(?P<q>[1-4])(?:\.\.Q(?P<q2>[1-4]))?"),
    re.compile(rf"{_YEAR}-H(?P<h>[12])"),
    re.compile(rf"{_YEAR}-(?P<m>\d{{2}})(?:\.\.(?P<m2>\d{{2}}))?"),
    re.compile(rf"{_YEAR}-(?P<m>\d{{2}})-(?P<d>\d{{2}})"),
)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def time_interval(normalised: str) -> tuple[date, date] | None:
    """(first day, last day) of the period, both inclusive; None when it is not a dated period."""
    for form in _FORMS:
        m = form.fullmatch(normalised)
        if m is None:
            continue
        found = m.groupdict()
        year = int(found["y"])
        try:
            if found.get("d"):
                day = date(year, int(found["m"]), int(found["d"]))
                return day, day
            if found.get("m"):
                first, last = int(found["m"]), int(found.get("m2") or found["m"])
                return (date(year, first, 1), _month_end(year, last)) if first <= last else None
            if found.get("h"):
                half = int(found["h"])
                return date(year, 6 * half - 5, 1), _month_end(year, 6 * half)
            if found.get("q"):
                first, last = int(found["q"]), int(found.get("q2") or found["q"])
                return (date(year, 3 * first - 2, 1), _month_end(year, 3 * last)) if first <= last else None
            last_year = int(found.get("y2") or year)
            return (date(year, 1, 1), date(last_year, 12, 31)) if year <= last_year else None
        except ValueError:  # month 13, day 31 of a 30-day month: not a date
            return None
    return None
