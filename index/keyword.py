"""The BM25 side of hybrid retrieval: a tantivy index beside the vector store, updated in place.

One document per chunk: its id, article id, source and date (filter fields) and its search
terms (``index.text.terms`` of title + passage: stemmed, stopwords out), ranked by tantivy's
BM25. Kept in ``<keyword_dir>/tantivy/``.

Why tantivy (PyPI ``tantivy``, a Rust search library): an ingest of k articles adds and deletes
those articles' documents, O(k), where the in-memory bm25s index it replaces was rebuilt from
every chunk in the store on each ingest (10.5 s to add one article to the 31,697-chunk benchmark
index); it persists itself; one writer and any number of readers share the folder across
processes (a reader reloads at most once a second, so a running chat sees another process's
ingest on its next question); date, source and article filters are index queries; and a query
takes about a millisecond. SQLite FTS5 was measured too: 10x slower per query here (34 ms p50).

The index is *derived* from the chunks in the vector store. The ingest pipeline applies each
batch's changes after its chunks are written and before the batch's commit records, so an
interrupted ingest is repaired by running it again; ``refresh()`` compares the document count
with the store's on open and re-syncs by id when another writer or an older index left them apart.
"""

from __future__ import annotations

import logging
import math
import shutil
import threading
import time
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from index.articles import Meta
from index.errors import StoreError
from index.protocols import ChunkStore, IndexStore, KeywordHit, KeywordSearch
from index.text import terms

if TYPE_CHECKING:
    import tantivy

log = logging.getLogger(__name__)

FOLDER = "tantivy"
RELOAD_S = 1.0          # a reader looks for other processes' commits at most this often
WRITER_WAIT_S = 300.0   # another process's writer holds the lock: wait this long for it
WRITER_HEAP = 64_000_000
_BEFORE = ("bm25", "meta.json", "epochs.npy")  # the files of the bm25s index this replaced


@lru_cache(maxsize=1)
def _schema() -> tantivy.Schema:
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("chunk_id", stored=True, tokenizer_name="raw")
    sb.add_text_field("article_id", stored=False, tokenizer_name="raw")
    sb.add_text_field("source", stored=False, tokenizer_name="raw")
    sb.add_integer_field("epoch", stored=True, indexed=True, fast=True)
    sb.add_text_field("terms", stored=False, tokenizer_name="whitespace")
    return sb.build()


