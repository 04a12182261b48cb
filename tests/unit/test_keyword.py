"""The keyword side (tantivy, on disk in tmp_path): updates in place, filters, idempotence,
and another process's commit seen by a reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import keyword
from index.keyword import KeywordIndex

DAY = 86400


def _rows(*specs: tuple[str, str, str, int, str]) -> list[tuple[str, str, dict]]:
    return [(cid, text, {"article_id": aid, "date_epoch": day * DAY, "source": src,
                         "title": ""})
            for cid, aid, text, day, src in
            [(s[0], s[0].split(":")[0], s[1], s[3], s[2]) for s in specs]]


ROWS = _rows(("a:0:x", "The harbour crane lifted containers at dawn.", "Wire", 10, ""),
             ("a:1:y", "Dock workers said the crane broke twice.", "Wire", 10, ""),
             ("b:0:z", "A new bakery opened near the harbour.", "Gazette", 20, ""),
             ("c:0:w", "The council voted on the budget for parks.", "Gazette", 30, ""))


@pytest.fixture
def kw(tmp_path: Path) -> KeywordIndex:
    k = KeywordIndex(tmp_path / "kw")
    k.apply(ROWS)
    return k


def test_search_ranks_and_filters(kw: KeywordIndex):
    assert [h.chunk_id for h in kw.search("harbour crane", 10)][:1] == ["a:0:x"]
    assert {h.chunk_id for h in kw.search("harbour", 10)} == {"a:0:x", "b:0:z"}
    assert [h.chunk_id for h in kw.search("harbour", 10, sources=("Gazette",))] == ["b:0:z"]
    assert [h.chunk_id for h in kw.search("harbour", 10, since=15 * DAY)] == ["b:0:z"]
    assert [h.chunk_id for h in kw.search("harbour", 10, until=15 * DAY)] == ["a:0:x"]
    assert kw.search("harbour", 10, exclude=frozenset({"a", "b"})) == []
    assert kw.search("zebra", 10) == []
    assert kw.count_matching(since=15 * DAY) == 2
    assert sorted(kw.ids_matching(exclude=frozenset({"a"}))) == ["b:0:z", "c:0:w"]
    assert kw.epochs_of(["b:0:z", "nope"]) == {"b:0:z": 20 * DAY}


def test_updates_in_place_are_idempotent(kw: KeywordIndex):
    kw.apply(ROWS)  # a rerun after an interrupted ingest: nothing doubles
    assert len(kw) == 4
    kw.apply(_rows(("a:2:v", "The crane was replaced by a larger one.", "Wire", 11, "")),
             remove=["a:0:x", "a:1:y"])  # an edited article: new passage in, stale ones out
    assert len(kw) == 3
    assert [h.chunk_id for h in kw.search("crane", 10)] == ["a:2:v"]
    assert kw.idf("crane") < kw.idf("unheardof")


def test_another_writer_is_seen_by_a_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(keyword, "RELOAD_S", 0.0)
    reader = KeywordIndex(tmp_path / "kw")
    assert reader.search("harbour", 5) == []
    KeywordIndex(tmp_path / "kw").apply(ROWS)  # as another process would
    assert {h.chunk_id for h in reader.search("harbour", 5)} == {"a:0:x", "b:0:z"}


def test_refresh_resyncs_with_the_store(fake_store, seed_dir, tmp_path: Path):
    from index.pipeline import ingest

    ingest([seed_dir], fake_store)  # no keyword side: as an older index or another writer
    kw = keyword.refresh(fake_store, tmp_path / "kw")
    assert kw.ids() == set(fake_store.all_chunk_ids())
    kw.apply(_rows(("ghost:0:q", "A chunk the store does not have.", "X", 1, "")))
    assert keyword.refresh(fake_store, tmp_path / "kw").ids() == set(fake_store.all_chunk_ids())
