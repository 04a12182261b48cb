"""The question path as explicit steps, each a small object with one public method.

    Query ─ Rewrite ─ PlanFilters ─ Retrieve ─┬─ ExtractiveAnswer ────────────────┐
                                              └─ LLMAnswer (draft → Verify, or     ├─> Answer
                                                 the extractive answer instead) ───┘

* ``Rewrite``: a follow-up that leans on the conversation becomes a standalone question.
* ``PlanFilters``: dates and sources from the caller, else a period the question names
  ("in 2019", "last week") counted back from the question's day.
* ``Retrieve``: ``HybridRetriever`` — dense + BM25 search, score fusion, recency prior, name
  rerank, at most two passages per article (see ``assistant.retrieval``); a question whose period
  holds no article is retried without it, so the refusal can say what the articles lack.
* ``ExtractiveAnswer``: the grounded default (``assistant.answerers.extractive``).
* ``LLMAnswer``: a chat model drafts, ``Verify`` keeps only citations the passages back; a draft
  left without one is replaced by the extractive answer.

``Query`` carries one question from step to step (each returns a new copy with its part
filled in); ``Assistant`` composes the steps, and ``Assistant.as_runnable()`` exposes them as a
LangChain ``RunnableSequence`` whose steps show up in traces.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Protocol

from assistant import conversation, dates
from assistant.citations import verify
from assistant.types import REFUSAL, Answer, Citation, Filters, Passage, Turn
from index.errors import BackendError, EmptyIndexError, QuestionError

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel

    from assistant.answerers.extractive import Extracted
    from assistant.retrieval import HybridRetriever

Day = str | date | None
"""A day as ``YYYY-MM-DD`` or a ``date``."""


def epoch_of(d: date) -> int:
    """Midnight UTC of ``d`` in epoch seconds (how chunk dates are stored)."""
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())


def parse_day(value: Day, name: str) -> date | None:
    """``value`` as a date (``None`` for empty); a bad value is a ``QuestionError``."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise QuestionError(f"{name} {value!r} is not a date (use YYYY-MM-DD)") from exc


@dataclass(frozen=True)
class Query:
    """One question and what the steps have found for it so far."""

    question: str                          # as asked, whitespace normalised
    history: tuple[Turn, ...] = ()
    k: int | None = None                   # passages for the answerer (None: the setting)
    since: Day = None
    until: Day = None
    sources: tuple[str, ...] = ()
    today: date | None = None              # the question's day (recency, "last week")
    exclude: frozenset[str] = frozenset()  # articles retrieval leaves out
    only: frozenset[str] = frozenset()     # when set, the only articles retrieval searches
    answerer: str = "extractive"
    started: float = 0.0                   # perf_counter() when asked, for latency
    # filled in by the steps
    standalone: str = ""
    filters: Filters = field(default_factory=Filters)
    passages: tuple[Passage, ...] = ()
    retrieved: tuple[str, ...] = ()        # ranked article ids of the first search
    empty_reason: str = ""                 # why nothing was retrieved, when nothing was
    period: dates.Period | None = None     # the dates the question's own words name

    def with_(self, **changes: object) -> Query:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @property
    def reference_day(self) -> date | None:
        """The day the question is asked on: ``today``, else ``until`` (the evaluation's
        "as of"), else None (the clock's day)."""
        # ``until`` was validated when the filters were planned, before any answer step
        return self.today or parse_day(self.until, "--until")

    @property
    def latency_ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 2)


class Rewrite:
    """Follow-up → standalone question (no LLM: a deictic follow-up joins the last question)."""

    def run(self, q: Query) -> Query:
        return q.with_(standalone=" ".join(conversation.standalone(q.history,
                                                                   q.question).split()))


