"""``newsdesk watch``: feeds from a real HTTP server on 127.0.0.1 (ETag, 304, a failing feed)
and a real folder, into a real Chroma index in tmp_path (hash embeddings: the watcher is what
is tested here; the real model is exercised by the ingest tests)."""

from __future__ import annotations

import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import ROOT, cli

pytestmark = pytest.mark.server

BODY = ("The harbour authority said on Monday that the ferry timetable changes next month, "
        "with boats every twenty minutes between the old town and the islands. ") * 4


def rss(*items: tuple[str, str, str]) -> bytes:
    entries = "".join(f"<item><title>{t}</title><guid>{g}</guid><pubDate>Mon, 02 Jun 2025 "
                      f"08:00:00 GMT</pubDate><description>{b}</description></item>"
                      for g, t, b in items)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour News</title>'
            f"{entries}</channel></rss>").encode()


@dataclass
class FeedServer:
    """Serves ``feeds[path] = (etag, body)``; ``/broken.xml`` answers 500. Records requests."""

    url: str = ""
    feeds: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    requests: list[tuple[str, str | None]] = field(default_factory=list)


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    state = FeedServer()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append((self.path, self.headers.get("If-None-Match")))
            if self.path not in state.feeds:
                self.send_error(500, "feed generator down")
                return
            etag, body = state.feeds[self.path]
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def hash_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_EMBEDDINGS", "hash")


def ids_in(index: Path) -> set[str]:
    return {r["id"] for r in json.loads(cli("index", "list", "--json", "--index",
                                            str(index)).stdout)}


def test_watch_once_feeds_and_folder(tmp_path: Path, feeds: FeedServer, hash_env: None):
    index, folder = tmp_path / "idx", tmp_path / "inbox"
    folder.mkdir()
    (folder / "pier.md").write_text("---\ntitle: Pier repairs finish\ndate: 2025-06-01\n---\n"
                                    "Repairs to the old pier finished on Wednesday, the council"
                                    " said.\n", encoding="utf-8")
    feeds.feeds["/news.xml"] = ("v1", rss(("f-1", "Ferry timetable changes", BODY),
                                          ("f-2", "Island school reopens", "School. " + BODY)))
    good, bad = f"{feeds.url}/news.xml", f"{feeds.url}/broken.xml"
    watch = ("watch", good, bad, str(folder), "--once", "--index", str(index))

    r = cli(*watch, check=False)
    assert r.returncode == 1, r  # one source failed ...
    assert "3 new, 0 updated" in r.stdout, r.stdout
    assert f"failed: {bad}: HTTP 500" in r.stderr, r.stderr  # ... and said so
    assert {"pier"} < ids_in(index)  # ... and the others were stored
    state = {f["url"]: f for f in json.loads((index / "keyword" / "watch.json").read_text())
             ["feeds"]}
    assert state[good]["etag"] == "v1"
    assert state[good]["status"] == "ok"
    assert state[good]["articles"] == 2
    assert state[bad]["failures"] == 1
    assert state[bad]["next_poll"] > time.time()

    r = cli(*watch)  # nothing changed: a conditional GET, the broken feed left to back off
    assert "0 new, 0 updated, 1 unchanged" in r.stdout, r.stdout
    assert "1 not modified, 1 backing off" in r.stdout, r.stdout
    assert feeds.requests[-1] == ("/news.xml", "v1")
    assert [p for p, _ in feeds.requests].count("/broken.xml") == 1

    feeds.feeds["/news.xml"] = ("v2", rss(("f-1", "Ferry timetable changes again", BODY),
                                          ("f-2", "Island school reopens", "School. " + BODY),
                                          ("f-3", "Lighthouse repainted", "Paint. " + BODY)))
    (folder / "pier.md").write_text("---\ntitle: Pier repairs finish\ndate: 2025-06-01\n---\n"
                                    "Repairs to the old pier finished on Thursday.\n",
                                    encoding="utf-8")
    (folder / "bakery.md").write_text("---\ntitle: Bakery wins\ndate: 2025-06-02\n---\n"
                                      "The corner bakery won the bread prize.\n",
                                      encoding="utf-8")
    r = cli(*watch)
    assert "2 new, 2 updated, 1 unchanged, 0 removed" in r.stdout, r.stdout
    (folder / "pier.md").unlink()
    r = cli(*watch)
    assert "1 removed" in r.stdout, r.stdout
    got = ids_in(index)
    assert "pier" not in got
    assert "bakery" in got
    assert len(got) == 4  # three feed entries and the bakery


def test_watch_runs_until_sigterm_and_picks_up_new_files(tmp_path: Path):
    index, folder = tmp_path / "idx", tmp_path / "inbox"
    folder.mkdir()
    (folder / "first.md").write_text("---\ntitle: First story\ndate: 2025-06-01\n---\n"
                                     "The first story of the day.\n", encoding="utf-8")
    env = dict(os.environ, NEWSDESK_EMBEDDINGS="hash", HF_HUB_OFFLINE="1")
    proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "watch", str(folder), "--every",
                             "2s", "--index", str(index)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not (index / "keyword" / "watch.json").exists():
            time.sleep(0.5)
        (folder / "second.md").write_text("---\ntitle: Second story\ndate: 2025-06-02\n---\n"
                                          "A second story, written while watching.\n",
                                          encoding="utf-8")
        while time.time() < deadline:
            if "second" in ids_in(index):
                break
            time.sleep(1)
        assert {"first", "second"} <= ids_in(index)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, (out, err)
    assert "watch: stopped" in out, out
    assert "Traceback" not in err, err


def test_a_file_written_while_no_watcher_runs_is_taken_next_round(tmp_path: Path):
    """The file watcher runs between cycles only: a file written after a cycle's scan and
    before the next watcher starts sends no event. It is still taken in the next round (it
    was lost for good before: the watch above failed now and then in CI this way)."""
    from assistant import indexing
    from assistant.settings import Settings
    from assistant.watch import Watcher

    index, folder = tmp_path / "idx", tmp_path / "inbox"
    folder.mkdir()
    (folder / "first.md").write_text("---\ntitle: First story\ndate: 2025-06-01\n---\n"
                                     "The first story of the day.\n", encoding="utf-8")
    w = Watcher([str(folder)], Settings.from_env(index_dir=str(index), embeddings="hash"),
                every=1.0)
    real_cycle = w.cycle
    rounds: list[object] = []

    def cycle(changed: set[Path] | None = None, *, due_only: bool = False):
        rep = real_cycle(changed, due_only=due_only)
        if not rounds:  # after the first scan, before any watcher runs
            (folder / "second.md").write_text("---\ntitle: Second story\ndate: 2025-06-02\n"
                                              "---\nA second story, written meanwhile.\n",
                                              encoding="utf-8")
        rounds.append(rep)
        return rep

    w.cycle = cycle  # type: ignore[method-assign]
    stop = threading.Event()
    t = threading.Thread(target=w.run, args=(stop,), daemon=True)
    t.start()
    try:
        deadline = time.time() + 60
        while time.time() < deadline and len(rounds) < 4:
            time.sleep(0.2)
    finally:
        stop.set()
        t.join(30)
    assert len(rounds) >= 4  # the watcher timed out (no event) and cycled on several times
    assert {"first", "second"} <= {r.id for r in indexing.articles(w.store)}
