"""Filtered dense search: the fast path (plain search, filtered here) returns what Chroma's
filtered search returns, on a real Chroma with fake embeddings."""

from __future__ import annotations

import pytest

from assistant.retrieval import HybridRetriever
from assistant.types import Filters
from index.articles import Article
from index.pipeline import ingest

WORDS = ["ships", "ferries", "barges", "tugs", "yachts", "trawlers", "tankers", "liners", "dinghies"]


@pytest.fixture
def dated_store(fake_store, tmp_path):
    arts = [Article(id=f"a{i:03d}", title=f"Harbour report {i}",
                    body=f"The harbour crane {i} moved {i * 7} containers for {WORDS[i % 9]} "
                         f"and {WORDS[(i * 5) % 9]} on day {i}. " * 3,
                    date=f"2022-{1 + i % 12:02d}-{1 + i % 27:02d}",
                    source="Wire" if i % 3 else "Gazette") for i in range(90)]
    rep = ingest(arts, fake_store, keyword_dir=tmp_path / "kw", progress=False)
    assert rep.added == 90
    return fake_store


def _ids(hits):
    return [d.id for d, _ in hits]


@pytest.mark.parametrize("filters", [
    Filters(until=1_656_000_000),                       # keeps most: the fast path
    Filters(since=1_655_000_000, until=1_656_500_000),  # keeps few: the filtered search
    Filters(sources=("Gazette",)),
    Filters(since=1_650_000_000, sources=("Wire",)),
    Filters(only=frozenset({"a003", "a010", "a047", "a088"})),   # a pooled question's results
    Filters(only=frozenset({"a003", "a010"}), exclude=frozenset({"a003"})),  # ... hidden half
])
@pytest.mark.parametrize("exact", [False, True])
def test_fast_paths_equal_chroma_filtered_search(dated_store, filters, exact, tmp_path,
                                                 monkeypatch):
    from assistant import retrieval
    from index.keyword import refresh

    # with the keyword index, filters keeping <= EXACT_MAX passages are searched exactly
    keyword = refresh(dated_store, tmp_path / "kw") if exact else None
    monkeypatch.setattr(retrieval, "EXACT_MAX", 1000 if exact else 0)
    r = HybridRetriever(store=dated_store, keyword=keyword, mode="dense", fetch_k=20)
    v = dated_store.embeddings.embed_query("harbour crane containers")
    ours = r._dense(v, filters)
    theirs = dated_store.dense_search(v, 20, filters)  # Chroma's own metadata filter
    # same distances; the passages differ only among exact ties (fake embeddings tie often)
    assert [round(s, 5) for _, s in ours] == [round(s, 5) for _, s in theirs]
    dist = {d.id: round(s, 5) for d, s in [*ours, *theirs]}
    shared = [dist[i] for i in dist]
    differ = set(_ids(ours)) ^ set(_ids(theirs))
    assert all(shared.count(dist[i]) > 1 for i in differ)  # each one tied with another
    assert all(filters.accepts(d.metadata) for d, _ in ours)


def test_vectors_read_into_memory_rank_a_narrow_period_without_the_database(
        dated_store, tmp_path, monkeypatch):
    """``cache_vectors`` reads every stored vector once (the app's warm-up); the exact search
    of a narrow period then ranks from memory, with Chroma's own filtered search's result."""
    from assistant import retrieval
    from index.keyword import refresh

    keyword = refresh(dated_store, tmp_path / "kw")
    assert dated_store.cache_vectors() == dated_store.count_chunks() > 0
    assert dated_store.cache_vectors() == 0  # a second warm-up reads nothing again
    monkeypatch.setattr(retrieval, "EXACT_MAX", 1000)

    def no_reads(missing):
        raise AssertionError(f"read {len(missing)} vectors from the database")

    monkeypatch.setattr(dated_store, "_fetch_vectors", no_reads)
    r = HybridRetriever(store=dated_store, keyword=keyword, mode="dense", fetch_k=20)
    v = dated_store.embeddings.embed_query("harbour crane containers")
    f = Filters(since=1_655_000_000, until=1_656_500_000)
    ours = r._dense(v, f)
    theirs = dated_store.dense_search(v, 20, f)
    assert ours
    assert [round(s, 5) for _, s in ours] == [round(s, 5) for _, s in theirs]
    ids = [d.id for d, _ in ours]
    monkeypatch.undo()  # an id not in memory is looked up (and, gone, left out)
    got, matrix = dated_store.vector_matrix([*ids, "no-such-chunk"])
    assert got == ids
    assert matrix.shape == (len(ids), 384)
    assert str(matrix.dtype) == "float32"


def test_vectors_are_not_read_into_memory_when_the_index_outgrows_the_cache(dated_store,
                                                                         monkeypatch):
    monkeypatch.setattr(dated_store._vectors, "limit", dated_store.count_chunks() - 1)
    assert dated_store.cache_vectors() == 0
    assert len(dated_store._vectors) == 0


def test_accepts_matches_the_where_clause():
    f = Filters(since=10, until=20, sources=("A",))
    assert f.accepts({"date_epoch": 15, "source": "A"})
    assert not f.accepts({"date_epoch": 21, "source": "A"})
    assert not f.accepts({"date_epoch": 9, "source": "A"})
    assert not f.accepts({"date_epoch": 15, "source": "B"})
    assert not f.accepts({"source": "A"})          # undated never passes a date bound
    assert Filters().accepts({})


def test_only_limits_both_sides_and_the_answer_to_the_named_articles(dated_store, tmp_path):
    """``Assistant.retrieve/ask(only=...)``: the dense side, the keyword side and the answer
    see nothing but the named articles (``exclude`` still applies inside them)."""
    from assistant import Assistant

    a = Assistant(index_dir=tmp_path / "index", store=dated_store)
    pool = {"a003", "a010", "a047"}
    got = a.retrieve("harbour crane containers ferries", k=10, only=sorted(pool))
    assert got
    assert {p.article_id for p in got} <= pool
    for mode in ("dense", "bm25"):
        assert {p.article_id for p in a.retrieve("harbour crane", k=10, mode=mode,
                                                 only=sorted(pool))} <= pool
    hidden = a.retrieve("harbour crane", k=10, only=sorted(pool), exclude=["a003"])
    assert {p.article_id for p in hidden} <= pool - {"a003"}
    ans = a.ask("How many containers did harbour crane 10 move?", only=sorted(pool))
    assert {c.article_id for c in ans.citations} <= pool
