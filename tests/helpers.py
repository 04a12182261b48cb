"""Shared test helpers: paths, the seed gold, input corpora, and the in-process CLI runner.

Fixtures live in ``conftest.py``; everything else a test module shares is here (import it
as ``from tests.helpers import ...``).
"""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from assistant.types import Passage
from index.articles import Article
from index.errors import LoadError

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_ARTICLE = SEEDS / "articles" / "000_867221607fc7f5dd.txt"
BENCH = ROOT.parent / "shared" / "bench" / "realtimeqa-2022"
needs_bench = pytest.mark.skipif(not BENCH.is_dir(),
                                 reason=f"benchmark data not found at {BENCH}")


@dataclass(frozen=True)
class CliResult:
    """What ``newsdesk ARGS`` did: exit code, stdout, stderr."""

    returncode: int
    stdout: str
    stderr: str


def cli(*args: str, check: bool = True) -> CliResult:
    """Run ``newsdesk ARGS`` in this process through ``ui.cli.main(argv)`` (the model loads
    once per test session, not once per call); ``check`` fails the test on a non-zero exit."""
    from ui.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(list(args))
        except SystemExit as exc:  # argparse's usage errors exit 2
            rc = exc.code if isinstance(exc.code, int) else 1
    res = CliResult(rc, out.getvalue(), err.getvalue())
    if check and rc != 0:
        raise AssertionError(f"newsdesk {' '.join(args)}: exit {rc}\n{res.stdout}\n{res.stderr}")
    return res


def nd(*args: str, index: Path, check: bool = True) -> CliResult:
    """``newsdesk ARGS`` in this process with ``NEWSDESK_INDEX=index``."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEWSDESK_INDEX", str(index))
        return cli(*args, check=check)


def split(items: Iterable[Article | LoadError]) -> tuple[list[Article], list[LoadError]]:
    """Loader output as (articles, errors)."""
    got = list(items)
    return ([i for i in got if isinstance(i, Article)],
            [i for i in got if isinstance(i, LoadError)])


def gold() -> list[dict]:
    return [json.loads(line) for line in (SEEDS / "questions.jsonl").read_text().splitlines()
            if line.strip()]


GOOD_MD = """---
title: Harbour bridge reopens after repairs
date: 2025-06-02
source: Example Gazette
url: https://example.org/bridge
authors: [Ana Lima]
---
The harbour bridge reopened on Monday after eight months of repairs, the city council said.

