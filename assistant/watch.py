"""``newsdesk watch``: keep an index up to date with feeds and folders, cycle after cycle.

* **Feeds** (http/https URLs): a conditional GET (If-None-Match / If-Modified-Since from the
  last 200 response), a timeout and a size cap per request; new entries are added, changed ones
  replace their article (ids and fingerprints decide, as in every ingest). A feed that fails is
  retried after an exponential backoff with jitter (``every`` × 2^failures, at most an hour);
  one feed's failure never stops the others.
* **Folders**: new and changed files are ingested, articles whose file is gone are removed.
  Between cycles a maintained watcher (``watchfiles``) wakes the loop when a file changes; a file
  whose size still changes is left for the next round, so nothing is read half-written.
* Each feed's state (ETag, Last-Modified, last poll, status, failures, next poll, articles) is
  kept in ``<keyword_dir>/watch.json``, beside the index it belongs to.

``Watcher.cycle()`` is one round (``newsdesk watch --once``); ``Watcher.run(stop)`` loops until
``stop`` is set (the CLI sets it on Ctrl-C or SIGTERM, between articles).
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from assistant import indexing
from assistant.settings import Settings
from index.errors import ConfigError, LoadError, NewsdeskError

if TYPE_CHECKING:
    from index.articles import Article
    from index.loaders.feed import Fetched
    from index.pipeline import IngestReport
    from index.protocols import IndexStore

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 3600.0
SETTLE_S = 0.5  # a file is read once its size held still this long
FETCHERS = 8    # feeds fetched at once in a cycle


@dataclass
class FeedState:
    """What the watcher remembers of one feed between polls (and processes)."""

    url: str
    etag: str | None = None
    modified: str | None = None
    last_poll: str = ""        # ISO time of the last attempt
    status: str = "new"        # ok | not modified | failed: REASON | new
    failures: int = 0          # consecutive
    next_poll: float = 0.0     # epoch seconds
    articles: int = 0          # entries in its last 200 response


@dataclass
class CycleReport:
    """What one cycle did; ``line()`` is the one log line per cycle."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    polled: int = 0
    not_modified: int = 0
    backing_off: int = 0
    interrupted: bool = False

    def take(self, report: IngestReport) -> None:
        self.added += report.added
        self.updated += report.updated
        self.unchanged += report.unchanged
        self.failed.extend(report.failed)
        self.interrupted = self.interrupted or report.interrupted

    def line(self) -> str:
        return (f"{self.added} new, {self.updated} updated, {self.unchanged} unchanged, "
                f"{self.removed} removed, {len(self.failed)} failed; feeds: {self.polled} "
                f"polled, {self.not_modified} not modified, {self.backing_off} backing off")


def parse_every(text: str) -> float:
    """``30s``, ``10m``, ``1h`` or plain seconds → seconds (at least one)."""
    t = text.strip().lower()
    scale = {"s": 1, "m": 60, "h": 3600}.get(t[-1:], 0)
    try:
        value = float(t[:-1] if scale else t) * (scale or 1)
    except ValueError as exc:
        raise ConfigError(f"--every {text!r}: use seconds or 30s, 10m, 1h") from exc
    if value < 1:
        raise ConfigError(f"--every {text!r}: at least one second")
    return value


