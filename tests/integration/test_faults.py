"""Faults a new user meets: links out of a watched folder, a feed that trickles, an id taken by
another file, a damaged story index, unreadable questions, a full or read-only disk, redirect
loops and gzip responses. Real Chroma in tmp_path, real loopback HTTP servers, the CLI
in-process (hash embeddings: the model is exercised elsewhere)."""

from __future__ import annotations

import contextlib
import gzip
import http.server
import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT, cli, send_body, serve

pytestmark = pytest.mark.server

TEXT = ("The harbour authority said on Monday that the ferry timetable changes next month, "
        "with boats every twenty minutes between the old town and the islands. ")


@pytest.fixture(autouse=True)
def hash_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_EMBEDDINGS", "hash")


def rss(title: str, body: str) -> bytes:
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><item>'
            f"<title>{title}</title><guid>{title}</guid><description>{body}</description>"
            "</item></channel></rss>").encode()


class Server:
    """A loopback HTTP server: ``/good.xml`` a feed, ``/trickle.xml`` headers then a byte
    every 0.3 s (for at most 30 s), ``/loop`` a redirect to itself, ``/gz.xml`` a feed sent
    with Content-Encoding: gzip. Records when each request started and ended."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str, float]] = []
        log = self.log

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                log.append((self.path, "start", time.monotonic()))
                with contextlib.suppress(OSError):  # the client hung up: a deadline did it
                    self._answer()
                log.append((self.path, "end", time.monotonic()))

            def _answer(self) -> None:
                if self.path == "/loop":
                    self.send_response(302)
                    self.send_header("Location", "/loop")
                    self.end_headers()
                    return
                if self.path == "/trickle.xml":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/rss+xml")
                    self.end_headers()
                    for _ in range(100):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(0.3)
                    return
                body = rss("Ferry timetable changes", TEXT * 4)
                if self.path == "/gz.xml":
                    send_body(self, gzip.compress(body), headers={"Content-Encoding": "gzip"})
                else:
                    send_body(self, body)

            def log_message(self, *args: object) -> None:
                pass

        self.server, self.url = serve(Handler)

    def when(self, path: str, what: str) -> float:
        return next(t for p, w, t in self.log if p == path and w == what)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


def ids_in(index: Path) -> set[str]:
    return {r["id"] for r in json.loads(cli("index", "list", "--json", "--index",
                                            str(index)).stdout)}


def test_a_trickling_feed_meets_its_deadline_and_holds_no_other_feed(
        tmp_path: Path, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    from index.loaders import feed

    monkeypatch.setattr(feed, "DEADLINE_S", 3.0)
    index = tmp_path / "idx"
    slow, good = f"{server.url}/trickle.xml", f"{server.url}/good.xml"
    r = cli("watch", slow, good, "--once", "--index", str(index), check=False)
    assert r.returncode == 1, r
    assert "1 new" in r.stdout, r.stdout
    lines = [ln for ln in r.stderr.splitlines() if "failed:" in ln]
    assert len(lines) == 1, r.stderr
    assert f"{slow}: no complete response within 3 s" in lines[0]
    # the good feed was fetched while the slow one trickled, not after its deadline (both
    # starts are logged before the command returns; the trickle's end is not: no race)
    assert server.when("/good.xml", "start") < server.when("/trickle.xml", "start") + 1.5


def test_a_redirect_loop_is_one_line_and_a_gzip_response_is_read(tmp_path: Path,
                                                                 server: Server) -> None:
    index = tmp_path / "idx"
    r = cli("ingest", f"{server.url}/loop", f"{server.url}/gz.xml", "--index", str(index),
            "--no-progress", check=False)
    assert r.returncode == 1
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, r.stderr
    assert "redirect loop (HTTP 302)" in errors[0]
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "1 added" in r.stdout, r.stdout


def test_a_watched_folder_never_reads_a_link_out_of_it(tmp_path: Path) -> None:
    """Whole-folder scans and file events alike: a link to a file or a folder outside the
    watched folder is one failure line, never an article."""
    from assistant import Settings
    from assistant.watch import Watcher

    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "passwd.txt").write_text("root:x:0:0:root:/root:/bin/bash\n" + TEXT,
                                       encoding="utf-8")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "ferry.txt").write_text("Ferry news\n\n" + TEXT, encoding="utf-8")
    (inbox / "passwd.txt").symlink_to(secret / "passwd.txt")
    (inbox / "other").symlink_to(secret, target_is_directory=True)
    w = Watcher([str(inbox)], Settings(index_dir=tmp_path / "idx", embeddings="hash"))
    rep = w.cycle()
    assert rep.added == 1
    failed = dict(rep.failed)
    assert "outside" in failed[str(inbox / "passwd.txt")]
    assert "outside" in failed[str(inbox / "other")]
    # a link that appears later, reported by the file watcher as a changed file
    (inbox / "late.txt").symlink_to(secret / "passwd.txt")
    rep = w.cycle({inbox / "late.txt"})
    assert rep.added == 0
    assert "outside" in dict(rep.failed)[str(inbox / "late.txt")]
    assert {r.id for r in w.store.iter_article_records()} == {"ferry"}


def test_a_record_id_taken_by_another_file_is_refused_in_every_run(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(json.dumps({"id": "r1", "title": "From A", "body": "A. " + TEXT}) + "\n",
                 encoding="utf-8")
    b.write_text(json.dumps({"id": "r1", "title": "From B", "body": "B. " + TEXT}) + "\n",
                 encoding="utf-8")
    for together in (True, False):  # in one run, and in a later run
        index = tmp_path / f"idx-{together}"
        if together:
            r = cli("ingest", str(a), str(b), "--index", str(index), "--no-progress",
                    check=False)
        else:
            cli("ingest", str(a), "--index", str(index), "--no-progress")
            r = cli("ingest", str(b), "--index", str(index), "--no-progress", check=False)
        assert r.returncode == 1, r
        line = next(ln for ln in r.stderr.splitlines() if ln.startswith("error:"))
        assert str(b) in line, line
        assert str(a) in line, line
        assert "already belongs to a record of" in line
        rows = json.loads(cli("index", "list", "--json", "--index", str(index)).stdout)
        assert [(x["id"], x["title"]) for x in rows] == [("r1", "From A")]
    # the same file again replaces its own record (an edit), with no error
    a.write_text(json.dumps({"id": "r1", "title": "From A, edited", "body": "A2. " + TEXT}) +
                 "\n", encoding="utf-8")
    r = cli("ingest", str(a), "--index", str(index), "--no-progress")
    assert "1 updated" in r.stdout


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_damaged_story_index_is_rebuilt_from_the_store(tmp_path: Path, damage: str) -> None:
    index = tmp_path / "idx"
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, lead in (("one", "Ferry news"), ("two", "Ferry copy"), ("three", "Bridge")):
        body = TEXT * 3 if name != "three" else "The bridge reopened on Friday. " * 12
        (docs / f"{name}.md").write_text(f"---\ntitle: {lead}\ndate: 2025-06-02\n---\n{body}",
                                         encoding="utf-8")
    cli("ingest", str(docs), "--index", str(index), "--no-progress")
    before = json.loads(cli("index", "stories", "--json", "--index", str(index)).stdout)
    assert len(before) == 1
    assert len(before[0]) == 2
    path = index / "keyword" / "stories.sqlite"
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 3] if damage == "truncated" else
                     b"this is not a database" * 500)
    for argv in (("index", "stats"), ("ask", "When do the ferry timetable changes start?"),
                 ("index", "stories", "--json")):
        r = cli(*argv, "--index", str(index), check=False)
        assert r.returncode == 0, r
        assert "Traceback" not in r.stderr
    assert json.loads(r.stdout) == before  # rebuilt from the stored passages
    assert list((index / "keyword").glob("stories.sqlite.damaged-*"))


@pytest.mark.parametrize("question", ["Who asked \udcff\udcfe US diplomats to leave?",
                                      "Who asked \ud800 US diplomats to leave?",
                                      "\udcff\udcfe\x1b\x07"])
def test_a_question_with_invalid_text_is_cleaned_or_refused(tmp_path: Path,
                                                           question: str) -> None:
    from assistant import Assistant, QuestionError

    index = tmp_path / "idx"
    cli("ingest", str(ROOT / "seeds" / "articles"), "--index", str(index), "--no-progress")
    r = cli("ask", question, "--index", str(index), check=False)
    assert "Traceback" not in r.stderr
    a = Assistant(index_dir=index)
    if "diplomats" in question:
        assert r.returncode == 0, r
        r.stdout.encode("utf-8")  # a terminal could print all of it (no lone surrogate left)
        j = cli("ask", question, "--json", "--index", str(index))
        j.stdout.encode("utf-8")
        ans = a.ask(question)
        assert ans.answered, ans.text
        json.dumps(ans.to_dict(), ensure_ascii=False).encode("utf-8")
    else:
        assert r.returncode == 1
        assert "the question has no readable text" in r.stderr
        with pytest.raises(QuestionError, match="no readable text"):
            a.ask(question)
        from ui.app import ChatBackend  # the chat's /ask API says so too (not "error": null)

        out = ChatBackend(a).api_ask(question)
        assert "no readable text" in out["error"], out


def _mount_tmpfs(where: Path, size: str) -> None:
    where.mkdir(parents=True, exist_ok=True)
    got = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                         capture_output=True, text=True, check=False)
    if got.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({got.stderr.strip()}): needs root")


def _umount(where: Path) -> None:
    subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True)


def test_a_read_only_index_says_it_is_read_only(tmp_path: Path) -> None:
    """A healthy index on a read-only mount (bound read-only here)."""
    src, mnt = tmp_path / "src", tmp_path / "ro"
    cli("ingest", str(ROOT / "seeds" / "articles"), "--index", str(src), "--no-progress")
    mnt.mkdir()
    got = subprocess.run(["mount", "--bind", str(src), str(mnt)], capture_output=True,
                         text=True, check=False)
    if got.returncode != 0:
        pytest.skip(f"cannot bind-mount here ({got.stderr.strip()}): needs root")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(mnt)], check=True)
        for argv in (("index", "stats"), ("ask", "Who asked US diplomats to leave?"),
                     ("ingest", str(ROOT / "seeds" / "articles"), "--no-progress")):
            r = cli(*argv, "--index", str(mnt), check=False)
            assert r.returncode != 0, (argv, r)
            lines = r.stderr.strip().splitlines()
            assert len(lines) == 1, (argv, r.stderr)
            assert "read-only file system" in lines[0], (argv, lines)
            assert "damaged" not in lines[0]
    finally:
        _umount(mnt)


def test_a_full_disk_gives_one_clear_line_for_every_command(tmp_path: Path) -> None:
    mnt = tmp_path / "full"
    _mount_tmpfs(mnt, "3m")
    try:
        cli("ingest", str(ROOT / "seeds" / "articles"), "--index", str(mnt / "idx"),
            "--no-progress")
        with (mnt / "filler").open("wb") as fh:  # fill what is left
            try:
                while True:
                    fh.write(b"\0" * 65536)
                    fh.flush()
            except OSError:
                pass
        big = tmp_path / "big"
        big.mkdir()
        for i in range(30):
            (big / f"a{i}.txt").write_text(f"Story {i}\n\n" + TEXT * 40, encoding="utf-8")
        for argv in (("ingest", str(big), "--no-progress"), ("index", "stats"),
                     ("ask", "Who asked US diplomats to leave?"), ("index", "list")):
            r = cli(*argv, "--index", str(mnt / "idx"), check=False)
            assert "Traceback" not in r.stderr + r.stdout, (argv, r)
            if r.returncode != 0:
                msgs = [ln for ln in r.stderr.splitlines() if "newsdesk: error" in ln]
                assert msgs, (argv, r.stderr)
                assert any("no space left" in m for m in msgs), (argv, r.stderr)
    finally:
        _umount(mnt)


def test_no_script_pipes_into_an_early_exiting_reader() -> None:
    """Under ``set -o pipefail`` ``echo "$OUT" | grep -q`` fails when grep exits first and
    echo dies of SIGPIPE: the test command must never fail by chance (here-strings instead)."""
    pattern = re.compile(r"\b(?:echo|printf)\b[^|\n]*\|\s*(?:grep\s+-\w*q|head)\b")
    bad = []
    for path in [*(ROOT / "scripts").glob("*.sh"), ROOT / ".ci" / "run"]:
        text = path.read_text(encoding="utf-8")
        if "pipefail" in text:
            bad += [f"{path.name}: {ln.strip()}" for ln in text.splitlines()
                    if pattern.search(ln) and not ln.lstrip().startswith("#")]
    assert bad == []
