"""``newsdesk bench``: numbers for ingest throughput and query latency, printed.

``bench ingest``: Newsdesk's ingest vs the plain LangChain pipeline (HuggingFaceEmbeddings +
``langchain_chroma.Chroma.add_documents``) on the same chunk texts, same machine, same run,
plus the top-5 agreement of the two indexes on a question set.
``bench query``: ``ask()`` p50/p95 next to a bare query embedding + Chroma query on the same
index, and store-only query latency / memory at growing sizes with synthetic vectors.
"""

from __future__ import annotations

import json
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.errors import ConfigError

if TYPE_CHECKING:
    from assistant.settings import Settings


def _articles(corpus: str, limit: int) -> list[Any]:
    from index.articles import Article
    from index.loaders import iter_articles

    out = [a for a in iter_articles([corpus]) if isinstance(a, Article)]
    return out[:limit]


SEED_QUESTIONS = Path(__file__).resolve().parents[2] / "seeds" / "questions.jsonl"


def _questions(path: str | None) -> list[str]:
    """The questions in ``path``; by default the seed questions of a source checkout (not
    the current directory's)."""
    from assistant.evaluation.gold import read_gold

    if path is None and not SEED_QUESTIONS.is_file():
        raise ConfigError("no question set: pass --questions FILE (a JSONL gold file)")
    return [g.question for g in read_gold(path or SEED_QUESTIONS)]


