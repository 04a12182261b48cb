"""Multiple choice: which option do the retrieved passages support best?

Per choice: where its own words (those not already in the question) occur in the passages,
weighted by IDF and by the passage's rank (a figure counts only with its unit: "40%" is not
the 40 of "a 40-year high"); a bonus when the whole choice phrase appears; and the
best cosine between "question + choice" and a passage sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.types import Passage
from assistant.vectors import VectorCache
from index.chunking import sentence_spans
from index.text import terms


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", s.lower())).strip()


_FIGURE = re.compile(r"([$€£]?)\s?(\d[\d,]*(?:\.\d+)?)\s?(%|percent|million|billion|trillion)?",
                     re.I)


def _figure(choice: str) -> re.Pattern[str] | None:
    """For a choice that is a figure ("40%", "$5", "1,600"), the pattern of that figure with
    its unit in a text: "40%" is not the 40 of "a 40-year high"."""
    m = _FIGURE.fullmatch(choice.strip())
    if m is None:
        return None
    cur, num, unit = m[1], re.escape(m[2]), (m[3] or "").lower()
    before = re.escape(cur) + r"\s?" if cur else r"(?<![$€£\d.,])"
    after = r"\s?(?:%|percent\b|per cent\b)" if unit in ("%", "percent") else \
        rf"\s?{unit}\b" if unit else r"(?![\d,.]*\d|-|\s?%|\s?percent)"
    return re.compile(before + num + after, re.I)


def choose(question: str, choices: list[str], passages: list[Passage], vectors: VectorCache,
           idf: Callable[[str], float]) -> int:
    if len(choices) == 1 or not passages:
        return 0
    qterms = set(terms(question))
    ptexts = [f"{p.title}\n{p.text}" for p in passages]
    pterms = [set(terms(t)) for t in ptexts]
    pnorm = [_norm(t) for t in ptexts]
    sentences = [p.text[a:b] for p in passages[:5] for a, b in sentence_spans(p.text)][:60]
    svecs = vectors.many(sentences) if sentences else []
    cvecs = vectors.many([f"{question} {c}" for c in choices])
    scores = []
    for c, cv in zip(choices, cvecs, strict=True):
        own = set(terms(c)) - qterms or set(terms(c))
        total = sum(idf(t) for t in own) or 1.0
        figure = _figure(c)
        lex = 0.0
        for rank, (pt, pn) in enumerate(zip(pterms, pnorm, strict=True)):
            w = 1.0 / (1 + rank)
            if figure is not None:
                lex += w * bool(figure.search(ptexts[rank]))
            else:
                lex += w * sum(idf(t) for t in own & pt) / total
            cn = _norm(c)
            if figure is None and cn and len(cn) > 2 and f" {cn} " in f" {pn} ":
                lex += 0.5 * w
        dense = max((sum(x * y for x, y in zip(cv, sv, strict=False)) for sv in svecs),
                    default=0.0)
        scores.append(lex + dense)
    return max(range(len(choices)), key=lambda i: scores[i])
