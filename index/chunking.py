"""Split an article body into passages that keep their character spans.

Passages respect paragraphs and sentences, overlap by one sentence, and stay within
all-MiniLM-L6-v2's 256-token window (~900 characters of news English plus the title prefix).
Every chunk satisfies ``article.body[chunk.start:chunk.end] == chunk.text``.
"""

from __future__ import annotations

import re

from index.articles import Article, Chunk, chunk_id, date_to_epoch

MAX_CHARS = 900
MIN_CHARS = 300
OVERLAP_CHARS = 250

# A sentence ends at . ! ? (plus closing quotes/brackets) followed by whitespace and a likely
# sentence start; abbreviations like "U.S." or "Mr." are not ends.
_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|Col|Lt|St|Jr|Sr|Inc|Ltd|Co|Corp|vs|etc|No|Vol|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)|\b[A-Z](?:\.[A-Z])*)\.$"
)
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_PARA = re.compile(r"\n\s*\n")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character spans of the sentences in ``text[start:end]`` (whitespace trimmed)."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for p_start, p_end in _paragraph_spans(text, start, end):
        s = p_start
        for m in _END.finditer(text, p_start, p_end):
            if _ABBREV.search(text[max(s, m.start() - 12): m.end()]):
                continue
            spans.append((s, m.end()))
            s = m.end()
            while s < p_end and text[s].isspace():
                s += 1
        if s < p_end:
            spans.append((s, p_end))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _paragraph_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    pos = start
    for m in _PARA.finditer(text, start, end):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, end))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out


def _split_long(text: str, a: int, b: int, limit: int) -> list[tuple[int, int]]:
    """Hard-split one over-long sentence at whitespace."""
    out = []
    while b - a > limit:
        cut = text.rfind(" ", a + limit // 2, a + limit)
        cut = cut if cut > a else a + limit
        out.append((a, cut))
        a = cut
        while a < b and text[a].isspace():
            a += 1
    if a < b:
        out.append((a, b))
    return out


def chunk_spans(
    body: str, max_chars: int = MAX_CHARS, min_chars: int = MIN_CHARS, overlap: int = OVERLAP_CHARS
) -> list[tuple[int, int]]:
    """Greedy packing of sentences into spans; a paragraph end is the preferred cut."""
    units: list[tuple[int, int, bool]] = []  # (start, end, ends_paragraph)
    for p_start, p_end in _paragraph_spans(body, 0, len(body)):
        sents = []
        for a, b in sentence_spans(body, p_start, p_end):
            sents.extend(_split_long(body, a, b, max_chars))
        units.extend((a, b, i == len(sents) - 1) for i, (a, b) in enumerate(sents))
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        j = i
        start = units[i][0]
        while j + 1 < len(units) and units[j + 1][1] - start <= max_chars:
            if units[j][2] and units[j][1] - start >= min_chars and \
                    units[j + 1][1] - start > 0.8 * max_chars:
                break  # end on the paragraph rather than run into the next one
            j += 1
        spans.append((start, units[j][1]))
        if j + 1 >= len(units):
            break
        # overlap: restart at the last sentence of this chunk when it is short enough
        nxt = j + 1
        if j > i and units[j][1] - units[j][0] <= overlap:
            nxt = j
        i = nxt
    return spans


def chunk_article(article: Article, max_chars: int = MAX_CHARS) -> list[Chunk]:
    """Chunks of ``article`` with the metadata every citation needs."""
    chunks = []
    base: dict[str, str | int] = {
        "article_id": article.id,
        "title": article.title,
        "date": article.date or "",
        "date_epoch": date_to_epoch(article.date),
        "source": article.source,
        "url": article.url,
        "authors": "; ".join(article.authors),
        "article_hash": article.fingerprint,
    }
    for idx, (a, b) in enumerate(chunk_spans(article.body, max_chars=max_chars)):
        text = article.body[a:b]
        meta = dict(base, chunk_index=idx, start=a, end=b)
        chunks.append(Chunk(chunk_id(article.id, idx, text), article.id, idx, text, a, b, meta))
    return chunks


def embedding_text(chunk: Chunk) -> str:
    """What gets embedded / keyword-indexed: the passage with its headline for context."""
    title = str(chunk.metadata.get("title", ""))
    return f"{title}\n{chunk.text}" if title else chunk.text
