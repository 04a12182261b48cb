"""The seams below the question path, as small typed ``Protocol``s.

LangChain has ``Embeddings`` and ``VectorStore``; it has no interface for what hybrid retrieval
needs of a store (dense search under ``Filters``, chunks and vectors by id) or of a keyword
index (BM25 under the same filters). ``index.store.NewsStore`` (Chroma) with
``index.keyword.KeywordIndex`` (tantivy) beside it, and ``index.store.milvus.MilvusStore``
(Milvus, which is its own ``KeywordSearch``) implement them; nothing above ``index/`` knows
which one it has.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from index.articles import Meta
from index.filters import Filters

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


@dataclass(frozen=True)
class KeywordHit:
    """One keyword match: a chunk id and its BM25 score."""

    chunk_id: str
    score: float


@runtime_checkable
class ChunkStore(Protocol):
    """Stored chunks with their vectors: what retrieval reads."""

    location: str
    embeddings: Embeddings
    # True when a filtered ``dense_search`` costs about what a plain one does (Milvus); False
    # when retrieval should narrow a filter itself first (Chroma)
    filters_natively: bool

    def count_chunks(self) -> int:
        """How many chunks are stored."""
        ...

    def get_chunks(self, ids: Sequence[str]) -> dict[str, tuple[str, Meta]]:
        """``id -> (passage text, metadata)`` for the ids that exist."""
        ...

    def all_chunk_ids(self) -> list[str]:
        """Every stored chunk id."""
        ...

    def iter_chunks(self) -> Iterable[tuple[str, str, Meta]]:
        """Every chunk as ``(id, passage text, metadata)``."""
        ...

    def vectors_of(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """The stored embedding of each chunk in ``ids`` that exists."""
        ...

    def vector_matrix(self, ids: Sequence[str]) -> tuple[list[str], NDArray[np.float32]]:
        """The ids of ``ids`` that exist, and their stored embeddings as matrix rows."""
        ...

    def cache_vectors(self) -> int:
        """Read every stored vector into memory when they fit the vector cache (a running
        app then ranks a date-limited question exactly without a database read); returns
        how many were read, 0 when the index is too big or the backend filters natively."""
        ...

    def dense_search(self, vector: Sequence[float], k: int, filters: Filters | None = None
                     ) -> list[tuple[Document, float]]:
        """The ``k`` nearest chunks as ``(Document, cosine distance)``, nearest first."""
        ...

    def vectorstore_with(self, embeddings: Embeddings) -> VectorStore:
        """The chunks as a LangChain ``VectorStore`` that embeds queries with ``embeddings``."""
        ...


@dataclass(frozen=True)
class ArticleRecord:
    """What the index knows about one stored article."""

    id: str
    fingerprint: str
    n_chunks: int
    title: str
    date: str
    source: str
    source_key: str = ""  # the source's identity ("" for records written before it existed)


@runtime_checkable
class IndexStore(ChunkStore, Protocol):
    """Everything ingest and the facade need of a vector store: ``ChunkStore``'s reads, the
    article records (one per article, written after its chunks: the commit markers) and the
    writes. ``index.store.NewsStore`` is the Chroma implementation."""

    def count_articles(self) -> int:
        """How many articles are committed."""
        ...

    def article_records(self, ids: Sequence[str]) -> dict[str, ArticleRecord]:
        """The committed records among ``ids``."""
        ...

    def iter_article_records(self) -> Iterable[ArticleRecord]:
        """Every committed article's record."""
        ...

    def article_rows(self, ids: Sequence[str]) -> dict[str, tuple[list[float], Meta]]:
        """The stored ``(vector, metadata)`` of each committed article among ``ids``."""
        ...

    def chunk_ids_of(self, article_id: str) -> list[str]:
        """The stored chunk ids of one article."""
        ...

    def chunk_ids_of_articles(self, article_ids: Sequence[str]) -> dict[str, set[str]]:
        """The stored chunk ids of each article in ``article_ids``."""
        ...

    def existing_chunk_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are stored."""
        ...

    def write_chunks(self, ids: Sequence[str], vectors: Sequence[Sequence[float]],
                     docs: Sequence[str], metas: Sequence[Meta]) -> None:
        """Add or replace chunks (by id) with their vectors, passage texts and metadata."""
        ...

    def delete_chunks(self, ids: Sequence[str]) -> None:
        """Remove chunks by id."""
        ...

    def commit_articles(self, records: Sequence[tuple[str, Sequence[float], Meta]]) -> None:
        """Write article records ``(id, vector, metadata)`` after their chunks are stored."""
        ...

    def remove_article(self, article_id: str) -> int:
        """Un-commit an article, then delete its chunks; the number of chunks removed."""
        ...

    def flush(self) -> None:
        """Make what was written durable and fast to search (after an ingest)."""
        ...


@dataclass(frozen=True)
class StoryMember:
    """One article of a story (near-duplicate copies share one): what "also in" shows."""

    article_id: str
    story_id: str
    date: str
    source: str
    title: str


@runtime_checkable
class StoryLookup(Protocol):
    """Which story each article belongs to (``index.stories.StoryIndex``)."""

    def stories_of(self, article_ids: Sequence[str]) -> dict[str, str]:
        """``article id -> story id`` for the articles it knows."""
        ...

    def members(self, story_ids: Sequence[str]) -> dict[str, list[StoryMember]]:
        """The articles of each story, oldest first."""
        ...


@runtime_checkable
class KeywordSearch(Protocol):
    """BM25 over the stored chunks, with the same filters as the dense side."""

    def search(self, query: str, k: int, *, since: int | None = None, until: int | None = None,
               sources: tuple[str, ...] = (), exclude: frozenset[str] = frozenset(),
               only: frozenset[str] = frozenset()) -> list[KeywordHit]:
        """The best ``k`` chunks for ``query`` (score > 0), best first."""
        ...

    def count_matching(self, *, since: int | None = None, until: int | None = None,
                       sources: tuple[str, ...] = (), exclude: frozenset[str] = frozenset(),
                       only: frozenset[str] = frozenset()) -> int:
        """How many chunks the filters allow."""
        ...

    def ids_matching(self, *, since: int | None = None, until: int | None = None,
                     sources: tuple[str, ...] = (), exclude: frozenset[str] = frozenset(),
                     only: frozenset[str] = frozenset()) -> list[str]:
        """Ids of the chunks the filters allow."""
        ...

    def epochs_of(self, ids: list[str]) -> dict[str, int]:
        """Each chunk's article date (epoch seconds; 0 when undated)."""
        ...

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency of one search term (``index.text.terms``)."""
        ...
