"""Whether a candidate short answer is what its sentence *states* about the thing the question
asks: a figure of what the question measures, a fact rather than what only might be, and the
time of the event rather than of the saying.

The short-answer ranker (``assistant.answerers.short``) scores phrases by where they sit;
these checks read what the sentence says of them. The parse-based ones call spaCy
(``assistant.nlp``) only when a word in the sentence asks for it (a modal, a verb of saying).
"""

from __future__ import annotations

import re

from assistant import nlp
from assistant.answerers.asks import Measure
from index.text import terms

# kinds of phrase that stand in for each other ("TikTok" opening a sentence is a "phrase")
FAMILY = {"name": "words", "phrase": "words", "quoted": "quoted", "number": "figure",
          "time": "time", "duration": "time"}
MEASURE_WORDS = 5  # a count's noun follows it within this many words
# the words that make the parse worth running (the parser's own lists): modals in lower case
# only ("in May" is none)
_MODAL = re.compile(rf"\b(?:{'|'.join(sorted(nlp.MODALS))})\b")
_SAYING = re.compile(rf"\b(?:{'|'.join(sorted(nlp.SAYING))})\b", re.I)


def measures(sentence: str, end: int, what: Measure) -> bool:
    """Whether the figure ending at ``sentence[end]`` is of what the question measures (see
    ``Measure``); a word of the question matches its longer forms in the sentence ("gas":
    "gasoline")."""
    if what.how == "count":
        near = terms(" ".join(sentence[end:].split()[:MEASURE_WORDS]))
        return bool(what.words & set(near))
    have = set(terms(sentence))

    def named(w: str) -> bool:
        return w in have or any(h.startswith(w) for h in have)

    wanted = [named(w) for w in what.words]
    return all(wanted) if what.how == "subject" else any(wanted)


def stated(question: str, sentence: str, kind: str, start: int, end: int) -> bool:
    """Whether ``sentence`` states the phrase at ``[start:end]`` as the question asks it: not
    only as what might be (``hypothetical``), and, for a time, not only as when it was said
    (``said_when``)."""
    return not hypothetical(question, sentence, start, end) and \
        not said_when(question, sentence, kind, start, end)


def hypothetical(question: str, sentence: str, start: int, end: int) -> bool:
    """Whether the sentence only says the phrase *might* be so ("Returning to Facebook would
    be a boon for political fundraising") while the question asks what is, was or will be
    ("Which platform banned political fundraising?"; a question that asks what could be, "How
    soon could vaccines be available?", takes a "could")."""
    if not _MODAL.search(sentence) or _MODAL.search(question):
        return False
    return nlp.hypothetical(sentence, start, end)


def said_when(question: str, sentence: str, kind: str, start: int, end: int) -> bool:
    """Whether a time phrase only dates the saying ("the payment process will restart, Psaki
    said last week" for "When are loan payments set to restart?"), unless the question asks
    when something was said."""
    if kind not in ("time", "duration") or not _SAYING.search(sentence) or \
            _SAYING.search(question):
        return False
    return nlp.said_when(sentence, start, end)
