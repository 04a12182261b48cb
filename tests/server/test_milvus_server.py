"""``--milvus-uri http://...``: the server code path against a real Milvus gRPC server on
loopback (Milvus Lite's ``python -m milvus_lite server``, the same protocol as Milvus
Standalone), started and stopped by pid. Several processes share it; none keeps a keyword
index, so a question in one process sees another process's ingest at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT, SEED_ARTICLE, corpus, story_members
from tests.server.conftest import MilvusServer

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")
pytestmark = [pytest.mark.server, pytest.mark.slow]


@pytest.fixture
def milvus_server(tmp_path: Path) -> Iterator[MilvusServer]:
    srv = MilvusServer(tmp_path / "milvus-data").start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def milvus_url(milvus_server: MilvusServer) -> str:
    return milvus_server.url


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_processes_share_one_milvus_server_and_see_each_others_ingests(milvus_url, tmp_path):
    from assistant import Assistant

    env = dict(os.environ, HF_HUB_OFFLINE="1", XDG_CACHE_HOME=str(tmp_path / "cache"),
               NEWSDESK_STORE="milvus", NEWSDESK_MILVUS_URI=milvus_url)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / SEED_ARTICLE.name).write_bytes(SEED_ARTICLE.read_bytes())
    first = _cli(["ingest", str(seeds), "--no-progress"], env)
    assert first.returncode == 0, first.stderr
    assert "1 added" in first.stdout

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        a = Assistant(backend="milvus", milvus_uri=milvus_url)
    ans = a.ask("What did Trump reply when Putin offered to mediate in the Iran-Israel war?")
    assert "I need help with you" in ans.text
    assert ans.citations
    assert a.store.location == milvus_url

    late = tmp_path / "late"
    late.mkdir()
    (late / "ferry.md").write_text(
        "---\ntitle: Harbour ferry returns\ndate: 2025-07-04\nsource: Gazette\n---\n\n"
        "The Skerry Point ferry resumed service on Friday after a three-week strike ended "
        "with a pay deal, the operator Northline said.\n")
    second = _cli(["ingest", str(late), "--no-progress"], env)  # another process
    assert second.returncode == 0, second.stderr
    got = a.ask("Which operator runs the Skerry Point ferry?")  # no refresh(), no restart
    assert got.answered
    assert "Northline" in got.text
    stats = _cli(["index", "stats", "--json"], env)
    assert '"articles": 2' in stats.stdout
    assert not list((tmp_path / "cache").rglob("tantivy"))  # BM25 ran in Milvus


def _probe(url: str):
    from index import open_store
    from index.embeddings import HashEmbeddings

    return open_store(backend="milvus", milvus_uri=url, embeddings=HashEmbeddings())


def test_a_server_restarted_mid_ingest_ends_with_exact_counts(milvus_server, tmp_path,
                                                              monkeypatch):
    """The server is killed once a batch is committed and started again 3 s later: the
    ingest waits for it and resumes (or stops with the partial exit and one line, and one
    rerun finishes); the index then holds exactly the corpus."""
    from assistant import PARTIAL_EXIT, Settings
    from index.chunking import chunk_article
    from index.loaders import iter_articles

    big = corpus(tmp_path / "big.jsonl", range(0, 800))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    env = dict(os.environ, HF_HUB_OFFLINE="1", NEWSDESK_STORE="milvus",
               NEWSDESK_MILVUS_URI=milvus_server.url)
    stories = Settings.from_env(backend="milvus", milvus_uri=milvus_server.url).keyword_dir
    proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "ingest", str(big),
                             "--no-progress"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 600
    # the second batch's story signatures are written after the first batch committed
    while story_members(stories) < 128 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    assert proc.poll() is None, proc.communicate()  # killed mid-ingest, not after it
    milvus_server.kill()
    time.sleep(3)
    milvus_server.start()  # same data folder, same port
    out, err = proc.communicate(timeout=900)
    print(f"\ningest across the restart: exit {proc.returncode}; {out.strip()}; {err.strip()}")
    assert "Traceback" not in err, err
    assert proc.returncode in (0, PARTIAL_EXIT), (out, err)
    if proc.returncode == PARTIAL_EXIT:
        assert "run the same command again to finish" in err, err
        again = _cli(["ingest", str(big), "--no-progress"], env)
        assert again.returncode == 0, again.stderr
        out = again.stdout
    assert "index now holds 800 articles" in out, out
    expected = {c.id for a in iter_articles([big]) for c in chunk_article(a)}  # type: ignore[arg-type]
    store = _probe(milvus_server.url)
    ids = store.all_chunk_ids()
    assert len(ids) == len(set(ids))
    assert set(ids) == expected
    assert store.count_articles() == 800
    stats = json.loads(_cli(["index", "stats", "--json"], env).stdout)
    assert (stats["articles"], stats["chunks"]) == (800, len(expected))


def test_a_question_during_a_server_outage_is_one_clear_error_then_works_again(
        milvus_server, tmp_path, monkeypatch):
    """The same ``Assistant`` (as a running chat holds it) before, during and after a
    restart: one ``StoreError`` that names the server while it is down, answers after."""
    from assistant import Assistant, StoreError

    env = dict(os.environ, HF_HUB_OFFLINE="1", XDG_CACHE_HOME=str(tmp_path / "cache"),
               NEWSDESK_STORE="milvus", NEWSDESK_MILVUS_URI=milvus_server.url)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / SEED_ARTICLE.name).write_bytes(SEED_ARTICLE.read_bytes())
    assert _cli(["ingest", str(seeds), "--no-progress"], env).returncode == 0
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    a = Assistant(backend="milvus", milvus_uri=milvus_server.url)
    q = "What did Trump reply when Putin offered to mediate in the Iran-Israel war?"
    assert "I need help with you" in a.ask(q).text
    milvus_server.kill()
    with pytest.raises(StoreError) as down:
        a.ask(q)
    msg = str(down.value)
    assert "\n" not in msg
    assert milvus_server.url in msg
    assert "does not answer" in msg
    milvus_server.start()
    after = a.ask(q)  # no new Assistant, no restart of anything
    assert after.answered
    assert "I need help with you" in after.text
    from ui.app import ChatBackend  # the chat's API says the same, then answers again

    chat = ChatBackend(a)
    milvus_server.kill()
    got = chat.api_ask(q)
    assert got["error"]
    assert "does not answer" in got["error"]
    milvus_server.start()
    assert "I need help with you" in chat.api_ask(q)["text"]
