"""``newsdesk timeline`` on a real Chroma index in tmp_path (hash embeddings: the model is
exercised elsewhere): dated events, oldest first, one per story, each cited exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import cli

ARTICLES = {
    "scrub.md": ("Artemis I launch scrubbed", "2022-09-05",
                 "NASA scrubbed the Artemis I launch on Saturday after a hydrogen leak. "
                 "Engineers will inspect the seal."),
    "rollback.md": ("Artemis I rolls back", "2022-09-27",
                    "Artemis I rolled back to the Vehicle Assembly Building ahead of "
                    "Hurricane Ian, NASA said."),
    "launch.md": ("Artemis I lifts off", "2022-11-17",
                  "Artemis I lifted off on Wednesday, sending Orion toward the Moon."),
    "copy.md": ("Artemis I launch scrubbed, copy", "2022-09-05",
                "NASA scrubbed the Artemis I launch on Saturday after a hydrogen leak. "
                "Engineers will inspect the seal."),
    "other.md": ("Council budget", "2022-10-01", "The council approved the budget on Monday."),
}


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEWSDESK_EMBEDDINGS", "hash")
    d = tmp_path / "arts"
    d.mkdir()
    for name, (title, day, body) in ARTICLES.items():
        (d / name).write_text(f"---\ntitle: {title}\ndate: {day}\nsource: Wire {name}\n---\n"
                              f"{body}\n", encoding="utf-8")
    cli("ingest", str(d), "--index", str(tmp_path / "idx"), "--no-progress")
    return tmp_path / "idx"


def test_timeline_json_is_dated_ordered_deduplicated_and_cited(index: Path) -> None:
    r = cli("timeline", "Artemis I", "--index", str(index), "--json")
    tl = json.loads(r.stdout)
    assert tl["topic"] == "Artemis I"
    days = [e["date"] for e in tl["events"]]
    assert days == ["2022-09-03", "2022-09-27", "2022-11-16"], tl
    assert [e["date_from"] for e in tl["events"]] == ["text", "article", "text"]
    first = tl["events"][0]
    assert first["citation"]["article_id"] in ("scrub", "copy")
    assert len(first["also_in"]) == 1  # the copy is the same story: "also in", not an event
    for e in tl["events"]:
        assert "Artemis I" in e["text"]
        assert e["citation"]["end"] - e["citation"]["start"] == len(e["text"])
    r = cli("timeline", "Artemis I", "--index", str(index), "--since", "2022-09-10")
    assert "2022-09-03" not in r.stdout
    assert "2022-09-27" in r.stdout
