"""One story told once: five edited copies of one wire story among twenty other articles, on
the real model, a real Chroma and the real story index (MinHash in SQLite)."""

from __future__ import annotations

from datetime import date

import pytest

from assistant import Assistant
from index.articles import Article
from index.pipeline import ingest
from index.stories import StoryIndex
from ui.cli import main

pytestmark = pytest.mark.slow

WIRE = ("The harbour authority of Port Ellery closed the northern shipping lane on Tuesday after "
        "a cargo vessel lost power and drifted onto a sandbar near the lighthouse. Nobody was "
        "hurt, the authority said, and the twelve crew members were taken ashore by the coast "
        "guard. Tugboats will try to refloat the vessel, the Marianne Blue, at high tide on "
        "Thursday morning. Until then ferries to the islands will use the southern lane, which "
        "adds about forty minutes to each crossing. The vessel was carrying timber and steel "
        "beams from the mainland mill to the new container terminal. Harbour master Ines "
        "Valdez said divers had found no damage to the hull and no fuel was leaking. The "
        "authority will review why the backup generator failed to start, she added.")
OUTLETS = ("Coast Wire", "Harbour Daily", "Island Post", "Evening Ledger", "Bay Courier")
TOPICS = ("orchard apples", "violin recital", "bicycle lanes", "library hours", "chess club",
          "rainfall record", "museum roof", "bakery prize", "school choir", "tram timetable",
          "football final", "solar farm", "beekeepers", "ferry fares", "marathon route",
          "film festival", "zoo penguins", "hospital wing", "river cleanup", "night market")


def copies() -> list[Article]:
    out = []
    for i, outlet in enumerate(OUTLETS):
        body = WIRE.replace("on Tuesday", "on Tuesday," if i % 2 else "on Tuesday")
        body = body.replace("the authority said", f"the authority told {outlet}")
        if i == 3:
            body += " Shipping companies were told to expect delays."
        out.append(Article(id=f"wire-{i}", title=f"{outlet}: ship aground off Port Ellery "
                           f"({'update' if i else 'first report'})", body=body,
                           date=f"2025-07-0{1 + i % 2}", source=outlet))
    return out


def others() -> list[Article]:
    return [Article(id=f"other-{n}", title=f"News about the {t}",
                    body=f"The town council discussed the {t} on Monday. Residents asked about "
                         f"the {t} and the budget for it, and the mayor promised a report on the "
                         f"{t} by the autumn. Number {n} on the agenda was approved.",
                    date="2025-07-01", source=f"Local {n}") for n, t in enumerate(TOPICS)]


@pytest.fixture
def harbour(real_store, tmp_path) -> Assistant:
    ingest(copies() + others(), real_store, keyword_dir=tmp_path / "index" / "keyword")
    return Assistant(index_dir=tmp_path / "index", store=real_store)


def test_five_copies_one_passage_and_the_others_as_also_in(harbour, tmp_path, capsys):
    q = "When will tugboats try to refloat the Marianne Blue?"
    today = date(2025, 7, 3)
    top = harbour.retrieve(q, k=5, today=today)
    wire = [p for p in top if p.article_id.startswith("wire-")]
    assert len({p.article_id for p in wire}) == 1, [p.article_id for p in top]
    assert {m.source for m in wire[0].also} | {wire[0].source} == set(OUTLETS)
    ans = harbour.ask(q, today=today)
    assert ans.answered
    assert "high tide on Thursday morning" in ans.text
    cited = ans.citations[0]
    assert len(cited.also_in) == 4
    assert {m.source for m in cited.also_in} == set(OUTLETS) - {cited.source}
    assert all(m.date.startswith("2025-07-0") for m in cited.also_in)
    # the CLI says it, and lists the story
    assert main(["ask", q, "--index", str(tmp_path / "index")]) == 0
    assert "also in: " in capsys.readouterr().out
    assert main(["index", "stories", "--index", str(tmp_path / "index")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("5 articles:")
    assert all(o in out for o in OUTLETS)
    # turned off, the copies come back
    plain = Assistant(index_dir=tmp_path / "index", store=harbour.store, one_per_story=False)
    again = plain.retrieve(q, k=5, today=today)
    assert len({p.article_id for p in again if p.article_id.startswith("wire-")}) > 1


def test_story_index_window_edit_and_remove(tmp_path):
    idx = StoryIndex(tmp_path)
    first, second, *_ = copies()
    late = Article(id="late", title="A year on", body=WIRE, date="2026-07-01", source="X")
    other = others()[0]
    got = idx.assign([first, second, late, other])
    assert got["wire-1"] == got["wire-0"] == "wire-0"   # the copy joins the first report
    assert got["late"] == "late"                          # the same text a year later does not
    assert got[other.id] == other.id
    # an edit that rewrites the article leaves the story; re-signing never duplicates rows
    edited = Article(id="wire-1", title="t", body=others()[1].body, date="2025-07-02", source="Y")
    assert idx.assign([edited]) == {"wire-1": "wire-1"}
    assert idx.count() == 4
    idx.remove(["wire-0"])
    assert idx.stories_of(["wire-0", "wire-1"]) == {"wire-1": "wire-1"}
    assert idx.largest() == []
    idx.close()


def test_cached_vectors_follow_writes_and_deletes(real_store):
    """``vectors_of`` keeps stored vectors in memory (the exact search of a narrow period reuses
    them); a rewrite or a delete of the chunk in this process is never answered from it."""
    meta = {"article_id": "a", "title": "t", "start": 0, "end": 4, "date_epoch": 0}
    real_store.write_chunks(["a:0"], [[1.0] + [0.0] * 383], ["text"], [meta])
    assert real_store.vectors_of(["a:0"])["a:0"][0] == 1.0
    real_store.write_chunks(["a:0"], [[0.0, 1.0] + [0.0] * 382], ["text"], [meta])
    assert real_store.vectors_of(["a:0"])["a:0"][:2] == [0.0, 1.0]
    real_store.delete_chunks(["a:0"])
    assert real_store.vectors_of(["a:0", "gone"]) == {}
