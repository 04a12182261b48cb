"""The Milvus backend: dense vectors and BM25 in one collection, searched on the server.

Two collections, as in Chroma (``index.store.chroma``):

* ``newsdesk_chunks``: one row per passage: ``id`` (the content-hash chunk id), ``dense``
  (the embedding of ``title + passage``), ``text`` (the passage, verbatim: citations quote
  its spans), ``terms`` (``index.text.terms`` of title + passage, the same stemmed terms the
  tantivy index ranks) with Milvus's built-in BM25 function writing ``sparse`` from it,
  ``article_id`` / ``source`` / ``date_epoch`` (the filter fields) and ``meta`` (every metadata
  field, as JSON).
* ``newsdesk_articles``: one row per article, written after its chunks (the commit marker).
* ``newsdesk_terms``: how many chunks hold each search term, kept by the writes. The answerer
  weighs question words by IDF; Milvus has no document-frequency call, and counting with
  ``TEXT_MATCH`` scans every chunk in Milvus Lite (2 s a term on 31,697 chunks). Two ingests
  writing one index at once can leave a count off by their overlap: a ranking weight, not data.

The store *is* its keyword index (it implements ``KeywordSearch``): BM25 runs in Milvus under
the same filter expression as the dense search, so no Newsdesk process holds a keyword index.
Newsdesk fuses the two ranked lists itself, exactly as on Chroma, so both backends rank alike.

``uri`` is a local path ending in ``.db`` (Milvus Lite, in-process, keeps a folder there) or
``http(s)://host:19530`` (Milvus Standalone or Distributed). ``pymilvus`` loads on first use.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from index.articles import Meta
from index.errors import ConfigError, StoreError
from index.filters import Filters
from index.protocols import ArticleRecord, IndexStore, KeywordHit, KeywordSearch
from index.store.common import VectorCache, article_record
from index.text import terms

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

log = logging.getLogger(__name__)

CHUNKS = "newsdesk_chunks"
ARTICLES = "newsdesk_articles"
TERMS = "newsdesk_terms"  # document frequency per search term (BM25's IDF for the answerer)
BATCH = 1000        # rows per insert/get: well under Milvus's 64 MB request limit
PAGE = 5000         # rows per iterator page
ID_LEN = 1024       # VARCHAR bounds (ids are short slugs + hashes; sources are host names)
SOURCE_LEN = 2048
TEXT_LEN = 65535
COUNT_TTL_S = 10.0  # the chunk count (the IDF's N) is re-read at most this often
TERM_LEN = 256


class _NoSessionTs(logging.Filter):
    """Milvus Lite has no MVCC timestamps; pymilvus's iterator warns about it on every use."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "mvccTs" not in record.getMessage()


class _LiteUnimplemented(logging.Filter):
    """Milvus Lite's in-process gRPC server answers calls it lacks (AllocTimestamp, which
    pymilvus makes while waiting for an index it has built already) with NotImplementedError,
    logged by gRPC at ERROR level with a traceback: noise for a user."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and record.exc_info[0] is NotImplementedError)


logging.getLogger("pymilvus.client.iterator.query_iterator").addFilter(_NoSessionTs())
logging.getLogger("grpc._server").addFilter(_LiteUnimplemented())


def check_uri(uri: str) -> str:
    """``uri`` if Milvus can take it, else a ``ConfigError`` that says what would work."""
    if uri.startswith(("http://", "https://", "tcp://")):
        return uri
    if not uri.endswith(".db"):
        raise ConfigError(f"--milvus-uri {uri!r}: a local Milvus Lite file must end in .db "
                          "(e.g. data/newsdesk.db), or give http://HOST:19530 for a server")
    path = Path(uri).expanduser()
    if path.is_file():  # Milvus Lite 3 keeps a folder by that name
        raise ConfigError(f"--milvus-uri {uri!r} is a file, not a Milvus Lite database; "
                          "name a new path ending in .db")
    return str(path)


def _lit(values: Iterable[str]) -> str:
    """A list of strings as a Milvus filter literal (JSON's escaping is Milvus's)."""
    return json.dumps(list(values), ensure_ascii=False)


def expression(f: Filters | None) -> str:
    """``f`` as a Milvus boolean filter expression ("" when it allows everything)."""
    if f is None:
        return ""
    parts = []
    if f.since is not None:
        parts.append(f"date_epoch >= {int(f.since)}")
    if f.until is not None:
        parts.append(f"date_epoch <= {int(f.until)}")
    if f.sources:
        parts.append(f"source in {_lit(f.sources)}")
    if f.exclude:
        parts.append(f"article_id not in {_lit(sorted(f.exclude))}")
    if f.only:
        parts.append(f"article_id in {_lit(sorted(f.only))}")
    return " and ".join(parts)


def bm25_terms(text: str) -> str:
    """The terms BM25 sees, space separated. Milvus's standard tokenizer splits at
    apostrophes, tantivy's whitespace one does not: dropping them keeps "o'brien" one term."""
    return " ".join(t.replace("'", "").replace("’", "") for t in terms(text))


