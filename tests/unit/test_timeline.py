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
    assert event_date("The strike began last week.", "2025-07-03") == ("2025-06-26", "text")
    assert event_date("It began last Tuesday.", "2025-07-03") == ("2025-07-01", "text")


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


@pytest.mark.parametrize(("message", "topic", "since"), [
    ("What happened with the Artemis launch?", "Artemis launch", None),
    ("timeline of monkeypox", "monkeypox", None),
    ("Show me the timeline for Elon Musk's Twitter takeover.", "Elon Musk's Twitter takeover",
     None),
    ("How did the monkeypox outbreak develop?", "monkeypox outbreak", None),
    ("how has Brittney Griner's case unfolded", "Brittney Griner's case", None),
    ("What's new on the Iran talks since Monday?", "Iran talks", "2026-12-07"),
    ("what happened to Twitter since 2022-10-01", "Twitter", "2022-10-01"),
])
def test_timeline_questions_are_recognised_with_topic_and_start(message, topic, since):
    from datetime import date

    from assistant.timeline import timeline_request

    got = timeline_request(message, today=date(2026, 12, 8))  # a Tuesday
    assert got is not None
    assert got.topic == topic
    assert (got.since.isoformat() if got.since else None) == since


@pytest.mark.parametrize("message", [
    "What is the capital of France?", "Who won the election?", "What happened?",
    "What did Biden say about what happened with the talks?", "timeline of ?"])
def test_other_questions_are_not_timelines(message):
    from assistant.timeline import timeline_request

    assert timeline_request(message) is None


def test_articles_over_time_picks_a_readable_period_and_counts_gaps():
    from assistant.timeline import articles_over_time

    assert articles_over_time([]) == ("day", ())
    period, counts = articles_over_time(["2022-10-03", "2022-10-01", "2022-10-03"])
    assert period == "day"
    assert counts == (("2022-10-01", 1), ("2022-10-02", 0), ("2022-10-03", 2))
    period, counts = articles_over_time(["2022-10-01", "2022-10-03", "2022-11-20"])
    assert period == "week"
    assert counts[0] == ("2022-09-26", 1)  # weeks start on Monday
    assert counts[1] == ("2022-10-03", 1)
    assert counts[-1] == ("2022-11-14", 1)
    assert sum(n for _d, n in counts) == 3
    period, counts = articles_over_time(["2021-01-15", "2022-12-31", "undated"])
    assert period == "month"
    assert (counts[0], counts[-1], len(counts)) == (("2021-01-01", 1), ("2022-12-01", 1), 24)


def test_a_rendered_timeline_is_ordered_cited_charted_and_inert():
    from assistant.timeline import Event, Timeline
    from assistant.types import Citation
    from ui.render import timeline_html, timeline_sources_html

    def ev(n, day, text, date_from="article"):
        c = Citation(n=n, article_id=f"a{n}", title=f"T{n}", date=day, source="Wire", url="",
                     passage=text, start=0, end=len(text), score=1.0, context=text)
        return Event(day, text, date_from, c)

    tl = Timeline("Harbour <b>strike</b>", (
        ev(1, "2025-06-02", "The strike began on Monday <script>x</script>."),
        ev(2, "2025-06-04", "Talks broke down on Wednesday.", "text")),
        (("2025-06-02", 1), ("2025-06-03", 0), ("2025-06-04", 1)), "day")
    h = timeline_html(tl)
    assert h.index("2025-06-02") < h.index("2025-06-04")
    assert "<script>" not in h
    assert "<b>strike</b>" not in h
    assert h.count('<rect class="nd-bar"') == 3
    assert 'href="#nd-src-1"' in h
    assert 'href="#nd-src-2"' in h
    assert "dated from the sentence" in h  # the starred, text-dated event is explained
    panel = timeline_sources_html(tl)
    assert panel.count('class="nd-card"') == 2
    assert panel.index('id="nd-src-1"') < panel.index('id="nd-src-2"')
    assert "no dated event" in timeline_html(Timeline("x")).lower()


def test_a_long_story_is_spread_over_its_weeks_not_told_from_its_busiest():
    from assistant.timeline import Event, spread
    from assistant.types import Citation

    def ev(rank: int, day: str) -> tuple[int, Event]:
        c = Citation(n=0, article_id=f"a{rank}", title="", date=day, source="", url="",
                     passage="x", start=0, end=1, score=0.0)
        return rank, Event(day, "x", "article", c)

    busy = [ev(r, f"2024-03-0{4 + r}") for r in range(5)]  # ranks 0-4, one week
    others = [ev(10, "2024-01-10"), ev(11, "2024-02-14"), ev(12, "2024-05-01")]
    got = spread(busy + others, 4)
    assert [r for r, _e in got] == [0, 10, 11, 12]  # one per week first, busiest week first
    assert [r for r, _e in spread(busy + others, 6)] == [0, 10, 11, 12, 1, 2]
    assert spread(busy, 10) == busy
    assert spread([], 3) == []


def test_a_timeline_with_more_events_than_its_limit_covers_the_storys_weeks():
    # five best-ranked events in one busy week, then one in each of three other weeks
    busy = [passage(f"The Zephyr strike entered day {i} with pickets at the depot.", rank=i,
                    article=f"b{i}", day=f"2024-03-0{4 + i}") for i in range(5)]
    spread_out = [passage("The Zephyr strike was called by the rail union after talks failed.",
                          rank=10 + i, article=f"w{i}", day=day)
                  for i, day in enumerate(("2024-01-10", "2024-02-14", "2024-05-01"))]
    tl = build("Zephyr strike", busy + spread_out, limit=4)
    assert [e.date for e in tl.events] == ["2024-01-10", "2024-02-14", "2024-03-04",
                                           "2024-05-01"]
