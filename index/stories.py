"""One story told once: near-duplicate articles (the same wire copy under another headline or
outlet, with small edits) share a ``story_id``.

At ingest each article gets a MinHash signature (``datasketch``; 128 permutations over the
5-word shingles of its first ``LEAD_WORDS`` words). Banded LSH keys (32 bands of 4 rows, a
collision threshold near Jaccard 0.42) live in SQLite beside the keyword index, so finding an
article's candidates is an indexed lookup: ingest stays O(new articles), whatever the archive
holds. A candidate joins the story when the signatures agree on at least ``THRESHOLD`` of
their positions (estimated Jaccard) and the two are dated within ``WINDOW_DAYS``: the same
copy republished, not next year's article on the same theme. The story id is the id of the
story's first article.

Measured on the RealTime QA 2022 corpus (2,115 articles, which holds few wire copies): over
each article's first 300 words at Jaccard 0.5, 5 pairs, four of them CNN "5 things to know"
newsletters of different days that share their opening; over the whole text (2,000 words) at
0.6, 2 pairs (a USA Today live blog captured twice, a Starbucks story told twice). Mean-vector
cosine of whole articles (>= 0.93) groups 164 articles there, but those are updates of one
story with different facts, which retrieval must keep apart, so the text signature decides.

Retrieval keeps one passage per story in the top k and lists the story's other articles with
it ("also in: ..."). SQLite is safe for a chat server reading while an ingest or a watcher
writes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

import numpy as np

from index.articles import Meta
from index.errors import StoreError, storage_condition, storage_message
from index.protocols import ChunkStore, StoryMember

__all__ = ["StoryIndex", "StoryMember", "open_stories", "signature"]
log = logging.getLogger(__name__)

PERM = 128
BANDS, ROWS = 32, 4
THRESHOLD = 0.6
WINDOW_DAYS = 7
LEAD_WORDS = 2000
SHINGLE = 5
_WORD = re.compile(r"\w+")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS members (article_id TEXT PRIMARY KEY, story_id TEXT NOT NULL,
    date TEXT, source TEXT, title TEXT, sig BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS members_story ON members(story_id);
CREATE TABLE IF NOT EXISTS bands (band INTEGER NOT NULL, key INTEGER NOT NULL,
    article_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS bands_key ON bands(band, key);
CREATE INDEX IF NOT EXISTS bands_article ON bands(article_id);
"""


