"""Timeline evaluation on RealTime QA 2023-24: do timelines find a story's weeks, about the
story, correctly dated, in order?

- **Topics.** A topic is a named entity (spaCy: a person, organisation, place, event,
  product or law) asked about in at least ``MIN_QUESTIONS`` questions of at least
  ``MIN_WEEKS`` different weeks; the questions must have answer documents.
- **Gold.** Each of those questions is a gold week: its answer documents and gold answers,
  around its date.
- **Index.** The pooled articles of those questions (their search results: the other results
  are the distractors), ingested into the given index.
- **Per topic**, from ``Assistant.timeline(topic)``:
  - *week recall*: share of gold weeks with an event that cites one of the week's answer
    documents or states a gold answer, dated from ``WINDOW_DAYS`` + 7 days before the question
    to ``WINDOW_DAYS`` after it (the question's week, ± 7 days);
  - *fresh week recall*: the same over the gold weeks that an answer document dated in that
    window exists for (many answer documents are months older than the question: no correctly
    dated event can catch those weeks);
  - *precision*: share of events whose sentence names the topic (its words, in order);
  - *date accuracy*: share of events dated as their article is, or, when dated from the text
    ("on Tuesday"), within the week before the article;
  - *in order*: the events' dates never go back.
- Means over topics, with 95 % bootstrap intervals over topics.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from assistant.evaluation import metrics
from index.errors import LoadError

MIN_QUESTIONS = 3
MIN_WEEKS = 3
WINDOW_DAYS = 7
# NORP (Americans, Republican) names a group, not a story
LABELS = frozenset({"PERSON", "ORG", "GPE", "EVENT", "PRODUCT", "FAC", "LOC", "LAW"})
_NORM = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class GoldWeek:
    """One question about a topic: when it was asked, its answer documents and answers."""

    asked: date
    doc_ids: tuple[str, ...]
    answers: tuple[str, ...]
    search_doc_ids: tuple[str, ...]


@dataclass(frozen=True)
class Topic:
    name: str
    weeks: tuple[GoldWeek, ...]


def _norm(text: str) -> str:
    return f" {_NORM.sub(' ', text.lower()).strip()} "


def _key(entity: str) -> str:
    text = re.sub(r"(?:'s|’s)$", "", entity.strip())
    return _NORM.sub(" ", re.sub(r"^the\s+", "", text, flags=re.I).lower()).strip()


def topics(rows: Iterable[dict[str, Any]]) -> list[Topic]:
    """The topics of ``rows`` (question records of the benchmark), most-asked first."""
    from assistant.nlp import entities

    surface: dict[str, Counter[str]] = defaultdict(Counter)
    asked: dict[str, dict[str, GoldWeek]] = defaultdict(dict)
    for r in rows:
        if not r.get("answer_doc_ids") or not r.get("question_date"):
            continue
        q = r["question"]
        week = GoldWeek(date.fromisoformat(r["question_date"][:10]), tuple(r["answer_doc_ids"]),
                        tuple(r.get("gold_answers") or ()), tuple(r.get("search_doc_ids") or ()))
        for a, b, label in entities(q):
            key = _key(q[a:b])
            if label in LABELS and key:
                surface[key][re.sub(r"^the\s+", "", q[a:b], flags=re.I)] += 1
                asked[key][r["id"]] = week
    out = []
    for key, by_q in asked.items():
        weeks = {w.asked.isocalendar()[:2] for w in by_q.values()}
        if len(by_q) >= MIN_QUESTIONS and len(weeks) >= MIN_WEEKS:
            name = surface[key].most_common(1)[0][0]
            out.append(Topic(name, tuple(sorted(by_q.values(), key=lambda w: w.asked))))
    return sorted(out, key=lambda t: (-len(t.weeks), t.name))


def _window(w: GoldWeek) -> tuple[date, date]:
    return w.asked - timedelta(days=WINDOW_DAYS + 7), w.asked + timedelta(days=WINDOW_DAYS)


def score(topic: Topic, events: Sequence[Any], dates: dict[str, str]) -> dict[str, Any]:
    """The figures of one topic's timeline (``events``: ``assistant.timeline.Event``)."""
    found, fresh, fresh_found = 0, 0, 0
    for w in topic.weeks:
        lo, hi = _window(w)
        golds = [_norm(a) for a in w.answers if a.strip()]
        hit = any(lo <= date.fromisoformat(e.date) <= hi and (
            e.citation.article_id in w.doc_ids or any(g in _norm(e.text) for g in golds))
            for e in events)
        found += hit
        if any(lo <= _day(dates.get(d, "")) <= hi for d in w.doc_ids):
            fresh += 1
            fresh_found += hit
    name = _norm(topic.name)
    about = [name in _norm(e.text) for e in events]
    dated = [_dated_right(e) for e in events]
    days = [e.date for e in events]
    return {"topic": topic.name, "weeks": len(topic.weeks), "events": len(events),
            "week_recall": found / len(topic.weeks),
            "fresh_weeks": fresh, "fresh_week_recall": fresh_found / fresh if fresh else None,
            "precision": sum(about) / len(about) if about else None,
            "date_accuracy": sum(dated) / len(dated) if dated else None,
            "in_order": float(days == sorted(days))}


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return date.min


