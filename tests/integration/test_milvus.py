"""The Milvus backend on the real thing: Milvus Lite in ``tmp_path`` (in-process, its gRPC
server on loopback), the same code that targets a Milvus server by URI.

What must hold: the same answers and citations as Chroma; idempotent re-ingest, edits that
replace, removal, exact counts after a kill -9; BM25 and filters in Milvus; the IDF the
answerer reads equal to tantivy's; nothing of tantivy on disk."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.chunking import chunk_article
from index.loaders import iter_articles
from tests.helpers import ROOT, SEED_ARTICLE, cli, corpus, gold, story_members

pytest.importorskip("pymilvus")
pytestmark = pytest.mark.slow


def _settings(tmp_path: Path, name: str = "nd.db", **kw):
    from assistant import Settings

    return Settings.from_env(index_dir=tmp_path / "unused", backend="milvus",
                             milvus_uri=str(tmp_path / name), **kw)


def _fake(tmp_path: Path, name: str = "nd.db"):
    from index import open_store
    from index.embeddings import HashEmbeddings

    return open_store(backend="milvus", milvus_uri=str(tmp_path / name),
                      embeddings=HashEmbeddings())


def _article(d: Path, name: str, body: str, date: str = "2024-05-01") -> Path:
    p = d / f"{name}.md"
    p.write_text(f"---\ntitle: {name.title()} news\ndate: {date}\nsource: Gazette\n---\n\n{body}\n")
    return p


def _two_articles(tmp_path: Path) -> tuple[Path, str]:
    """A folder with two long articles ("ferry", "bridge") of the same sentences; its path and
    the ferry article's body."""
    d = tmp_path / "in"
    d.mkdir()
    body = " ".join(f"Sentence {i} about the harbour ferry and the town council." for i in range(60))
    _article(d, "ferry", body)
    _article(d, "bridge", body.replace("ferry", "bridge"))
    return d, body


def test_reingest_is_idempotent_edits_replace_and_remove_works(tmp_path):
    from assistant import indexing

    d, body = _two_articles(tmp_path)
    st = _settings(tmp_path)
    store = _fake(tmp_path)
    first = indexing.ingest([d], st, store=store)
    assert (first.added, first.failed) == (2, ())
    ids = store.all_chunk_ids()
    assert len(ids) == len(set(ids)) == first.chunks_total > 2
    again = indexing.ingest([d], st, store=store)
    assert (again.added, again.updated, again.unchanged, again.chunks_written) == (0, 0, 2, 0)
    assert sorted(store.all_chunk_ids()) == sorted(ids)

    _article(d, "ferry", body.replace("Sentence 59", "An edited last sentence"))
    edit = indexing.ingest([d], st, store=store)
    assert (edit.updated, edit.unchanged) == (1, 1)
    now = store.all_chunk_ids()
    assert len(now) == len(set(now)) == len(ids)
    assert set(now) != set(ids)  # the edited passage has a new id, the old one is gone
    text = " ".join(t for t, _ in store.get_chunks(store.chunk_ids_of("ferry")).values())
    assert "An edited last sentence" in text
    assert "Sentence 59 " not in text

    removed = indexing.remove(store, st, ["bridge"])
    assert removed[0][0] == "bridge"
    assert removed[0][1] > 0
    assert store.chunk_ids_of("bridge") == []
    assert store.count_articles() == 1
    assert store.search("bridge", 10) == []  # only the removed article said "bridge"
    assert all(h.chunk_id.startswith("ferry:") for h in store.search("bridge harbour", 10))
    again = indexing.remove(store, st, ["bridge"])
    assert "no article with id 'bridge'" in str(again[0][1])
    assert not (st.keyword_dir / "tantivy").exists()  # BM25 lives in Milvus


