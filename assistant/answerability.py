"""Answer or refuse: one calibrated decision over a few signals, and the reason for a refusal.

A passage close to the question's *topic* is not an answer to it. The extractive answerer
finds its best candidate (the lead sentence, its passage, a short answer phrase), and this
module measures how well that candidate matches the *question*:

* ``support``      the answerer's own score of the lead sentence
* ``lex``          IDF-weighted share of the question's terms in the lead sentence
* ``passage_lex``  the same over the lead passage and its headline (neighbouring sentences)
* ``dense``        cosine between the question and the lead sentence
* ``names``        share of the question's names (people, places, organisations) in the passage
* ``constraints``  share of the question's constraints (years, numbers, ordinals, qualifiers
                   such as "women's") matched by the passage, its headline or its date
* ``short``        1 when a phrase of the expected answer type was found (0.5: a yes/no question)
* ``agree``        share of the retrieved articles that repeat the short answer phrase
* ``pred_lex``     ``lex`` over the question's words that are not names (its predicate: "green
                   lit for a new season"), the part a merely topical passage lacks
* ``rare``         share of the question's two rarest words in the lead passage
* ``short_score``  the short-answer ranker's score of its phrase (0 without one)
* ``dense_top``    the best retrieved passage's cosine to the question
* ``kw_peak``      how far the best BM25 passage stands above the fifth (0: a flat list, the
                   mark of a question no article is really about)

A logistic regression turns them into a probability; its coefficients are data
(``assistant/data/answerability.json``), fitted by ``scripts/fit_answerability.py`` on the
answerable questions of an eval run (label 1) and the same questions asked with their gold
articles hidden (``newsdesk eval GOLD --hide-gold``, label 0). The file also holds the threshold
chosen for its stated operating point. A refusal says which constraint or name the articles
lack, when that is why.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from index.errors import ConfigError
from index.text import terms

# What the model weighs. ``names`` and ``short`` are reported too, but are nearly constant on
# answerable questions (a model fitted on them extrapolates wildly); ``agree``, ``kw_peak`` and
# ``dense_top`` are reported but not weighed: they describe the *collection* (how many copies
# of a wire story it holds, how many articles share the question's names) more than the
# answer, and a model fitted on the benchmark's story-heavy corpus with them refused correct
# answers among distractors that share the question's names (tests/integration/
# test_distractors.py).
SIGNALS = ("support", "lex", "passage_lex", "dense", "constraints", "pred_lex", "rare",
           "short_score")
CLIP = 3.0  # standardised signals are clipped to +-CLIP: no signal can outvote all the others

_SHORT_SIGNALS = frozenset({"short", "agree", "short_score"})
# a number glued to a name by a hyphen is part of the name ("Covid-19", "G-7", "F-35"), and
# "under-21" is a qualifier already: neither is a number the evidence must repeat
_YEAR = re.compile(r"(?<![\w]-)\b(?:19|20)\d{2}\b")
_NUMBER = re.compile(r"(?<![\w]-)\b\d[\d,.]*\b")
_ORDINAL = re.compile(r"\b(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|"
                      r"eighth|ninth|tenth)\b", re.I)
_QUALIFIER = re.compile(r"\b(?:women|men|girls|boys)['’]s?\b|\b(?:women|men)\b|"
                        r"\b(?:junior|senior|under-\d+|u-?\d+|paralympic|olympic|indoor|outdoor"
                        r"|semifinal|semi-final|quarterfinal|final)s?\b", re.I)


@dataclass(frozen=True)
class Decision:
    """Whether to answer, the model's probability, and (when refusing) why."""

    answer: bool
    probability: float
    reason: str = ""


