"""Hybrid retrieval: dense (Chroma through LangChain) + BM25 (bm25s), fused by reciprocal rank.

``HybridRetriever`` is a LangChain ``BaseRetriever``: ``invoke(question)`` returns ``Document``s
whose metadata carries the chunk id, span and fusion score. ``search()`` is the typed variant the
answerers use; it returns ``Passage`` objects and can reuse a precomputed query vector.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

RRF_C = 60


@dataclass(frozen=True)
class Filters:
    """Optional restrictions: inclusive epoch-second date bounds and allowed sources."""

    since: int | None = None
    until: int | None = None
    sources: tuple[str, ...] = ()

    def chroma_where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.since is not None:
            clauses.append({"date_epoch": {"$gte": self.since}})
        if self.until is not None:
            clauses.append({"date_epoch": {"$lte": self.until}})
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def __bool__(self) -> bool:
        return self.since is not None or self.until is not None or bool(self.sources)


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

    @classmethod
    def from_meta(cls, cid: str, text: str, meta: dict[str, Any], **scores: Any) -> Passage:
        return cls(
            chunk_id=cid, article_id=str(meta.get("article_id", "")), text=text,
            start=int(meta.get("start", 0)), end=int(meta.get("end", len(text))),
            title=str(meta.get("title", "")), date=str(meta.get("date", "")),
            source=str(meta.get("source", "")), url=str(meta.get("url", "")), **scores,
        )

    def to_document(self) -> Document:
        meta = {k: v for k, v in self.__dict__.items() if k != "text"}
        return Document(page_content=self.text, metadata=meta, id=self.chunk_id)


class HybridRetriever(BaseRetriever):
    """Dense + BM25 retrieval with reciprocal-rank fusion and optional filters."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Any                       # index.store.NewsStore
    keyword: Any = None              # index.keyword.KeywordIndex, or None for dense only
    embed_query: Callable[[str], list[float]] | None = None
    mode: str = "hybrid"             # hybrid | dense | bm25
    k: int = 5
    fetch_k: int = 40
    filters: Filters = Filters()
    dense_weight: float = 1.0
    keyword_weight: float = 1.0

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [p.to_document() for p in self.search(query)]

    def search(self, query: str, *, k: int | None = None, vector: list[float] | None = None,
               filters: Filters | None = None) -> list[Passage]:
        """The top ``k`` passages for ``query`` (``vector`` skips re-embedding it)."""
        k = k or self.k
        filters = self.filters if filters is None else filters
        dense: list[tuple[str, str, dict[str, Any], float]] = []
        if self.mode in ("hybrid", "dense"):
            if vector is None:
                embed = self.embed_query or self.store.embeddings.embed_query
                vector = embed(query)
            hits = self.store.vectorstore.similarity_search_by_vector_with_relevance_scores(
                list(vector), k=self.fetch_k, filter=filters.chroma_where()
            )
            dense = [(d.id, d.page_content, d.metadata, 1.0 - float(dist)) for d, dist in hits]
        kw: list[tuple[str, float]] = []
        if self.mode in ("hybrid", "bm25") and self.keyword is not None:
            kw = [(h.chunk_id, h.score) for h in self.keyword.search(
                query, self.fetch_k, since=filters.since, until=filters.until,
                sources=filters.sources)]
        fused: dict[str, float] = {}
        for rank, (cid, *_rest) in enumerate(dense):
            fused[cid] = fused.get(cid, 0.0) + self.dense_weight / (RRF_C + rank + 1)
        for rank, (cid, _s) in enumerate(kw):
            fused[cid] = fused.get(cid, 0.0) + self.keyword_weight / (RRF_C + rank + 1)
        order = sorted(fused, key=lambda c: -fused[c])[:k]
        known = {cid: (text, meta) for cid, text, meta, _ in dense}
        missing = [cid for cid in order if cid not in known]
        if missing:
            known.update(self.store.get_chunks(missing))
        dense_score = {cid: s for cid, _, _, s in dense}
        kw_score = dict(kw)
        out = []
        for rank, cid in enumerate(order):
            if cid not in known:
                continue  # deleted since the keyword index was built
            text, meta = known[cid]
            out.append(Passage.from_meta(cid, text, meta, score=fused[cid],
                                         dense=dense_score.get(cid), keyword=kw_score.get(cid),
                                         rank=rank))
        return out