class KeywordIndex:
    """BM25 over ``title + passage`` of every chunk, with date/source/article filters."""

    def __init__(self, directory: Path) -> None:
        import tantivy

        self.directory = Path(directory)
        path = self.directory / FOLDER
        path.mkdir(parents=True, exist_ok=True)
        for name in _BEFORE:  # the bm25s files this index replaces: rebuilt here instead
            old = self.directory / name
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
            elif old.exists():
                old.unlink(missing_ok=True)
        try:
            self._index = tantivy.Index(_schema(), path=str(path))
        except ValueError as exc:
            raise StoreError(f"cannot open the keyword index at {path} ({exc}); delete that "
                             "folder and it is rebuilt from the store") from exc
        self._lock = threading.Lock()
        self._searcher = self._index.searcher()
        self._loaded = time.monotonic()
        self._df: dict[str, int] = {}

    # ------------------------------------------------------------ reading
    def searcher(self) -> tantivy.Searcher:
        """A searcher over the latest commit (of any process), looked for at most every
        ``RELOAD_S`` seconds."""
        with self._lock:
            if time.monotonic() - self._loaded >= RELOAD_S:
                self._index.reload()
                fresh = self._index.searcher()
                if fresh.num_docs != self._searcher.num_docs:
                    self._df.clear()
                self._searcher, self._loaded = fresh, time.monotonic()
            return self._searcher

    def __len__(self) -> int:
        return int(self.searcher().num_docs)

    def _filters(self, since: int | None, until: int | None, sources: tuple[str, ...],
                 exclude: frozenset[str], only: frozenset[str] = frozenset()
                 ) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        import tantivy

        schema, q = _schema(), tantivy.Query
        out = []
        if since is not None or until is not None:
            rng = q.range_query(schema, "epoch", tantivy.FieldType.Integer, since, until)
            out.append((tantivy.Occur.Must, q.const_score_query(rng, 0.0)))
        if sources:
            out.append((tantivy.Occur.Must, q.const_score_query(
                q.term_set_query(schema, "source", list(sources)), 0.0)))
        if exclude:
            out.append((tantivy.Occur.MustNot,
                        q.term_set_query(schema, "article_id", sorted(exclude))))
        if only:
            out.append((tantivy.Occur.Must, q.const_score_query(
                q.term_set_query(schema, "article_id", sorted(only)), 0.0)))
        return out

    def _filtered(self, since: int | None, until: int | None, sources: tuple[str, ...],
                  exclude: frozenset[str], only: frozenset[str] = frozenset()) -> tantivy.Query:
        import tantivy

        parts = self._filters(since, until, sources, exclude, only)
        if not any(o == tantivy.Occur.Must for o, _ in parts):
            parts.insert(0, (tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(parts)

    def search(self, query: str, k: int, *, since: int | None = None, until: int | None = None,
               sources: tuple[str, ...] = (), exclude: frozenset[str] = frozenset(),
               only: frozenset[str] = frozenset()) -> list[KeywordHit]:
        """The best ``k`` chunks for ``query`` under the filters, best first."""
        import tantivy

        toks = terms(query)
        if not toks or k <= 0:
            return []
        q = tantivy.Query
        text = q.boolean_query([(tantivy.Occur.Should, q.term_query(_schema(), "terms", t))
                                for t in toks])
        parts = [(tantivy.Occur.Must, text),
                 *self._filters(since, until, sources, exclude, only)]
        s = self.searcher()
        hits = s.search(q.boolean_query(parts), k, count=False).hits
        return [KeywordHit(str(s.doc(addr)["chunk_id"][0]), float(score))
                for score, addr in hits if score > 0]

    def count_matching(self, *, since: int | None = None, until: int | None = None,
                       sources: tuple[str, ...] = (), exclude: frozenset[str] = frozenset(),
                       only: frozenset[str] = frozenset()) -> int:
        """How many chunks the filters allow."""
        got = self.searcher().search(self._filtered(since, until, sources, exclude, only), 1,
                                     count=True)
        return int(getattr(got, "count", 0) or 0)  # (missing from the type stubs)

    def ids_matching(self, *, since: int | None = None, until: int | None = None,
                     sources: tuple[str, ...] = (), exclude: frozenset[str] = frozenset(),
                     only: frozenset[str] = frozenset()) -> list[str]:
        """Ids of the chunks the filters allow."""
        s = self.searcher()
        hits = s.search(self._filtered(since, until, sources, exclude, only),
                        max(s.num_docs, 1),
                        count=False).hits
        return [str(s.doc(addr)["chunk_id"][0]) for _, addr in hits]

    def epochs_of(self, ids: list[str]) -> dict[str, int]:
        """Each chunk's article date (epoch seconds; 0 when undated)."""
        import tantivy

        if not ids:
            return {}
        s = self.searcher()
        out: dict[str, int] = {}
        for i in range(0, len(ids), 1000):
            part = ids[i:i + 1000]
            hits = s.search(tantivy.Query.term_set_query(_schema(), "chunk_id", part),
                            len(part), count=False).hits
            for _, addr in hits:
                doc = s.doc(addr)
                out[str(doc["chunk_id"][0])] = int(doc["epoch"][0])
        return out

    def idf(self, term: str) -> float:
        """BM25's IDF of ``term``, ln(1 + (N - df + .5) / (df + .5)); a term no chunk holds
        weighs most (it must be matched to answer)."""
        s = self.searcher()
        n = s.num_docs
        if not n:
            return math.log(2)
        df = self._df.get(term)
        if df is None:
            df = self._df[term] = int(s.doc_freq("terms", term))
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def ids(self) -> set[str]:
        """Every indexed chunk id."""
        return set(self.ids_matching())

    # ------------------------------------------------------------ writing
    def _writer(self) -> tantivy.IndexWriter:
        """The index's one writer; waits while another process holds it."""
        deadline = time.monotonic() + WRITER_WAIT_S
        while True:
            try:
                return self._index.writer(heap_size=WRITER_HEAP, num_threads=1)
            except ValueError as exc:  # LockBusy: another process is writing
                if time.monotonic() > deadline:
                    raise StoreError(f"the keyword index at {self.directory} stayed locked "
                                     f"by another writer for {WRITER_WAIT_S:.0f} s ({exc})"
                                     ) from exc
                time.sleep(0.2)

    def apply(self, add: Iterable[tuple[str, str, Meta]] = (), remove: Sequence[str] = ()
              ) -> None:
        """Remove the chunks ``remove`` names and (re)index ``(chunk_id, passage, metadata)``
        rows, in one commit. Idempotent: a chunk indexed already is replaced, not doubled."""
        import tantivy

        rows = list(add)
        if not rows and not remove:
            return
        w = self._writer()
        try:
            for cid in [*remove, *(r[0] for r in rows)]:
                w.delete_documents_by_term("chunk_id", cid)
            for cid, text, meta in rows:
                w.add_document(tantivy.Document(
                    chunk_id=cid, article_id=str(meta.get("article_id", "")),
                    source=str(meta.get("source") or ""),
                    epoch=int(meta.get("date_epoch") or 0),
                    terms=" ".join(terms(f"{meta.get('title', '')}\n{text}"))))
            w.commit()
        except BaseException:
            w.rollback()
            raise
        finally:
            w.wait_merging_threads()
        with self._lock:
            self._loaded = 0.0  # this process's next read sees the commit


def refresh(store: ChunkStore, directory: Path, *, force: bool = False) -> KeywordIndex:
    """The keyword index for ``store``, in step with it: when the counts differ (another writer,
    an interrupted ingest, an index from before this one) or ``force``, the chunk ids are
    compared and the difference applied."""
    kw = KeywordIndex(directory)
    if not force and len(kw) == store.count_chunks():
        return kw
    want = set(store.all_chunk_ids())
    have = kw.ids()
    missing = sorted(want - have)
    rows: list[tuple[str, str, Meta]] = []
    for i in range(0, len(missing), 2000):
        got = store.get_chunks(missing[i:i + 2000])
        rows.extend((cid, text, meta) for cid, (text, meta) in got.items())
    gone = sorted(have - want)
    if rows or gone:
        log.info("keyword index at %s: indexing %d chunks, removing %d", directory, len(rows),
                 len(gone))
    kw.apply(rows, gone)
    return kw


def native(store: IndexStore) -> KeywordSearch | None:
    """The store itself when it ranks BM25 on its own (Milvus), else None (Chroma: tantivy)."""
    return store if isinstance(store, KeywordSearch) else None


def keyword_side(store: IndexStore, directory: Path) -> KeywordSearch:
    """What hybrid retrieval searches for keywords: the store's own BM25, or the tantivy
    index in ``directory`` brought in step with the store."""
    own = native(store)
    return own if own is not None else refresh(store, directory)