@dataclass(frozen=True)
class Model:
    """Standardised logistic regression over ``SIGNALS`` with a chosen threshold."""

    weights: tuple[float, ...]
    bias: float
    means: tuple[float, ...]
    scales: tuple[float, ...]
    threshold: float
    operating_point: str = ""

    def probability(self, signals: Mapping[str, float]) -> float:
        """P(the candidate answers the question). A yes/no question has no short answer to
        judge (``short`` == 0.5): its short-answer signals count as average, not as missing."""
        z = self.bias
        yesno = signals.get("short") == 0.5
        for name, w, m, s in zip(SIGNALS, self.weights, self.means, self.scales, strict=True):
            value = m if yesno and name in _SHORT_SIGNALS else float(signals.get(name, 0.0))
            z += w * max(-CLIP, min(CLIP, (value - m) / (s or 1.0)))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Model:
        names = tuple(str(n) for n in d["signals"])
        if names != SIGNALS:
            raise ValueError(f"answerability model signals {names} != {SIGNALS}; refit it")

        def floats(key: str) -> tuple[float, ...]:
            return tuple(float(x) for x in d[key])

        return cls(weights=floats("weights"), bias=float(d["bias"]), means=floats("means"),
                   scales=floats("scales"), threshold=float(d["threshold"]),
                   operating_point=str(d.get("operating_point", "")))


