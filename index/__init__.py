"""Newsdesk's index: load news articles, chunk them with spans, embed, store in Chroma
(or Milvus).

Public API::

    from index import Article, Chunk, ingest, IngestReport, open_store

Importing this package is cheap: torch, the model and chromadb load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from index.articles import Article, Chunk
from index.errors import (
    ConfigError,
    EmptyIndexError,
    LoadError,
    NewsdeskError,
    StoreError,
)

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from index.pipeline import IngestReport, ingest
    from index.protocols import IndexStore
    from index.store import NewsStore

__all__ = [
    "Article",
    "Chunk",
    "ConfigError",
    "EmptyIndexError",
    "IngestReport",
    "LoadError",
    "NewsStore",
    "NewsdeskError",
    "StoreError",
    "ingest",
    "open_store",
]


def open_store(index_dir: str | None = None, *, chroma_url: str | None = None,
               token: str | None = None, embeddings: Embeddings | None = None,
               backend: str = "chroma", milvus_uri: str | None = None,
               server_wait_s: float | None = None) -> IndexStore:
    """Open (creating if needed) the store: a Chroma folder ``index_dir`` or server
    ``chroma_url``, or with ``backend="milvus"`` the Milvus at ``milvus_uri``
    (``server_wait_s``: see ``index.store.open_backend``)."""
    from index.embeddings import MiniLMEmbeddings
    from index.store import open_backend

    return open_backend(backend, embeddings or MiniLMEmbeddings(), index_dir=index_dir,
                        chroma_url=chroma_url, token=token, milvus_uri=milvus_uri,
                        server_wait_s=server_wait_s)


def __getattr__(name: str) -> Any:
    if name in ("ingest", "IngestReport"):
        from index import pipeline

        return getattr(pipeline, name)
    if name == "NewsStore":
        from index.store import NewsStore

        return NewsStore
    raise AttributeError(name)