class MilvusStore:
    """Chunks + article records in Milvus; also the BM25 side of hybrid retrieval."""

    # Milvus filters inside the vector search itself: no need to count what a filter keeps
    # and search those exactly (what retrieval does for Chroma, whose filtered search is slow)
    filters_natively = True

    def __init__(self, uri: str, embeddings: Embeddings, *, token: str | None = None,
                 server_wait_s: float | None = None) -> None:
        self.uri = check_uri(uri)
        self.location = self.uri
        self.remote = self.uri.startswith(("http://", "https://", "tcp://"))
        self.embeddings = embeddings
        self._vectors = VectorCache()
        self._lock = threading.RLock()
        self._df: dict[str, int] = {}
        self._n: tuple[float, int] = (0.0, -1)
        os.environ.setdefault("GRPC_VERBOSITY", "ERROR")  # gRPC's fork notices on stderr
        try:
            from pymilvus import MilvusClient

            if not self.remote:
                Path(self.uri).parent.mkdir(parents=True, exist_ok=True)
            if self.remote:  # a server that restarts costs a wait or one clear error
                from index.store.reconnect import Reconnecting

                self.client: Any = Reconnecting(
                    lambda timeout: MilvusClient(uri=self.uri, token=token or "",
                                                 dedicated=True, timeout=timeout), self.uri,
                    on_restart=self._reload, wait_s=server_wait_s)
            else:
                self.client = MilvusClient(uri=self.uri, token=token or "")
            self._ready = {name: self._open(name) for name in (CHUNKS, ARTICLES, TERMS)}
        except StoreError:
            raise
        except Exception as exc:  # pymilvus raises MilvusException, grpc and OS errors here
            raise StoreError(
                f"cannot open Milvus at {self.uri} ({exc.__class__.__name__}: {exc}); for a "
                "server check that it runs and the URI is right; a Lite file is used by one "
                "process at a time") from exc

    # ---------------------------------------------------------------- schema
    def _open(self, name: str) -> bool:
        """Load ``name`` if it exists; False until the first write creates it (its vector
        size comes from the first vectors written)."""
        if not self.client.has_collection(name):
            return False
        self.client.load_collection(name)
        return True

    def _reload(self) -> None:
        """Load the collections again (a restarted server holds them, not loaded)."""
        for name, ready in self._ready.items():
            if ready:
                self.client.load_collection(name)

    def _create(self, dim: int) -> None:
        from pymilvus import DataType, Function, FunctionType

        with self._lock:
            if not self._ready[CHUNKS]:
                s = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
                s.add_field("id", DataType.VARCHAR, is_primary=True, max_length=ID_LEN)
                s.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
                s.add_field("text", DataType.VARCHAR, max_length=TEXT_LEN)
                s.add_field("terms", DataType.VARCHAR, max_length=TEXT_LEN, enable_analyzer=True,
                            enable_match=True, analyzer_params={"tokenizer": "standard"})
                s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
                s.add_field("article_id", DataType.VARCHAR, max_length=ID_LEN)
                s.add_field("source", DataType.VARCHAR, max_length=SOURCE_LEN)
                s.add_field("date_epoch", DataType.INT64)
                s.add_field("meta", DataType.JSON)
                s.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                        input_field_names=["terms"],
                                        output_field_names=["sparse"]))
                ip = self.client.prepare_index_params()
                if self.remote:
                    ip.add_index(field_name="dense", index_type="HNSW", metric_type="COSINE",
                                 params={"M": 16, "efConstruction": 200})
                else:  # Lite's HNSW missed near neighbours among near-duplicates in tests;
                    # an exact scan is ~10 ms at 30k chunks and Lite is the one-machine option
                    ip.add_index(field_name="dense", index_type="FLAT", metric_type="COSINE")
                ip.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX",
                             metric_type="BM25")
                self._make(CHUNKS, s, ip)
            if not self._ready[ARTICLES]:
                s = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
                s.add_field("id", DataType.VARCHAR, is_primary=True, max_length=ID_LEN)
                s.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
                s.add_field("meta", DataType.JSON)
                ip = self.client.prepare_index_params()
                ip.add_index(field_name="vector", index_type="FLAT", metric_type="COSINE")
                self._make(ARTICLES, s, ip)
            if not self._ready[TERMS]:
                s = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
                s.add_field("term", DataType.VARCHAR, is_primary=True, max_length=TERM_LEN)
                s.add_field("df", DataType.INT64)
                # Milvus wants a vector field in every collection; this one is never searched
                s.add_field("unused", DataType.FLOAT_VECTOR, dim=2)
                ip = self.client.prepare_index_params()
                ip.add_index(field_name="unused", index_type="FLAT", metric_type="L2")
                self._make(TERMS, s, ip)

    def _make(self, name: str, schema: Any, index_params: Any) -> None:
        self.client.create_collection(name, schema=schema, index_params=index_params,
                                      consistency_level="Strong")
        self.client.load_collection(name)
        self._ready[name] = True

    # ---------------------------------------------------------------- helpers
    def _count(self, name: str, expr: str = "") -> int:
        if not self._ready[name]:
            return 0
        got = self.client.query(name, filter=expr, output_fields=["count(*)"])
        return int(got[0]["count(*)"]) if got else 0

    def _get(self, name: str, ids: Sequence[str], fields: list[str]) -> list[dict[str, Any]]:
        if not ids or not self._ready[name]:
            return []
        out: list[dict[str, Any]] = []
        for i in range(0, len(ids), BATCH):
            out.extend(self.client.get(name, ids=list(ids[i:i + BATCH]), output_fields=fields))
        return out

    def _iter(self, name: str, expr: str, fields: list[str]) -> Iterator[dict[str, Any]]:
        """Every row matching ``expr`` (pk-paged: no offset limit)."""
        if not self._ready[name]:
            return
        it = self.client.query_iterator(name, batch_size=PAGE, filter=expr,
                                        output_fields=fields)
        try:
            while True:
                rows = it.next()
                if not rows:
                    return
                yield from rows
        finally:
            it.close()

    # ---------------------------------------------------------------- reads (IndexStore)
    def count_chunks(self) -> int:
        return self._count(CHUNKS)

    def count_articles(self) -> int:
        return self._count(ARTICLES)

    def article_records(self, ids: Sequence[str]) -> dict[str, ArticleRecord]:
        return {r["id"]: article_record(r["id"], r.get("meta"))
                for r in self._get(ARTICLES, ids, ["meta"])}

    def article_rows(self, ids: Sequence[str]) -> dict[str, tuple[list[float], Meta]]:
        return {r["id"]: ([float(x) for x in r["vector"]], dict(r.get("meta") or {}))
                for r in self._get(ARTICLES, ids, ["vector", "meta"])}

    def iter_article_records(self) -> Iterable[ArticleRecord]:
        for r in self._iter(ARTICLES, "", ["id", "meta"]):
            yield article_record(r["id"], r.get("meta"))

    def chunk_ids_of(self, article_id: str) -> list[str]:
        return [r["id"] for r in self._iter(CHUNKS, f"article_id in {_lit([article_id])}",
                                             ["id"])]

    def chunk_ids_of_articles(self, article_ids: Sequence[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for r in self._iter(CHUNKS, f"article_id in {_lit(article_ids)}", ["id", "article_id"]):
            out.setdefault(str(r["article_id"]), set()).add(r["id"])
        return out

    def existing_chunk_ids(self, ids: Sequence[str]) -> set[str]:
        return {r["id"] for r in self._get(CHUNKS, ids, ["id"])}

    def iter_chunks(self) -> Iterable[tuple[str, str, Meta]]:
        for r in self._iter(CHUNKS, "", ["id", "text", "meta"]):
            yield r["id"], r["text"], dict(r["meta"] or {})

    def all_chunk_ids(self) -> list[str]:
        return [r["id"] for r in self._iter(CHUNKS, "", ["id"])]

    def get_chunks(self, ids: Sequence[str]) -> dict[str, tuple[str, Meta]]:
        return {r["id"]: (r["text"], dict(r["meta"] or {}))
                for r in self._get(CHUNKS, ids, ["text", "meta"])}

    def vectors_of(self, ids: Sequence[str]) -> dict[str, list[float]]:
        return self._vectors.get(ids, self._fetch_vectors)

    def cache_vectors(self) -> int:
        """Nothing: Milvus runs a filtered search itself (``filters_natively``), so
        retrieval never ranks passages from stored vectors."""
        return 0

    def vector_matrix(self, ids: Sequence[str]) -> tuple[list[str], NDArray[np.float32]]:
        """The ids of ``ids`` that exist and their stored embeddings as matrix rows."""
        return self._vectors.matrix(ids, self._fetch_vectors)

    def _fetch_vectors(self, missing: list[str]) -> dict[str, Any]:
        return {r["id"]: r["dense"] for r in self._get(CHUNKS, missing, ["dense"])}

    def dense_search(self, vector: Sequence[float], k: int, filters: Filters | None = None
                     ) -> list[tuple[Document, float]]:
        """The ``k`` chunks nearest ``vector`` as ``(Document, cosine distance)``; the filter
        runs in Milvus."""
        if not self._ready[CHUNKS] or k <= 0:
            return []
        hits = self.client.search(CHUNKS, data=[list(map(float, vector))], anns_field="dense",
                                  limit=k, filter=expression(filters),
                                  output_fields=["text", "meta"],
                                  search_params={"metric_type": "COSINE", "params":
                                                 {"ef": max(64, k)} if self.remote else {}})[0]
        return [(Document(page_content=h["entity"]["text"], metadata=dict(h["entity"]["meta"]),
                          id=h["id"]), 1.0 - float(h["distance"])) for h in hits]

    # ---------------------------------------------------------------- KeywordSearch
    def search(self, query: str, k: int, *, since: int | None = None, until: int | None = None,
               sources: tuple[str, ...] = (), exclude: frozenset[str] = frozenset(),
               only: frozenset[str] = frozenset()) -> list[KeywordHit]:
        """BM25 in Milvus over the same terms the tantivy index ranks, under the filters."""
        text = bm25_terms(query)
        if not text or k <= 0 or not self._ready[CHUNKS]:
            return []
        expr = expression(Filters(since=since, until=until, sources=sources, exclude=exclude,
                                  only=only))
        hits = self.client.search(CHUNKS, data=[text], anns_field="sparse", limit=k,
                                  filter=expr, output_fields=[],
                                  search_params={"metric_type": "BM25"})[0]
        # Milvus Lite reports BM25 as a negative distance, servers as a positive score
        out = [KeywordHit(str(h["id"]), abs(float(h["distance"]))) for h in hits]
        return [h for h in out if h.score > 0]

    def count_matching(self, *, since: int | None = None, until: int | None = None,
                       sources: tuple[str, ...] = (), exclude: frozenset[str] = frozenset(),
                       only: frozenset[str] = frozenset()) -> int:
        return self._count(CHUNKS, expression(Filters(since=since, until=until, sources=sources,
                                                      exclude=exclude, only=only)))

    def ids_matching(self, *, since: int | None = None, until: int | None = None,
                     sources: tuple[str, ...] = (), exclude: frozenset[str] = frozenset(),
                     only: frozenset[str] = frozenset()) -> list[str]:
        expr = expression(Filters(since=since, until=until, sources=sources, exclude=exclude,
                                  only=only))
        return [r["id"] for r in self._iter(CHUNKS, expr, ["id"])]

    def epochs_of(self, ids: list[str]) -> dict[str, int]:
        return {r["id"]: int(r["date_epoch"] or 0)
                for r in self._get(CHUNKS, ids, ["date_epoch"])}

    def idf(self, term: str) -> float:
        """BM25's IDF of ``term``, ln(1 + (N - df + .5) / (df + .5)), from the term counts
        the writes keep (remembered until the chunk count changes)."""
        import math

        now = time.monotonic()
        with self._lock:
            at, n = self._n
            if now - at >= COUNT_TTL_S:
                fresh = self.count_chunks()
                if fresh != n:
                    self._df.clear()
                self._n = (now, fresh)
                n = fresh
        if n <= 0:
            return math.log(2)
        t = term.replace("'", "").replace("’", "")
        df = self._df.get(t)
        if df is None:
            got = self._get(TERMS, [t[:TERM_LEN]], ["df"])
            df = self._df[t] = int(got[0]["df"]) if got else 0
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def _count_terms(self, delta: Counter[str]) -> None:
        """Add ``delta`` to the stored term counts (a term at zero is dropped)."""
        delta = Counter({t[:TERM_LEN]: d for t, d in delta.items() if d})
        if not delta:
            return
        terms_ = sorted(delta)
        have = {r["term"]: int(r["df"]) for r in self._get(TERMS, terms_, ["df"])}
        rows, gone = [], []
        for t in terms_:
            df = have.get(t, 0) + delta[t]
            if df > 0:
                rows.append({"term": t, "df": df, "unused": [0.0, 0.0]})
            elif t in have:
                gone.append(t)
        for i in range(0, len(rows), BATCH):
            self.client.upsert(TERMS, rows[i:i + BATCH])
        for i in range(0, len(gone), BATCH):
            self.client.delete(TERMS, ids=gone[i:i + BATCH])
        with self._lock:
            for t in terms_:
                self._df.pop(t, None)

    # ---------------------------------------------------------------- writes
    def write_chunks(self, ids: Sequence[str], vectors: Sequence[Sequence[float]],
                     docs: Sequence[str], metas: Sequence[Meta]) -> None:
        if not ids:
            return
        self._create(len(vectors[0]))
        self._vectors.drop(ids)
        # a rewritten chunk (an edit of its article's title or date) is counted already:
        # its old terms come out of the BM25 statistics before its new ones go in
        before = {str(r["id"]): str(r["terms"]) for r in self._get(CHUNKS, ids, ["id", "terms"])}
        rows: list[dict[str, Any]] = [{"id": cid, "dense": [float(x) for x in v], "text": doc,
                 "terms": bm25_terms(f"{m.get('title', '')}\n{doc}")[:TEXT_LEN],
                 "article_id": str(m.get("article_id", "")),
                 "source": str(m.get("source") or "")[:SOURCE_LEN],
                 "date_epoch": int(m.get("date_epoch") or 0), "meta": dict(m)}
                for cid, v, doc, m in zip(ids, vectors, docs, metas, strict=True)]
        for i in range(0, len(rows), BATCH):
            self.client.upsert(CHUNKS, rows[i:i + BATCH])
        delta = Counter(t for r in rows for t in set(r["terms"].split()))
        delta.subtract(Counter(t for old in before.values() for t in set(old.split())))
        self._count_terms(Counter({t: n for t, n in delta.items() if n}))

    def delete_chunks(self, ids: Sequence[str]) -> None:
        if not ids or not self._ready[CHUNKS]:
            return
        self._vectors.drop(ids)
        stored = self._get(CHUNKS, ids, ["terms"])
        for i in range(0, len(ids), BATCH):
            self.client.delete(CHUNKS, ids=list(ids[i:i + BATCH]))
        self._count_terms(Counter({t: -n for t, n in Counter(
            t for r in stored for t in set(str(r["terms"]).split())).items()}))

    def commit_articles(self, records: Sequence[tuple[str, Sequence[float], Meta]]) -> None:
        if not records:
            return
        self._create(len(records[0][1]))
        rows = [{"id": aid, "vector": [float(x) for x in v], "meta": dict(m)}
                for aid, v, m in records]
        for i in range(0, len(rows), BATCH):
            self.client.upsert(ARTICLES, rows[i:i + BATCH])

    def remove_article(self, article_id: str) -> int:
        ids = self.chunk_ids_of(article_id)
        found = bool(self._get(ARTICLES, [article_id], ["id"]))
        if not ids and not found:
            raise StoreError(f"no article with id {article_id!r} in the index "
                             "(see `newsdesk index list`)")
        if found:
            self.client.delete(ARTICLES, ids=[article_id])  # un-commit first
        self.delete_chunks(ids)
        return len(ids)

    def vectorstore_with(self, embeddings: Embeddings) -> VectorStore:
        """The chunks as a LangChain ``VectorStore`` that embeds queries with ``embeddings``."""
        from index.store.lc import StoreVectorStore

        return StoreVectorStore(self, embeddings)

    def flush(self) -> None:
        """Seal what was written (Milvus builds its indexes on sealed segments)."""
        for name, ready in self._ready.items():
            if ready:
                self.client.flush(name)

    def close(self) -> None:
        """Disconnect; for Milvus Lite also stop its in-process server, which frees the file
        for another process (and ends every other handle on it in this process)."""
        self.client.close()
        if not self.remote:
            from milvus_lite.server_manager import server_manager_instance

            server_manager_instance.release_server(self.uri)


def _conforms(store: MilvusStore) -> tuple[IndexStore, KeywordSearch]:
    """(For the type checker: MilvusStore implements both seams.)"""
    return store, store

