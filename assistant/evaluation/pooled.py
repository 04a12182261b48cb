"""Pooled evaluation (RealTime QA 2023-24 protocol): each question is asked within its own
search results (``search_doc_ids``), and, for the hidden half, with its answer documents
(``gold_doc_ids``) removed too, so every passage left is a topical lookalike.

Only the pooled articles of the chosen questions are indexed: ``--sample N --seed S`` picks
N questions that have answer documents, and ``pool`` keeps the corpus records their search
results name, so a 300-question run indexes a few thousand articles, not 15,000.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator, Sequence

from assistant.evaluation.gold import GoldQuestion
from index.articles import Article
from index.errors import LoadError

_NORM = re.compile(r"[^0-9a-z]+")


def sample(questions: Sequence[GoldQuestion], n: int, seed: int) -> list[GoldQuestion]:
    """``n`` questions with answer documents among their search results (seeded), in file
    order."""
    usable = [i for i, g in enumerate(questions) if g.search_doc_ids and g.gold_doc_ids]
    chosen = sorted(random.Random(seed).sample(usable, min(n, len(usable))))
    return [questions[i] for i in chosen]


def pooled_ids(questions: Iterable[GoldQuestion]) -> set[str]:
    """Every article some question's search results name."""
    return {d for g in questions for d in g.search_doc_ids}


def pool(items: Iterable[Article | LoadError], ids: set[str]) -> Iterator[Article | LoadError]:
    """The loaded corpus restricted to ``ids`` (load errors of other records dropped)."""
    for it in items:
        if isinstance(it, LoadError):
            continue
        if it.id in ids:
            yield it


def _norm(text: str) -> str:
    return f" {_NORM.sub(' ', text.lower()).strip()} "


FRESH_DAYS = 7  # "this week": an answer document this close before the question is its news


def fresh_evidence(g: GoldQuestion, dates: dict[str, str], days: int = FRESH_DAYS) -> bool:
    """Whether an answer document is dated within ``days`` before the question (3 days after
    it allowed: dates of web results are approximate). Many answer documents are months or
    years older: they hold the answer string in passing, often about an earlier event (a
    recall, a flood), so the questions that have only those are reported apart."""
    from datetime import date

    if not g.question_date:
        return False
    asked = date.fromisoformat(g.question_date[:10])
    for did in g.gold_doc_ids:
        try:
            gap = (asked - date.fromisoformat(dates.get(did, "")[:10])).days
        except ValueError:
            continue
        if -3 <= gap <= days:
            return True
    return False


def clearly_answerable(g: GoldQuestion, bodies: dict[str, str]) -> bool:
    """Whether an answer document holds a sentence with a gold string and at least two of
    the question's content terms (the issue's "clearly answerable" questions)."""
    from index.chunking import sentence_spans
    from index.text import terms

    qterms = set(terms(g.question))
    golds = [_norm(a) for a in g.answers if a.strip()]
    for did in g.gold_doc_ids:
        body = bodies.get(did, "")
        for a, b in sentence_spans(body):
            s = body[a:b]
            if any(x in _norm(s) for x in golds) and len(qterms & set(terms(s))) >= 2:
                return True
    return False