Engineers replaced 412 steel cables. Traffic is expected to return to normal by Friday.
"""

GOOD_HTML = """<!doctype html><html><head><title>Library wins award</title>
<meta property="og:title" content="Library wins national design award">
<meta name="author" content="Sam Reed"><meta property="article:published_time" content="2025-05-20">
<meta property="og:site_name" content="Town Times"></head><body><nav>Home | News</nav>
<article><h1>Library wins national design award</h1>
<p>The new central library won the national design award on Tuesday, the jury announced in a
statement praising its timber roof and its public reading garden.</p>
<p>The building, designed by a local studio, opened last spring and has welcomed more than
300,000 visitors, according to the city's culture department.</p></article>
<footer>Copyright Town Times</footer></body></html>"""


def make_bad_inputs(d: Path) -> dict[str, str]:
    """Bad inputs of every kind from the ingest issue; returns name -> expected reason fragment."""
    d.mkdir(parents=True, exist_ok=True)
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (d / "malformed.jsonl").write_text(
        '{"id": "ok-1", "title": "Fine", "body": "A perfectly fine record about a parade."}\n'
        '{"id": "bad-1", "title": "Broken", "body": \n'
        '{"id": "nobody", "title": "No body here"}\n'
        '{"id": "wrongtype", "title": "Typed", "body": 42}\n', encoding="utf-8")
    (d / "nodate.md").write_text("---\ntitle: Bad date\ndate: next Blursday\n---\nSome body text "
                                 "about a council meeting that ran late.\n", encoding="utf-8")
    (d / "notext.html").write_text("<html><body><nav>Home</nav><div></div></body></html>",
                                   encoding="utf-8")
    big = d / "huge.txt"
    with big.open("wb") as fh:
        fh.write(b"Big file headline\n\n")
        fh.truncate(50 * 1024 * 1024)
    return {
        "empty.txt": "file is empty",
        "binary.txt": "binary file",
        "malformed.jsonl line 2": "malformed JSON",
        "malformed.jsonl line 3": "no body",
        "malformed.jsonl line 4": "expected a string",
        "nodate.md": "unparseable date",
        "notext.html": "no article text",
        "huge.txt": "over the",
    }


def make_good_inputs(d: Path) -> list[str]:
    """Valid inputs in awkward encodings; returns the expected article ids."""
    d.mkdir(parents=True, exist_ok=True)
    (d / "bridge.md").write_text(GOOD_MD, encoding="utf-8")
    (d / "library.html").write_text(GOOD_HTML, encoding="utf-8")
    (d / "latin1.txt").write_bytes("Café owners protest\n\nThe café owners of Montréal protested "
                                   "the new rules on Tuesday, saying déjà vu.".encode("latin-1"))
    (d / "cp1252.txt").write_bytes("Mayor’s “plan” passes\n\nThe mayor’s plan passed by "
                                   "seven votes to two – a clear win.".encode("cp1252"))
    (d / "bom.txt").write_bytes("\ufeffSchool opens\n\nThe new school opened its doors on "
                                "Monday to 400 pupils.".encode("utf-8"))
    return ["bridge", "library", "latin1", "cp1252", "bom"]


def passage(text: str, rank: int = 0, article: str = "a", title: str = "", source: str = "Wire",
            day: str = "2022-06-16") -> Passage:
    """A retrieved passage that is a whole article body (for answerers without an index)."""
    return Passage(chunk_id=f"{article}:{rank}", article_id=article, text=text, start=0,
                   end=len(text), title=title, date=day, source=source, url="",
                   score=1.0, dense=None, keyword=None, rank=rank)


def flat_idf(_term: str) -> float:
    """Every word weighs the same (answerers without an index)."""
    return 1.0


def recording_embedder() -> tuple[Any, list[str], Any]:
    """``(embed, seen, emb)``: a deterministic hash embedder whose ``embed(texts)`` records
    every text it is asked for in ``seen`` (to check what a step embeds)."""
    from index.embeddings import HashEmbeddings

    emb = HashEmbeddings()
    seen: list[str] = []

    def embed(texts: list[str]) -> list[list[float]]:
        seen.extend(texts)
        return emb.embed_documents(texts)

    return embed, seen, emb


def serve(handler: type) -> tuple[Any, str]:
    """Start a ``ThreadingHTTPServer`` on 127.0.0.1 with ``handler`` (a
    ``BaseHTTPRequestHandler`` subclass); ``(server, base URL)``. Stop it with
    ``server.shutdown(); server.server_close()``."""
    import http.server
    import threading

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def send_body(h: Any, body: bytes, content_type: str = "application/rss+xml",
              headers: dict[str, str] | None = None) -> None:
    """Answer 200 with ``body`` from inside a request handler ``h``."""
    h.send_response(200)
    h.send_header("Content-Type", content_type)
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def corpus(path: Path, ids: range) -> Path:
    """A small generated corpus: distinct articles with a few paragraphs each."""
    with path.open("w", encoding="utf-8") as fh:
        for i in ids:
            body = "\n\n".join(
                f"Paragraph {p} of story {i}: the council of Town{i} voted {p + i} to {p} on "
                f"plan {i * 7 + p}, officials said on day {p}. Residents of Town{i} reacted."
                for p in range(6))
            fh.write(json.dumps({"id": f"gen-{i:04d}", "title": f"Town{i} council vote",
                                 "published_date": "2025-06-01", "source": "Gen",
                                 "body": body}) + "\n")
    return path


def pids_running(marker: str) -> list[int]:
    """Processes whose command line holds ``marker`` (a Ray worker's title names its actor
    class: ``ray::MapWorker(MapBatches(_Embedder))``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone already
            continue
        if marker in line:
            found.append(int(entry.name))
    return found


def story_members(keyword_dir: Path) -> int:
    """Articles the story index holds (written as each batch commits: an ingest's progress,
    read from outside the process)."""
    db = keyword_dir / "stories.sqlite"
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        n = int(con.execute("select count(*) from members").fetchone()[0])
        con.close()
        return n
    except sqlite3.Error:
        return 0
