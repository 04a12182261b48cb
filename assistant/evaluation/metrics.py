"""Answer and retrieval metrics (SQuAD normalisation for EM/F1)."""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence

_PUNCT = frozenset(string.punctuation)


def normalize(s: str, *, breaks: bool = False) -> str:
    """SQuAD normalisation: lower, drop punctuation and articles, fold whitespace.
    ``breaks``: punctuation is read as a word break instead ("Brazil’s" -> "brazil s",
    "17-year-old" -> "17 year old"; SQuAD glues them: "brazils")."""
    gap = " " if breaks else ""
    s = s.lower().replace("“", gap).replace("”", gap).replace("’", "'").replace("‘", "'")
    s = "".join(gap if ch in _PUNCT else ch for ch in s)
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def exact_match(pred: str, golds: Sequence[str]) -> float:
    p = normalize(pred)
    return float(any(p == normalize(g) for g in golds)) if golds else 0.0


def f1(pred: str, golds: Sequence[str]) -> float:
    """Token F1, max over the gold strings."""
    ptoks = normalize(pred).split()
    best = 0.0
    for g in golds:
        gtoks = normalize(g).split()
        common = Counter(ptoks) & Counter(gtoks)
        same = sum(common.values())
        if not ptoks or not gtoks or same == 0:
            continue
        prec, rec = same / len(ptoks), same / len(gtoks)
        best = max(best, 2 * prec * rec / (prec + rec))
    return best


def contains(pred: str, golds: Sequence[str]) -> float:
    """Whether ``pred`` holds a gold answer as whole words, after SQuAD normalisation or with
    punctuation read as a word break: "Brazil’s race" holds "Brazil", "a 17-year-old" holds
    "17", and "U.S." still holds "US"."""
    for breaks in (False, True):
        p = f" {normalize(pred, breaks=breaks)} "
        if any(normalize(g, breaks=breaks) and f" {normalize(g, breaks=breaks)} " in p
               for g in golds):
            return 1.0
    return 0.0


_STOP = frozenset("of and or in on at to for by with from its their his her".split())


def _stem(token: str) -> str:
    """Crude stem: inflections and derivations share their first five letters
    ("Europe" / "European", "risks" / "risk" stay whole below five)."""
    return token[:5] if len(token) > 5 else token.rstrip("s") or token


def holds_variant(text: str, golds: Sequence[str]) -> bool:
    """Whether ``text`` holds every content word of a gold answer, up to inflection and in
    any order ("European regulators" holds "Europe"; "the risk of fire" holds "Fire risks").
    Looser than ``contains``: the hidden-gold evaluation uses it to drop questions another
    article still answers in other words."""
    have = {_stem(t) for t in normalize(text).split()}
    for g in golds:
        words = [_stem(t) for t in normalize(g).split() if t not in _STOP]
        if words and all(w in have for w in words):
            return True
    return False


def hit_at(ranked: Sequence[str], gold: set[str], k: int) -> float:
    return float(any(r in gold for r in ranked[:k]))


def mrr_at(ranked: Sequence[str], gold: set[str], k: int = 10) -> float:
    for i, r in enumerate(ranked[:k], 1):
        if r in gold:
            return 1.0 / i
    return 0.0


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    v = sorted(values)
    idx = min(len(v) - 1, max(0, round(q / 100 * (len(v) - 1))))
    return float(v[idx])


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def bootstrap(values: Sequence[float], *, n: int = 1000, seed: int = 0
              ) -> tuple[float, float] | None:
    """A 95 % percentile bootstrap interval of the mean of ``values`` (questions resampled
    with replacement, ``n`` times, seeded): ``(low, high)``, or None without values."""
    import random

    if not values:
        return None
    rnd = random.Random(seed)
    k = len(values)
    means = sorted(sum(values[rnd.randrange(k)] for _ in range(k)) / k for _ in range(n))
    return means[int(0.025 * n)], means[min(n - 1, int(0.975 * n))]


def calibration(probs: Sequence[float], labels: Sequence[float], bins: int = 10
                ) -> tuple[list[dict[str, float]], float | None]:
    """Reliability table (per probability bin: count, mean probability, share right) and the
    expected calibration error (the count-weighted gap between the two)."""
    rows = []
    ece = 0.0
    total = len(probs)
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        idx = [i for i, p in enumerate(probs) if lo <= p < hi or (b == bins - 1 and p == 1.0)]
        if not idx:
            continue
        mp = sum(probs[i] for i in idx) / len(idx)
        acc = sum(labels[i] for i in idx) / len(idx)
        rows.append({"bin": round(lo, 2), "n": len(idx), "probability": round(mp, 3),
                     "right": round(acc, 3)})
        ece += len(idx) / total * abs(mp - acc)
    return rows, (round(ece, 4) if total else None)
