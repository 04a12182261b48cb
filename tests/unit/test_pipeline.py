"""Ingest on a real persistent Chroma in tmp_path, with fast deterministic fake embeddings."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.errors import StoreError
from index.keyword import KeywordIndex
from index.pipeline import ingest
from tests.helpers import make_bad_inputs, make_good_inputs


def _kw(tmp_path: Path) -> Path:
    return tmp_path / "index" / "keyword"


def test_reingest_is_idempotent(fake_store, seed_dir, tmp_path):
    r1 = ingest([seed_dir], fake_store, keyword_dir=_kw(tmp_path))
    assert (r1.added, r1.unchanged, r1.failed) == (1, 0, ())
    ids1 = sorted(fake_store.all_chunk_ids())
    r2 = ingest([seed_dir], fake_store, keyword_dir=_kw(tmp_path))
    assert (r2.added, r2.unchanged, r2.chunks_written) == (0, 1, 0)
    assert sorted(fake_store.all_chunk_ids()) == ids1
    assert fake_store.count_articles() == 1


def test_changed_article_replaces_its_chunks(fake_store, seed_dir, tmp_path):
    ingest([seed_dir], fake_store, keyword_dir=_kw(tmp_path))
    f = next(seed_dir.iterdir())
    f.write_text(f.read_text().replace("Istanbul", "Reykjavik"), encoding="utf-8")
    r = ingest([seed_dir], fake_store, keyword_dir=_kw(tmp_path))
    assert (r.updated, r.added) == (1, 0)
    assert 1 <= r.chunks_written < r.chunks_total  # only the edited passages are re-embedded
    docs = [d for _, d, _ in fake_store.iter_chunks()]
    assert not any("Istanbul" in d for d in docs)
    assert any("Reykjavik" in d for d in docs)
    kw = KeywordIndex(_kw(tmp_path))
    assert kw.ids() == set(fake_store.all_chunk_ids())  # edited in place, stale passages out
    assert kw.search("Istanbul", 5) == []
    assert kw.search("Reykjavik", 5)



def _md(d: Path, title: str, date: str) -> Path:
    p = d / "story.md"
    p.write_text(f"---\ntitle: {title}\ndate: {date}\nsource: Gazette\n---\n\n"
                 + "The harbour crane moved forty containers on Monday. " * 30, encoding="utf-8")
    return d


def test_an_edit_of_date_or_headline_reaches_every_stored_passage(fake_store, tmp_path):
    """Chunk ids name the passage text, so an edit that keeps the text kept the old passages
    with the old date and headline (citations, date filters and the embedded headline were
    stale). A new date rewrites them with their stored vectors; a new headline, embedded with
    every passage, embeds them again."""
    d = tmp_path / "in"
    d.mkdir()
    first = ingest([_md(d, "Crane record", "2024-05-01")], fake_store, keyword_dir=_kw(tmp_path))
    n = first.chunks_written
    assert n > 1
    ids = sorted(fake_store.all_chunk_ids())
    before = fake_store.vectors_of(ids)

    moved = ingest([_md(d, "Crane record", "2024-06-02")], fake_store, keyword_dir=_kw(tmp_path))
    assert (moved.updated, moved.chunks_written) == (1, 0)  # nothing embedded again
    assert sorted(fake_store.all_chunk_ids()) == ids
    metas = [m for _, _, m in fake_store.iter_chunks()]
    assert {m["date"] for m in metas} == {"2024-06-02"}
    assert fake_store.vectors_of(ids) == before
    kw = KeywordIndex(_kw(tmp_path))
    assert kw.count_matching(since=1_717_200_000) == n  # 2024-06-01 on: the new date

    retitled = ingest([_md(d, "Harbour strike ends", "2024-06-02")], fake_store,
                      keyword_dir=_kw(tmp_path))
    assert (retitled.updated, retitled.chunks_written) == (1, n)
    assert {m["title"] for _, _, m in fake_store.iter_chunks()} == {"Harbour strike ends"}
    after = fake_store.vectors_of(ids)
    assert all(after[i] != before[i] for i in ids)  # the headline is part of what is embedded
    assert fake_store.count_chunks() == n

def test_remove_article(fake_store, seed_dir, tmp_path):
    ingest([seed_dir], fake_store, keyword_dir=_kw(tmp_path))
    n = fake_store.remove_article("000_867221607fc7f5dd")
    assert n > 0
    assert fake_store.count_chunks() == 0
    assert fake_store.count_articles() == 0
    with pytest.raises(StoreError, match="no article with id"):
        fake_store.remove_article("000_867221607fc7f5dd")


def test_bad_inputs_mixed_with_good_lose_nothing(fake_store, seed_dir, tmp_path):
    ingest([seed_dir], fake_store, keyword_dir=_kw(tmp_path))
    before = sorted(fake_store.all_chunk_ids())
    bad = make_bad_inputs(tmp_path / "bad")
    good_ids = make_good_inputs(tmp_path / "good")
    r = ingest([tmp_path / "bad", tmp_path / "good", seed_dir], fake_store,
               keyword_dir=_kw(tmp_path))
    assert r.added == len(good_ids) + 1  # + the fine record in malformed.jsonl
    assert r.unchanged == 1
    assert len(r.failed) == len(bad)
    for where, reason in bad.items():
        assert sum(where in s and reason in m for s, m in r.failed) == 1, (where, r.failed)
    assert len(r.warnings) == 2  # latin-1 and cp1252 were stored, with a warning
    after = set(fake_store.all_chunk_ids())
    assert set(before) <= after
    assert len(after) == len(set(after))
    ids = {rec.id for rec in fake_store.iter_article_records()}
    assert ids == {"000_867221607fc7f5dd", "ok-1", *good_ids}


def test_crash_between_chunks_and_commit_is_repaired(fake_store, seed_dir, tmp_path):
    """Chunks written but the commit record missing (a kill mid-batch): a rerun completes."""
    ingest([seed_dir], fake_store, keyword_dir=_kw(tmp_path))
    ids = sorted(fake_store.all_chunk_ids())
    fake_store.articles.delete(ids=["000_867221607fc7f5dd"])
    r = ingest([seed_dir], fake_store, keyword_dir=_kw(tmp_path))
    assert r.added == 1
    assert r.chunks_written == 0
    assert sorted(fake_store.all_chunk_ids()) == ids
    assert fake_store.count_articles() == 1
