"""Text helpers the question path shares: word lists, answer-type patterns, name terms, IDF.

``index.text`` holds what the index needs too (tokenising and stemming ``terms``, its
``STOPWORDS`` for BM25); this module holds what only the answer side uses.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from index.text import CONTROL_CHARS, FORMAT_CHARS, terms

__all__ = ["CONTROL_CHARS", "FORMAT_CHARS"]  # for the faces (ui.terminal), re-exported

# Words that are never an answer phrase on their own (broader than index.text.STOPWORDS, which
# BM25 drops: "said", "week", "first" are searchable but answer nothing).
PHRASE_STOP = set("""
a an the and or but if then than of in on at to for from by with without into onto over under
about after before during since until as is are was were be been being am do does did done
has have had having will would shall should can could may might must not no nor so too very
this that these those it its it's he him his she her hers they them their theirs we us our you
your i me my mine who whom whose which what when where why how all any both each few more most
other some such only own same just also even still again further once here there up down out
off new said says say told according announced reported week weeks year years day days month
months last next first one two three recently soon now today yesterday tomorrow per about
around nearly almost approximately more less many much several while because though although
whether either neither between among against across through via including like unlike
mr mrs ms dr
""".split())

# answer-type patterns ("how long" -> a duration, "when" -> a month, weekday or year)
DURATION = r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|an?|half)[- ]" \
           r"(?:hour|minute|day|week|month|year)s?\b"
MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|" \
         r"December)"
WEEKDAYS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"

# Capitalised words that are not names: question words and sentence openers.
QWORDS = {"What", "Which", "Who", "Whom", "Whose", "When", "Where", "Why", "How", "Did", "Does",
          "Do", "Is", "Are", "Was", "Were", "Will", "Can", "Could", "Has", "Have", "Had", "In",
          "On", "At", "According", "The", "A", "An", "And", "But", "Of", "To", "For"}


def name_terms(question: str) -> set[str]:
    """Stemmed terms of the question's proper nouns: capitalised words that are neither its
    first word nor question words. Every one must occur in a passage for it to answer."""
    toks = re.findall(r"[A-Za-z][A-Za-z’'.-]*", question)
    names = [w for i, w in enumerate(toks) if i > 0 and w[:1].isupper() and w not in QWORDS]
    return set(terms(" ".join(names)))


def surface_names(question: str, stems: set[str]) -> list[str]:
    """The question's own words for the name stems in ``stems``, adjacent capitalised words
    kept together ("Lakeside Open"), for messages."""
    runs: list[list[str]] = []
    prev_end = -2
    for i, m in enumerate(re.finditer(r"[A-Za-z][A-Za-z’'.-]*(?<=-)\d+|[A-Za-z][A-Za-z’'.-]*",
                                      question)):  # "Covid-19" whole, not "Covid-"
        w = m.group()
        if i == 0 or not w[:1].isupper() or w in QWORDS:
            continue
        if runs and question[prev_end:m.start()] == " ":
            runs[-1].append(w)
        else:
            runs.append([w])
        prev_end = m.end()
    out = [" ".join(r).rstrip(".") for r in runs if set(terms(" ".join(r))) & stems]
    return list(dict.fromkeys(out))


def is_fragment(span: str) -> bool:
    """A heading, byline or list label rather than a statement."""
    s = span.strip()
    return len(s.split()) < 8 and not re.search(r"[.!?][\"'”’)]*$", s)


def dot(a: Sequence[float], b: Sequence[float]) -> float:
    """Dot product (cosine, for the unit vectors embedders return)."""
    return sum(x * y for x, y in zip(a, b, strict=False))


def idf_lookup(table: dict[str, float], unseen: float) -> Callable[[str], float]:
    """IDF as a function; a term the corpus lacks weighs most (it must be matched to answer)."""
    return lambda t: table.get(t, unseen if table else math.log(2))
