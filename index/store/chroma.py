"""The Chroma backend: client factory and idempotent article-level writes.

Two collections live in one Chroma database:

* ``newsdesk_chunks``: one record per passage (document = passage text, embedding of
  ``title + passage``, metadata = article id, title, dates, source, url, span, hash).
  Read through ``langchain_chroma.Chroma`` (the LangChain ``VectorStore`` seam).
* ``newsdesk_articles``: one record per article (embedding = mean of its chunk vectors), written
  *after* its chunks. It is the commit marker: an article whose record is missing or stale is
  re-done on the next ingest, which is what makes an interrupted ingest safe to rerun.

Chroma's default embedding function (which downloads a model) is never attached: every write
passes precomputed vectors and every collection is opened with ``embedding_function=None``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from index.articles import Meta
from index.errors import ConfigError, StoreError, storage_condition, storage_message
from index.filters import Filters
from index.protocols import ArticleRecord, IndexStore
from index.store.common import VectorCache, article_record

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

log = logging.getLogger(__name__)

CHUNKS = "newsdesk_chunks"
ARTICLES = "newsdesk_articles"
_SPACE = {"hnsw:space": "cosine"}


def make_client(index_dir: str | os.PathLike[str] | None = None, chroma_url: str | None = None,
                token: str | None = None) -> Any:
    """A chromadb ``HttpClient`` when ``chroma_url`` is set, else a ``PersistentClient``."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if chroma_url:
        u = urlparse(chroma_url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ConfigError(f"--chroma-url {chroma_url!r} must look like http://HOST:PORT")
        headers = {"Authorization": f"Bearer {token}"} if token else None
        try:
            return chromadb.HttpClient(
                host=u.hostname, port=u.port or (443 if u.scheme == "https" else 8000),
                ssl=u.scheme == "https", headers=headers, settings=settings,
            )
        except Exception as exc:  # chromadb raises bare ValueError/ConnectionError here
            raise StoreError(
                f"cannot reach the Chroma server at {chroma_url} ({exc}); "
                "start it with `chroma run --host 127.0.0.1 --port PORT --path DIR`"
            ) from exc
    if index_dir is None:
        raise ConfigError("no index: pass --index DIR, set NEWSDESK_INDEX, or --chroma-url URL")
    path = Path(index_dir)
    if path.exists() and not path.is_dir():
        raise StoreError(f"index path {path} is a file, not a directory")
    path.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(path), settings=settings)
    except Exception as exc:
        condition = storage_condition(exc) or \
            ("read-only" if not os.access(path, os.W_OK) else None)
        if condition:
            raise StoreError(storage_message(condition, str(path))) from exc
        raise StoreError(
            f"cannot open the index at {path} ({exc.__class__.__name__}: {exc}); it may be damaged:"
            f" move it aside and rebuild it with `newsdesk ingest PATH --index {path}`"
        ) from exc