def test_bm25_filters_and_idf_match_the_tantivy_side(tmp_path):
    """One corpus in both backends: Milvus's BM25 ranks what tantivy ranks, under the same
    date/source/exclude filters, and the answerer's IDF weights are equal."""
    from assistant import Settings, indexing
    from index import open_store
    from index.embeddings import HashEmbeddings
    from index.keyword import keyword_side

    src = corpus(tmp_path / "c.jsonl", range(0, 40))
    chroma_st = Settings.from_env(index_dir=tmp_path / "chroma")
    chroma = open_store(str(tmp_path / "chroma"), embeddings=HashEmbeddings())
    milvus = _fake(tmp_path)
    indexing.ingest([src], chroma_st, store=chroma)
    indexing.ingest([src], _settings(tmp_path), store=milvus)
    tantivy = keyword_side(chroma, chroma_st.keyword_dir)
    assert keyword_side(milvus, tmp_path / "nothing") is milvus
    assert milvus.count_chunks() == chroma.count_chunks()
    epochs = sorted(set(tantivy.epochs_of(chroma.all_chunk_ids()).values()))
    mid = epochs[len(epochs) // 2]
    cases = [{}, {"since": mid}, {"until": mid}, {"exclude": frozenset({"gen-0003", "gen-0007"})},
             {"sources": ("nowhere",)},
             {"only": frozenset({"gen-0003", "gen-0007", "gen-0011"})},  # a pooled question
             {"only": frozenset({"gen-0003", "gen-0007"}), "exclude": frozenset({"gen-0003"})}]
    for q in ["Town3 council vote", "Town7 harbour", "budget"]:
        for f in cases:
            a = [h.chunk_id for h in tantivy.search(q, 10, **f)]
            b = [h.chunk_id for h in milvus.search(q, 10, **f)]
            assert set(a[:3]) == set(b[:3]), (q, f, a, b)
            assert tantivy.count_matching(**f) == milvus.count_matching(**f)
            assert sorted(tantivy.ids_matching(**f)) == sorted(milvus.ids_matching(**f))
    for t in ["town3", "council", "budget", "harbour", "zzzz"]:
        assert milvus.idf(t) == pytest.approx(tantivy.idf(t), rel=1e-9), t
    v = HashEmbeddings().embed_query("Town5 council")
    a = chroma.dense_search(v, 5)
    b = milvus.dense_search(v, 5)
    assert [x for _, x in b] == pytest.approx([x for _, x in a], abs=1e-4)  # same distances
    assert a[0][0].id == b[0][0].id
    # the collection's newest day (what "new" counts back from when no day is given),
    # found by date-range counts, is the newest article's on both sides
    from datetime import date, timedelta

    from assistant import Assistant
    from index.stats import index_stats

    newest = date.fromisoformat(index_stats(chroma)["newest"][:10])
    assert Assistant(settings=chroma_st, store=chroma).newest_day() == newest
    on_milvus = Assistant(settings=_settings(tmp_path), store=milvus)
    assert on_milvus.newest_day() == newest
    later = tmp_path / "later"
    later.mkdir()
    after = newest + timedelta(days=30)
    on_milvus.ingest([_article(later, "harbour", "The harbour bridge reopened.", str(after))])
    assert on_milvus.newest_day() == after  # an ingest is seen
    # an edit that moves the date and keeps the chunk count is seen too
    on_milvus.ingest([_article(later, "harbour", "The harbour bridge reopened.",
                               str(after + timedelta(days=5)))])
    assert on_milvus.newest_day() == after + timedelta(days=5)



def test_a_new_headline_moves_the_bm25_statistics_with_it(tmp_path):
    """An edit of the headline rewrites every passage (the headline is embedded and searched
    with each): Milvus's document frequencies then equal those of an index built fresh."""
    from assistant import indexing

    d, _ = _two_articles(tmp_path)
    edited = _fake(tmp_path)
    indexing.ingest([d], _settings(tmp_path), store=edited)
    (d / "ferry.md").write_text((d / "ferry.md").read_text().replace("Ferry news", "Zebra crossing"))
    assert indexing.ingest([d], _settings(tmp_path), store=edited).updated == 1
    fresh = _fake(tmp_path, "fresh.db")
    indexing.ingest([d], _settings(tmp_path, "fresh.db"), store=fresh)
    for t in ["zebra", "cross", "ferri", "news", "harbour"]:
        assert edited.idf(t) == pytest.approx(fresh.idf(t), rel=1e-9), t
    assert edited.search("zebra crossing", 3)

def test_seed_gold_same_answers_and_citations_as_chroma_api_cli_and_chat(tmp_path):
    from assistant import Assistant, Settings, indexing
    from tests.chatserver import ChatServer

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / SEED_ARTICLE.name).write_bytes(SEED_ARTICLE.read_bytes())
    indexing.ingest([seeds], Settings.from_env(index_dir=tmp_path / "chroma"))
    indexing.ingest([seeds], _settings(tmp_path))
    chroma = Assistant(index_dir=tmp_path / "chroma")
    milvus = Assistant(settings=_settings(tmp_path))
    qs = gold()
    assert len(qs) == 10

    def key(ans) -> tuple:
        return (ans.text, ans.short, ans.answered,
                tuple((c.article_id, c.start, c.end) for c in ans.citations))

    want = {g["question"]: key(chroma.ask(g["question"])) for g in qs}
    got = {g["question"]: key(milvus.ask(g["question"])) for g in qs}
    assert got == want
    assert sum(1 for v in want.values() if v[2] and v[3]) >= 5  # most answered, with citations

    q = qs[0]["question"]
    out = json.loads(cli("ask", q, "--store", "milvus", "--milvus-uri", str(tmp_path / "nd.db"),
                         "--json").stdout)
    assert out["text"] == want[q][0]
    assert [(c["article_id"], c["start"], c["end"]) for c in out["citations"]] == list(want[q][3])
    milvus.store.close()  # type: ignore[attr-defined]  # Milvus Lite: one process at a time
    del milvus

    srv = ChatServer(tmp_path / "unused", "--store", "milvus", "--milvus-uri",
                     str(tmp_path / "nd.db"), log=tmp_path / "chat.log")
    try:
        from gradio_client import Client

        client = Client(srv.url, verbose=False)
        for g in qs[:3]:
            res = client.predict(g["question"], api_name="/ask")
            assert res["text"] == want[g["question"]][0]
            assert [(c["article_id"], c["start"], c["end"]) for c in res["citations"]] == \
                list(want[g["question"]][3])
    finally:
        srv.stop()


