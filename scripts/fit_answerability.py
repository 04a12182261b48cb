"""Refit the answerability model from ``newsdesk eval GOLD --hide-gold --json REPORT`` runs.

    python scripts/fit_answerability.py REPORT.json [REPORT2.json ...] [--answered 0.92]
        [--out assistant/data/answerability.json]

Samples: every answerable question of the normal run that reached the decision (label 1:
its gold article was there), and the same question asked with its gold articles hidden
(label 0), unless the hidden run was dropped (the answer string was still in a passage).
A standardised, L2-regularised logistic regression is fitted by Newton's method (numpy
only). The threshold is the highest one that still answers at least ``--answered`` of the
answerable questions (questions refused before the decision, by the name gate, count as
refused), i.e. the most refusals on hidden questions at that answered rate. Five-fold
cross-validation (threshold chosen inside each training fold) estimates how the operating
point holds on unseen questions; only the in-sample fit is written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.answerability import CLIP, SIGNALS  # noqa: E402

L2 = 1.0


def samples(reports: list[dict]) -> tuple[np.ndarray, np.ndarray, int]:
    """(X, y, gated): ``gated`` counts answerable questions refused before the decision."""
    xs, ys, gated = [], [], 0
    for rep in reports:
        for row in rep["per_question"]:
            if "correct" not in row or "hidden" not in row:
                continue  # not an answerable question with gold articles
            if _judged(row):
                xs.append([row["signals"][s] for s in SIGNALS])
                ys.append(1.0)
            elif not row["answered"]:
                gated += 1  # refused before the model (the name gate, no passage)
            hid = row["hidden"]  # (an answer decided otherwise, e.g. by a quote, is left out)
            if not hid["dropped"] and _judged(hid):
                xs.append([hid["signals"][s] for s in SIGNALS])
                ys.append(0.0)
    return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float), gated


def _judged(row: dict) -> bool:
    """Whether the answerability model decided this answer (all its signals are there)."""
    return all(s in (row.get("signals") or {}) for s in SIGNALS)


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([np.clip((x - mean) / scale, -CLIP, CLIP), np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    reg = np.eye(z.shape[1]) * L2
    reg[-1, -1] = 0.0  # the bias is not shrunk
    for _ in range(100):
        p = 1 / (1 + np.exp(-z @ w))
        grad = z.T @ (p - y) + reg @ w
        hess = z.T @ (z * (p * (1 - p))[:, None]) + reg
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w[:-1], float(w[-1]), mean, scale


def prob(x: np.ndarray, w: np.ndarray, b: float, mean: np.ndarray, scale: np.ndarray
         ) -> np.ndarray:
    return 1 / (1 + np.exp(-(np.clip((x - mean) / scale, -CLIP, CLIP) @ w + b)))


def threshold_for(p_pos: np.ndarray, n_answerable: int, answered: float) -> float:
    """The highest threshold that answers >= ``answered`` of all answerable questions."""
    need = int(np.ceil(answered * n_answerable))
    ranked = np.sort(p_pos)[::-1]
    if need <= 0:
        return 1.0
    if need > len(ranked):
        return 0.0
    return float(ranked[need - 1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("reports", nargs="+")
    ap.add_argument("--answered", type=float, default=0.92,
                    help="answered rate to keep on answerable questions (default 0.92)")
    ap.add_argument("--out", default=str(ROOT / "assistant" / "data" / "answerability.json"))
    args = ap.parse_args(argv)
    reports = [json.loads(Path(r).read_text(encoding="utf-8")) for r in args.reports]
    x, y, gated = samples(reports)
    n_pos = int(y.sum())
    n_answerable = n_pos + gated
    print(f"samples: {n_pos} answerable (+{gated} refused by the name gate), "
          f"{int(len(y) - n_pos)} hidden")

    # five-fold cross-validation of the whole procedure (fit + threshold)
    rng = np.random.default_rng(0)
    folds = rng.permutation(len(y)) % 5
    ans_cv, ref_cv = [], []
    for f in range(5):
        tr, te = folds != f, folds == f
        w, b, m, s = fit(x[tr], y[tr])
        n_tr = int(y[tr].sum()) + round(gated * tr.mean())
        t = threshold_for(prob(x[tr][y[tr] == 1], w, b, m, s), n_tr, args.answered)
        pt = prob(x[te], w, b, m, s)
        ans_cv += list(pt[y[te] == 1] >= t)
        ref_cv += list(pt[y[te] == 0] < t)
    cv_answered = float(np.mean(ans_cv)) * n_pos / n_answerable
    print(f"5-fold CV: answered {cv_answered:.3f} of answerable, "
          f"hidden refused {np.mean(ref_cv):.3f}")

    w, b, m, s = fit(x, y)
    t = threshold_for(prob(x[y == 1], w, b, m, s), n_answerable, args.answered)
    p = prob(x, w, b, m, s)
    answered = float((p[y == 1] >= t).sum()) / n_answerable
    refused = float((p[y == 0] < t).mean())
    print(f"in sample: answered {answered:.3f}, hidden refused {refused:.3f}, threshold {t:.4f}")
    for name, wi in sorted(zip(SIGNALS, w, strict=True), key=lambda kv: -abs(kv[1])):
        print(f"  {name:<12} {wi:+.3f}")
    model = {
        "signals": list(SIGNALS),
        "weights": [round(float(v), 6) for v in w],
        "bias": round(b, 6),
        "means": [round(float(v), 6) for v in m],
        "scales": [round(float(v), 6) for v in s],
        "threshold": round(t, 6),
        "operating_point": f"answer >= {args.answered:.2f} of answerable questions "
                           f"(fitted on {n_pos} answerable + {int(len(y) - n_pos)} hidden-gold "
                           f"questions; 5-fold CV: answered {cv_answered:.3f}, hidden refused "
                           f"{np.mean(ref_cv):.3f})",
    }
    Path(args.out).write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
