"""The headline as evidence: an article whose headline states what the question asks.

News questions are often asked the way the headline put it ("Which major US retailer is
slashing prices on clothing and other products?" / "Walmart is slashing prices on clothing and
other products"), while the body says it in other words ("Apparel in Walmart U.S. is requiring
more markdown dollars"). Every body sentence then scores too low for the answerer to speak,
and it refuses an article that holds the answer in its first line.

``headline_answer`` finds the first retrieved article whose headline carries at least
``HEADLINE_SHARE`` of the question's weight (IDF) besides the answer itself and names a
phrase that can answer it: a capitalised name, a quoted title or a figure of the asked-for
kind (never a lower-case word: "longer" is no country), of a fitting entity type, in an
article that has every year the question names and is not old news for a question about
something new. The extractive answerer answers with it when its own short answer is another
phrase ("Parler" in "Kanye West to acquire conservative social media platform Parler", not
"Twitter" from the body sentence that shares most words with the question), or when it was
about to refuse for weak support. The citation stays a body sentence (a citation is always
``article.body[start:end]``): the sentence of that article's retrieved passages that holds the
same phrase verbatim and most of the question; without one there is no answer. The answer
text quotes the headline before it, so the reader sees what it rests on.

On the RealTime QA dev set (``newsdesk eval --hide-gold``) this answered two questions the
answerer refused (Walmart, North Korea) and changed five short answers: two wrong ones right
(Twitter -> Parler, Tampa Bay -> Colorado Avalanche), two made whole (Broncos -> Denver
Broncos, New York -> New York City), one reordered ("Finland and Sweden", which the
order-bound contains check scores wrong): contains 0.622 -> 0.653, F1 0.549 -> 0.588 (and
0.598 -> 0.602 once the name was kept whole); no hidden-gold question more was answered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from assistant import answerability as ab
from assistant.answerers.asks import question_kind
from assistant.answerers.refusals import stale_reason
from assistant.answerers.short import candidates, kind_fits, type_fits
from assistant.text import is_fragment
from assistant.types import Passage
from index.chunking import sentence_spans
from index.text import terms

HEADLINE_SHARE = 0.45  # dev: 0.40-0.45 alike; 0.35 picks stray names, 0.5 loses one


@dataclass(frozen=True)
class Told:
    """The answer a headline gives: ``passage.text[start:end]`` is the cited body sentence,
    ``phrase`` the short answer inside it, ``share`` the question's weight the headline holds."""

    passage: Passage
    start: int
    end: int
    phrase: str
    share: float


def headline_answer(question: str, passages: Sequence[Passage], idf: Callable[[str], float], *,
                    today: date | None = None,
                    newest: Callable[[], date | None] | None = None) -> Told | None:
    """The answer the best-ranked fitting headline of ``passages`` gives, or None."""
    kind = question_kind(question)
    qterms = set(terms(question))
    if kind in ("yesno", "reason") or not qterms:
        return None  # a sentence answers these, not a phrase of the headline
    total = sum(idf(t) for t in qterms) or 1.0
    seen: set[str] = set()
    for p in passages:
        if p.article_id in seen or not p.title:
            continue
        seen.add(p.article_id)
        said = set(terms(p.title))
        outlet = set(terms(p.source))
        for c in candidates(p.title, 0):
            cterms = set(terms(c.text))
            if not cterms or cterms <= qterms or (outlet and cterms <= outlet) or \
                    c.text[:1].islower() or not kind_fits(kind, c.kind):
                continue
            share = sum(idf(t) for t in (qterms & said) - cterms) / total
            if share < HEADLINE_SHARE or not type_fits(question, p.title, c):
                continue
            if ab.years_of(ab.unmatched_constraints(question, f"{p.title} {p.text}", p.date)) \
                    or stale_reason(question, p.date, today, newest):
                break  # this article is about another year, or old news: not its headline
            # a capitalised first word of the headline ("Walmart", "Stores") is a name only
            # where the body writes it with a capital inside a sentence
            cited = _sentence_with(c.text, p.article_id, passages, lambda text: sum(
                idf(t) for t in qterms & set(terms(text))), inside=c.kind == "phrase")
            if cited is not None:
                r, a, b, m = cited
                return Told(r, a, b, m, share)
    return None


def _sentence_with(phrase: str, article_id: str, passages: Sequence[Passage],
                   weight: Callable[[str], float], *, inside: bool = False
                   ) -> tuple[Passage, int, int, str] | None:
    """The body sentence of ``article_id``'s passages that holds ``phrase`` as whole words
    (``inside``: not as its first word) and most of the question (``weight`` of its words;
    the earliest among equals): ``(passage, start, end, the phrase as written there)``."""
    rx = re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)")
    best: tuple[float, Passage, int, int, str] | None = None
    for r in passages:
        if r.article_id != article_id:
            continue
        for a, b in sentence_spans(r.text):
            # "inside" starts after the first word, past an opening quote or bracket
            first = a + len(r.text[a:b]) - len(r.text[a:b].lstrip("“\"‘'(["))
            m = rx.search(r.text, first + 1 if inside else a, b)
            if m and not is_fragment(r.text[a:b]):
                w = weight(r.text[a:b])
                if best is None or w > best[0]:
                    best = (w, r, a, b, _whole(r.text[a:b], m.start() - a, m.end() - a))
    return None if best is None else best[1:]


def _whole(sentence: str, start: int, end: int) -> str:
    """The name the body ends with ``sentence[start:end]``, kept whole: the headline's
    "Avalanche" is "Colorado Avalanche" in "The Colorado Avalanche are Stanley Cup champions".
    Only to the left: a name that runs on past the phrase is another one ("Japan
    Meteorological Agency" is not "Japan")."""
    names = [c for c in candidates(sentence, 0)
             if c.kind == "name" and c.start <= start and c.end == end]
    return max(names, key=lambda c: c.end - c.start).text if names else sentence[start:end]
