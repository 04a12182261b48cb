from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.dates import parse_period, parse_range
from assistant.settings import Settings
from index.errors import ConfigError


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for name in list(os.environ):
        if name.startswith("NEWSDESK_"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_precedence_flags_over_env_over_defaults(tmp_path: Path, clean_env: pytest.MonkeyPatch):
    assert Settings.from_env().k == 5
    assert Settings.from_env().answerer == "extractive"
    clean_env.setenv("NEWSDESK_INDEX", str(tmp_path / "env"))
    clean_env.setenv("NEWSDESK_K", "7")
    s = Settings.from_env()
    assert s.index_dir == tmp_path / "env"
    assert s.k == 7
    s = Settings.from_env(index_dir=str(tmp_path / "flag"), k=3)
    assert s.index_dir == tmp_path / "flag"
    assert s.k == 3
    clean_env.setenv("NEWSDESK_INDEX_DIR", str(tmp_path / "long"))
    assert Settings.from_env().index_dir == tmp_path / "long"


def test_with_validates_and_keeps_the_rest(clean_env: pytest.MonkeyPatch):
    s = Settings.from_env(k=4).with_(recency_days=3.0)
    assert (s.k, s.recency_days) == (4, 3.0)
    with pytest.raises(ConfigError, match="k must be"):
        s.with_(k=99)


@pytest.mark.parametrize(("kw", "msg"), [
    ({"k": 0}, "k must be"), ({"answerer": "gpt9"}, "unknown answerer"),
    ({"chroma_url": "localhost:8000"}, "must start with http"), ({"colour": "red"}, "unknown setting"),
])
def test_invalid_settings_raise(kw, msg, clean_env: pytest.MonkeyPatch):
    with pytest.raises(ConfigError, match=msg):
        Settings.from_env(**kw)


def test_env_number_error_names_the_variable(clean_env: pytest.MonkeyPatch):
    clean_env.setenv("NEWSDESK_K", "many")
    with pytest.raises(ConfigError, match="NEWSDESK_K"):
        Settings.from_env()


TODAY = date(2025, 7, 10)


@pytest.mark.parametrize(("q", "rng"), [
    ("What happened in June 2025?", (date(2025, 6, 1), date(2025, 6, 30))),
    ("What happened last week?", (date(2025, 6, 30), TODAY)),
    ("What was said on 3 July 2025?", (date(2025, 7, 3), date(2025, 7, 3))),
    ("What was said on July 3, 2025?", (date(2025, 7, 3), date(2025, 7, 3))),
    ("What happened in 2024?", (date(2024, 1, 1), date(2024, 12, 31))),
    ("Who won the title last year?", (date(2024, 1, 1), date(2024, 12, 31))),
    ("Who asked US diplomats to leave?", None),
])
def test_date_phrases(q, rng):
    assert parse_range(q, TODAY) == rng


@pytest.mark.parametrize(("q", "since", "phrase"), [
    ("Which country was shaken by an earthquake this week?", date(2025, 7, 3), "this week"),
    ("Dozens were missing early Thursday after floods in which state?", date(2025, 7, 3),
     "early thursday"),
    ("What did the council decide over the weekend?", date(2025, 7, 3), "over the weekend"),
    ("Which reptile was recently caught in Florida?", date(2025, 6, 9), "recently"),
    ("How much have prices risen since March?", date(2025, 3, 1), "since march"),
    ("Rents recently hit a record. Which city saw the biggest rise compared to a year ago?",
     date(2025, 6, 9), "recently"),
    # "over the last year" is the twelve months before the question, not last calendar year
    ("How many books were banned in US schools over the last year?", date(2024, 7, 10),
     "the last year"),
    ("How much have gas prices increased over the past year?", date(2024, 7, 10),
     "the past year"),
    ("How many were arrested in the last two years?", date(2023, 7, 11), "the last two years"),
    ("Which bills passed in the past 3 months?", date(2025, 4, 8), "the past 3 months"),
])
def test_relative_periods_count_back_from_the_question_day(q, since, phrase):
    p = parse_period(q, TODAY)
    assert p is not None
    assert (p.since, p.until, p.phrase, p.relative) == (since, TODAY, phrase, True)


@pytest.mark.parametrize(("q", "since", "until"), [
    ("What did the minister say two weeks ago?", date(2025, 6, 23), date(2025, 6, 29)),
    ("Who resigned 3 days ago?", date(2025, 7, 7), date(2025, 7, 7)),
    ("What was announced a month ago?", date(2025, 5, 26), date(2025, 6, 25)),
])
def test_ago_phrases_resolve_with_dateparser(q, since, until):
    p = parse_period(q, TODAY)
    assert p is not None
    assert (p.since, p.until, p.relative) == (since, until, True)


@pytest.mark.parametrize("q", [
    "Which store had the longest lines on Black Friday?",
    "Which costume is most popular, according to USA Today?",
    "Who won the 2022 Stanley Cup?",
])
def test_names_that_look_like_dates_are_not_periods(q):
    assert parse_period(q, TODAY) is None


def test_the_question_period_narrows_an_until_option():
    """The evaluation asks "as of" the question's day (``until``); "this week" still means the
    seven days before it, and both options given override the question's words."""
    from assistant.steps import PlanFilters, Query, epoch_of

    q = Query(question="Which team won this week?", until="2025-07-10")
    got = PlanFilters().run(q.with_(standalone=q.question))
    assert got.period is not None
    assert (got.filters.since, got.filters.until) == (epoch_of(date(2025, 7, 3)),
                                                    epoch_of(TODAY))
    both = Query(question="Which team won this week?", since="2025-01-01", until="2025-07-10")
    got = PlanFilters().run(both.with_(standalone=both.question))
    assert got.period is None
    assert got.filters.since == epoch_of(date(2025, 1, 1))


def test_with_no_day_a_relative_phrase_counts_from_the_newest_article():
    """Over an archive "this week" is its last week; a day given, or a collection newer than
    the clock's day, leaves the clock's reading; the collection is read only when needed."""
    from assistant.steps import PlanFilters, Query, epoch_of

    asked: list[bool] = []

    def newest() -> date:
        asked.append(True)
        return date(2025, 7, 3)

    plan = PlanFilters(newest)
    q = Query(question="Which team won this week?")
    got = plan.run(q.with_(standalone=q.question))
    assert (got.filters.since, got.filters.until) == (epoch_of(date(2025, 6, 26)),
                                                    epoch_of(date(2025, 7, 3)))
    day = Query(question="Which team won this week?", today=date(2025, 7, 10))
    got = plan.run(day.with_(standalone=day.question))
    assert got.filters.until == epoch_of(date(2025, 7, 10))
    plain = Query(question="Which team won the final in 2019?")
    plan.run(plain.with_(standalone=plain.question))
    assert len(asked) == 1


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("10m", 600), ("1h", 3600),
                                               ("45", 45), ("1.5m", 90)])
def test_watch_intervals(text, seconds):
    from assistant.watch import parse_every

    assert parse_every(text) == seconds


@pytest.mark.parametrize("text", ["soon", "0s", "-5m", ""])
def test_bad_watch_intervals_are_config_errors(text):
    from assistant.watch import parse_every

    with pytest.raises(ConfigError, match="--every"):
        parse_every(text)
