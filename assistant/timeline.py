"""Timelines: how a story unfolded, in date order, every event cited.

``build(topic, passages)`` turns the passages retrieved for a topic into ``Timeline`` events:

* **About the topic.** A sentence is an event only when it names the topic: every name the
  topic holds (its capitalised words), else at least half of its content words. A passage
  that only mentions the topic in passing rarely holds such a sentence.
* **One event per article**: its earliest sentence about the topic that states something
  (not a heading), so the event is the article's news rather than its background.
* **Dated.** The article's date, unless the sentence dates the event itself: "on Tuesday",
  "yesterday", "last week" are resolved against the article's date (the weekday before it;
  "last week": seven days before it; ``date_from`` says ``text``).
* **One event per story per day.** Near-duplicate copies of one story (``also_in``) were
  already folded by retrieval; two events of one day from articles of one story keep the
  best-ranked.
* **Oldest first**, at most ``limit`` events, spread over the story's span: when there are
  more, each week gives its best-ranked event in turn (the weeks whose best event ranks
  highest first), so a long story is not told as twenty events of its busiest week.
* **Articles over time** (``Timeline.counts``): how many of the retrieved articles are about
  the topic, per day, week or month (whichever gives a readable chart), for the chat's chart.

``timeline_request(message)`` tells a timeline question ("what happened with X", "timeline of
X", "how did X develop", "what's new on X since Monday") from any other, for the chat and the
``/ask`` API.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from typing import Any

from assistant.citations import citation_from
from assistant.text import is_fragment
from assistant.types import Citation, Passage
from index.chunking import sentence_spans
from index.protocols import StoryMember
from index.text import terms

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ON_DAY = re.compile(r"\b(?:on|early|late|last|this)\s+(" + "|".join(_WEEKDAYS) + r")\b", re.I)
_BARE_DAY = re.compile(r"\b(" + "|".join(_WEEKDAYS) + r")\b", re.I)
_YESTERDAY = re.compile(r"\byesterday\b", re.I)
_LAST_WEEK = re.compile(r"\blast week\b", re.I)
_NAME = re.compile(r"\b[A-Z][\w’'-]+")


@dataclass(frozen=True)
class Event:
    """One dated event: the sentence that states it and its citation."""

    date: str                       # YYYY-MM-DD
    text: str
    date_from: str                  # "article" or "text" (resolved from the sentence)
    citation: Citation
    also_in: tuple[StoryMember, ...] = ()


@dataclass(frozen=True)
class Timeline:
    """A topic's events, oldest first, and its articles over time (``counts``: ``(first day
    of the period, articles about the topic)`` per ``period``, oldest first, gaps as 0)."""

    topic: str
    events: tuple[Event, ...] = ()
    counts: tuple[tuple[str, int], ...] = ()
    period: str = "day"  # "day", "week" (from Monday) or "month"

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape: ``{"topic", "events": [{"date", "text", "date_from", "citation":
        {article_id, title, source, url, start, end}, "also_in": [...]}], "period",
        "articles_over_time": [{"from", "articles"}]}``."""
        keep = ("article_id", "title", "source", "url", "start", "end")
        return {"topic": self.topic, "events": [
            {"date": e.date, "text": e.text, "date_from": e.date_from,
             "citation": {k: getattr(e.citation, k) for k in keep},
             "also_in": [asdict(m) for m in e.also_in]} for e in self.events],
            "period": self.period,
            "articles_over_time": [{"from": d, "articles": n} for d, n in self.counts]}

    def text(self) -> str:
        """The timeline as plain text with ``[n]`` markers: one dated line per event."""
        if not self.events:
            return f"The articles hold no dated event about {self.topic}."
        return "\n".join(f"{e.date}: {e.text} [{e.citation.n}]" for e in self.events)


@dataclass(frozen=True)
class TimelineAsk:
    """A message that asks for a timeline: its topic, and the day it starts from, if any."""

    topic: str
    since: date | None = None


_TOPIC = r"(?:the\s+)?(?P<topic>.+?)"
_SINCE_TAIL = r"(?:\s+since\s+(?P<since>.+?))?"
_ASKS = tuple(re.compile(p + r"\s*[?.!]*\s*$", re.I) for p in (
    rf"^\s*what(?:'s|’s|\s+has|\s+have)?\s+happen(?:ed|ing)\s+(?:with|to|in|on|at|about)\s+"
    rf"{_TOPIC}{_SINCE_TAIL}",
    rf"^\s*(?:(?:show|give)\s+(?:me\s+)?)?(?:a\s+|the\s+)?timeline\s+(?:of|for|on)\s+"
    rf"{_TOPIC}{_SINCE_TAIL}",
    rf"^\s*how\s+(?:did|has|have|is|are)\s+{_TOPIC}\s+(?:develop(?:ed|ing)?|"
    rf"unfold(?:ed|ing)?|evolv(?:e|ed|ing)|progress(?:ed|ing)?){_SINCE_TAIL}",
    rf"^\s*what(?:'s|’s|\s+is)\s+new\s+(?:on|with|in|about|for)\s+{_TOPIC}{_SINCE_TAIL}",
))


def timeline_request(message: str, today: date | None = None) -> TimelineAsk | None:
    """The ``TimelineAsk`` in ``message`` when it asks how a story unfolded, else ``None``.
    "since D" (a date, a weekday, a month) is resolved against ``today``."""
    from assistant.dates import parse_day

    for pattern in _ASKS:
        m = pattern.match(message)
        if not m:
            continue
        topic = m["topic"].strip(" ,;:")
        if not terms(topic):
            return None
        since = parse_day(m["since"], today or date.today()) if m["since"] else None
        return TimelineAsk(topic, since)
    return None


