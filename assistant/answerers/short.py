"""Short answers: the phrase in the cited sentences that answers the question.

For "Which continent will soon require ...?" the extractive answer cites a sentence; this finds
"Europe" in it. No model beyond the embedder: candidate phrases (names, quoted titles, amounts,
dates, short noun phrases) come from the best-scored sentences and are ranked by
* kind: the answer type the question asks for (an amount for "how much", a date for "when"),
* support: the score of each top sentence the phrase occurs in (one strong sentence, plus
  agreement between sentences),
* proximity: how close it sits to the question's own words in that sentence,
* head: cosine between the phrase and the question's head noun ("continent", "national park").
A phrase that only repeats the question is never an answer. The winner is verbatim text of a
cited sentence, so the citation that carries the sentence carries the short answer too.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index.text import terms

STOP = set("""
a an the and or but if then than of in on at to for from by with without into onto over under
about after before during since until as is are was were be been being am do does did done
has have had having will would shall should can could may might must not no nor so too very
this that these those it its it's he him his she her hers they them their theirs we us our you
your i me my mine who whom whose which what when where why how all any both each few more most
other some such only own same just also even still again further once here there up down out
off new said says say told according announced reported week weeks year years day days month
months last next first one two three recently soon now today yesterday tomorrow per about
around nearly almost approximately more less many much several while because though although
whether either neither between among against across through via including like unlike
mr mrs ms dr
""".split())

_CONNECT = {"of", "and", "&", "de", "del", "la", "los", "las", "le", "von", "van", "da"}
_NUM_Q = re.compile(r"\bhow (?:much|many|old|long|far|high|big|tall|large|often|soon)\b|"
                    r"\bwhat (?:percentage|percent|share|proportion|amount|number|price|age)\b",
                    re.I)
_YESNO_Q = re.compile(r"(?:is|are|was|were|did|does|do|has|have|had|can|could|will|would|"
                      r"should)\b", re.I)
_DURATION = r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|an?|half)[- ]" \
            r"(?:hour|minute|day|week|month|year)s?\b"
_TIME_Q = re.compile(r"\bwhen\b|\bwhat (?:year|month|day|date|time)\b|\bhow soon\b", re.I)
_AUX = r"(?:is|was|are|were|did|does|do|will|would|has|have|had|can|could|should|might|may)"
_HEAD = re.compile(r"\b(?:which|what)\s+(?:of the following\s+|one of the\s+)?"
                   r"((?:(?!" + _AUX + r"\b)[\w’'-]+\s+){0,3}?(?!" + _AUX + r"\b)[\w’'-]+)"
                   r"(?=\s+" + _AUX + r"\b|\s+(?:to|of|in|on|at|for|from|by|that|this|"
                   r"recently|soon|just)\b|\s*[?,])", re.I)

_MONEY = r"[$€£]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:million|billion|trillion|bn|m|k)\b)?"
_PCT = r"\d+(?:\.\d+)?\s?(?:%|percent\b|per cent\b)"
_NUMBER = r"\b\d[\d,]*(?:\.\d+)?(?:\s(?:million|billion|trillion|thousand|hundred)\b)?" \
          r"|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|" \
          r"thirty|forty|fifty|hundreds|thousands|millions|dozens)\b"
_MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|" \
          r"December)"
_TIME = rf"\b{_MONTHS}(?:\s+\d{{1,2}})?(?:,?\s+(?:19|20)\d{{2}})?|" \
        r"\b(?:next|this|last)\s+(?:week|month|year|spring|summer|fall|autumn|winter)\b|" \
        r"\b(?:in|within)\s+(?:a few|several|two|three|\d+)\s+(?:days|weeks|months|years)\b|" \
        r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b|\b(?:19|20)\d{2}\b"
_QUOTED = r"[“\"]([^”\"]{2,60})[”\"]"
_POSSESSIVE = re.compile(r"[’']s$")
_VERBISH = re.compile(r"(?:ed|ly)$")  # past tenses and adverbs answer no which-question
_NOT_NAMES = {w.lower() for w in re.findall(r"[A-Za-z]+", _MONTHS)} | {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "five",
    "four", "six", "seven", "eight", "nine", "ten", "one", "two", "three"}
_TOKEN = re.compile(r"[A-Za-z0-9][\w.&'’-]*[\w]|[A-Za-z0-9]|&")

KIND_BONUS = {"quoted": 0.3, "name": 0.3, "number": 0.0, "time": 0.0, "duration": 0.0,
              "phrase": -0.1}
MISMATCH = -1.0
HEAD_WEIGHT = 1.0


@dataclass(frozen=True)
class Candidate:
    text: str
    kind: str          # quoted | name | number | time | duration | phrase
    sentence: int      # index into the sentences given to ``short_answer``
    start: int         # offsets inside that sentence
    end: int


def question_kind(question: str) -> str:
    """``yesno``, ``duration``, ``number``, ``time`` or ``entity``: what kind of phrase
    answers ``question``."""
    if _YESNO_Q.match(question.strip()):
        return "yesno"
    if re.search(r"\bhow long\b", question, re.I):
        return "duration"
    if _NUM_Q.search(question) and not re.search(r"\bhow soon\b", question, re.I):
        return "number"
    if _TIME_Q.search(question):
        return "time"
    return "entity"


def head_phrase(question: str) -> str | None:
    """What a which/what/who/where question asks for ("which US national park" -> "US
    national park"); None when it names nothing."""
    q = question.strip()
    if re.match(r"(?:who|whom)\b", q, re.I):
        return "person"
    if re.match(r"where\b", q, re.I):
        return "place"
    m = _HEAD.search(q)
    if not m:
        return None
    words = [w for w in m.group(1).split() if w.lower() not in STOP]
    return " ".join(words) or None


def _is_cap(tok: str) -> bool:
    return bool(re.match(r"[A-Z]", tok)) or bool(re.match(r"[a-z]+[A-Z]", tok)) or \
        bool(re.match(r"\d+[A-Za-z]", tok))


def candidates(sentence: str, index: int) -> list[Candidate]:
    """Every answer-shaped phrase of ``sentence``, with its offsets."""
    out: list[Candidate] = []

    def add(a: int, b: int, kind: str) -> None:
        text = sentence[a:b].strip(" ,.;:")
        if text:
            a = sentence.index(text, a)
            out.append(Candidate(text, kind, index, a, a + len(text)))

    for m in re.finditer(_QUOTED, sentence):
        add(m.start(1), m.end(1), "quoted")
    for pat in (_MONEY, _PCT, _NUMBER):
        for m in re.finditer(pat, sentence, re.I if pat is _NUMBER else 0):
            add(m.start(), m.end(), "number")
    for m in re.finditer(_TIME, sentence):
        add(m.start(), m.end(), "time")
    for m in re.finditer(_DURATION, sentence, re.I):
        add(m.start(), m.end(), "duration")

    toks = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(sentence)]
    i = 0
    while i < len(toks):
        tok, a, _ = toks[i]
        if not _is_cap(tok):
            i += 1
            continue
        j = i
        while j + 1 < len(toks) and not _POSSESSIVE.search(toks[j][0]):
            nxt, gap = toks[j + 1][0], sentence[toks[j][2]:toks[j + 1][1]]
            if gap != " ":
                break  # a comma, dash or quote ends a name
            if _is_cap(nxt):
                j += 1
            elif nxt.lower() in _CONNECT and j + 2 < len(toks) and _is_cap(toks[j + 2][0]) \
                    and sentence[toks[j + 1][2]:toks[j + 2][1]] == " ":
                j += 2
            else:
                break
        words = [t for t, _, _ in toks[i:j + 1]]
        text = _POSSESSIVE.sub("", sentence[a:toks[j][2]])
        common = all(w.lower() in STOP or w.lower() in _NOT_NAMES for w in words)
        if not common:
            # a capitalised first word of a sentence may be an ordinary word
            kind = "phrase" if i == 0 and len(words) == 1 and not tok.isupper() else "name"
            add(a, a + len(text), kind)
        i = j + 1
    # short lower-case noun phrases ("hearing aids", "mustard"): runs of content words
    run: list[tuple[str, int, int]] = []
    for tok, a, b in [*toks, ("", len(sentence), len(sentence))]:
        if tok and tok.replace("-", "").isalpha() and tok.islower() and tok not in STOP \
                and len(tok) > 2 and not (tok.isalpha() and _VERBISH.search(tok)):
            run.append((tok, a, b))
            continue
        for n in (1, 2, 3):
            for k in range(len(run) - n + 1):
                add(run[k][1], run[k + n - 1][2], "phrase")
        run = []
    return out