class Watcher:
    """Polls ``sources`` (feed URLs and folders) into the index ``settings`` names."""

    def __init__(self, sources: Sequence[str], settings: Settings, *, every: float = 600.0,
                 store: IndexStore | None = None, on_change: Callable[[], None] | None = None,
                 clock: Callable[[], float] = time.time,
                 jitter: Callable[[], float] = random.random) -> None:
        self.settings = settings
        self.every = every
        self.feeds = [s for s in sources if s.startswith(("http://", "https://"))]
        self.folders = [Path(s).expanduser().resolve() for s in sources if s not in self.feeds]
        for d in self.folders:
            if not d.is_dir():
                raise ConfigError(f"{d}: not a folder or an http(s) feed URL")
        self.store = store if store is not None else indexing.open_index(settings)
        self.on_change = on_change
        self.clock = clock
        self.jitter = jitter
        self.state_path = settings.keyword_dir / "watch.json"
        self.state = self._load_state()
        self._lock = threading.Lock()

    # ------------------------------------------------------------ state
    def _load_state(self) -> dict[str, FeedState]:
        try:
            raw = json.loads(self.state_path.read_text(encoding="utf-8"))
            saved = {s["url"]: FeedState(**s) for s in raw.get("feeds", [])}
        except FileNotFoundError:
            saved = {}
        except (OSError, ValueError, TypeError, KeyError) as exc:
            log.warning("watch state %s unreadable (%s); polling every feed afresh",
                        self.state_path, exc)
            saved = {}
        return {u: saved.get(u, FeedState(u)) for u in self.feeds}

    def _save_state(self) -> None:
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"feeds": [asdict(s) for s in self.state.values()]},
                                  indent=1), encoding="utf-8")
        os.replace(tmp, self.state_path)

    def status(self) -> list[dict[str, object]]:
        """Each source's last poll, status and article count (for the chat's Index view)."""
        return [asdict(s) for s in self.state.values()] + [
            {"url": str(d), "status": "watched folder"} for d in self.folders]

    # ------------------------------------------------------------ one cycle
    def cycle(self, changed: set[Path] | None = None, *, due_only: bool = False
              ) -> CycleReport:
        """One round: every feed not backing off (``due_only``: only those whose next poll
        is due), then the folders (only the ``changed`` files, when the file watcher says
        which)."""
        rep = CycleReport()
        with self._lock:
            due = []
            for url, st in self.state.items():
                if st.next_poll > self.clock() and (st.failures or due_only):
                    rep.backing_off += bool(st.failures)
                    continue
                due.append((url, st))
            # Fetched side by side, so a slow feed (each request has a total deadline) never
            # holds up the others; ingested one after the other, in the order given.
            for (url, st), got in zip(due, self._fetch_all(due), strict=True):
                self._poll(url, st, rep, got)
            for folder in self.folders:
                self._scan(folder, changed, rep)
            self._save_state()
        if (rep.added or rep.updated or rep.removed) and self.on_change:
            self.on_change()
        log.info("watch: %s", rep.line())
        return rep

    def _fetch_all(self, due: list[tuple[str, FeedState]]) -> list[Fetched | Exception]:
        """Each due feed's response (or the exception its request raised), fetched at once."""
        from concurrent.futures import ThreadPoolExecutor

        from index.loaders.feed import fetch_conditional

        def one(item: tuple[str, FeedState]) -> Fetched | Exception:
            url, st = item
            try:
                return fetch_conditional(url, etag=st.etag, modified=st.modified)
            except Exception as exc:  # reported by _poll, with the feed's backoff
                return exc

        if not due:
            return []
        with ThreadPoolExecutor(max_workers=min(FETCHERS, len(due)),
                                thread_name_prefix="newsdesk-feed") as pool:
            return list(pool.map(one, due))

    def _poll(self, url: str, st: FeedState, rep: CycleReport, got: Fetched | Exception
              ) -> None:
        from index.loaders.feed import load_response

        rep.polled += 1
        st.last_poll = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            if isinstance(got, Exception):
                raise got
            if got.status == 304:
                rep.not_modified += 1
                st.status = "not modified"
            else:
                items = list(load_response(url, got.data, got.content_type))
                articles = [it for it in items if not isinstance(it, LoadError)]
                if not articles and items:
                    raise items[0] if isinstance(items[0], LoadError) else LoadError(url, "?")
                rep.take(self._ingest(items))
                st.etag, st.modified = got.etag, got.modified
                st.articles, st.status = len(articles), "ok"
        except Exception as exc:  # any failure of one feed: the others still run
            reason = exc.reason if isinstance(exc, LoadError) else str(exc) \
                if isinstance(exc, NewsdeskError) else f"{exc.__class__.__name__}: {exc}"
            log.debug("feed %s failed", url, exc_info=True)
            st.failures += 1
            delay = min(self.every * 2 ** st.failures, MAX_BACKOFF_S) * (0.5 + self.jitter())
            st.next_poll = self.clock() + delay
            st.status = f"failed: {reason}"
            rep.failed.append((url, reason))
            return
        st.failures = 0
        st.next_poll = self.clock() + self.every

    def _scan(self, folder: Path, changed: set[Path] | None, rep: CycleReport) -> None:
        from index.loaders import iter_articles

        if changed is None:
            _settle_folder(folder)
            targets: list[Path] = [folder]
        else:
            targets = [p for p in changed if p.is_relative_to(folder) and p.is_file()]
            growing = set(_still_growing(targets))  # left for the next round
            targets = [p for p in targets if p not in growing]
        if targets:
            # a link in the folder that points out of it is refused, as in a folder ingest
            rep.take(self._ingest(list(iter_articles([str(p) for p in targets],
                                                     within=folder))))
        gone = self._gone(folder)
        if gone:
            for aid, got in indexing.remove(self.store, self.settings, gone):
                if isinstance(got, NewsdeskError):
                    rep.failed.append((aid, str(got)))
                else:
                    rep.removed += 1

    def _gone(self, folder: Path) -> list[str]:
        """Articles ingested from a file of ``folder`` that no longer exists."""
        prefix = f"file:{folder}{os.sep}"
        return [r.id for r in indexing.articles(self.store)
                if r.source_key.startswith(prefix) and
                not Path(r.source_key[len("file:"):]).exists()]

    def _ingest(self, items: Sequence[Article | LoadError]) -> IngestReport:
        return indexing.ingest(items, self.settings, store=self.store, progress=False)

    # ------------------------------------------------------------ forever
    def run(self, stop: threading.Event, on_cycle: Callable[[CycleReport], None] | None = None
            ) -> None:
        """Cycle until ``stop`` is set: feeds every ``every`` seconds (or when one's backoff
        ends), folders as soon as a file in them changes."""
        changed: set[Path] | None = None
        first = True
        while not stop.is_set():
            # The file watcher runs only between cycles: a file written during a cycle, or
            # before the next watcher starts, sends it no event. What the folders held when
            # the cycle began is compared with what they hold after the wait, so such a file
            # is taken next round (and one left for still growing, too).
            before = self._listing()
            rep = self.cycle(changed, due_only=not first)
            first = False
            if on_cycle:
                on_cycle(rep)
            if rep.interrupted:
                return
            waited = self._wait(stop)
            after = self._listing()
            changed = None if waited is None else \
                waited | {p for p, v in after.items() if before.get(p) != v}

    def _listing(self) -> dict[Path, tuple[int, int]]:
        """Size and modification time of every file in the watched folders."""
        out: dict[Path, tuple[int, int]] = {}
        for folder in self.folders:
            for root, _dirs, files in os.walk(folder):
                for name in files:
                    p = Path(root) / name
                    try:
                        st = p.stat()
                    except OSError:
                        continue  # gone meanwhile
                    out[p] = (st.st_size, st.st_mtime_ns)
        return out

    def _wait(self, stop: threading.Event) -> set[Path] | None:
        """Until the next feed poll is due: the files that changed meanwhile (``set()`` when
        none did, ``None`` to rescan whole folders)."""
        due = min([s.next_poll for s in self.state.values()],
                  default=self.clock() + self.every)
        timeout = max(1.0, due - self.clock())
        if not self.folders:
            stop.wait(timeout)
            return set()
        import watchfiles

        found: set[Path] = set()
        for changes in watchfiles.watch(*self.folders, stop_event=stop,
                                        rust_timeout=int(timeout * 1000),
                                        yield_on_timeout=True, raise_interrupt=False):
            found.update(Path(p) for _, p in changes)
            break  # one batch of changes (or the timeout): back to a cycle
        return found


def _still_growing(paths: list[Path]) -> list[Path]:
    """The files among ``paths`` whose size changed over ``SETTLE_S`` (one wait for all of
    them): they are still being written."""
    def size(p: Path) -> int:
        try:
            return p.stat().st_size
        except OSError:
            return -1

    if not paths:
        return []
    before = [size(p) for p in paths]
    time.sleep(SETTLE_S)
    return [p for p, b in zip(paths, before, strict=True) if size(p) != b or b < 0]


def _settle_folder(folder: Path, wait_s: float = 10.0) -> None:
    """Before a whole-folder scan: wait (up to ``wait_s``) while a recently written file in it
    still grows."""
    now = time.time()
    fresh = []
    for root, _dirs, files in os.walk(folder):
        for name in files:
            p = Path(root) / name
            try:
                if now - p.stat().st_mtime < 2 * SETTLE_S:
                    fresh.append(p)
            except OSError:
                continue
    deadline = time.monotonic() + wait_s
    while fresh and time.monotonic() < deadline:
        fresh = _still_growing(fresh)