def event_date(sentence: str, published: str) -> tuple[str, str]:
    """``(day, date_from)``: the day ``sentence`` says its event happened, resolved against
    the article's ``published`` day, else the published day itself."""
    try:
        day = date.fromisoformat(published[:10])
    except ValueError:
        return published[:10], "article"
    if _YESTERDAY.search(sentence):
        return (day - timedelta(days=1)).isoformat(), "text"
    m = _ON_DAY.search(sentence) or _BARE_DAY.search(sentence)
    if not m and _LAST_WEEK.search(sentence):
        # "last week" names no day: the article's weekday of last week, always inside it
        return (day - timedelta(days=7)).isoformat(), "text"
    if m:
        want = _WEEKDAYS.index(m.group(1).lower())
        back = (day.weekday() - want) % 7  # the latest such weekday on or before the article
        return (day - timedelta(days=back)).isoformat(), "text" if back else "article"
    return day.isoformat(), "article"


def about(topic: str) -> tuple[set[str], set[str]]:
    """``(names, words)``: the topic's names (stemmed terms of its capitalised words) and
    its other content terms."""
    names = set(terms(" ".join(_NAME.findall(topic))))
    return names, set(terms(topic)) - names


def _is_about(sentence_terms: set[str], names: set[str], words: set[str]) -> bool:
    if names:
        return names <= sentence_terms
    return bool(words) and 2 * len(words & sentence_terms) >= len(words)


def build(topic: str, passages: Sequence[Passage], *, limit: int = 20) -> Timeline:
    """The timeline of ``topic`` from ``passages`` (best-ranked first)."""
    names, words = about(topic)
    best: dict[str, tuple[int, Event, str]] = {}  # article -> (rank, event, story key)
    for p in passages:
        if not p.date or p.article_id in best:
            continue  # undated passages cannot be placed; one event per article
        title_terms = set(terms(p.title))
        for a, b in sentence_spans(p.text):
            s = p.text[a:b]
            if is_fragment(s) or len(s) < 30:
                continue
            st = set(terms(s))
            if not _is_about(st, names, words) and not (
                    _is_about(st | title_terms, names, words) and len(st & (names | words))):
                continue
            day, source = event_date(s, p.date)
            cite = citation_from(0, p, a, b, p.score)
            story = p.also[0].story_id if p.also else p.article_id
            best[p.article_id] = (p.rank, Event(day, s.strip(), source, cite, p.also), story)
            break
    # one event per story per day: the best-ranked article's
    kept: dict[tuple[str, str], tuple[int, Event]] = {}
    for rank, ev, story in best.values():
        key = (story, ev.date)
        if key not in kept or rank < kept[key][0]:
            kept[key] = (rank, ev)
    chosen = spread(sorted(kept.values(), key=lambda t: t[0]), limit)
    events = sorted((ev for _r, ev in chosen),
                    key=lambda e: (e.date, e.citation.article_id, e.citation.start))
    numbered = tuple(Event(e.date, e.text, e.date_from,
                           _renumber(e.citation, i), e.also_in)
                     for i, e in enumerate(events, 1))
    period, counts = articles_over_time([ev.citation.date for _r, ev, _s in best.values()])
    return Timeline(topic, numbered, counts, period)


def spread(ranked: Sequence[tuple[int, Event]], limit: int) -> list[tuple[int, Event]]:
    """At most ``limit`` of ``ranked`` (best first): the best of each week in turn, weeks in
    the order of their best event, then each week's second best, and so on."""
    weeks: dict[tuple[int, int], list[tuple[int, Event]]] = {}
    for item in ranked:
        try:
            key = date.fromisoformat(item[1].date).isocalendar()[:2]
        except ValueError:
            key = (0, 0)
        weeks.setdefault(key, []).append(item)
    out: list[tuple[int, Event]] = []
    depth = 0
    while len(out) < limit and any(len(v) > depth for v in weeks.values()):
        out.extend(v[depth] for v in weeks.values() if len(v) > depth)
        depth += 1
    return out[:limit]


def articles_over_time(days: Sequence[str]) -> tuple[str, tuple[tuple[str, int], ...]]:
    """``(period, counts)``: the articles of ``days`` (YYYY-MM-DD) per day when they span at
    most ~6 weeks, per week up to ~a year, else per month; empty periods count 0."""
    got = sorted(date.fromisoformat(d[:10]) for d in days if _iso(d))
    if not got:
        return "day", ()
    span = (got[-1] - got[0]).days
    period = "day" if span <= 45 else "week" if span <= 400 else "month"

    def start(d: date) -> date:
        if period == "week":
            return d - timedelta(days=d.weekday())
        return d.replace(day=1) if period == "month" else d

    def after(d: date) -> date:
        if period == "month":
            return (d.replace(day=28) + timedelta(days=4)).replace(day=1)
        return d + timedelta(days=7 if period == "week" else 1)

    tally: dict[date, int] = {}
    for d in got:
        tally[start(d)] = tally.get(start(d), 0) + 1
    out, cur = [], start(got[0])
    while cur <= got[-1]:
        out.append((cur.isoformat(), tally.get(cur, 0)))
        cur = after(cur)
    return period, tuple(out)


def _iso(d: str) -> bool:
    try:
        date.fromisoformat(d[:10])
    except ValueError:
        return False
    return True


def _renumber(c: Citation, n: int) -> Citation:
    return replace(c, n=n)