def _question_spots(sentence: str, qterms: set[str]) -> tuple[list[int], list[int]]:
    """Start offsets of the sentence's tokens, and the token indexes of question words."""
    starts, spots = [], []
    for n, m in enumerate(_TOKEN.finditer(sentence)):
        starts.append(m.start())
        if set(terms(m.group())) & qterms:
            spots.append(n)
    return starts, spots


def _proximity(cand: Candidate, starts: list[int], spots: list[int]) -> float:
    """1 next to a question word, falling off with the token distance; 0 with none."""
    if not spots:
        return 0.0
    pos = bisect.bisect_left(starts, cand.start)
    d = min(abs(pos - s) for s in spots)
    return 1.0 / (1.0 + d / 6.0)


def short_answer(question: str, sentences: Sequence[str], weights: Sequence[float],
                 embed: Callable[[list[str]], list[list[float]]] | None,
                 allowed: Sequence[int] | None = None, limit: int = 20
                 ) -> Candidate | None:
    """The best answer phrase in ``sentences`` (scored sentences, best first, with their scores
    in ``weights``); only sentences in ``allowed`` (default: all) may supply the winner.
    None when no phrase fits the question."""
    if not sentences:
        return None
    qterms = set(terms(question))
    kind = question_kind(question)
    if kind == "yesno":
        return None  # the cited sentence is the answer; no phrase of it says yes or no
    top = max(weights) or 1.0
    found: dict[str, list[tuple[Candidate, float]]] = {}
    for i, s in enumerate(sentences):
        starts, spots = _question_spots(s, qterms)
        for c in candidates(s, i):
            cterms = set(terms(c.text))
            if not cterms or cterms <= qterms:
                continue  # repeats the question
            key = " ".join(terms(c.text))
            w = max(weights[i], 0.0) / top
            found.setdefault(key, []).append((c, w * (0.5 + 0.5 * _proximity(c, starts, spots))))
    if not found:
        return None
    scored: list[tuple[float, str, Candidate]] = []
    for key, occ in found.items():
        occ.sort(key=lambda o: -o[1])
        support = occ[0][1] + 0.3 * sum(o[1] for o in occ[1:4])
        c = occ[0][0]
        kinds = {o[0].kind for o in occ}
        best_kind = next((k for k in ("quoted", "duration", "name", "time", "number", "phrase")
                          if k in kinds), c.kind)
        fit = _fits(kind, best_kind)
        if fit <= MISMATCH:
            continue  # a date never answers "how many", a number never "which country"
        scored.append((support + fit + KIND_BONUS[best_kind], key, c))
    if not scored:
        return None
    scored.sort(key=lambda t: -t[0])
    scored = scored[:limit]
    head = head_phrase(question)
    if embed is not None and head and kind == "entity" and scored:
        vecs = embed([head] + [c.text for _, _, c in scored])
        hv = vecs[0]
        scored = [(s + HEAD_WEIGHT * sum(x * y for x, y in zip(hv, v, strict=False)), key, c)
                  for (s, key, c), v in zip(scored, vecs[1:], strict=True)]
        scored.sort(key=lambda t: -t[0])
    ok = set(range(len(sentences))) if allowed is None else set(allowed)
    for _, key, _c in scored:
        placed = [o[0] for o in found[key] if o[0].sentence in ok]
        if placed:
            return placed[0]
    return None


def _fits(kind: str, cand_kind: str) -> float:
    if kind == "duration":
        return 0.0 if cand_kind == "duration" else MISMATCH / 2 if cand_kind == "number" \
            else MISMATCH
    if kind == "number":
        return 0.0 if cand_kind == "number" else MISMATCH
    if kind == "time":
        return 0.0 if cand_kind == "time" else MISMATCH
    return MISMATCH if cand_kind in ("number", "time", "duration") else 0.0
