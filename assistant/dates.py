"""Date phrases in a question ("in June 2025", "last week", "on 3 July 2025") -> a date range.

Relative phrases resolve against ``today`` (the question's date when known). Only explicit
phrases produce a range: a question without one is never filtered. A relative phrase is a
constraint of the question like a year is: "Which country was shaken by an earthquake this
week?" is not answered by last year's earthquake, so the assistant searches only that period
and says so when it holds nothing (``Period.relative``).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

WEEK = 7      # "this week", "on Tuesday", "in recent days": the seven days before the question
RECENT = 31   # "recently", "a recent survey": the month before it
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_WITHIN_WEEK = re.compile(rf"\b(?:this (?:past )?week(?:end)?|over the weekend|in recent days|"
                          rf"(?:on |early |late |last )?{_WEEKDAY}(?: (?:morning|night|evening))?)"
                          r"\b")
_RECENT = re.compile(r"\b(?:recent(?:ly)?|in recent weeks|lately)\b")


@dataclass(frozen=True)
class Period:
    """The inclusive dates a question's own words name; ``phrase`` is those words and
    ``relative`` says they count back from the question's day ("this week", "recently")."""

    since: date
    until: date
    phrase: str
    relative: bool

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9
_MON = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"  # noqa: E501
_NUMWORD = (r"(?:\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
            r"twelve|a few)")
_AGO = re.compile(rf"\b{_NUMWORD} (day|week|month|year)s? ago\b")
_SINCE = re.compile(rf"\bsince (?:early |late |mid-?)?({_MON})\b(?!\s+\d)")
_COUNT = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_ROLLING = re.compile(r"\bthe (?:last|past) (?:(\d{1,3}|two|three|four|five|six|seven|eight|"
                      r"nine|ten|eleven|twelve) )?(year|month)s?\b")
_UNIT_DAYS = {"year": 365, "month": 31}
_HALF_SPAN = {"day": 0, "week": 3, "month": 15, "year": 182}


def _month_range(y: int, m: int) -> tuple[date, date]:
    return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])


def parse_range(question: str, today: date | None = None) -> tuple[date, date] | None:
    """The inclusive ``(since, until)`` the question's date phrase names, or ``None``."""
    p = parse_period(question, today)
    return None if p is None else (p.since, p.until)


def parse_period(question: str, today: date | None = None) -> Period | None:
    """The ``Period`` the question's date phrase names, or ``None``."""
    today = today or date.today()
    got = _absolute(question.lower())
    if got is not None:
        return got
    return _relative(question.lower(), today)


def _absolute(q: str) -> Period | None:
    m = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", q)
    if m:
        try:
            d = date(int(m[1]), int(m[2]), int(m[3]))
            return Period(d, d, m.group(), False)
        except ValueError:
            return None
    m = re.search(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MON}\s+(\d{{4}})\b", q) or \
        re.search(rf"\b{_MON}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", q)
    if m:
        g = m.groups()
        day, mon = (g[0], g[1]) if g[0].isdigit() else (g[1], g[0])
        try:
            d = date(int(g[2]), _MONTHS[mon[:3] if mon[:3] != "sep" else "sep"], int(day))
            return Period(d, d, m.group(), False)
        except (ValueError, KeyError):
            return None
    m = re.search(rf"\b(?:in|during|of|since)\s+(?:early\s+|late\s+|mid-?)?{_MON}\s+(\d{{4}})\b", q)
    if m:
        return Period(*_month_range(int(m[2]), _MONTHS[m[1][:3]]), m.group(), False)
    m = re.search(r"\b(?:in|during|of)\s+((?:19|20)\d{2})\b", q)
    if m:
        y = int(m[1])
        return Period(date(y, 1, 1), date(y, 12, 31), m.group(), False)
    return None


def _relative(q: str, today: date) -> Period | None:
    def back(days: int, phrase: str) -> Period:
        return Period(today - timedelta(days=days), today, phrase, True)

    if m := re.search(r"(?<!usa )\btoday\b", q):  # not the newspaper
        return Period(today, today, m.group(), True)
    if m := re.search(r"\byesterday\b", q):
        return Period(today - timedelta(days=1), today - timedelta(days=1), m.group(), True)
    if m := _ROLLING.search(q):
        # "over the last year" is the twelve months before the question, not the calendar
        # year before it ("last year")
        n = _COUNT.get(m[1] or "one") or int(m[1])
        return back(n * _UNIT_DAYS[m[2]], m.group())
    if m := re.search(r"\blast week\b|\bpast week\b", q):
        return Period(today - timedelta(days=today.weekday() + 7), today, m.group(), True)
    for m in _WITHIN_WEEK.finditer(q):
        if not re.search(r"\b(?:black|cyber|good|super|ash|holy|giving)\s+$", q[:m.start()]):
            return back(WEEK, m.group())  # a weekday, not "Black Friday"
    if m := re.search(r"\bthis month\b", q):
        return Period(today.replace(day=1), today, m.group(), True)
    if m := re.search(r"\blast month\b|\bpast month\b", q):
        prev = today.replace(day=1) - timedelta(days=1)
        return Period(prev.replace(day=1), today, m.group(), True)
    if m := re.search(r"\bthis year\b", q):
        return Period(date(today.year, 1, 1), today, m.group(), True)
    if m := re.search(r"\blast year\b", q):
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), m.group(), True)
    m = _AGO.search(q)
    if m and not re.search(r"\b(?:compared (?:to|with)|than|from|since|versus|vs\.?|over)\s+$",
                           q[:m.start()]):  # "up 20 % compared to a year ago" is a baseline
        d = _dateparser(m.group().replace("a few", "3"), today)
        if d is not None:
            half = timedelta(days=_HALF_SPAN[m[1]])
            return Period(d - half, min(d + half, today), m.group(), True)
    if m := _SINCE.search(q):
        d = _dateparser(m[1], today)
        if d is not None:
            return Period(d.replace(day=1), today, m.group(), True)
    if m := _RECENT.search(q):
        return back(RECENT, m.group())
    return None


def parse_day(phrase: str, today: date) -> date | None:
    """The day ``phrase`` names ("2024-05-01", "Monday", "March 3", "two weeks ago"), in the
    past as seen from ``today``, or ``None``."""
    got = _absolute(phrase.lower())
    if got is not None:
        return got.since
    return _dateparser(phrase, today)


def _dateparser(phrase: str, today: date) -> date | None:
    """``phrase`` ("two weeks ago", "March") as a date counted back from ``today``, by
    ``dateparser`` (loaded on first use: ~0.4 s import, ~0.7 s for its first phrase)."""
    import dateparser

    got = dateparser.parse(phrase, languages=["en"], settings={
        "RELATIVE_BASE": datetime.combine(today, datetime.min.time()),
        "PREFER_DATES_FROM": "past"})
    return None if got is None else got.date()