class PlanFilters:
    """The date and source restrictions for retrieval.

    The question's own date phrase ("this week", "in 2019") narrows the dates given as
    options: with ``until`` alone (the evaluation's "as of the question's day"), "this week"
    still means the seven days before it. Asked with no day at all, a relative phrase counts
    back from the collection's newest article (``newest``) when that is before the clock's
    day: over an archive of 2025 news "this week" is its last week, not the clock's."""

    def __init__(self, newest: Callable[[], date | None] | None = None) -> None:
        self._newest = newest

    def run(self, q: Query, *, question_dates: bool = True) -> Query:
        """``question_dates=False`` ignores a period the question's own words name."""
        s, u = parse_day(q.since, "--since"), parse_day(q.until, "--until")
        text = q.standalone or q.question
        period = dates.parse_period(text, q.today or u) if question_dates else None
        if period is not None and period.relative and q.today is None and u is None and \
                self._newest is not None:
            last = self._newest()  # read only for a relative phrase asked without a day
            if last is not None and last < date.today():
                period = dates.parse_period(text, last)
        if period is not None and (s is None or u is None):
            ps = period.since if s is None else max(s, period.since)
            pu = period.until if u is None else min(u, period.until)
            if ps <= pu:
                s, u = ps, pu
            else:
                period = None  # the options and the phrase exclude each other: options win
        elif period is not None:
            period = None      # both dates given: they override the question's words
        return q.with_(period=period, filters=Filters(
            since=epoch_of(s) if s else None, until=epoch_of(u) if u else None,
            sources=q.sources, exclude=q.exclude, only=q.only))


class Retrieve:
    """Ranked passages for the planned query, via ``HybridRetriever``."""

    def __init__(self, retriever: Callable[[Query, str], HybridRetriever],
                 embed_query: Callable[[str], list[float]], count_chunks: Callable[[], int],
                 location: str, plan: PlanFilters) -> None:
        self._retriever = retriever
        self._embed_query = embed_query
        self._count_chunks = count_chunks
        self._location = location
        self._plan = plan

    def search(self, q: Query, *, mode: str = "hybrid") -> list[Passage]:
        """The passages for ``q`` as planned (``mode``: hybrid, dense or bm25)."""
        text = q.standalone or q.question
        r = self._retriever(q, mode)
        vector = self._embed_query(text) if mode != "bm25" else None
        found = r.search(text, vector=vector)
        if not found and self._count_chunks() == 0:  # counted only when nothing came back
            raise EmptyIndexError(f"the index at {self._location} holds no articles; "
                                  "add some with `newsdesk ingest PATH`")
        return found

    def run(self, q: Query) -> Query:
        passages = self.search(q)
        retrieved = tuple(dict.fromkeys(p.article_id for p in passages))
        if not passages and q.period is not None and not q.period.relative:
            # nothing in the period the question names ("in 2019"): answer from the closest
            # articles of any date, so the refusal can say what they cover and what they lack
            # (a relative period, "this week", is refused as empty: older news is not news)
            passages = self.search(self._plan.run(q, question_dates=False))
        reason = "" if passages else _empty_reason(q)
        return q.with_(passages=tuple(passages), retrieved=retrieved, empty_reason=reason)


def _empty_reason(q: Query) -> str:
    """Why nothing was retrieved: usually a date range or source that no article has."""
    f = q.filters

    def day(epoch: int | None) -> str:
        return datetime.fromtimestamp(epoch, UTC).date().isoformat() if epoch else "…"

    parts = []
    if f.since is not None or f.until is not None:
        asked = f"the question says “{q.period.phrase}”" if q.period is not None else "asked for"
        parts.append(f"dated {day(f.since)} to {day(f.until)} ({asked})")
    if f.sources:
        parts.append(f"from {', '.join(f.sources)}")
    if not parts:
        return "No passage in the index matches the question."
    return f"No article in the index is {' and '.join(parts)}."


class Grounded(Protocol):
    """What composes an answer from passages' own sentences (the reader's path,
    ``assistant.answerers.reading``, or the rule path, ``assistant.answerers.extractive``)."""

    def answer(self, question: str, qvec: Sequence[float] | None, passages: list[Passage],
               focus: str | None = None, today: date | None = None) -> Extracted:
        """The cited answer, or a refusal that says why."""
        ...


class Answerer(Protocol):
    """The last step: passages → an ``Answer`` (text pieces first, when it streams)."""

    def stream(self, q: Query) -> Iterator[str | Answer]:
        """Yield text pieces as they are produced, then the final ``Answer``."""
        ...


