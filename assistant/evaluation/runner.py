"""``newsdesk eval``: retrieval, answer, citation and refusal metrics against gold questions."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from assistant.evaluation import metrics
from assistant.evaluation.gold import GoldQuestion, read_gold
from index.errors import LoadError

RANK_CHUNKS = 30  # chunks ranked for article-level hit@k / MRR@10


def _ranked_articles(passages: list[Any]) -> list[str]:
    return list(dict.fromkeys(p.article_id for p in passages))


def _hidden_run(assistant: Any, g: GoldQuestion, today: date | None, until: str | None,
                k: int | None, only: tuple[str, ...]) -> dict[str, Any]:
    """Ask ``g`` with its gold articles excluded from retrieval: it should now be refused.

    A question whose gold answer still occurs in a passage the answerer gets (another article
    carried the same fact) is dropped from the hidden half, since answering it is right:
    ``dropped`` is the exact string test (``contains``), ``dropped_variant`` the looser one
    that also accepts inflections and any word order (``holds_variant``); the report scores
    the hidden half both ways."""
    exclude = tuple(g.gold_doc_ids)
    kk = k or assistant.settings.k
    passages = assistant.retrieve(g.question, k=kk, today=today, until=until, exclude=exclude,
                                  only=only)
    ans = assistant.ask(g.question, today=today, until=until, k=k, exclude=exclude, only=only)
    leaked = bool(g.answers) and any(metrics.contains(p.text, g.answers) for p in passages)
    variant = leaked or any(
        metrics.holds_variant(f"{p.title} {p.text}", g.answers) for p in passages)
    return {"dropped": leaked, "dropped_variant": variant, "answered": ans.answered,
            "answer": ans.text,
            "short": ans.short, "support": ans.support, "signals": dict(ans.signals),
            "reason": ans.reason, "decided_by": ans.decided_by,
            "probability": ans.answerability}


def evaluate(assistant: Any, questions: list[GoldQuestion], *, retriever: str = "hybrid",
             k: int | None = None, use_question_date: bool = True,
             hide_gold: bool = False, clear: set[str] | None = None,
             fresh: set[str] | None = None) -> dict[str, Any]:
    """Score ``assistant`` on ``questions``; returns the report dict (see the eval issue).

    ``retriever`` picks the ranking scored by the retrieval metrics; ``k`` is the number of
    passages the answerer gets (default: the assistant's setting). With ``hide_gold`` every
    question with gold articles is asked a second time with them excluded from retrieval and
    scored as unanswerable (the hard-negative half of the report). A question with
    ``search_doc_ids`` is asked within those articles only (pooled evaluation: its "as of"
    cut is its search results, not a date); ``clear`` names the clearly answerable ones,
    reported as a group of their own, and ``fresh`` those with an answer document from the
    question's week (``clear_fresh``: both)."""
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
        only = tuple(g.search_doc_ids)
        until = g.question_date if use_question_date and not only else None
        passages = assistant.retrieve(g.question, k=RANK_CHUNKS, mode=retriever, today=today,
                                      until=until, only=only)
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
        ans = assistant.ask(g.question, today=today, until=until, k=k, only=only)
        lat.append((time.perf_counter() - t0) * 1000)
        row: dict[str, Any] = {"id": g.id, "question": g.question, "answered": ans.answered,
                               "answer": ans.text, "short": ans.short,
                               "support": ans.support, "signals": dict(ans.signals),
                               "reason": ans.reason, "retrieved_article_ids": ranked[:10],
                               "decided_by": ans.decided_by, "probability": ans.answerability,
                               "clear": bool(clear and g.id in clear),
                               "fresh": bool(fresh and g.id in fresh)}
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
            row["f1"] = f1[-1]
            for c in ans.citations:
                ok = (g.evidence and g.evidence in c.passage) or \
                    metrics.contains(c.passage, g.answers)
                cprec.append(float(bool(ok)))
        if not g.answerable:
            refusal.append(float(not ans.answered))
            row["correct"] = not ans.answered
        if hide_gold and g.gold_doc_ids and g.answerable:
            hid = _hidden_run(assistant, g, today, until, k, only)
            row["hidden"] = hid
            if hid["dropped"]:
                dropped += 1
            else:
                hidden_refused.append(float(not hid["answered"]))
                confusion["hidden"]["refused" if not hid["answered"] else "answered"] += 1
            if not hid["dropped_variant"]:
                hidden_refused_v.append(float(not hid["answered"]))
        if g.choices:
            idx = assistant.choose(g.question, list(g.choices), today=today, until=until,
                                   only=only)
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
    report.update(_extras(per, hide_gold))
    return report


def _group(rows: list[dict[str, Any]], hide_gold: bool) -> dict[str, Any]:
    """Answered, right, F1 (and hidden refusal) of a group of questions, with intervals."""
    c: dict[str, Any] = {"answered": [float(r["answered"]) for r in rows],
                         "right": [float(r["correct"]) for r in rows],
                         "f1": [r["f1"] for r in rows]}
    if hide_gold:
        c["hidden_refusal"] = [float(not r["hidden"]["answered"]) for r in rows
                               if "hidden" in r and not r["hidden"]["dropped"]]
    return {"n": len(rows), **{k: {"mean": round(metrics.mean(v) or 0.0, 4), "ci": _ci(v)}
                               for k, v in c.items()}}


def _extras(per: list[dict[str, Any]], hide_gold: bool) -> dict[str, Any]:
    """Bootstrap intervals, the clearly answerable group, answers per decider, calibration."""
    ans_rows = [r for r in per if "f1" in r]
    hid = [r["hidden"] for r in per if "hidden" in r and not r["hidden"]["dropped"]]
    series: dict[str, list[float]] = {
        "answered": [float(r["answered"]) for r in ans_rows],
        "right": [float(r["correct"]) for r in ans_rows],
        "f1": [r["f1"] for r in ans_rows],
        "mc_accuracy": [float(r["correct_choice"]) for r in per if "correct_choice" in r],
    }
    if hide_gold:
        series["hidden_refusal"] = [float(not h["answered"]) for h in hid]
    out: dict[str, Any] = {"intervals": {k: _ci(v) for k, v in series.items() if v}}
    for name, rows in (("clear", [r for r in ans_rows if r.get("clear")]),
                       ("clear_fresh", [r for r in ans_rows if r.get("clear") and
                                        r.get("fresh")])):
        if rows:
            out[name] = _group(rows, hide_gold)
    deciders: dict[str, dict[str, int]] = {}
    for r in per:
        for half, row in (("normal", r), ("hidden", r.get("hidden"))):
            if row is None or (half == "hidden" and row["dropped"]):
                continue
            d = deciders.setdefault(row.get("decided_by") or "none", {})
            key = f"{half}_{'answered' if row['answered'] else 'refused'}"
            d[key] = d.get(key, 0) + 1
    out["decided_by"] = deciders
    probs, labels = [], []
    for r in ans_rows:
        if r.get("probability") is not None:
            probs.append(r["probability"])
            labels.append(float(r["correct"]))
    for h in hid:
        if h.get("probability") is not None:
            probs.append(h["probability"])
            labels.append(0.0)
    if probs:
        table, ece = metrics.calibration(probs, labels)
        out["calibration"] = {"ece": ece, "table": table}
    return out


def _ci(values: list[float]) -> list[float] | None:
    got = metrics.bootstrap(values)
    return None if got is None else [round(got[0], 4), round(got[1], 4)]


def run_eval(gold_path: str, settings: Any, *, corpus: list[str] = (),  # type: ignore[assignment]
             retriever: str = "hybrid", k: int | None = None, limit: int | None = None,
             hide_gold: bool = False, sample: int | None = None, seed: int = 0
             ) -> dict[str, Any]:
    """Evaluate on ``gold_path`` (ingesting ``corpus`` first). ``sample``: that many
    questions with answer documents, drawn with ``seed``, and of ``corpus`` only the articles
    their search results name (the pooled protocol: minutes, not an hour of indexing)."""
    from assistant.assistant import Assistant

    questions = read_gold(gold_path)
    if sample:
        from assistant.evaluation.pooled import sample as draw

        questions = draw(questions, sample, seed)
    if limit:
        questions = questions[:limit]
    clear: set[str] | None = None
    fresh: set[str] | None = None
    if corpus:
        from assistant.indexing import ingest
        from index.loaders import iter_articles

        items: Any = list(corpus)
        if sample or any(g.search_doc_ids for g in questions):
            from assistant.evaluation.pooled import (
                clearly_answerable,
                fresh_evidence,
                pool,
                pooled_ids,
            )

            kept = list(pool(iter_articles(list(corpus)), pooled_ids(questions)))
            bodies = {a.id: a.body for a in kept if not isinstance(a, LoadError)}
            dates = {a.id: a.date or "" for a in kept if not isinstance(a, LoadError)}
            clear = {g.id for g in questions if clearly_answerable(g, bodies)}
            fresh = {g.id for g in questions if fresh_evidence(g, dates)}
            items = kept
        report = ingest(items, settings)
        print(report.summary(), flush=True)
    a = Assistant(settings=settings)
    out = evaluate(a, questions, retriever=retriever, k=k, hide_gold=hide_gold, clear=clear,
                   fresh=fresh)
    out["gold"] = gold_path
    if sample:
        out["sample"] = {"n": sample, "seed": seed}
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
    if "intervals" in rep:
        lines.append("95% CI     " + "  ".join(
            f"{k}=[{v[0]:.3f}, {v[1]:.3f}]" for k, v in rep["intervals"].items() if v))
    for name in ("clear", "clear_fresh"):
        if name in rep:
            c = rep[name]
            lines.append(f"{name:<10} n={c['n']}  " + "  ".join(
                f"{k}={v['mean']:.3f} [{v['ci'][0]:.3f}, {v['ci'][1]:.3f}]"
                for k, v in c.items() if k != "n" and v["ci"]))
    if "decided_by" in rep:
        lines.append("decided_by " + "  ".join(
            f"{k}: " + ",".join(f"{h}={n}" for h, n in sorted(v.items()))
            for k, v in sorted(rep["decided_by"].items())))
    if rep.get("calibration"):
        cal = rep["calibration"]
        lines.append(f"calibration ECE={cal['ece']}  " + "  ".join(
            f"{t['bin']:.1f}:{t['n']}/{t['probability']:.2f}->{t['right']:.2f}"
            for t in cal["table"]))
    if "confusion" in rep:
        a, h = rep["confusion"]["answerable"], rep["confusion"]["hidden"]
        lines += [
            "confusion             answered (right / wrong)   refused",
            f"  answerable (normal)  {a['answered_right']:>5} / {a['answered_wrong']:<5}"
            f"            {a['refused']:>5}",
            f"  unanswerable (hidden) {h['answered']:>5}                     {h['refused']:>5}",
        ]
    return "\n".join(lines)
