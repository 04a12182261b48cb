"""Any ``ChunkStore`` as a LangChain ``VectorStore`` (Chroma has its own: ``langchain_chroma``).

What LangChain code expects of a vector store over Newsdesk's chunks: similarity search by
text or vector, with scores, and ``as_retriever()``. Writing goes through ``newsdesk ingest``
(which keeps ids, spans and the commit records right), so ``add_texts`` says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from index.errors import StoreError
from index.protocols import ChunkStore


class StoreVectorStore(VectorStore):
    """Read-only LangChain view of a ``ChunkStore`` that embeds queries with ``embeddings``."""

    def __init__(self, store: ChunkStore, embeddings: Embeddings) -> None:
        self.store = store
        self._embeddings = embeddings

    @property
    def embeddings(self) -> Embeddings:
        return self._embeddings

    def similarity_search_by_vector_with_relevance_scores(
            self, embedding: list[float], k: int = 4, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        """``(Document, cosine distance)`` pairs, nearest first (as ``langchain_chroma``)."""
        return self.store.dense_search(embedding, k)

    def similarity_search_by_vector(self, embedding: list[float], k: int = 4, **kwargs: Any
                                    ) -> list[Document]:
        return [d for d, _ in self.store.dense_search(embedding, k)]

    def similarity_search_with_score(self, query: str, k: int = 4, **kwargs: Any
                                     ) -> list[tuple[Document, float]]:
        return self.store.dense_search(self._embeddings.embed_query(query), k)

    def similarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        return [d for d, _ in self.similarity_search_with_score(query, k)]

    def _select_relevance_score_fn(self) -> Any:
        return lambda distance: 1.0 - distance

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        got = self.store.get_chunks(list(ids))
        return [Document(page_content=got[i][0], metadata=dict(got[i][1]), id=i)
                for i in ids if i in got]

    def add_texts(self, texts: Iterable[str], metadatas: list[dict[str, Any]] | None = None,
                  **kwargs: Any) -> list[str]:
        raise StoreError("this view is read-only: add articles with `newsdesk ingest` or "
                         "Assistant.ingest (they keep ids, spans and commit records right)")

    @classmethod
    def from_texts(cls, texts: list[str], embedding: Embeddings,
                   metadatas: list[dict[str, Any]] | None = None, **kwargs: Any
                   ) -> StoreVectorStore:
        raise StoreError("build an index with `newsdesk ingest`, then open it with "
                         "index.open_store(...).vectorstore_with(embeddings)")
