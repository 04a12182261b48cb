"""Multiple choice: which option do the retrieved passages support best?

Per choice: where its own words (those not already in the question) occur in the passages,
weighted by IDF and by the passage's rank; a bonus when the whole choice phrase appears; and the
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
        lex = 0.0
        for rank, (pt, pn) in enumerate(zip(pterms, pnorm, strict=True)):
            w = 1.0 / (1 + rank)
            lex += w * sum(idf(t) for t in own & pt) / total
            cn = _norm(c)
            if cn and len(cn) > 2 and f" {cn} " in f" {pn} ":
                lex += 0.5 * w
        dense = max((sum(x * y for x, y in zip(cv, sv, strict=False)) for sv in svecs),
                    default=0.0)
        scores.append(lex + dense)
    return max(range(len(choices)), key=lambda i: scores[i])
