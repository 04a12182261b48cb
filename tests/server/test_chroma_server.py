"""Newsdesk against a real Chroma server (``chroma run``) on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.helpers import ROOT, corpus, gold

pytestmark = [pytest.mark.server, pytest.mark.slow]


def nd(*args: str, env_extra: dict[str, str] | None = None, check: bool = True
       ) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", **(env_extra or {}))
    proc = subprocess.run([sys.executable, "-m", "ui.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def ids_on(url: str) -> list[str]:
    from index.embeddings import HashEmbeddings
    from index.store import NewsStore, make_client

    return NewsStore(make_client(chroma_url=url), HashEmbeddings()).all_chunk_ids()


def test_ingest_ask_eval_match_embedded(shared_chroma_url, tmp_path, seed_dir):
    srv = {"NEWSDESK_CHROMA_URL": shared_chroma_url,
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    t0 = time.perf_counter()
    out = nd("ingest", str(seed_dir), env_extra=srv).stdout
    server_s = time.perf_counter() - t0
    assert "index now holds 1 articles" in out
    t0 = time.perf_counter()
    nd("ingest", str(seed_dir), "--index", str(tmp_path / "emb"))
    embedded_s = time.perf_counter() - t0
    print(f"\ningest seed (cold process): server {server_s:.1f}s, embedded {embedded_s:.1f}s")
    stats = json.loads(nd("index", "stats", "--json", env_extra=srv).stdout)
    assert stats["articles"] == 1
    assert stats["location"] == shared_chroma_url

    from assistant import Assistant

    a_srv = Assistant(chroma_url=shared_chroma_url)
    a_emb = Assistant(index_dir=tmp_path / "emb")
    for g in gold():
        s, e = a_srv.ask(g["question"]), a_emb.ask(g["question"])
        assert (s.text, s.answered) == (e.text, e.answered), g["id"]
        assert [(c.start, c.end) for c in s.citations] == [(c.start, c.end) for c in e.citations]
    lat = {}
    for name, a in (("server", a_srv), ("embedded", a_emb)):
        ts = []
        for g in gold():
            t = time.perf_counter()
            a.ask(g["question"])
            ts.append((time.perf_counter() - t) * 1000)
        lat[name] = sorted(ts)[len(ts) // 2]
    print(f"ask() p50: server {lat['server']:.1f} ms, embedded {lat['embedded']:.1f} ms")

    out = nd("eval", "seeds/questions.jsonl", "--json", str(tmp_path / "e.json"), env_extra=srv)
    rep = json.loads((tmp_path / "e.json").read_text())
    assert rep["answer"]["contains"] == 1.0, out.stdout
    assert rep["refusal"]["accuracy"] == 1.0, out.stdout


def test_two_processes_ingesting_overlapping_files(chroma_server, tmp_path):
    a = corpus(tmp_path / "a.jsonl", range(0, 30))
    b = corpus(tmp_path / "b.jsonl", range(10, 40))
    env = dict(os.environ, HF_HUB_OFFLINE="1", NEWSDESK_CHROMA_URL=chroma_server.url,
               XDG_CACHE_HOME=str(tmp_path / "cache"))
    procs = [subprocess.Popen([sys.executable, "-m", "ui.cli", "ingest", str(f),
                               "--no-progress"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for f in (a, b)]
    outs = [p.communicate(timeout=900) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    ref = corpus(tmp_path / "all.jsonl", range(0, 40))
    nd("ingest", str(ref), "--index", str(tmp_path / "ref"))
    from index import open_store
    from index.embeddings import HashEmbeddings
    ref_ids = open_store(str(tmp_path / "ref"), embeddings=HashEmbeddings()).all_chunk_ids()
    got = ids_on(chroma_server.url)
    assert len(got) == len(set(got))
    assert sorted(got) == sorted(ref_ids)
    stats = json.loads(nd("index", "stats", "--json", env_extra={
        "NEWSDESK_CHROMA_URL": chroma_server.url}).stdout)
    assert stats["articles"] == 40


def test_server_killed_mid_ingest_then_rerun_completes(chroma_server, tmp_path):
    big = corpus(tmp_path / "big.jsonl", range(0, 400))
    env = dict(os.environ, HF_HUB_OFFLINE="1", NEWSDESK_CHROMA_URL=chroma_server.url,
               XDG_CACHE_HOME=str(tmp_path / "cache"))
    proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "ingest", str(big),
                             "--no-progress"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    from index.embeddings import HashEmbeddings
    from index.store import NewsStore, make_client

    deadline = time.time() + 600
    while time.time() < deadline:
        try:
            n = NewsStore(make_client(chroma_url=chroma_server.url), HashEmbeddings()
                          ).count_articles()
        except Exception:
            n = 0
        if n >= 64:  # at least one batch committed
            break
        time.sleep(0.5)
    chroma_server.kill()
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 3, (out, err)  # PARTIAL_EXIT: stored part, run me again
    assert "failed during ingest" in err
    assert "run the same command again" in err
    assert "Traceback" not in err
    chroma_server.start()  # same path, same port
    out = nd("ingest", str(big), env_extra={"NEWSDESK_CHROMA_URL": chroma_server.url,
                                             "XDG_CACHE_HOME": str(tmp_path / "cache")}).stdout
    assert "index now holds 400 articles" in out
    got = ids_on(chroma_server.url)
    assert len(got) == len(set(got))
    from index.chunking import chunk_article
    from index.loaders import iter_articles

    expected = {c.id for art in iter_articles([big]) for c in chunk_article(art)}  # type: ignore[arg-type]
    assert set(got) == expected
