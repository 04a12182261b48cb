"""``newsdesk eval``: retrieval, answer, citation and refusal metrics against gold questions."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from assistant.evaluation import metrics
from assistant.evaluation.gold import GoldQuestion, read_gold

RANK_CHUNKS = 30  # chunks ranked for article-level hit@k / MRR@10


def _ranked_articles(passages: list[Any]) -> list[str]:
    return list(dict.fromkeys(p.article_id for p in passages))


def _hidden_run(assistant: Any, g: GoldQuestion, today: date | None, until: str | None,
                k: int | None) -> dict[str, Any]:
    """Ask ``g`` with its gold articles excluded from retrieval: it should now be refused.

    A question whose gold answer still occurs in a passage the answerer gets (another article
    carried the same fact) is dropped from the hidden half, since answering it is right:
    ``dropped`` is the exact string test (``contains``), ``dropped_variant`` the looser one
    that also accepts inflections and any word order (``holds_variant``); the report scores
    the hidden half both ways."""
    exclude = tuple(g.gold_doc_ids)
    kk = k or assistant.settings.k
    passages = assistant.retrieve(g.question, k=kk, today=today, until=until, exclude=exclude)
    ans = assistant.ask(g.question, today=today, until=until, k=k, exclude=exclude)
    leaked = bool(g.answers) and any(metrics.contains(p.text, g.answers) for p in passages)
    variant = leaked or any(
        metrics.holds_variant(f"{p.title} {p.text}", g.answers) for p in passages)
    return {"dropped": leaked, "dropped_variant": variant, "answered": ans.answered,
            "answer": ans.text,
            "short": ans.short, "support": ans.support, "signals": dict(ans.signals),
            "reason": ans.reason}


def evaluate(assistant: Any, questions: list[GoldQuestion], *, retriever: str = "hybrid",
             k: int | None = None, use_question_date: bool = True,
             hide_gold: bool = False) -> dict[str, Any]:
    """Score ``assistant`` on ``questions``; returns the report dict (see the eval issue).

    ``retriever`` picks the ranking scored by the retrieval metrics; ``k`` is the number of
    passages the answerer gets (default: the assistant's setting). With ``hide_gold`` every
    question with gold articles is asked a second time with them excluded from retrieval and
    scored as unanswerable (the hard-negative half of the report)."""
    assistant.warm()  # model load is not query latency
    per: list[dict[str, Any]] = []
    hits: dict[str, list[float]] = {"hit@1": [], "hit@5": [], "hit@10": [], "mrr@10": []}
    contains, em, f1, mc, cprec, refusal, lat = [], [], [], [], [], [], []
    answered: list[float] = []
    hidden_refused: list[float] = []
    hidden_refused_v: list[float] = []
    dropped = 0
    confusion = {"answerable": {"answered_right": 0, "answered_wrong": 0, "refused": 0},
                 "hidden": {"answered": 0, "refused": 0}}
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
                hits[f"hit@{kk}"].append(metrics.hit_at(ranked, gold_ids, kk))
            hits["mrr@10"].append(metrics.mrr_at(ranked, gold_ids, 10))
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
                               "support": ans.support, "signals": dict(ans.signals),
                               "reason": ans.reason, "retrieved_article_ids": ranked[:10]}
        if g.answerable and g.answers:
            answered.append(float(ans.answered))
            contains.append(metrics.contains(ans.text, g.answers))
            cell = "refused" if not ans.answered else \
                "answered_right" if contains[-1] else "answered_wrong"
            confusion["answerable"][cell] += 1
            # EM/F1 score the short answer phrase when there is one (they measure a phrase)
            em.append(metrics.exact_match(ans.short or ans.text, g.answers))
            f1.append(metrics.f1(ans.short or ans.text, g.answers))
            row["correct"] = bool(contains[-1])
            for c in ans.citations:
                ok = (g.evidence and g.evidence in c.passage) or \
                    metrics.contains(c.passage, g.answers)
                cprec.append(float(bool(ok)))
        if not g.answerable:
            refusal.append(float(not ans.answered))
            row["correct"] = not ans.answered
        if hide_gold and g.gold_doc_ids and g.answerable:
            hid = _hidden_run(assistant, g, today, until, k)
            row["hidden"] = hid
            if hid["dropped"]:
                dropped += 1
            else:
                hidden_refused.append(float(not hid["answered"]))
                confusion["hidden"]["refused" if not hid["answered"] else "answered"] += 1
            if not hid["dropped_variant"]:
                hidden_refused_v.append(float(not hid["answered"]))
        if g.choices:
            idx = assistant.choose(g.question, list(g.choices), today=today, until=until)
            mc.append(float(idx in g.answer_idx))
            row["choice"] = idx
            row["correct_choice"] = idx in g.answer_idx
        per.append(row)

    def r(v: list[float]) -> float | None:
        m = metrics.mean(v)
        return None if m is None else round(m, 4)

    report: dict[str, Any] = {
        "n": len(questions),
        "retriever": retriever,
        "retrieval": {key: r(v) for key, v in hits.items()},
        "answer": {"answered": r(answered), "contains": r(contains), "em": r(em), "f1": r(f1),
                   "mc_accuracy": r(mc)},
        "citation": {"precision": r(cprec)},
        "refusal": {"accuracy": r(refusal)},
        "latency_ms": {"p50": round(metrics.percentile(lat, 50), 2),
                       "p95": round(metrics.percentile(lat, 95), 2)},
        "per_question": per,
    }
    if hide_gold:
        report["hidden"] = {"asked": len(hidden_refused) + dropped, "dropped": dropped,
                            "scored": len(hidden_refused),
                            "refusal_accuracy": r(hidden_refused),
                            "scored_variant": len(hidden_refused_v),
                            "refusal_accuracy_variant": r(hidden_refused_v)}
        report["confusion"] = confusion
    return report


def run_eval(gold_path: str, settings: Any, *, corpus: list[str] = (),  # type: ignore[assignment]
             retriever: str = "hybrid", k: int | None = None, limit: int | None = None,
             hide_gold: bool = False) -> dict[str, Any]:
    from assistant.assistant import Assistant

    if corpus:
        from assistant.indexing import ingest

        report = ingest(list(corpus), settings)
        print(report.summary(), flush=True)
    questions = read_gold(gold_path)[:limit] if limit else read_gold(gold_path)
    a = Assistant(settings=settings)
    out = evaluate(a, questions, retriever=retriever, k=k, hide_gold=hide_gold)
    out["gold"] = gold_path
    return out


def format_table(rep: dict[str, Any]) -> str:
    def f(v: Any) -> str:
        return "  n/a" if v is None else f"{v:.3f}"

    lines = [f"questions: {rep['n']}   retriever: {rep['retriever']}"]
    for group in ("retrieval", "answer", "citation", "refusal", "hidden", "latency_ms"):
        if group not in rep:
            continue
        cells = "  ".join(f"{k}={v}" if isinstance(v, int) else f"{k}={f(v)}"
                          for k, v in rep[group].items())
        lines.append(f"{group:<10} {cells}")
    if "confusion" in rep:
        a, h = rep["confusion"]["answerable"], rep["confusion"]["hidden"]
        lines += [
            "confusion             answered (right / wrong)   refused",
            f"  answerable (normal)  {a['answered_right']:>5} / {a['answered_wrong']:<5}"
            f"            {a['refused']:>5}",
            f"  unanswerable (hidden) {h['answered']:>5}                     {h['refused']:>5}",
        ]
    return "\n".join(lines)
