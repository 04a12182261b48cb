"""Timelines (assistant.timeline): about the topic, dated (in-text dates resolved against the
article's day), one event per story per day, oldest first, each cited."""

from __future__ import annotations

import json

import pytest

from assistant.timeline import build, event_date
from index.protocols import StoryMember
from tests.helpers import passage


def test_in_text_days_are_resolved_against_the_articles_day():
    # 2025-07-03 is a Thursday
    assert event_date("The launch was scrubbed on Tuesday.", "2025-07-03") == \
        ("2025-07-01", "text")
    assert event_date("The rocket lifted off yesterday.", "2025-07-03") == ("2025-07-02", "text")
    assert event_date("NASA said on Thursday it would try again.", "2025-07-03") == \
        ("2025-07-03", "article")
    assert event_date("Engineers found a leak.", "2025-07-03") == ("2025-07-03", "article")
    assert event_date("Late Sunday the crew was safe.", "2025-07-03") == ("2025-06-29", "text")


def test_events_are_about_the_topic_dated_and_oldest_first():
    ps = [
        passage("Artemis I lifted off on Wednesday after two scrubbed attempts.", rank=0,
                article="c", day="2022-11-17", title="Artemis I launches"),
        passage("Fuel leaks forced NASA to scrub the Artemis I launch on Saturday.", rank=1,
                article="b", day="2022-09-05", title="Second scrub"),
        passage("The weather was fine at the beach. Tourists enjoyed the sun.", rank=2,
                article="x", day="2022-10-01", title="Beach day"),
        passage("Artemis I rolled back to its hangar ahead of Hurricane Ian.", rank=3,
                article="a", day="2022-09-27", title="Rollback"),
    ]
    tl = build("Artemis I", ps)
    assert [e.citation.article_id for e in tl.events] == ["b", "a", "c"]  # by date, not rank
    assert [e.date for e in tl.events] == ["2022-09-03", "2022-09-27", "2022-11-16"]
    assert [e.date_from for e in tl.events] == ["text", "article", "text"]
    assert [e.citation.n for e in tl.events] == [1, 2, 3]
    for e in tl.events:
        p = next(x for x in ps if x.article_id == e.citation.article_id)
        assert p.text[e.citation.start:e.citation.end] == e.text
    d = json.loads(json.dumps(tl.to_dict()))
    assert d["topic"] == "Artemis I"
    assert set(d["events"][0]) == {"date", "text", "date_from", "citation", "also_in"}
    assert set(d["events"][0]["citation"]) == {"article_id", "title", "source", "url", "start",
                                               "end"}


def test_one_event_per_story_per_day_and_per_article():
    also = (StoryMember("b", "a", "2022-09-05", "Other Wire", "Copy"),)
    ps = [
        passage("Artemis I was scrubbed again on the pad. Artemis I engineers found a leak.",
                rank=0,
                article="a", day="2022-09-05"),
        passage("Artemis I was scrubbed again, a copy says.", rank=1, article="b",
                day="2022-09-05").__class__(**{**passage(
                    "Artemis I was scrubbed again, a copy says.", rank=1, article="b",
                    day="2022-09-05").__dict__, "also": also}),
        passage("Artemis I will try once more in a week.", rank=2, article="a",
                day="2022-09-05"),
    ]
    tl = build("Artemis I", ps)
    assert len(tl.events) == 1
    assert tl.events[0].citation.article_id == "a"  # the best-ranked copy of the story
    assert tl.events[0].text == "Artemis I was scrubbed again on the pad."


def test_limit_keeps_the_best_ranked_then_orders_them():
    ps = [passage(f"Artemis I update number {i} was published.", rank=i, article=f"a{i}",
                  day=f"2022-09-{10 + i:02d}") for i in range(6)]
    tl = build("Artemis I", list(reversed(ps)), limit=3)  # the 3 best ranks, by date
    assert [e.citation.article_id for e in tl.events] == ["a0", "a1", "a2"]


@pytest.mark.parametrize("topic", ["monkeypox outbreak", "Monkeypox"])
def test_without_the_topic_there_is_no_event(topic):
    ps = [passage("The council approved the new budget on Monday.", article="x")]
    assert build(topic, ps).events == ()
