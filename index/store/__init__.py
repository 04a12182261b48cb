"""The vector database, behind the ``IndexStore`` seam: the only package that talks to it.

* ``index.store.chroma``: ``NewsStore``, Chroma in a folder or behind ``chroma run`` (the
  default); its keyword side is the tantivy index of ``index.keyword``.
* ``index.store.milvus``: ``MilvusStore``, Milvus Lite in a ``.db`` file or a Milvus server;
  BM25 runs in Milvus (the store is its own ``KeywordSearch``).

``open_store`` picks one by name. Importing this package loads neither database client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from index.store.chroma import NewsStore, make_client
from index.store.common import VECTOR_CACHE, VectorCache, mean_vector

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from index.protocols import IndexStore

BACKENDS = ("chroma", "milvus")

__all__ = ["BACKENDS", "VECTOR_CACHE", "NewsStore", "VectorCache", "make_client", "mean_vector",
           "open_backend"]


def open_backend(backend: str, embeddings: Embeddings, *, index_dir: str | None = None,
                 chroma_url: str | None = None, token: str | None = None,
                 milvus_uri: str | None = None, server_wait_s: float | None = None
                 ) -> IndexStore:
    """The store ``backend`` names: ``"chroma"`` (a folder, or a server at ``chroma_url``)
    or ``"milvus"`` (a Lite ``.db`` file or a server at ``milvus_uri``). ``server_wait_s``:
    how long a call waits for a Milvus server that stops answering (None: a few seconds, as
    suits a question; an ingest waits longer, to ride out a restart)."""
    from index.errors import ConfigError

    if backend == "milvus":
        from index.store.milvus import MilvusStore

        if not milvus_uri:
            raise ConfigError("--store milvus needs --milvus-uri (a .db file or "
                              "http://HOST:19530)")
        return MilvusStore(milvus_uri, embeddings, token=token, server_wait_s=server_wait_s)
    if backend != "chroma":
        raise ConfigError(f"unknown store {backend!r}; choose one of {', '.join(BACKENDS)}")
    client = make_client(index_dir, chroma_url, token)
    return NewsStore(client, embeddings, location=chroma_url or str(index_dir))


def __getattr__(name: str) -> Any:
    if name == "MilvusStore":
        from index.store.milvus import MilvusStore

        return MilvusStore
    raise AttributeError(name)
