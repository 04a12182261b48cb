"""Date phrases in a question ("in June 2025", "last week", "on 3 July 2025") -> a date range.

Relative phrases resolve against ``today`` (the question's date when known). Only explicit
phrases produce a range: a question without one is never filtered.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9
_MON = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"  # noqa: E501


def _month_range(y: int, m: int) -> tuple[date, date]:
    return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])


def parse_range(question: str, today: date | None = None) -> tuple[date, date] | None:
    """The inclusive ``(since, until)`` the question's date phrase names, or ``None``."""
    today = today or date.today()
    q = question.lower()
    m = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", q)
    if m:
        try:
            d = date(int(m[1]), int(m[2]), int(m[3]))
            return d, d
        except ValueError:
            return None
    m = re.search(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MON}\s+(\d{{4}})\b", q) or \
        re.search(rf"\b{_MON}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", q)
    if m:
        g = m.groups()
        day, mon = (g[0], g[1]) if g[0].isdigit() else (g[1], g[0])
        try:
            d = date(int(g[2]), _MONTHS[mon[:3] if mon[:3] != "sep" else "sep"], int(day))
            return d, d
        except (ValueError, KeyError):
            return None
    m = re.search(rf"\b(?:in|during|of|since)\s+(?:early\s+|late\s+|mid-?)?{_MON}\s+(\d{{4}})\b", q)
    if m:
        return _month_range(int(m[2]), _MONTHS[m[1][:3]])
    m = re.search(r"\b(?:in|during|of)\s+((?:19|20)\d{2})\b", q)
    if m:
        y = int(m[1])
        return date(y, 1, 1), date(y, 12, 31)
    if re.search(r"\btoday\b", q):
        return today, today
    if re.search(r"\byesterday\b", q):
        d = today - timedelta(days=1)
        return d, d
    if re.search(r"\bthis week\b", q):
        return today - timedelta(days=today.weekday()), today
    if re.search(r"\blast week\b|\bpast week\b", q):
        start = today - timedelta(days=today.weekday() + 7)
        return start, today
    if re.search(r"\bthis month\b", q):
        return today.replace(day=1), today
    if re.search(r"\blast month\b|\bpast month\b", q):
        first = today.replace(day=1)
        prev = first - timedelta(days=1)
        return prev.replace(day=1), today
    if re.search(r"\bthis year\b", q):
        return date(today.year, 1, 1), today
    if re.search(r"\blast year\b", q):
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    return None