class NewsStore:
    """Chunks + article records in Chroma, written idempotently.

    ``vectorstore`` is the ``langchain_chroma.Chroma`` over the chunks, for retrieval.
    """

    filters_natively = False  # a filtered HNSW query is several times slower than a plain one

    def __init__(self, client: Any, embeddings: Embeddings, *, location: str = "") -> None:
        from langchain_chroma import Chroma

        self.client = client
        self.embeddings = embeddings
        self.location = location
        try:
            self.vectorstore = Chroma(
                collection_name=CHUNKS, embedding_function=embeddings, client=client,
                collection_metadata=_SPACE,
            )
            self.articles: Any = client.get_or_create_collection(
                ARTICLES, metadata=_SPACE, embedding_function=None
            )
        except Exception as exc:
            raise StoreError(
                f"cannot open the collections in {location or 'the index'} "
                f"({exc.__class__.__name__}: {exc}); rebuild with `newsdesk ingest`"
            ) from exc
        # langchain_chroma has no public accessor; the raw collection lets us write our own vectors
        self.chunks: Any = self.vectorstore._collection
        self._vectors = VectorCache()

    # ---------------------------------------------------------------- reads
    def max_batch(self) -> int:
        try:
            return int(self.client.get_max_batch_size())
        except Exception as exc:  # older servers lack the call: any batch size they take works
            log.debug("max batch size unknown (%s); writing 5000 at a time", exc)
            return 5000

    def count_chunks(self) -> int:
        return int(self.chunks.count())

    def count_articles(self) -> int:
        return int(self.articles.count())

    def article_records(self, ids: Sequence[str]) -> dict[str, ArticleRecord]:
        if not ids:
            return {}
        got = self.articles.get(ids=list(ids), include=["metadatas"])
        return {i: article_record(i, m) for i, m in zip(got["ids"], got["metadatas"], strict=True)}

    def article_rows(self, ids: Sequence[str]) -> dict[str, tuple[list[float], Meta]]:
        if not ids:
            return {}
        got = self.articles.get(ids=list(ids), include=["embeddings", "metadatas"])
        return {i: ([float(x) for x in v], dict(m or {}))
                for i, v, m in zip(got["ids"], got["embeddings"], got["metadatas"], strict=True)}

    def iter_article_records(self, page: int = 2000) -> Iterable[ArticleRecord]:
        offset = 0
        while True:
            got = self.articles.get(include=["metadatas"], limit=page, offset=offset)
            if not got["ids"]:
                return
            for i, m in zip(got["ids"], got["metadatas"], strict=True):
                yield article_record(i, m)
            offset += len(got["ids"])

    def chunk_ids_of(self, article_id: str) -> list[str]:
        return list(self.chunks.get(where={"article_id": article_id}, include=[])["ids"])

    def chunk_ids_of_articles(self, article_ids: Sequence[str]) -> dict[str, set[str]]:
        """The stored chunk ids of each article in ``article_ids``."""
        got = self.chunks.get(where={"article_id": {"$in": list(article_ids)}},
                              include=["metadatas"])
        out: dict[str, set[str]] = {}
        for cid, meta in zip(got["ids"], got["metadatas"], strict=True):
            out.setdefault(str(meta["article_id"]), set()).add(cid)
        return out

    def existing_chunk_ids(self, ids: Sequence[str]) -> set[str]:
        out: set[str] = set()
        step = self.max_batch()
        for i in range(0, len(ids), step):
            out.update(self.chunks.get(ids=list(ids[i:i + step]), include=[])["ids"])
        return out

    def iter_chunks(self, page: int = 5000) -> Iterable[tuple[str, str, Meta]]:
        """Every stored chunk as ``(id, document, metadata)``, paged."""
        offset = 0
        while True:
            got = self.chunks.get(include=["documents", "metadatas"], limit=page, offset=offset)
            if not got["ids"]:
                return
            yield from zip(got["ids"], got["documents"], got["metadatas"], strict=True)
            offset += len(got["ids"])

    def get_chunks(self, ids: Sequence[str]) -> dict[str, tuple[str, Meta]]:
        got = self.chunks.get(ids=list(ids), include=["documents", "metadatas"])
        return {i: (d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"],
                                             strict=True)}

    def vectorstore_with(self, embeddings: Embeddings) -> VectorStore:
        """The chunks as a LangChain ``VectorStore`` that embeds queries with ``embeddings``
        (the plain LangChain baseline in ``newsdesk bench query``)."""
        from langchain_chroma import Chroma

        return Chroma(collection_name=CHUNKS, embedding_function=embeddings,
                      client=self.client, collection_metadata=_SPACE)

    def all_chunk_ids(self, page: int = 20000) -> list[str]:
        """Every chunk id in the store (cheap: no documents or vectors)."""
        out: list[str] = []
        offset = 0
        while True:
            got = self.chunks.get(include=[], limit=page, offset=offset)
            if not got["ids"]:
                return out
            out.extend(got["ids"])
            offset += len(got["ids"])

    def vectors_of(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """The stored embedding of each chunk in ``ids`` that exists."""
        return self._vectors.get(ids, self._fetch_vectors)

    def vector_matrix(self, ids: Sequence[str]) -> tuple[list[str], NDArray[np.float32]]:
        """The ids of ``ids`` that exist and their stored embeddings as matrix rows."""
        return self._vectors.matrix(ids, self._fetch_vectors)

    def cache_vectors(self, page: int = 5000) -> int:
        """Read every stored vector into memory when they fit the cache (``VECTOR_CACHE``):
        retrieval ranks the few passages of a date-limited question ("this week") exactly,
        and reading their vectors from the database (~35 ms per 500 here) cost more than
        ranking them. ~2 s and ~50 MB for 30,000 passages; nothing for a bigger index."""
        total = self.count_chunks()
        if not total or total > self._vectors.limit or len(self._vectors) >= total:
            return 0  # empty, too big, or read already (a second warm-up)

        def rows() -> Iterable[tuple[str, Sequence[float]]]:
            offset = 0
            while offset < total:
                got = self.chunks.get(include=["embeddings"], limit=page, offset=offset)
                if not len(got["ids"]):
                    return
                yield from zip(got["ids"], got["embeddings"], strict=True)
                offset += len(got["ids"])

        return self._vectors.fill(rows())

    def _fetch_vectors(self, missing: list[str]) -> dict[str, Any]:
        got = self.chunks.get(ids=missing, include=["embeddings"])
        return dict(zip(got["ids"], got["embeddings"], strict=True))

    def dense_search(self, vector: Sequence[float], k: int, filters: Filters | None = None
                     ) -> list[tuple[Document, float]]:
        """The ``k`` chunks nearest ``vector`` (cosine distance), only those ``filters`` allow."""
        where = _where(filters) if filters else None
        return list(self.vectorstore.similarity_search_by_vector_with_relevance_scores(
            list(vector), k=k, **({"filter": where} if where else {})))

    # ---------------------------------------------------------------- writes
    def write_chunks(self, ids: Sequence[str], vectors: Sequence[Sequence[float]],
                     docs: Sequence[str], metas: Sequence[Meta]) -> None:
        self._vectors.drop(ids)
        step = self.max_batch()
        for i in range(0, len(ids), step):
            self.chunks.upsert(ids=list(ids[i:i + step]),
                               embeddings=[list(v) for v in vectors[i:i + step]],
                               documents=list(docs[i:i + step]),
                               metadatas=[dict(m) for m in metas[i:i + step]])

    def delete_chunks(self, ids: Sequence[str]) -> None:
        self._vectors.drop(ids)
        step = self.max_batch()
        for i in range(0, len(ids), step):
            self.chunks.delete(ids=list(ids[i:i + step]))

    def commit_articles(self, records: Sequence[tuple[str, Sequence[float], Meta]]) -> None:
        """Write article records (the commit markers) after their chunks are stored."""
        step = self.max_batch()
        for i in range(0, len(records), step):
            part = records[i:i + step]
            self.articles.upsert(ids=[r[0] for r in part], embeddings=[list(r[1]) for r in part],
                                 metadatas=[dict(r[2]) for r in part])

    def flush(self) -> None:
        """Nothing to do: Chroma persists and indexes every write as it happens."""

    def remove_article(self, article_id: str) -> int:
        """Delete an article and its chunks; returns the number of chunks removed."""
        ids = self.chunk_ids_of(article_id)
        found = bool(self.articles.get(ids=[article_id], include=[])["ids"])
        if not ids and not found:
            raise StoreError(f"no article with id {article_id!r} in the index "
                             "(see `newsdesk index list`)")
        self.articles.delete(ids=[article_id])  # un-commit first: a crash then re-does it
        self.delete_chunks(ids)
        return len(ids)


def _where(f: Filters) -> dict[str, Any] | None:
    """``f`` in Chroma's metadata filter language."""
    clauses: list[dict[str, Any]] = []
    if f.since is not None:
        clauses.append({"date_epoch": {"$gte": f.since}})
    if f.until is not None:
        clauses.append({"date_epoch": {"$lte": f.until}})
    if f.sources:
        clauses.append({"source": {"$in": list(f.sources)}})
    if f.exclude:
        clauses.append({"article_id": {"$nin": sorted(f.exclude)}})
    if f.only:
        clauses.append({"article_id": {"$in": sorted(f.only)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _conforms(store: NewsStore) -> IndexStore:
    """(For the type checker: NewsStore implements the IndexStore seam.)"""
    return store
