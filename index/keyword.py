"""The BM25 side of hybrid retrieval (bm25s), persisted beside the vector store.

It is *derived* from the chunks stored in Chroma (never from local files), so several
processes or a Chroma server stay consistent: after an ingest that changed anything, and on
open when the saved stamp differs from the store's, it is rebuilt from the store's documents.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np

from index.articles import Meta
from index.protocols import ChunkStore, KeywordHit
from index.text import terms

_lock = threading.Lock()
log = logging.getLogger(__name__)


class KeywordIndex:
    """BM25 over ``title + passage`` of every chunk, with per-chunk filter fields."""

    def __init__(self, bm25: Any, ids: list[str], epochs: np.ndarray, sources: list[str],
                 stamp: str) -> None:
        self.bm25 = bm25
        self.ids = ids
        self.epochs = epochs
        self.sources = np.array(sources, dtype=object)
        self.stamp = stamp

    def __len__(self) -> int:
        return len(self.ids)

    # ------------------------------------------------------------ build / persist
    @classmethod
    def build(cls, rows: list[tuple[str, str, Meta]]) -> KeywordIndex:
        """Index ``(chunk_id, passage, metadata)`` rows."""
        import bm25s

        rows = sorted(rows, key=lambda r: r[0])
        ids = [r[0] for r in rows]
        corpus = [terms(f"{r[2].get('title', '')}\n{r[1]}") or ["\u2205"] for r in rows]
        bm25 = bm25s.BM25()
        if corpus:
            bm25.index(corpus, show_progress=False)
        epochs = np.array([int(r[2].get("date_epoch") or 0) for r in rows], dtype=np.int64)
        sources = [str(r[2].get("source") or "") for r in rows]
        return cls(bm25, ids, epochs, sources, stamp_of(ids))

    def save(self, directory: Path) -> None:
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".keyword-", dir=directory.parent))
        try:
            if self.ids:
                self.bm25.save(str(tmp / "bm25"), show_progress=False)
            np.save(tmp / "epochs.npy", self.epochs)
            (tmp / "meta.json").write_text(json.dumps(
                {"ids": self.ids, "sources": list(self.sources), "stamp": self.stamp}))
            old = directory.with_name(directory.name + ".old")
            with _lock:
                if directory.exists():
                    os.replace(directory, old)
                os.replace(tmp, directory)
                shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path) -> KeywordIndex | None:
        """The saved index, or ``None`` when absent or unreadable (the caller rebuilds)."""
        import bm25s

        try:
            meta = json.loads((directory / "meta.json").read_text())
            epochs = np.load(directory / "epochs.npy")
            bm25 = bm25s.BM25.load(str(directory / "bm25"), show_progress=False) \
                if meta["ids"] else bm25s.BM25()
        except (OSError, ValueError, KeyError) as exc:
            log.info("saved keyword index at %s unreadable (%s); rebuilding it", directory, exc)
            return None
        return cls(bm25, meta["ids"], epochs, meta["sources"], meta["stamp"])

    def epochs_of(self, ids: list[str]) -> dict[str, int]:
        pos = self._positions()
        return {i: int(self.epochs[pos[i]]) for i in ids if i in pos}

    def _positions(self) -> dict[str, int]:
        if getattr(self, "_pos", None) is None:
            self._pos = {cid: i for i, cid in enumerate(self.ids)}
        return self._pos

    # ------------------------------------------------------------ query
    def _article_positions(self) -> dict[str, list[int]]:
        if getattr(self, "_apos", None) is None:
            apos: dict[str, list[int]] = {}
            for i, cid in enumerate(self.ids):
                apos.setdefault(cid.rsplit(":", 2)[0], []).append(i)
            self._apos = apos
        return self._apos

    def _mask(self, since: int | None, until: int | None,
              sources: tuple[str, ...], exclude: frozenset[str] = frozenset()) -> np.ndarray:
        ok = np.ones(len(self.ids), dtype=bool)
        if exclude:
            apos = self._article_positions()
            for aid in exclude:
                ok[apos.get(aid, [])] = False
        if since is not None:
            ok &= self.epochs >= since
        if until is not None:
            ok &= self.epochs <= until
        if sources:
            ok &= np.isin(self.sources, list(sources))
        return ok

    def ids_matching(self, *, since: int | None = None, until: int | None = None,
                     sources: tuple[str, ...] = (), exclude: frozenset[str] = frozenset()
                     ) -> list[str]:
        """Ids of the chunks dated in ``[since, until]`` from ``sources``, not of the articles in
        ``exclude`` (in memory, fast)."""
        return [self.ids[i] for i in np.flatnonzero(self._mask(since, until, sources, exclude))]

    def search(self, query: str, k: int, *, since: int | None = None, until: int | None = None,
               sources: tuple[str, ...] = (), exclude: frozenset[str] = frozenset()
               ) -> list[KeywordHit]:
        q = terms(query)
        if not q or not self.ids:
            return []
        mask = None
        if since is not None or until is not None or sources or exclude:
            ok = self._mask(since, until, sources, exclude)
            if not ok.any():
                return []
            mask = ok.astype(np.float32)
        known = [t for t in q if t in self.bm25.vocab_dict]
        if not known:
            return []
        k = min(k, len(self.ids))
        docs, scores = self.bm25.retrieve([known], k=k, show_progress=False, weight_mask=mask,
                                          n_threads=1)
        return [KeywordHit(self.ids[int(d)], float(s))
                for d, s in zip(docs[0], scores[0], strict=True) if s > 0]


def stamp_of(ids: list[str]) -> str:
    """A fingerprint of the chunk-id set (ids are content-derived, so equal ids = equal data)."""
    h = hashlib.sha256()
    for i in sorted(ids):
        h.update(i.encode())
        h.update(b"\n")
    return f"{len(ids)}:{h.hexdigest()[:16]}"


def refresh(store: ChunkStore, directory: Path, *, force: bool = False) -> KeywordIndex:
    """The keyword index for ``store``: the saved one if its stamp matches, else rebuilt."""
    current = stamp_of(store.all_chunk_ids())
    if not force:
        saved = KeywordIndex.load(directory)
        if saved is not None and saved.stamp == current:
            return saved
    built = KeywordIndex.build(list(store.iter_chunks()))
    # a read-only location is fine: the in-memory index still serves this process
    try:
        built.save(directory)
    except OSError as exc:
        log.info("keyword index not saved to %s (%s); it serves this process from memory",
                 directory, exc)
    return built


def idf_table(index: KeywordIndex) -> tuple[dict[str, float], float]:
    """Per-term IDF from the BM25 matrix (and the IDF of an unseen term)."""
    import math

    n = max(len(index.ids), 1)
    if not index.ids:
        return {}, 1.0
    indptr = np.asarray(index.bm25.scores["indptr"])
    df = np.diff(indptr)
    table = {}
    for term, col in index.bm25.vocab_dict.items():
        d = int(df[col]) if col < len(df) else 0
        table[term] = math.log(1 + (n - d + 0.5) / (d + 0.5))
    return table, math.log(1 + (n + 0.5) / 0.5)
