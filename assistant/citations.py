"""``Citation`` and ``Answer``, and the check of every ``[n]`` against passage n.

An LLM's draft cites numbered sources; ``verify()`` keeps a marker only when the sentence
carrying it shares enough content terms with that source's passage, narrows each kept citation
to the passage's best-matching sentence, renumbers them in order of appearance, and drops every
sentence left without a verified citation (so nothing unsupported, e.g. a leaked prompt, reaches
the reader); ``problems`` says what was removed.
"""

from __future__ import annotations

import re

from assistant.types import Citation, Passage
from index.chunking import sentence_spans
from index.text import terms

_MARK = re.compile(r"\s?\[(\d{1,2})\]")


def citation_from(n: int, p: Passage, start: int, end: int, score: float) -> Citation:
    """Citation ``n`` for ``p.text[start:end]`` (offsets inside the passage)."""
    return Citation(
        n=n, article_id=p.article_id, title=p.title, date=p.date, source=p.source, url=p.url,
        passage=p.text[start:end], start=p.start + start, end=p.start + end, score=round(score, 4),
        context=p.text, context_start=p.start, also_in=p.also,
    )


def overlap(claim: str, passage: str) -> float:
    """Share of the claim's content terms found in the passage."""
    c = set(terms(claim))
    if not c:
        return 0.0
    return len(c & set(terms(passage))) / len(c)


def best_sentence(claim: str, p: Passage) -> tuple[int, int, float]:
    """The sentence of ``p`` that best supports ``claim``: (start, end, overlap) in p.text."""
    best = (0, len(p.text), 0.0)
    for a, b in sentence_spans(p.text):
        s = overlap(claim, p.text[a:b])
        if s > best[2]:
            best = (a, b, s)
    return best


def split_claims(text: str) -> list[str]:
    """Sentences of a draft answer (markers stay attached to their sentence)."""
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z\"“(\[])|(?<=\])\s+(?=[A-Z])|\n+", text.strip())
    return [p for p in parts if p.strip()]


def verify(draft: str, passages: list[Passage], *, min_overlap: float = 0.35
           ) -> tuple[str, list[Citation], list[str]]:
    """Check each ``[n]`` of ``draft`` against ``passages[n-1]``.

    Returns ``(text, citations, problems)``: ``text`` has supported markers renumbered 1..m in
    order of first appearance and unsupported ones removed; ``problems`` says what was removed.
    """
    problems: list[str] = []
    renum: dict[tuple[int, int, int], int] = {}
    cites: list[Citation] = []
    out_sentences = []
    for claim in split_claims(draft):
        bare = _MARK.sub("", claim).strip()

        def repl(m: re.Match[str], bare: str = bare) -> str:
            n = int(m.group(1))
            if not 1 <= n <= len(passages):
                problems.append(f"[{n}] cites a source that does not exist")
                return ""
            p = passages[n - 1]
            a, b, s = best_sentence(bare, p)
            whole = overlap(bare, p.text)
            if whole < min_overlap:
                problems.append(f"[{n}] is not supported by source {n} "
                                f"(overlap {whole:.2f} < {min_overlap})")
                return ""
            key = (n, a, b)
            if key not in renum:
                renum[key] = len(cites) + 1
                cites.append(citation_from(renum[key], p, a, b, max(s, whole)))
            return f" [{renum[key]}]"

        kept = _MARK.sub(repl, claim).strip()
        if _MARK.search(kept):
            out_sentences.append(kept)
        elif bare:
            problems.append(f"dropped a sentence with no verified citation: {bare[:80]!r}")
    text = " ".join(out_sentences)
    return text, cites, problems
