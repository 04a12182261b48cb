"""Tokenisation shared by BM25 and the answerer's lexical evidence."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

STOPWORDS = frozenset(
    """
a an the and or but if then else of at by for with about against between into through during
before after above below to from up down in out on off over under again further once here there
when where why how all any both each few more most other some such no nor not only own same so
than too very s t can will just don should now is are was were be been being have has had having
do does did doing i me my myself we our ours ourselves you your yours yourself yourselves he him
his himself she her hers herself it its itself they them their theirs themselves what which who
whom this that these those am would could also said says say according new one ’s 's
""".split()
)

_WORD = re.compile(r"[A-Za-z0-9]+(?:[’'][A-Za-z]+)?")

# Characters no reader should be shown raw, as regex class ranges (one list for the title
# cleaner, the question cleaner and the terminal): C0 controls but tab, newline and carriage
# return, DEL and the C1 controls; and the invisible formatting ones: zero-width characters,
# bidi marks, embeddings, overrides and isolates, and the byte-order mark.
CONTROL_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
FORMAT_CHARS = "\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff"


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    try:
        import Stemmer

        return Stemmer.Stemmer("english")
    except ImportError:  # pragma: no cover - PyStemmer is a dependency; degrade gracefully
        return None


_ABBREV = re.compile(r"\b([A-Z])\.([A-Z])\.(?:([A-Z])\.)?")


_POSSESSIVE = re.compile(r"[’'](s)?$")


def words(text: str) -> list[str]:
    """Lower-cased word tokens, possessives dropped; "U.S." and "US" are one word."""
    text = _ABBREV.sub(lambda m: "".join(g for g in m.groups() if g), text)
    return [_POSSESSIVE.sub("", w.lower()) for w in _WORD.findall(text)]


def terms(text: str) -> list[str]:
    """Stemmed content terms (stopwords removed): the unit of lexical matching."""
    if len(text) <= 2000:  # sentences and phrases recur across questions: remember them
        return list(_terms_cached(text))
    return _terms(text)


@lru_cache(maxsize=200_000)
def _terms_cached(text: str) -> tuple[str, ...]:
    return tuple(_terms(text))


def _terms(text: str) -> list[str]:
    toks = [w for w in words(text) if w and w not in STOPWORDS]
    st = _stemmer()
    return list(st.stemWords(toks)) if st else toks
