"""The values that cross the question path's boundaries, as frozen dataclasses.

``Filters`` (what retrieval may return) → ``Passage`` (a retrieved chunk with its exact span and
scores) → ``Citation`` (the cited sentence, ``article.body[start:end]``) → ``Answer`` (what
``Assistant.ask`` returns to every face).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from langchain_core.documents import Document

from index.articles import Meta
from index.filters import Filters
from index.protocols import StoryMember

__all__ = ["REFUSAL", "Answer", "Citation", "Filters", "Passage", "Turn"]

Turn = Sequence[str] | Mapping[str, str]
"""One turn of chat history: ``(user, bot)`` or ``{"role": ..., "content": ...}``."""

REFUSAL = "The articles in the index don't answer this question."


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk: ``text == article.body[start:end]``."""

    chunk_id: str
    article_id: str
    text: str
    start: int
    end: int
    title: str
    date: str
    source: str
    url: str
    score: float            # fused RRF score
    dense: float | None     # cosine similarity, when the dense side found it
    keyword: float | None   # BM25 score, when the keyword side found it
    rank: int
    also: tuple[StoryMember, ...] = ()  # the story's other articles (near-duplicate copies)

    @classmethod
    def from_meta(cls, cid: str, text: str, meta: Meta, *, score: float,
                  dense: float | None, keyword: float | None, rank: int) -> Passage:
        return cls(
            chunk_id=cid, article_id=str(meta.get("article_id", "")), text=text,
            start=int(meta.get("start", 0)), end=int(meta.get("end", len(text))),
            title=str(meta.get("title", "")), date=str(meta.get("date", "")),
            source=str(meta.get("source", "")), url=str(meta.get("url", "")), score=score,
            dense=dense, keyword=keyword, rank=rank,
        )

    def to_document(self) -> Document:
        meta = {k: v for k, v in self.__dict__.items() if k not in ("text", "also")}
        if self.also:
            meta["also"] = [asdict(m) for m in self.also]
        return Document(page_content=self.text, metadata=meta, id=self.chunk_id)


@dataclass(frozen=True)
class Citation:
    """Citation ``[n]``: ``passage == article.body[start:end]``; ``context`` is its chunk."""

    n: int
    article_id: str
    title: str
    date: str
    source: str
    url: str
    passage: str
    start: int
    end: int
    score: float
    context: str = ""
    context_start: int = 0
    also_in: tuple[StoryMember, ...] = ()  # other outlets and dates that carried the story

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """What ``Assistant.ask`` returns. ``answered`` is False when the articles lack the answer."""

    question: str
    text: str
    answered: bool
    citations: tuple[Citation, ...] = ()
    standalone_question: str = ""
    answerer: str = "extractive"
    flagged: bool = False          # an LLM draft had unsupported citations removed
    notes: tuple[str, ...] = ()
    retrieved: tuple[str, ...] = field(default=(), repr=False)  # ranked article ids
    support: float = 0.0
    latency_ms: float = 0.0
    short: str = ""                # the answer phrase, verbatim from citation ``short_citation``
    short_citation: int = 0
    # answerability: the signals it was judged on, its probability, and why it refused
    signals: tuple[tuple[str, float], ...] = field(default=(), repr=False)
    answerability: float | None = None
    reason: str = ""
    # what made the answer/refuse decision: "reader" (the learned model), a rule that
    # overrode it ("rule:year", "rule:stale", ...), or "" (no decision: an LLM, no passages)
    decided_by: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["citations"] = [c.to_dict() for c in self.citations]
        d["retrieved"] = list(self.retrieved)
        d["notes"] = list(self.notes)
        d["signals"] = dict(self.signals)
        return d
