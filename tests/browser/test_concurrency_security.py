"""Concurrent users and web security against a real ``newsdesk chat`` on loopback."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.chatserver import seeded_chat
from tests.helpers import SEED_ARTICLE, gold

pytestmark = [pytest.mark.slow, pytest.mark.server]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from seeded_chat(tmp_path_factory, "conc")


def test_20_users_x_10_questions_match_sequential(server):
    from gradio_client import Client

    questions = [g["question"] for g in gold()]
    seq_client = Client(server.url, verbose=False)
    sequential = {q: seq_client.predict(q, api_name="/ask")["text"] for q in questions}
    errors: list[str] = []
    mismatches: list[tuple[str, str]] = []

    def user(u: int) -> int:
        c = Client(server.url, verbose=False)
        done = 0
        for i in range(10):
            q = questions[(u + i) % len(questions)]
            try:
                out = c.predict(q, api_name="/ask")
            except Exception as exc:
                errors.append(f"user {u}: {exc!r}")
                continue
            if out.get("error") or out["text"] != sequential[q]:
                mismatches.append((q, out.get("error") or out["text"]))
            done += 1
        return done

    with ThreadPoolExecutor(20) as pool:
        done = sum(pool.map(user, range(20)))
    assert errors == []
    assert mismatches == []
    assert done == 200


def test_answering_while_ingesting_in_process(tmp_path):
    """An upload being indexed does not break answering (the app's own handlers)."""
    from assistant import Assistant
    from index import open_store
    from index.pipeline import ingest
    from ui.app import ChatBackend

    store = open_store(str(tmp_path / "index"))
    ingest([SEED_ARTICLE], store, keyword_dir=tmp_path / "index" / "keyword")
    be = ChatBackend(Assistant(index_dir=tmp_path / "index", store=store))
    files = []
    for i in range(30):
        f = tmp_path / f"up{i}.md"
        f.write_text(f"---\ntitle: Upload {i}\n---\nThe harbour festival number {i} drew "
                     f"{i * 100} visitors on Saturday, organisers said.\n")
        files.append(str(f))
    result: dict[str, str] = {}
    t = threading.Thread(target=lambda: result.setdefault("html", be.upload(files)[0]))
    t.start()
    answers = [be.api_ask("Who asked US diplomats to leave?") for _ in range(20)]
    t.join(300)
    assert all("Russian negotiators" in a["text"] for a in answers)
    assert result["html"].count("added") == 30
    assert "harbour festival number 7" in be.api_ask(
        "How many visitors did harbour festival number 7 draw?")["text"]


@pytest.mark.parametrize("path", ["/etc/passwd", "../../etc/passwd"])
def test_no_file_reads_beyond_the_app(server, path):
    for prefix in ("gradio_api/file=", "file="):
        try:
            with urllib.request.urlopen(server.url + prefix + path, timeout=10) as r:
                body = r.read()
        except urllib.error.HTTPError as exc:
            code, body = exc.code, b""
        else:
            code = 200
        assert code in (200, 403, 404)
        assert b"root:" not in body


def test_upload_over_the_size_limit_is_refused(tmp_path):
    from ui.app import MAX_UPLOAD_MB, ChatBackend

    class Dummy:  # the size check happens before anything touches the index
        settings = None

    be = ChatBackend(Dummy())
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.write(b"Title\n\n")
        fh.truncate((MAX_UPLOAD_MB + 1) * 1_000_000)
    be.stats_md = lambda: ""  # type: ignore[method-assign]
    html, _, _ = be.upload([str(big)])
    assert "upload limit" in html
    assert "nd-err" in html
