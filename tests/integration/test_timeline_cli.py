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


def test_the_chat_and_its_api_answer_a_timeline_question_with_the_same_timeline(
        index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """"What happened with X" in the chat is a dated, cited list with a chart and one card
    per event; ``/ask`` returns the same ``Timeline`` as the Python API; any other question
    still gets an answer."""
    from assistant import Assistant
    from ui.app import ChatBackend

    a = Assistant(index_dir=index)
    chat = ChatBackend(a)
    tl = a.timeline("Artemis I")
    got = chat.api_ask("What happened with Artemis I?")
    assert got["timeline"] == tl.to_dict()
    assert got["answered"] is True
    assert [c["article_id"] for c in got["citations"]] == \
        [e.citation.article_id for e in tl.events]
    assert got["text"].splitlines()[0].startswith("2022-09-03: ")
    assert sum(r["articles"] for r in got["timeline"]["articles_over_time"]) == 3
    *_, (msgs, turns, panel, _box) = chat.respond(
        "How did Artemis I develop?", [], [], "", "", [], 5, "extractive")
    html = msgs[-1]["content"]
    listed = html[html.index("<ol"):]
    assert listed.index("2022-09-03") < listed.index("2022-09-27") < listed.index("2022-11-16")
    assert html.index("<svg") < html.index("<ol")  # the chart above the list
    assert html.count("<li>") == 3
    assert '<svg class="nd-chart"' in html
    assert panel.count('class="nd-card"') == 3
    assert 'data-state="done"' in panel
    assert turns[-1][1] == tl.text()
    plain = chat.api_ask("Who approved the budget?")
    assert "timeline" not in plain
    *_, (msgs, _t, _p, _b) = chat.respond("timeline of the Zorblax summit", [], [], "", "", [],
                                         5, "extractive")
    assert "no dated event about Zorblax summit" in msgs[-1]["content"]