@lru_cache(maxsize=1)
def default_model() -> Model:
    """The shipped model (package data)."""
    path = resources.files("assistant").joinpath("data/answerability.json")
    try:
        return Model.from_dict(json.loads(path.read_text("utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"the answerability model {path} is unreadable ({exc}); reinstall "
                          "Newsdesk or refit it with scripts/fit_answerability.py") from exc


def years_of(items: Sequence[str]) -> list[str]:
    """The years among constraints (the decisive kind)."""
    return [c for c in items if _YEAR.fullmatch(c)]


def constraints(question: str) -> list[str]:
    """The literal constraints of a question: years, numbers, ordinals, qualifiers."""
    found: list[str] = []
    for rx in (_YEAR, _ORDINAL, _QUALIFIER):
        found += [m.group() for m in rx.finditer(question)]
    found += [m.group() for m in _NUMBER.finditer(question) if not _YEAR.fullmatch(m.group())]
    return list(dict.fromkeys(found))


def _norm(token: str) -> str:
    return re.sub(r"['’]s?$", "", token.lower())


def unmatched_constraints(question: str, evidence: str, date: str = "") -> list[str]:
    """The question's constraints that neither ``evidence`` nor the article ``date`` holds."""
    ev = evidence.lower()
    year = date[:4]
    out = []
    for c in constraints(question):
        n = _norm(c)
        if _YEAR.fullmatch(c) and c == year:
            continue
        if not re.search(rf"(?<![\w]){re.escape(n)}", ev):
            out.append(c)
    return out


def signals(*, question: str, sentence: str, passage_text: str, title: str, date: str,
            support: float, dense: float, names: set[str], short_found: bool | None,
            agree: float, idf: Callable[[str], float], missing: Sequence[str] = (),
            short_score: float = 0.0, dense_scores: Sequence[float] = (),
            keyword_scores: Sequence[float] = ()) -> dict[str, float]:
    """The signals of one candidate answer (see the module docstring); ``missing`` is
    ``unmatched_constraints`` of the question against the lead passage."""
    qterms = set(terms(question))
    total = sum(idf(t) for t in qterms) or 1.0
    sterms = set(terms(sentence))
    pterms = set(terms(f"{title} {passage_text}"))
    pred = qterms - names
    ptotal = sum(idf(t) for t in pred) or 1.0
    rarest = sorted(qterms, key=lambda t: (-idf(t), t))[:2]  # ties by name: not by set order
    cons = constraints(question)
    return {
        "support": support,
        "lex": sum(idf(t) for t in qterms & sterms) / total,
        "passage_lex": sum(idf(t) for t in qterms & pterms) / total,
        "dense": max(dense, 0.0),
        "names": 1.0 if not names else len(names & pterms) / len(names),
        "constraints": 1.0 if not cons else 1.0 - len(missing) / len(cons),
        "short": 0.5 if short_found is None else float(short_found),
        "agree": agree,
        "pred_lex": sum(idf(t) for t in pred & sterms) / ptotal if pred else 1.0,
        "rare": sum(t in pterms for t in rarest) / len(rarest) if rarest else 1.0,
        "short_score": short_score,
        "dense_top": max(dense_scores, default=0.0),
        "kw_peak": _peak(keyword_scores),
    }


def _peak(scores: Sequence[float]) -> float:
    ranked = sorted((s for s in scores if s > 0), reverse=True)
    if not ranked:
        return 0.0
    fifth = ranked[4] if len(ranked) > 4 else 0.0
    return (ranked[0] - fifth) / ranked[0]


# not worth naming as what the articles lack: a question's date phrase (retrieval's period
# matches it, not the evidence's words) and the quiz's vague praise ("wildly popular show")
_UNSAID = frozenset(terms("week weekend weeks month months year years day days today tonight "
                          "recently recent lately yesterday tomorrow major popular famous big "
                          "biggest huge massive highly wildly widely legendary beloved iconic "
                          "notable prominent astonishing whopping grand"))


def missing_words(question: str, texts: Sequence[str], idf: Callable[[str], float],
                  names: set[str], *, limit: int = 2, among: int = 4) -> list[str]:
    """Up to ``limit`` of the question's ``among`` rarest words (not its names, not its date
    phrase) that none of ``texts`` holds, as the question spells them: what a refusal can
    name when the articles share the question's topic but not its predicate ("... mention
    Tesla but not “robot”")."""
    surface: dict[str, str] = {}
    for m in re.finditer(r"[A-Za-z][A-Za-z’'-]*", question):
        w = m.group()
        stem = terms(w)
        if len(stem) != 1 or stem[0] in names or stem[0] in _UNSAID:
            continue
        if w[:1].isupper() and not re.search(r"(?:^|[.?!:]\s+)$", question[:m.start()]):
            continue  # a name the question spells with a capital: said by ``missing_names``
        surface.setdefault(stem[0], w.lower().rstrip("’'"))
    have: set[str] = set()
    for t in texts:
        have.update(terms(t))
    rarest = sorted(surface, key=lambda t: (-idf(t), t))[:among]
    return [surface[t] for t in rarest if t not in have][:limit]


def decide(sig: Mapping[str, float], *, model: Model | None = None,
           missing_constraints: Sequence[str] = (), missing_names: Sequence[str] = (),
           held: Sequence[str] = (), absent: Sequence[str] = ()) -> Decision:
    """Answer when the model's probability reaches its threshold; otherwise say why.

    A year the question names that the evidence lacks is decisive whatever the model says:
    an article about the 2018 final does not answer a question about the 2019 one."""
    m = model or default_model()
    p = m.probability(sig)
    years = years_of(missing_constraints)
    if years:
        return Decision(False, p, refusal_reason(years, (), held))
    if p >= m.threshold:
        return Decision(True, p)
    return Decision(False, p, refusal_reason(missing_constraints, missing_names, held, absent))


def refusal_reason(missing_constraints: Sequence[str], missing_names: Sequence[str],
                   held: Sequence[str], absent: Sequence[str] = ()) -> str:
    """One sentence: what the closest articles lack (a constraint, a name, else one of the
    question's words that no retrieved article holds: ``missing_words``)."""
    lack = _join(missing_constraints, quote=True) if missing_constraints else \
        _join(missing_names) if missing_names else _join(absent, quote=True) if absent else ""
    if lack:
        if held:
            return f"The closest articles mention {_join(held, conj='and')} but not {lack}."
        return f"The closest articles do not mention {lack}."
    return "The closest passages are about the topic but do not state the answer."


def _join(items: Sequence[str], *, quote: bool = False, conj: str = "or") -> str:
    xs = [f"“{x}”" if quote else x for x in items]
    return xs[0] if len(xs) == 1 else ", ".join(xs[:-1]) + f" {conj} " + xs[-1]