def test_sigkill_mid_ingest_then_rerun_gives_exact_counts(tmp_path):
    src = corpus(tmp_path / "big.jsonl", range(0, 300))
    uri = tmp_path / "nd.db"
    env = dict(os.environ, HF_HUB_OFFLINE="1", NEWSDESK_STORE="milvus",
               NEWSDESK_MILVUS_URI=str(uri), NEWSDESK_EMBEDDINGS="hash")
    args = [sys.executable, "-m", "ui.cli", "ingest", str(src), "--no-progress"]
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    stories = _settings(tmp_path).keyword_dir
    deadline = time.time() + 600
    # the second batch's story signatures are written after the first batch committed
    while story_members(stories) < 128 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    store = _fake(tmp_path)
    partial = store.count_articles()
    assert 64 <= partial < 300
    store.close()
    rerun = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{partial} unchanged" in rerun.stdout
    assert "index now holds 300 articles" in rerun.stdout
    arts = [a for a in iter_articles([src]) if not isinstance(a, Exception)]
    expected = {c.id for a in arts for c in chunk_article(a)}  # type: ignore[arg-type]
    store = _fake(tmp_path)
    ids = store.all_chunk_ids()
    assert len(ids) == len(set(ids))
    assert set(ids) == expected
    assert store.count_articles() == 300
    for i in (0, 150, 299):
        assert store.search(f"Town{i}", 3)[0].chunk_id.startswith(f"gen-{i:04d}:")


def test_copy_moves_an_index_between_backends_without_embedding(tmp_path):
    from index import open_store
    from index.embeddings import HashEmbeddings
    from tests.helpers import nd

    src = corpus(tmp_path / "c.jsonl", range(0, 20))
    nd("ingest", str(src), "--no-progress", index=tmp_path / "chroma")
    res = nd("index", "copy", "--to", f"milvus:{tmp_path / 'copy.db'}",
             index=tmp_path / "chroma")
    chroma = open_store(str(tmp_path / "chroma"))
    n = chroma.count_chunks()
    assert f"copied {n:,} chunks and 20 articles" in res.stderr
    milvus = open_store(backend="milvus", milvus_uri=str(tmp_path / "copy.db"),
                        embeddings=HashEmbeddings())
    assert milvus.count_chunks() == n
    assert milvus.count_articles() == 20
    ids = chroma.all_chunk_ids()[:50]
    a, b = chroma.vectors_of(ids), milvus.vectors_of(ids)
    assert all(a[i] == pytest.approx(b[i], abs=1e-6) for i in ids)
    assert chroma.get_chunks(ids) == milvus.get_chunks(ids)
    assert chroma.article_records(["gen-0004"]) == milvus.article_records(["gen-0004"])
    bad = nd("index", "copy", "--to", "mongo:x", index=tmp_path / "chroma", check=False)
    assert bad.returncode != 0
    assert "--to 'mongo:x'" in bad.stderr
