"""``newsdesk eval``: retrieval, answer, citation and refusal metrics against gold questions."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from assistant.evaluation import metrics as M
from assistant.evaluation.gold import GoldQuestion, read_gold

RANK_CHUNKS = 30  # chunks ranked for article-level hit@k / MRR@10


def _ranked_articles(passages: list[Any]) -> list[str]:
    return list(dict.fromkeys(p.article_id for p in passages))


def evaluate(assistant: Any, questions: list[GoldQuestion], *, retriever: str = "hybrid",
             k: int | None = None, use_question_date: bool = True) -> dict[str, Any]:
    """Score ``assistant`` on ``questions``; returns the report dict (see the eval issue).

    ``retriever`` picks the ranking scored by the retrieval metrics; ``k`` is the number of
    passages the answerer gets (default: the assistant's setting)."""
    assistant.warm()  # model load is not query latency
    per: list[dict[str, Any]] = []
    hits: dict[str, list[float]] = {"hit@1": [], "hit@5": [], "hit@10": [], "mrr@10": []}
    contains, em, f1, mc, cprec, refusal, lat = [], [], [], [], [], [], []
    for g in questions:
        today = date.fromisoformat(g.question_date) if g.question_date and use_question_date \
            else None
        until = g.question_date if use_question_date else None
        passages = assistant.retrieve(g.question, k=RANK_CHUNKS, mode=retriever, today=today,
                                      until=until)
        ranked = _ranked_articles(passages)
        gold_ids = set(g.gold_doc_ids)
        if gold_ids:
            for kk in (1, 5, 10):
                hits[f"hit@{kk}"].append(M.hit_at(ranked, gold_ids, kk))
            hits["mrr@10"].append(M.mrr_at(ranked, gold_ids, 10))
        elif g.evidence:
            chunk_hits = [g.evidence in p.text for p in passages]
            for kk in (1, 5, 10):
                hits[f"hit@{kk}"].append(float(any(chunk_hits[:kk])))
            hits["mrr@10"].append(next((1 / i for i, h in enumerate(chunk_hits[:10], 1) if h),
                                       0.0))
        t0 = time.perf_counter()
        ans = assistant.ask(g.question, today=today, until=until, k=k)
        lat.append((time.perf_counter() - t0) * 1000)
        row: dict[str, Any] = {"id": g.id, "question": g.question, "answered": ans.answered,
                               "answer": ans.text, "short": ans.short,
                               "retrieved_article_ids": ranked[:10]}
        if g.answerable and g.answers:
            contains.append(M.contains(ans.text, g.answers))
            # EM/F1 score the short answer phrase when there is one (they measure a phrase)
            em.append(M.exact_match(ans.short or ans.text, g.answers))
            f1.append(M.f1(ans.short or ans.text, g.answers))
            row["correct"] = bool(contains[-1])
            for c in ans.citations:
                ok = (g.evidence and g.evidence in c.passage) or M.contains(c.passage, g.answers)
                cprec.append(float(bool(ok)))
        if not g.answerable:
            refusal.append(float(not ans.answered))
            row["correct"] = not ans.answered
        if g.choices:
            idx = assistant.choose(g.question, list(g.choices), today=today, until=until)
            mc.append(float(idx in g.answer_idx))
            row["choice"] = idx
            row["correct_choice"] = idx in g.answer_idx
        per.append(row)

    def r(v: list[float]) -> float | None:
        m = M.mean(v)
        return None if m is None else round(m, 4)

    return {
        "n": len(questions),
        "retriever": retriever,
        "retrieval": {key: r(v) for key, v in hits.items()},
        "answer": {"contains": r(contains), "em": r(em), "f1": r(f1), "mc_accuracy": r(mc)},
        "citation": {"precision": r(cprec)},
        "refusal": {"accuracy": r(refusal)},
        "latency_ms": {"p50": round(M.percentile(lat, 50), 2),
                       "p95": round(M.percentile(lat, 95), 2)},
        "per_question": per,
    }


def run_eval(gold_path: str, settings: Any, *, corpus: list[str] = (),  # type: ignore[assignment]
             retriever: str = "hybrid", k: int | None = None, limit: int | None = None
             ) -> dict[str, Any]:
    from assistant.assistant import Assistant

    if corpus:
        from index import open_store
        from index.embeddings import get_embeddings
        from index.pipeline import ingest

        store = open_store(str(settings.index_dir), chroma_url=settings.chroma_url,
                           token=settings.chroma_token,
                           embeddings=get_embeddings(settings.embeddings))
        report = ingest(list(corpus), store, keyword_dir=settings.keyword_dir)
        print(report.summary(), flush=True)
    questions = read_gold(gold_path)[:limit] if limit else read_gold(gold_path)
    a = Assistant(settings=settings)
    out = evaluate(a, questions, retriever=retriever, k=k)
    out["gold"] = gold_path
    return out


def format_table(rep: dict[str, Any]) -> str:
    def f(v: Any) -> str:
        return "  n/a" if v is None else f"{v:.3f}"

    lines = [f"questions: {rep['n']}   retriever: {rep['retriever']}"]
    for group in ("retrieval", "answer", "citation", "refusal", "latency_ms"):
        cells = "  ".join(f"{k}={f(v)}" for k, v in rep[group].items())
        lines.append(f"{group:<10} {cells}")
    return "\n".join(lines)