def _dated_right(e: Any) -> bool:
    published = _day(e.citation.date)
    when = _day(e.date)
    if e.date_from == "article":
        return when == published
    return timedelta(0) < published - when <= timedelta(days=7)


def run(questions_path: str, settings: Any, *, corpus: Sequence[str] = (),
        limit: int | None = None) -> dict[str, Any]:
    """Find the topics of ``questions_path``, index their pooled articles from ``corpus``
    (idempotent), build each topic's timeline and score it; the report as a dict."""
    from assistant import Assistant
    from assistant.evaluation.pooled import pool
    from assistant.indexing import ingest
    from index.loaders import iter_articles

    rows = [json.loads(line) for line in Path(questions_path).read_text("utf-8").splitlines()
            if line.strip()]
    found = topics(rows)[:limit] if limit else topics(rows)
    ids = {d for t in found for w in t.weeks for d in (*w.search_doc_ids, *w.doc_ids)}
    dates: dict[str, str] = {}
    if corpus:
        kept = [a for a in pool(iter_articles(list(corpus)), ids) if not isinstance(a, LoadError)]
        dates = {a.id: a.date or "" for a in kept}
        print(ingest(kept, settings).summary(), flush=True)
    a = Assistant(settings=settings)
    if not dates:
        dates = {r.id: r.date for r in a.store.article_records(sorted(ids)).values()}
    per = []
    for t in found:
        tl = a.timeline(t.name)  # the defaults a user gets
        per.append(score(t, tl.events, dates))
    return {"questions": questions_path, "topics": len(per), "per_topic": per,
            "summary": summarize(per)}


def summarize(per: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Mean and 95 % bootstrap interval over topics of each figure."""
    out = {}
    for k in ("week_recall", "fresh_week_recall", "precision", "date_accuracy", "in_order"):
        vals = [float(p[k]) for p in per if p[k] is not None]
        ci = metrics.bootstrap(vals)
        out[k] = {"mean": round(metrics.mean(vals) or 0.0, 4), "n": len(vals),
                  "ci": None if ci is None else [round(ci[0], 4), round(ci[1], 4)]}
    return out


def format_report(rep: dict[str, Any]) -> str:
    lines = [f"timelines: {rep['topics']} topics from {rep['questions']}"]
    for p in rep["per_topic"]:
        f = p["fresh_week_recall"]
        lines.append(f"  {p['topic'][:40]:<40} weeks={p['weeks']:>2} events={p['events']:>2} "
                     f"recall={p['week_recall']:.2f} fresh={'  n/a' if f is None else f'{f:.2f}'}"
                     f" ({p['fresh_weeks']}) precision="
                     f"{'n/a' if p['precision'] is None else format(p['precision'], '.2f')}")
    for k, v in rep["summary"].items():
        ci = "" if v["ci"] is None else f" [{v['ci'][0]:.3f}, {v['ci'][1]:.3f}]"
        lines.append(f"{k:<18} {v['mean']:.3f}{ci}  (n={v['n']})")
    return "\n".join(lines)
