"""Hybrid retrieval: dense (Chroma through LangChain) + BM25 (tantivy), fused.

Fusion is a convex combination of the two lists' min-max normalised scores (``keyword_share``
of BM25), which keeps a strong BM25 margin that reciprocal-rank fusion would flatten (``fusion=
"rrf"`` remains available). A recency prior multiplies a passage's score by
``1 + recency_weight * exp(-age_days / recency_days)``, age measured back from ``today``: news
questions are usually about the news of their day. On the RealTime QA dev set (article level)
this moved hit@5 0.90 -> 0.94 and MRR@10 0.66 -> 0.76; see the eval issue's note.

``HybridRetriever`` is a LangChain ``BaseRetriever``: ``invoke(question)`` returns ``Document``s
whose metadata carries the chunk id, span and fusion score. ``search()`` is the typed variant the
answerers use; it returns ``Passage`` objects and can reuse a precomputed query vector.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.text import name_terms
from assistant.types import Filters, Passage
from index.articles import Meta
from index.protocols import ChunkStore, KeywordSearch, StoryLookup
from index.text import terms

OVERFETCH = 2  # plain-search width, in fetch_k, tried before a filtered search
EXACT_MAX = 3000  # a filter keeping at most this many passages is searched exactly
RRF_C = 60
DAY = 86400
ENTITY_BOOST = 0.5


class HybridRetriever(BaseRetriever):
    """Dense + BM25 retrieval with reciprocal-rank fusion and optional filters."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: ChunkStore                # index.store.NewsStore (Chroma)
    keyword: KeywordSearch | None = None  # index.keyword.KeywordIndex; None: dense only
    embed_query: Callable[[str], list[float]] | None = None
    mode: str = "hybrid"             # hybrid | dense | bm25
    k: int = 5
    fetch_k: int = 40
    filters: Filters = Filters()
    fusion: str = "score"            # score | rrf
    keyword_share: float = 0.6       # BM25's share in score fusion (its weight in rrf)
    recency_weight: float = 1.0
    recency_days: float = 7.0
    today: int | None = None         # epoch seconds the recency prior counts back from
    per_article: int = 2             # at most this many passages of one article (0: no cap)
    stories: StoryLookup | None = None  # near-duplicate copies: one story told once

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
        k: int | None = None, filters: Filters | None = None,
    ) -> list[Document]:
        """``invoke(query, k=3, filters=Filters(...))`` overrides this retriever's own."""
        return [p.to_document() for p in self.search(query, k=k, filters=filters)]

    def search(self, query: str, *, k: int | None = None, vector: list[float] | None = None,
               filters: Filters | None = None) -> list[Passage]:
        """The top ``k`` passages for ``query`` (``vector`` skips re-embedding it)."""
        k = k or self.k
        filters = self.filters if filters is None else filters
        dense: list[tuple[str, str, Meta, float]] = []
        if self.mode in ("hybrid", "dense"):
            if vector is None:
                embed = self.embed_query or self.store.embeddings.embed_query
                vector = embed(query)
            hits = self._dense(list(vector), filters)
            dense = [(str(d.id), d.page_content, d.metadata, 1.0 - float(dist))
                     for d, dist in hits]
        kw: list[tuple[str, float]] = []
        if self.mode in ("hybrid", "bm25") and self.keyword is not None:
            kw = [(h.chunk_id, h.score) for h in self.keyword.search(
                query, self.fetch_k, since=filters.since, until=filters.until,
                sources=filters.sources, exclude=filters.exclude, only=filters.only)]
        fused = self._fuse(dense, kw)
        if self.recency_weight and self.today is not None:
            self._recency(fused, dense)
        known = {cid: (text, meta) for cid, text, meta, _ in dense}
        ranked = sorted(fused, key=lambda c: -fused[c])
        # one database read for every passage the steps below may look at: the entity boost
        # only raises passages of its pool, so the head ``_diversify`` takes after it is
        # still within this one (a read costs ~4 ms, whatever its size)
        missing = [cid for cid in ranked[: _head(k)] if cid not in known]
        if missing:
            known.update(self.store.get_chunks(missing))
        ents = name_terms(query)
        if ents:
            # passages naming every person/place the question names come first among equals
            pool = ranked[: 3 * k + 20]
            for cid in pool:
                if cid in known:
                    text, meta = known[cid]
                    have = ents & set(terms(f"{meta.get('title', '')} {text}"))
                    fused[cid] *= 1.0 + ENTITY_BOOST * len(have) / len(ents)
        order, story = self._diversify(sorted(fused, key=lambda c: -fused[c]), known, k)
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
        return self._also(out, story)

    def _also(self, passages: list[Passage], story: dict[str, str]) -> list[Passage]:
        """Each passage with the other articles of its story ("also in: ..."); ``story`` maps
        article ids to story ids (from ``_diversify``)."""
        if self.stories is None or not passages:
            return passages
        members = self.stories.members(sorted({story[p.article_id] for p in passages
                                               if p.article_id in story}))
        out = []
        for p in passages:
            others = tuple(m for m in members.get(story.get(p.article_id, ""), [])
                           if m.article_id != p.article_id)
            out.append(dataclasses.replace(p, also=others) if others else p)
        return out

    def _dense(self, vector: list[float], filters: Filters) -> list[tuple[Document, float]]:
        """Chroma's top ``fetch_k`` under ``filters``.

        Chroma's filtered vector search is several times slower than a plain one. When the
        filter keeps most passages (an "until" bound, a big source), the plain search for
        ``OVERFETCH x fetch_k`` filtered here holds the same top ``fetch_k``; only when too few
        pass does the filtered search run."""
        if not filters:
            return self.store.dense_search(vector, self.fetch_k)
        if self.store.filters_natively:
            return self.store.dense_search(vector, self.fetch_k, filters)
        if self.keyword is not None:
            # A narrow filter ("this week"): the few passages it keeps are known from the
            # keyword index's dates, and exact search over them beats Chroma's metadata filter.
            f = filters
            if self.keyword.count_matching(since=f.since, until=f.until, sources=f.sources,
                                           exclude=f.exclude, only=f.only) <= EXACT_MAX:
                return self._exact(vector, self.keyword.ids_matching(
                    since=f.since, until=f.until, sources=f.sources, exclude=f.exclude,
                    only=f.only))
        wide = self.store.dense_search(vector, OVERFETCH * self.fetch_k)
        kept = [(d, s) for d, s in wide if filters.accepts(d.metadata)]
        if len(kept) >= self.fetch_k or len(wide) < OVERFETCH * self.fetch_k:
            return kept[: self.fetch_k]  # enough passed, or this was the whole collection
        return self.store.dense_search(vector, self.fetch_k, filters)

    def _exact(self, vector: list[float], ids: list[str]) -> list[tuple[Document, float]]:
        """Exact cosine top ``fetch_k`` among ``ids`` (as ``(Document, distance)`` pairs)."""
        if not ids:
            return []
        have, matrix = self.store.vector_matrix(ids)
        if not have:
            return []
        sims = matrix @ np.asarray(vector, np.float32)
        top = np.argsort(-sims, kind="stable")[: self.fetch_k]
        chosen = [have[i] for i in top]
        rows = self.store.get_chunks(chosen)
        return [(Document(page_content=rows[cid][0], metadata=rows[cid][1], id=cid),
                 1.0 - float(sims[i])) for cid, i in zip(chosen, top, strict=True) if cid in rows]

    def _diversify(self, ranked: list[str], known: dict[str, tuple[str, Meta]], k: int
                   ) -> tuple[list[str], dict[str, str]]:
        """Top ``k`` with at most ``per_article`` passages of one article, so one long story
        can't crowd out the others (the rest fill in if there are too few articles), and
        passages of one *story* from one article only: a near-duplicate copy of an article
        already taken is left out (it is listed as "also in" instead), never filled in."""
        if not self.per_article and self.stories is None:
            return ranked[:k], {}
        head = ranked[: _head(k)]
        missing = [c for c in head if c not in known]
        if missing:
            known.update(self.store.get_chunks(missing))

        def article(cid: str) -> str:
            return str(known[cid][1].get("article_id", "")) if cid in known else cid

        story = self.stories.stories_of([article(c) for c in head]) if self.stories else {}
        told: dict[str, str] = {}  # story id -> the article that tells it
        taken: list[str] = []
        spill: list[str] = []
        count: dict[str, int] = {}
        cap = self.per_article or k
        for cid in head:
            aid = article(cid)
            sid = story.get(aid, aid)
            if told.setdefault(sid, aid) != aid:
                continue  # a copy of a story already taken
            if count.get(aid, 0) < cap:
                taken.append(cid)
                count[aid] = count.get(aid, 0) + 1
                if len(taken) == k:
                    return taken, story
            else:
                spill.append(cid)
        return (taken + spill)[:k], story

    def _fuse(self, dense: list[tuple[str, str, Meta, float]],
              kw: list[tuple[str, float]]) -> dict[str, float]:
        fused: dict[str, float] = {}
        if self.fusion == "rrf":
            for rank, (cid, *_rest) in enumerate(dense):
                fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_C + rank + 1)
            for rank, (cid, _s) in enumerate(kw):
                fused[cid] = fused.get(cid, 0.0) + self.keyword_share / (RRF_C + rank + 1)
            return fused
        share = self.keyword_share if dense and kw else (1.0 if kw else 0.0)
        for weight, pairs in ((1.0 - share, [(c, sc) for c, _, _, sc in dense]), (share, kw)):
            if not pairs or weight == 0:
                continue
            hi, lo = pairs[0][1], pairs[-1][1]
            span = (hi - lo) or 1.0
            for cid, sc in pairs:
                fused[cid] = fused.get(cid, 0.0) + weight * ((sc - lo) / span if hi != lo else 1.0)
        return fused

    def _recency(self, fused: dict[str, float],
                 dense: list[tuple[str, str, Meta, float]]) -> None:
        epochs = {cid: int(meta.get("date_epoch") or 0) for cid, _, meta, _ in dense}
        missing = [c for c in fused if c not in epochs]
        if missing and self.keyword is not None:
            epochs.update(self.keyword.epochs_of(missing))
        if self.today is None:
            return
        for cid in fused:
            e = epochs.get(cid, 0)
            if e:
                age = max(0.0, (self.today - e) / DAY)
                fused[cid] *= 1.0 + self.recency_weight * math.exp(-age / self.recency_days)


def _head(k: int) -> int:
    """How many of the fused ranking ``_diversify`` looks at for ``k`` passages."""
    return 4 * k + 20