def bench_ingest(corpus: str, *, limit: int = 300, questions: str | None = None,
                 backend: str = "auto") -> int:
    from langchain_chroma import Chroma
    from langchain_core.documents import Document

    from index import open_store
    from index.chunking import chunk_article, embedding_text
    from index.embeddings import MiniLMEmbeddings
    from index.pipeline import ingest

    arts = _articles(corpus, limit)
    emb = MiniLMEmbeddings(backend=backend)
    emb.warm()  # both sides start with their model in memory (the plain one: below)
    tmp = Path(tempfile.mkdtemp(prefix="nd-bench-"))
    try:
        store = open_store(str(tmp / "newsdesk"), embeddings=emb)
        rep = ingest(arts, store, keyword_dir=tmp / "newsdesk" / "keyword", progress=False)
        nd_cps = rep.chunks_per_second
        print(f"newsdesk ({emb.backend} backend): {len(arts)} articles, {rep.chunks_written} "
              f"chunks in {rep.seconds:.1f}s = {nd_cps:.1f} chunks/s", flush=True)

        hf = _plain_embeddings()
        chunks = [c for a in arts for c in chunk_article(a)]
        docs = [Document(page_content=embedding_text(c), metadata={"id": c.id}) for c in chunks]
        t0 = time.perf_counter()
        plain = Chroma(collection_name="plain", embedding_function=hf,
                       persist_directory=str(tmp / "plain"),
                       collection_metadata={"hnsw:space": "cosine"})
        plain.add_documents(docs, ids=[c.id for c in chunks])
        lc_s = time.perf_counter() - t0
        lc_cps = len(chunks) / lc_s
        print(f"plain LangChain: {len(chunks)} chunks in {lc_s:.1f}s = {lc_cps:.1f} chunks/s")
        print(f"ratio newsdesk/plain: {nd_cps / lc_cps:.2f}x")

        # An update: one article in ten gains a closing paragraph. Only its new passage is
        # embedded; the plain pipeline has no diff and re-embeds whole articles.
        import dataclasses

        edited = [dataclasses.replace(a, body=a.body + "\n\nThis story has been updated with "
                                      "a correction from the newsroom.") if i % 10 == 0 else a
                  for i, a in enumerate(arts)]
        upd = ingest(edited, store, keyword_dir=tmp / "newsdesk" / "keyword", progress=False)
        touched = sum(len(chunk_article(a)) for i, a in enumerate(edited) if i % 10 == 0)
        print(f"update ({upd.updated} articles edited, {touched} chunks in them): newsdesk "
              f"re-embedded {upd.chunks_written} chunks in {upd.seconds:.1f}s; the plain pipeline"
              f" would re-embed {touched} (~{touched / lc_cps:.1f}s at its rate)", flush=True)

        # Each index is queried with its own embedder, as its users would: this measures
        # end-to-end agreement, backend differences included.
        qs = _questions(questions)
        agree = []
        for q in qs:
            a = [d.id for d, _ in store.dense_search(store.embeddings.embed_query(q), 5)]
            b = [d.metadata["id"] for d in plain.similarity_search(q, k=5)]
            agree.append(len(set(a) & set(b)) / 5)
        print(f"top-5 agreement over {len(qs)} questions: {statistics.mean(agree):.3f}")
        print(json.dumps({"articles": len(arts), "chunks": len(chunks),
                          "newsdesk_chunks_per_s": round(nd_cps, 2),
                          "plain_chunks_per_s": round(lc_cps, 2),
                          "ratio": round(nd_cps / lc_cps, 3), "backend": emb.backend,
                          "top5_agreement": round(statistics.mean(agree), 4),
                          "update_articles": upd.updated, "update_chunks_embedded":
                          upd.chunks_written, "update_seconds": round(upd.seconds, 2)}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


TIMELINE_TOPICS = ("Brittney Griner", "Artemis", "monkeypox", "Elon Musk", "Twitter",
                   "Liz Truss", "Queen Elizabeth", "Hurricane Ian", "Ukraine", "inflation")


def bench_timeline(settings: Settings, topics: Sequence[str] = (), *,
                   search: int | None = None) -> int:
    """Time ``Assistant.timeline`` per topic (after a warm-up) and print p50 / p90."""
    from assistant import Assistant

    a = Assistant(settings=settings)
    a.warm()
    names = list(topics) or list(TIMELINE_TOPICS)
    from assistant.assistant import TIMELINE_SEARCH

    n = TIMELINE_SEARCH if search is None else search
    a.timeline(names[0], search=n)  # the first call pays for lazy loads, not the timeline
    times = []
    for t in names:
        t0 = time.perf_counter()
        tl = a.timeline(t, search=n)
        times.append((time.perf_counter() - t0) * 1000)
        print(f"{times[-1]:8.0f} ms  {len(tl.events):>2} events  {t}", flush=True)
    print(f"timeline over {a.stats()['chunks']} chunks, {n} passages read: p50 "
          f"{_pct(times, 50):.0f} ms, p90 {_pct(times, 90):.0f} ms ({len(times)} topics)")
    return 0


def _pct(v: list[float], q: float) -> float:
    s = sorted(v)
    return s[min(len(s) - 1, round(q / 100 * (len(s) - 1)))]


def bench_query(settings: Settings, *, questions: str | None, sizes: list[int],
                stores: tuple[str, ...] = ("chroma",), queries: int = 200) -> int:
    """``ask()`` latency next to two bare baselines on the same index, then store scaling.

    Baselines: what a plain LangChain user runs (``HuggingFaceEmbeddings.embed_query`` +
    ``Chroma.similarity_search(k=5)``), and the same with Newsdesk's own embedder."""
    from datetime import date

    from assistant.assistant import Assistant
    from assistant.evaluation.gold import read_gold

    a = Assistant(settings=settings)
    a.warm()
    if questions is None and not SEED_QUESTIONS.is_file():
        raise ConfigError("no question set: pass --questions FILE (a JSONL gold file)")
    gold = read_gold(questions or SEED_QUESTIONS)
    qs = [g.question for g in gold]
    # "this week" in a benchmark question means the week of its quiz, as in `newsdesk eval`
    days = {g.question: date.fromisoformat(g.question_date) if g.question_date else None
            for g in gold}
    plain = _plain_search(a)
    for q in qs[:3]:
        a.ask(q, today=days[q])  # warm caches the way a running app has them
        plain(q)
    ask_ms, own_ms, plain_ms = [], [], []
    for _ in range(3):
        for q in qs:
            a._vectors.data.clear()  # no cached vectors: ask() pays for every embedding
            a._vectors.queries.clear()
            t0 = time.perf_counter()
            a.ask(q, today=days[q])
            ask_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            v = a.store.embeddings.embed_query(q)
            a.store.dense_search(v, 5)
            own_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            plain(q)
            plain_ms.append((time.perf_counter() - t0) * 1000)
    p50a = statistics.median(ask_ms)
    print(f"index: {a.stats()['chunks']} chunks at {settings.location}; {len(qs)} questions x 3;"
          f" embedding backend {getattr(a.store.embeddings, 'backend', '?')}")
    rows = (("ask()", ask_ms), ("plain LangChain embed_query + similarity_search", plain_ms),
            (f"Newsdesk embedder + {settings.backend} query", own_ms))
    for name, v in rows:
        print(f"{name:<50} p50 {statistics.median(v):7.1f} ms  p95 {_pct(v, 95):7.1f} ms")
    print(f"ratio ask()/plain LangChain (p50): {p50a / statistics.median(plain_ms):.2f}x")
    print(f"ratio ask()/Newsdesk embedder + {settings.backend} (p50): "
          f"{p50a / statistics.median(own_ms):.2f}x")
    for n in sizes:
        for backend in stores:
            _store_scale(n, backend, queries)
    return 0


def _plain_embeddings() -> Any:
    """The plain LangChain embedder: HuggingFaceEmbeddings over the same packaged model."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from langchain_huggingface import HuggingFaceEmbeddings

    from index.embeddings import model_dir

    return HuggingFaceEmbeddings(model_name=str(model_dir()),
                                 encode_kwargs={"normalize_embeddings": True})


def _plain_search(a: Any) -> Any:
    """The plain LangChain query path over the same Chroma collection."""
    db = a.store.vectorstore_with(_plain_embeddings())
    return lambda q: db.similarity_search(q, k=5)


def _store_scale(n: int, backend: str = "chroma", queries: int = 200) -> None:
    """One backend's scale probe in a fresh process, so its peak RSS is its own."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        build, lat, rss = pool.apply(_probe, (backend, n, queries))
    p50 = statistics.median(lat)
    print(f"store {backend:<7} {n:>9,} vectors: build {build:7.1f}s  query p50 {p50:7.2f} ms"
          f"  p95 {_pct(lat, 95):7.2f} ms  peak RSS {rss:,.0f} MB", flush=True)


def _peak_mb() -> float:
    """This process's peak RSS in MB. VmHWM, not ru_maxrss: Linux carries ru_maxrss over
    from the forking parent, so a spawned probe would report the parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _probe(backend: str, n: int, queries: int) -> tuple[float, list[float], float]:
    from index.store import probe

    scale_probe = probe.milvus if backend == "milvus" else probe.chroma
    tmp = tempfile.mkdtemp(prefix="nd-scale-")
    try:
        build, lat = scale_probe(tmp, n, queries=queries)
        return build, lat, _peak_mb()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
