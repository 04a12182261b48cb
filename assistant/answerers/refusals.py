"""Why an answer is refused, in words: an article too old for a question about the new, and
a refusal's grammar ("name no two teams that answer it")."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

STALE_DAYS = 90  # evidence this much older than the question's day is not news about "new" X
# lower case only: "New York", "New Zealand", "the New Year" are names, not newness; a record
# "yet" ("the most infectious variant yet") is a record as of the question's day ("the best
# team yet to win" is not one)
_NEWS_CUE = re.compile(r"\b(?:new|newest|latest|upcoming|current|currently)\b|"
                       r"\bthe (?:most|least|\w+est)\b[^.?!;]{0,60}?\byet\b(?!\s+to\b)")


def stale_reason(question: str, published: str, today: date | None = None,
                 newest: Callable[[], date | None] | None = None) -> str:
    """Why an article published on ``published`` cannot answer a question about something
    *new* ("Which new treat did McDonald's add ...?") asked on ``today``, or "" when it can:
    the question has no newness cue, the article is undated, or it is recent enough.

    Without ``today`` the reference is the collection's own "now": ``newest()`` (the day of
    its newest article) when that is before the clock's day, else the clock's day. A
    question about the new over an archive of 2025 news asks what was new then; over a live
    collection the newest article is today's."""
    cue = _NEWS_CUE.search(question)
    if cue is None or not published:
        return ""
    try:
        day = date.fromisoformat(published[:10])
    except ValueError:
        return ""
    ref, what = today, ""
    if ref is None:
        ref = date.today()
        if (ref - day).days <= STALE_DAYS:
            return ""
        last = newest() if newest is not None else None  # asked only when it matters
        if last is not None and last < ref:
            ref, what = last, ", the newest article in this collection"
    age = (ref - day).days
    if age <= STALE_DAYS:
        return ""
    return (f"The closest article that speaks to it is from {day.isoformat()}, {age} days "
            f"before {ref.isoformat()}{what}: too old to say what is “{cue.group().lower()}”.")


def conjugate(noun: str, verb: str) -> str:
    """``verb`` (third person singular) agreeing with ``noun``: "two teams that answer"."""
    plural = bool(re.search(r"[^s]s$", noun)) and not noun.endswith(("news", "series"))
    return verb[:-1] if plural and verb.endswith("s") else verb