class ExtractiveAnswer:
    """The grounded default: the best-supported sentences, each cited; refuses when the
    answerability model says the passages don't hold the answer."""

    def __init__(self, make: Callable[[], Grounded],
                 embed_query: Callable[[str], list[float]]) -> None:
        self._make = make
        self._embed_query = embed_query

    def stream(self, q: Query) -> Iterator[str | Answer]:
        if not q.passages:
            text = f"{REFUSAL} {q.empty_reason}"
            yield from pieces(text)
            yield Answer(text=text, answered=False, answerer="extractive",
                         latency_ms=q.latency_ms, reason=q.empty_reason, question=q.question,
                         standalone_question=q.standalone, retrieved=q.retrieved)
            return
        got = self._make().answer(q.standalone, self._embed_query(q.standalone),
                                  list(q.passages), focus=q.question, today=q.reference_day)
        yield from pieces(got.text)
        yield Answer(text=got.text, answered=got.answered, citations=tuple(got.citations),
                     answerer="extractive", support=round(got.support, 4),
                     latency_ms=q.latency_ms, short=got.short, short_citation=got.short_n,
                     signals=tuple((k, round(v, 4)) for k, v in got.signals.items()),
                     answerability=None if got.probability is None
                     else round(got.probability, 4), reason=got.reason, question=q.question,
                     standalone_question=q.standalone, retrieved=q.retrieved,
                     decided_by=got.decided_by or "rules")


class Verify:
    """Keeps an LLM draft's ``[n]`` only where passage n backs the sentence."""

    def run(self, draft: str, passages: Sequence[Passage]
            ) -> tuple[str, list[Citation], list[str]]:
        """``(text, citations, problems)``: the draft with unsupported sentences removed."""
        return verify(draft, list(passages))


class LLMAnswer:
    """A chat model drafts from the passages; ``Verify`` checks each citation; a draft that
    declines or keeps no verified citation gives way to the extractive answer."""

    def __init__(self, model: BaseChatModel, name: str,
                 make_extractive: Callable[[], Grounded],
                 embed_query: Callable[[str], list[float]]) -> None:
        self.model = model
        self.name = name
        self._make_extractive = make_extractive
        self._embed_query = embed_query
        self._verify = Verify()

    def stream(self, q: Query) -> Iterator[str | Answer]:
        from assistant.answerers.llm import NOT_IN_SOURCES, LLMAnswerer

        qvec = self._embed_query(q.standalone)
        parts = []
        for piece in LLMAnswerer(self.model, self.name).stream_draft(q.standalone,
                                                                      list(q.passages)):
            parts.append(piece)
            yield piece
        draft = "".join(parts).strip()
        text, cites, problems = self._verify.run(draft, q.passages)
        notes = list(problems)
        if NOT_IN_SOURCES in draft.upper() or not cites:
            got = self._make_extractive().answer(q.standalone, qvec, list(q.passages),
                                                 focus=q.question, today=q.reference_day)
            notes.append("the model's draft had no verified citation; "
                         "showing the extractive answer")
            yield Answer(text=got.text, answered=got.answered, citations=tuple(got.citations),
                         answerer=f"{self.name}+extractive",
                         flagged=bool(problems) or bool(draft), notes=tuple(notes),
                         support=round(got.support, 4), latency_ms=q.latency_ms,
                         question=q.question, standalone_question=q.standalone,
                         retrieved=q.retrieved)
            return
        yield Answer(text=text, answered=True, citations=tuple(cites), answerer=self.name,
                     flagged=bool(problems), notes=tuple(notes), latency_ms=q.latency_ms,
                     question=q.question, standalone_question=q.standalone,
                     retrieved=q.retrieved)


def final_answer(stream: Iterable[str | Answer]) -> Answer:
    """The ``Answer`` a step's stream ends with (its text pieces consumed)."""
    final: Answer | None = None
    for piece in stream:
        if isinstance(piece, Answer):
            final = piece
    if final is None:  # every answerer ends with an Answer; this guards a broken one
        raise BackendError("the answerer produced no answer")
    return final


def pieces(text: str) -> Iterator[str]:
    """``text`` word by word (how the extractive answer streams)."""
    words = text.split(" ")
    for i, w in enumerate(words):
        yield w if i == 0 else " " + w