class Signable(Protocol):
    """What a story signature reads of an article (an ``Article``, or one rebuilt from its
    stored passages)."""

    @property
    def id(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def date(self) -> str | None: ...
    @property
    def source(self) -> str: ...
    @property
    def title(self) -> str: ...


@dataclass(frozen=True)
class _Signed:
    """What ``assign`` reads of an article, rebuilt from its stored passages."""

    id: str
    body: str
    date: str
    source: str
    title: str


def open_stories(directory: Path, store: ChunkStore | None = None) -> StoryIndex:
    """The story index in ``directory``; a damaged file is set aside and, given the
    ``store``, rebuilt from its passages (without it, stories regroup as articles are
    ingested again)."""
    idx = StoryIndex(directory)
    if idx.reset and store is not None:
        n = idx.rebuild(store)
        log.warning("story index rebuilt: %d articles signed again", n)
    return idx


def signature(text: str) -> np.ndarray:
    """The MinHash signature of ``text``'s lead (uint32, ``PERM`` values)."""
    from datasketch import MinHash

    words = _WORD.findall(text.lower())[:LEAD_WORDS]
    m = MinHash(num_perm=PERM, seed=1)
    for i in range(max(1, len(words) - SHINGLE + 1)):
        m.update(" ".join(words[i:i + SHINGLE]).encode("utf-8"))
    return np.asarray(m.hashvalues, dtype=np.uint32)


def _band_keys(sig: np.ndarray) -> list[tuple[int, int]]:
    out = []
    for b in range(BANDS):
        digest = hashlib.blake2b(sig[b * ROWS:(b + 1) * ROWS].tobytes(), digest_size=8).digest()
        out.append((b, int.from_bytes(digest, "big", signed=True)))
    return out


def _days_apart(a: str, b: str) -> int | None:
    try:
        return abs((date.fromisoformat(a[:10]) - date.fromisoformat(b[:10])).days)
    except ValueError:
        return None


class StoryIndex:
    """Story ids of the stored articles, in ``<directory>/stories.sqlite``."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "stories.sqlite"
        self.reset = False  # True when a damaged file was moved aside: see open_stories()
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            condition = storage_condition(exc)
            if condition:
                raise StoreError(storage_message(condition, str(directory))) from exc
            aside = self.path.with_name(f"stories.sqlite.damaged-{int(time.time())}")
            log.warning("%s is damaged (%s); moved aside to %s and rebuilt from the store",
                        self.path, exc, aside.name)
            for suffix in ("", "-wal", "-shm", "-journal"):
                part = Path(f"{self.path}{suffix}")
                if part.exists():
                    os.replace(part, Path(f"{aside}{suffix}"))
            self._db = self._open()
            self.reset = True
        # ingest signs unchanged articles on its own thread while the writer thread signs new
        # ones: one connection, one statement or transaction at a time
        self._lock = threading.RLock()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        try:
            db.executescript(_SCHEMA)
            # a truncated file can still open: the quick check reads every page once
            # (milliseconds for thousands of articles)
            ok = db.execute("PRAGMA quick_check").fetchone()
            if not ok or ok[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check: {ok[0] if ok else 'no answer'}")
        except BaseException:
            db.close()
            raise
        return db

    def rebuild(self, store: ChunkStore) -> int:
        """Sign every stored article again from its passages (after a damaged file was set
        aside); how many articles. The passages cover the body, so the signature is the same
        as at ingest (its words; the gaps between passages are only white space)."""
        parts: dict[str, list[tuple[int, str, Meta]]] = {}
        for _cid, text, meta in store.iter_chunks():
            parts.setdefault(str(meta.get("article_id", "")), []).append(
                (int(meta.get("start", 0) or 0), text, meta))
        arts = []
        for aid, chunks in parts.items():
            chunks.sort(key=lambda c: c[0])
            body = [" "] * max(start + len(text) for start, text, _m in chunks)
            for start, text, _m in chunks:
                body[start:start + len(text)] = list(text)
            meta = chunks[0][2]
            arts.append(_Signed(aid, "".join(body), str(meta.get("date", "") or ""),
                                str(meta.get("source", "") or ""),
                                str(meta.get("title", "") or "")))
        arts.sort(key=lambda a: (a.date, a.id))  # a story's id is its first article's
        self.assign(arts)
        self.reset = False
        return len(arts)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def assign(self, articles: Sequence[Signable]) -> dict[str, str]:
        """Sign ``articles`` (new or edited) and give each its story id; returns them."""
        out: dict[str, str] = {}
        with self._lock, self._db:
            self._forget([a.id for a in articles])
            for art in articles:
                sig = signature(art.body)
                keys = _band_keys(sig)
                story = self._match(art, sig, keys)
                out[art.id] = story
                self._db.execute(
                    "INSERT INTO members VALUES (?, ?, ?, ?, ?, ?)",
                    (art.id, story, (art.date or "")[:10], art.source, art.title[:300],
                     sig.tobytes()))
                self._db.executemany("INSERT INTO bands VALUES (?, ?, ?)",
                                     [(b, k, art.id) for b, k in keys])
        return out

    def _match(self, art: Signable, sig: np.ndarray, keys: list[tuple[int, int]]) -> str:
        """The story of the most similar stored article within the window, else its own id."""
        found: set[str] = set()
        for b, k in keys:
            found.update(r[0] for r in self._db.execute(
                "SELECT article_id FROM bands WHERE band = ? AND key = ?", (b, k)))
        found.discard(art.id)
        best, best_j = art.id, THRESHOLD
        for aid in sorted(found):
            row = self._db.execute("SELECT story_id, date, sig FROM members WHERE article_id = ?",
                                   (aid,)).fetchone()
            if row is None:
                continue
            story, when, blob = row
            gap = _days_apart(art.date or "", when or "")
            if gap is not None and gap > WINDOW_DAYS:
                continue
            j = float(np.mean(np.frombuffer(blob, dtype=np.uint32) == sig))
            if j >= best_j:
                best, best_j = story, j
        return best

    def _forget(self, article_ids: Iterable[str]) -> None:
        ids = [(a,) for a in article_ids]
        self._db.executemany("DELETE FROM members WHERE article_id = ?", ids)
        self._db.executemany("DELETE FROM bands WHERE article_id = ?", ids)

    def remove(self, article_ids: Iterable[str]) -> None:
        """Forget removed articles (the story keeps its id while others remain in it)."""
        with self._lock, self._db:
            self._forget(article_ids)

    def _rows(self, columns: str, key: str, values: Sequence[str]) -> list[tuple[str, ...]]:
        """``SELECT columns FROM members WHERE key IN values`` (500 values a statement),
        ordered by date and article id."""
        out: list[tuple[str, ...]] = []
        ids = list(dict.fromkeys(values))
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            q = f"SELECT {columns} FROM members WHERE {key} IN ({','.join('?' * len(part))}) " \
                "ORDER BY date, article_id"
            with self._lock:
                out += self._db.execute(q, part).fetchall()
        return out

    def stories_of(self, article_ids: Sequence[str]) -> dict[str, str]:
        """``article id -> story id`` for the signed articles among ``article_ids``."""
        return {row[0]: row[1] for row in self._rows("article_id, story_id", "article_id",
                                                       article_ids)}

    def members(self, story_ids: Sequence[str]) -> dict[str, list[StoryMember]]:
        """The articles of each story, oldest first."""
        out: dict[str, list[StoryMember]] = {}
        for row in self._rows("article_id, story_id, date, source, title", "story_id",
                              story_ids):
            out.setdefault(row[1], []).append(StoryMember(*row))
        return out

    def largest(self, n: int = 10) -> list[list[StoryMember]]:
        """The ``n`` stories with the most articles (two or more), largest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT story_id FROM members GROUP BY story_id HAVING COUNT(*) > 1 "
                "ORDER BY COUNT(*) DESC, MIN(date) DESC LIMIT ?", (n,)).fetchall()
        got = self.members([r[0] for r in rows])
        return [got[r[0]] for r in rows if r[0] in got]

    def copy_to(self, directory: Path) -> int:
        """Write these signatures into the story index in ``directory`` (``newsdesk index
        copy``: the articles are the same, so their stories are too); how many articles."""
        other = StoryIndex(directory)
        try:
            with self._lock, other._lock, other._db:
                rows = self._db.execute("SELECT * FROM members").fetchall()
                other._forget([r[0] for r in rows])
                other._db.executemany("INSERT INTO members VALUES (?, ?, ?, ?, ?, ?)", rows)
                other._db.executemany("INSERT INTO bands VALUES (?, ?, ?)",
                                      self._db.execute("SELECT * FROM bands").fetchall())
            return len(rows)
        finally:
            other.close()

    def count(self) -> int:
        """How many articles are signed."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM members").fetchone()[0])
