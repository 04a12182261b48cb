"""Short answers: the phrase of the retrieved passages that answers the question.

For "Which continent will soon require ...?" this finds "Europe". No model beyond the embedder:
candidate phrases (names, quoted titles, amounts, dates, durations, short noun phrases) come from
every sentence of the retrieved passages and are ranked by
* kind: the answer type the question asks for (an amount for "how much", a date for "when"),
* evidence: how much of the question the phrase's sentence holds (IDF-weighted words, and
  cosine for the best sentences), times how close the phrase sits to those words,
* agreement: how many retrieved passages (and headlines) repeat the phrase,
* head: cosine between the phrase and the question's head noun ("continent", "national park"),
* statement: cosine between the question restated with the phrase in its question word's
  place ("lions slipped loose from ...") and the evidence sentences.
A phrase that only repeats the question, or names the outlet, is never an answer. The winner is
verbatim passage text; the answerer cites the sentence that holds it. What the question asks for
(its kind, head noun, asking clause) is read by ``assistant.answerers.asks``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.answerers.asks import (
    asking_clause,
    asks_change,
    asks_money,
    expected_entities,
    head_phrase,
    is_place_head,
    is_team_head,
    measured,
    names_several,
    question_kind,
    several,
)
from assistant.answerers.fitness import FAMILY, measures, stated
from assistant.text import DURATION, MONTHS, PHRASE_STOP, WEEKDAYS, dot, is_fragment
from assistant.types import Passage
from index.chunking import sentence_spans
from index.text import terms

_CONNECT = {"of", "for", "and", "&", "de", "del", "la", "los", "las", "le", "von", "van", "da"}
_IRREGULAR = set("""found made said took gave told became began won lost left held paid sold bought
brought thought saw came went got hit set put led ran kept met sent spent built fell rose
""".split())
_MONEY = r"[$€£]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:million|billion|trillion|bn|m|k)\b)?"
_PCT = r"\d+(?:\.\d+)?\s?(?:%|percent\b|per cent\b)"
_NUMBER = r"\b\d[\d,]*(?:\.\d+)?(?:\s(?:million|billion|trillion|thousand|hundred)\b)?" \
          r"|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|" \
          r"thirty|forty|fifty|hundreds|thousands|millions|dozens)\b"
_TIME = rf"\b{MONTHS}(?:\s+\d{{1,2}})?(?:,?\s+(?:19|20)\d{{2}})?|" \
        r"\b(?:next|this|last)\s+(?:week|month|year|spring|summer|fall|autumn|winter)\b|" \
        r"\b(?:in|within)\s+(?:a few|several|two|three|\d+)\s+(?:days|weeks|months|years)\b|" \
        rf"\b{WEEKDAYS}\b|\b(?:19|20)\d{{2}}\b"
_QUOTED = r"[“\"]([^”\"]{2,60})[”\"]"
_POSSESSIVE = re.compile(r"[’']s$")
_PCT_RX = re.compile(_PCT)
_BY = re.compile(r"\b(?:by|up|down|rise of|increase of|drop of|fall of)\s+(?:about\s+|nearly\s+|"
                 r"almost\s+|more than\s+)?$", re.I)
_CURRENCY = re.compile(r"[$€£¥]|\b(?:dollars?|euros?|pounds?|yuan|yen|rupees?|francs?)\b", re.I)
_VERBISH = re.compile(r"(?:ed|ly)$")  # past tenses and adverbs answer no which-question
_NOT_NAMES = {w.lower() for w in re.findall(r"[A-Za-z]+", MONTHS + WEEKDAYS)} | {
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
_TOKEN = re.compile(r"[A-Za-z0-9][\w.&'’-]*[\w]|[A-Za-z0-9]|&")

KIND_BONUS = {"quoted": 0.3, "name": 0.3, "number": 0.0, "time": 0.0, "duration": 0.0,
              "phrase": -0.1}
MISMATCH = -1.0
_KIND_ORDER = ("quoted", "duration", "name", "time", "number", "phrase")  # most telling first
W_LEX, W_DENSE = 1.0, 0.5      # evidence of the sentence a phrase sits in
W_REDUNDANCY, W_TITLE = 0.3, 0.2
W_HEAD, W_STATEMENT = 0.5, 1.0
W_NAMED = 0.3                  # named as an instance of the head noun (Hearst patterns)
CHUNK_SHARE = 0.7              # of the chunk's cosine, for a sentence not embedded
SENTENCES = 6                  # sentences embedded for the dense evidence
LIMIT = 8                      # phrases kept for the embedding-based features
STATEMENTS = 4                 # phrases whose restated question is embedded
PRED_COSINE = 0.5              # a sentence sharing only the asked-for kind must be this close
STATEMENT_CUT = 10.0           # phrases beyond STATEMENTS drop below those scored


@dataclass(frozen=True)
class Candidate:
    text: str
    kind: str          # quoted | name | number | time | duration | phrase
    sentence: int      # index into the sentences given to ``short_answer``
    start: int         # offsets inside that sentence
    end: int


def _is_cap(tok: str) -> bool:
    if re.match(r"\d+(?:st|nd|rd|th)\b", tok):
        return False  # an ordinal ("10th-straight", "17th") is no name; "3M", "7-Eleven" are
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
    for m in re.finditer(DURATION, sentence, re.I):
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
            elif nxt == "of" and j + 3 < len(toks) and toks[j + 2][0] == "the" \
                    and _is_cap(toks[j + 3][0]) and sentence[toks[j + 1][2]:toks[j + 3][1]] \
                    == " the ":
                j += 3  # "House of the Dragon", "Bank of the West"
            else:
                break
        if j > i and tok in ("The", "A", "An"):
            i, (tok, a, _) = i + 1, toks[i + 1]  # "The Philippines" names the Philippines
        words = [t for t, _, _ in toks[i:j + 1]]
        text = _POSSESSIVE.sub("", sentence[a:toks[j][2]])
        common = all(w.lower() in PHRASE_STOP or w.lower() in _NOT_NAMES for w in words)
        if not common:
            # a capitalised first word of a sentence (or of what follows a colon: "Tip 3:
            # Know the difference") may be an ordinary word
            first = i == 0 or sentence[:a].rstrip().endswith(":")
            kind = "phrase" if first and len(words) == 1 and not tok.isupper() else "name"
            add(a, a + len(text), kind)
        i = j + 1
    # short lower-case noun phrases ("hearing aids", "mustard"): runs of content words
    run: list[tuple[str, int, int]] = []

    def flush() -> None:
        for n in (1, 2, 3):
            for k in range(len(run) - n + 1):
                add(run[k][1], run[k + n - 1][2], "phrase")
        run.clear()

    for tok, a, b in [*toks, ("", len(sentence), len(sentence))]:
        if run and sentence[run[-1][2]:a].strip():
            flush()  # punctuation ends a phrase: not "condiment: mustard"
        if tok and tok.replace("-", "").isalpha() and tok.islower() and tok not in PHRASE_STOP \
                and len(tok) > 2 and not (tok.isalpha() and _VERBISH.search(tok)) \
                and tok not in _IRREGULAR:
            run.append((tok, a, b))
            continue
        flush()
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


@dataclass(frozen=True)
class Phrase:
    """The short answer: ``passages[passage].text[start:end] == text``, inside the sentence
    ``passages[passage].text[sentence[0]:sentence[1]]`` that supports it."""

    text: str
    passage: int
    start: int
    end: int
    sentence: tuple[int, int]
    score: float
    fits: bool = True  # False: the best phrase has the wrong entity type (never shown)


def short_answer(question: str, passages: Sequence[Passage],
                 embed: Callable[[list[str]], list[list[float]]] | None,
                 idf: Callable[[str], float], *, limit: int = LIMIT,
                 qvec: Sequence[float] | None = None) -> Phrase | None:
    """The best answer phrase in ``passages`` (retrieved, best first), or None when no phrase
    fits the question (or it asks yes/no, why or how-did); ``Phrase.fits`` is False when spaCy
    says its entity type is wrong for the question (a person for "what will run the lamp?"),
    or when a question for two gets one ("which two teams": "Astros"). ``qvec``: the
    question's vector when the caller has it (one embedding fewer)."""
    qterms = set(terms(question))
    kind = question_kind(question)
    if kind in ("yesno", "reason") or not passages or not qterms:
        return None
    total = sum(idf(t) for t in qterms) or 1.0
    sents: list[_Sent] = []
    for pi, p in enumerate(passages):
        for a, b in sentence_spans(p.text):
            ts = set(terms(p.text[a:b]))
            sents.append(_Sent(pi, a, b, sum(idf(t) for t in qterms & ts) / total,
                               frozenset(ts)))
    if not sents:
        return None
    # the sentences that share most with the question get a dense score too
    # (ranked as the extractive answerer ranks its sentences, so their vectors are shared)
    n = max((p.rank for p in passages), default=0) + 1
    top = sorted((i for i in range(len(sents)) if not is_fragment(sents[i].text(passages))),
                 key=lambda i: -(sents[i].lex + 0.1 * (1 - passages[sents[i].passage].rank / n))
                 )[:SENTENCES]
    svecs: list[list[float]] = []
    if embed is not None:
        if qvec is not None:
            qv, svecs = list(qvec), embed([sents[i].text(passages) for i in top])
        else:
            svecs = embed([question] + [sents[i].text(passages) for i in top])
            qv, svecs = svecs[0], svecs[1:]
        for st in sents:
            # a sentence not embedded is credited with a share of its chunk's cosine: one
            # that says it in other words ("300,000 reservists called up" for "how many
            # Russians could be conscripted") shares few words but sits in the closest chunk
            # (only one that shares a word with the question: the chunk's other sentences
            # are about something else)
            d = passages[st.passage].dense
            st.dense = CHUNK_SHARE * max(d, 0.0) if d is not None and st.lex > 0 else 0.0
        for i, v in zip(top, svecs, strict=True):
            sents[i].dense = max(dot(qv, v), 0.0)

    sources = {" ".join(terms(p.source)) for p in passages if p.source}
    bag = [f" {' '.join(terms(f'{p.title} {p.text}'))} " for p in passages]
    titles = [f" {' '.join(terms(p.title))} " for p in passages]
    asked = head_phrase(question) if kind == "entity" else None
    # "deliveries to Kyiv" says where they go, not which ones ("the city of X" is X: no "of")
    after_head = re.compile(rf"\b{re.escape(asked.split()[-1])}\s+(?:to|in|at|from|into|for|"
                            r"on)\s+(?:the\s+)?$", re.I) \
        if asked and asked not in ("person", "place") else None
    instance = _instance_of(asked.split()[-1]) \
        if asked and asked not in ("person", "place") else None
    found: dict[str, list[tuple[float, Candidate, _Sent]]] = {}
    money = kind == "number" and asks_money(question)
    change = kind == "number" and asks_change(question)
    measure = measured(question) if kind == "number" else None
    # what the question says of its answer besides the kind of thing it is ("banned political
    # fundraising" for "which social media platform"); judged only with sentence vectors
    pred = set(terms(" ".join(w for w in re.findall(r"[\w’'-]+", question)
                              if w.lower() not in PHRASE_STOP))) if embed is not None else set()
    pred -= set(terms(asked)) if asked else set()
    for si, st in enumerate(sents):
        text = st.text(passages)
        starts, spots = _question_spots(text, qterms)
        ev = W_LEX * st.lex + W_DENSE * st.dense
        for c in candidates(text, si):
            if money and c.kind == "number" and \
                    not _CURRENCY.search(text[max(0, c.start - 2):c.end + 12]):
                continue  # a sum of money is written with its currency: "three" (sets) is not
            if change and c.kind == "number" and not _PCT_RX.fullmatch(c.text) and \
                    not _BY.search(text[max(0, c.start - 12):c.start]):
                continue  # how much it rose: "60%" or "up $2", not the level "$5"
            if measure and c.kind == "number" and not measures(text, c.end, measure):
                continue  # a figure of something else: "Top 100" is no count of book titles
            cterms = set(terms(c.text))
            key = " ".join(terms(c.text))
            if not cterms or cterms <= qterms or key in sources:
                continue  # repeats the question, or is the outlet's name ("CNN")
            if after_head and after_head.search(text[:c.start]):
                continue
            if pred and st.dense < PRED_COSINE and not (pred & st.words) - cterms:
                # the sentence only names a thing of the kind asked ("Facebook and other
                # platforms censor speech" for "which platform banned fundraising"): none of
                # the question's other words, nor its meaning in other words
                continue
            named = W_NAMED if instance and instance(text, c) else 0.0
            found.setdefault(key, []).append(
                (ev * (0.5 + 0.5 * _proximity(c, starts, spots)) + named, c, st))
    ranked: list[list[Any]] = []
    for key, occ in found.items():
        occ.sort(key=lambda o: -o[0])
        kinds = {o[1].kind for o in occ}
        best_kind = min(kinds, key=_KIND_ORDER.index)
        fit = _fits(kind, best_kind)
        if fit <= MISMATCH:
            continue  # a date never answers "how many", a number never "which country"
        # agreement: the phrase recurs in other retrieved passages, above all in headlines
        # (per article: one article repeating a name is not agreement)
        votes: dict[str, float] = {}
        for r, t in enumerate(bag):
            if f" {key} " in t:
                aid = passages[r].article_id
                votes[aid] = max(votes.get(aid, 0.0), 1.0 / (1 + r))
        redundancy = sum(votes.values())
        in_title = any(f" {key} " in t for t in titles)
        score = occ[0][0] + W_REDUNDANCY * redundancy + W_TITLE * in_title + fit + \
            KIND_BONUS[best_kind]
        ranked.append([score, occ[0][1], occ[0][2]])
    if not ranked:
        return None
    ranked.sort(key=lambda r: -r[0])
    ranked = ranked[:limit]
    if embed is not None:
        # one batch: the head noun, each phrase, and the question restated with the best
        # phrases as its answer (compared with the evidence sentences)
        head = head_phrase(question) if kind == "entity" else None
        shown = ranked[:STATEMENTS]
        probe = [restate(question, c.text) for _, c, _ in shown]
        if head:
            probe += [head] + [c.text for _, c, _ in ranked]
        vecs = np.asarray(embed(probe))
        stm = vecs[:len(shown)]
        best = (stm @ np.asarray(svecs).T).max(axis=1) if svecs else np.zeros(len(shown))
        for i, row in enumerate(ranked):
            row[0] += W_STATEMENT * float(best[i]) if i < len(shown) else -STATEMENT_CUT
        if head:
            sims = vecs[len(shown) + 1:] @ vecs[len(shown)]
            for row, sim in zip(ranked, sims, strict=True):
                row[0] += W_HEAD * float(sim)
        ranked.sort(key=lambda r: -r[0])
    # a phrase the sentence only says might be so is passed over for the next best one
    # of its kind ("Returning to Facebook would be a boon for fundraising" for "which platform
    # banned fundraising?"); when all the best are such, the best is returned unfit
    same = FAMILY.get(ranked[0][1].kind)
    pick = next((r for r in ranked[:STATEMENTS] if FAMILY.get(r[1].kind) == same and
                 stated(question, r[2].text(passages), r[1].kind, r[1].start, r[1].end)),
                None)
    score, c, st = pick if pick is not None else ranked[0]
    text = st.text(passages)
    fits = pick is not None and type_fits(question, text, c)
    c = whole_name(text, c)
    # the best phrase of the wrong kind is returned unfit: its evidence still counts for the
    # answer/refuse decision, but no short answer beats a wrong one
    return Phrase(c.text, st.passage, st.start + c.start, st.start + c.end,
                  (st.start, st.end), score, fits)


def _instance_of(head: str) -> Callable[[str, Candidate], bool]:
    """Whether a phrase is named in its sentence as an instance of ``head`` (Hearst's
    patterns): "deliveries ..., including air defence missiles", "condiments such as
    mustard", "mustard and other condiments", "mustard, a condiment", "the condiment
    mustard"."""
    stem = terms(head)
    if not stem:
        return lambda _s, _c: False
    noun = rf"\b{re.escape(head[:max(len(stem[0]), 3)])}\w*"  # condiment, condiments
    before = re.compile(rf"{noun}(?:\s+\w+){{0,4}}?,?\s+(?:including|such as|like|"
                        r"especially|notably)\s+(?:the\s+|an?\s+)?$|"
                        rf"\bthe\s+{noun}\s+$", re.I)
    after = re.compile(rf"^(?:,?\s+and\s+other\s+{noun}|,\s+(?:a|an|the)\s+(?:\w+\s+)?"
                       rf"{noun})", re.I)

    def named(sentence: str, cand: Candidate) -> bool:
        rest = sentence[cand.end:cand.end + 60]
        whole = re.match(r"\s*(?:[,.;:)]|and\b|or\b|$)", rest)  # "air" of "air defence" is not
        return bool((whole and before.search(sentence[max(0, cand.start - 80):cand.start])) or
                    after.search(rest))
    return named


_WH_SLOT = re.compile(r"\b(?:which|what)\b(?:\s+of the following)?|\bhow (?:many|much)\b|"
                      r"^(?:who|whom)\b|\bwho\b", re.I)


def restate(question: str, phrase: str) -> str:
    """The question with ``phrase`` in the place of its question word and head noun ("Which
    animals slipped loose ...?" -> "lions slipped loose ..."), or, without a question word, the
    question followed by the phrase. Its embedding is compared with the evidence sentences:
    the right phrase makes the statement the evidence makes (dev F1 0.509 -> 0.521 against
    appending the phrase to the question)."""
    m = _WH_SLOT.search(question)
    if m is None:
        return f"{question} {phrase}"
    end = m.end()
    head = head_phrase(question[m.start():]) if m.group().lower() in ("which", "what") else None
    if head and head not in ("person", "place"):
        at = question.lower().find(head.split()[-1].lower(), end)
        if at >= 0:
            end = at + len(head.split()[-1])
    return f"{question[:m.start()]}{phrase}{question[end:]}".rstrip("?")


_GROUP = re.compile(r" (negotiators|officials|troops|forces|soldiers|lawmakers|leaders|"
                    r"diplomats|authorities|police|protesters|investigators|prosecutors|"
                    r"regulators|scientists|researchers|voters|fans|citizens|residents|"
                    r"workers|government|military|army|navy|hackers|militants|rebels)\b")


def whole_name(sentence: str, cand: Candidate) -> Candidate:
    """A nationality or group name kept whole with the people it names, verbatim from the
    sentence: "Russian" in "Russian negotiators asked ..." answers as "Russian negotiators"."""
    if cand.kind != "name" or " " in cand.text:
        return cand
    m = _GROUP.match(sentence, cand.end)
    if not m:
        return cand
    from assistant.nlp import label_of

    if label_of(sentence, cand.start, cand.end) != "NORP":
        return cand
    return Candidate(sentence[cand.start:m.end()], cand.kind, cand.sentence, cand.start,
                     m.end())


def type_fits(question: str, sentence: str, cand: Candidate) -> bool:
    """Whether spaCy's entity type of ``cand`` (in its sentence) fits the question. A phrase
    spaCy sees no entity in passes: the check only rejects a clear mismatch."""
    if cand.kind not in ("name", "phrase", "quoted"):
        return True
    asks = asking_clause(question)  # "In addition to Halloween, which holiday ...?"
    if several(asks) and not names_several(cand.text):
        return False  # "which two teams" is not answered by one ("Astros")
    if re.match(r"(?:who|whom)\b", asks, re.I) and not re.search(r"[A-Z]", cand.text):
        return False  # who did it is somebody named, not a lower-case phrase ("real")
    from assistant.nlp import PLACES, label_alone, label_of

    label = label_of(sentence, cand.start, cand.end)
    head = head_phrase(asks) or ""
    if label == "LOC" and re.match(r"(?:which|what)\b", asks, re.I) and \
            not is_place_head(head) and not is_team_head(head):
        return False  # a continent or region is no holiday or product ("Asia")
    want = expected_entities(question)
    if want is None:
        return True
    mode, labels = want
    if label is None and mode == "allow" and labels == PLACES:
        # "which country" and no entity in context: read the name on its own; a person
        # there ("Truss") is no country
        alone = label_alone(cand.text)
        return alone is None or alone in labels or alone == "NORP"
    if label is None:
        return True
    if mode == "allow":
        return label in labels or (label == "NORP" and "GPE" in labels)  # British ~ Britain
    # a one-word "person" is as often a brand spaCy misreads (Twitter): only a full name counts
    return label not in labels or (label == "PERSON" and len(cand.text.split()) < 2)


@dataclass
class _Sent:
    passage: int
    start: int
    end: int
    lex: float
    words: frozenset[str] = frozenset()
    dense: float = 0.0

    def text(self, passages: Sequence[Passage]) -> str:
        return str(passages[self.passage].text[self.start:self.end])


def kind_fits(kind: str, cand_kind: str) -> bool:
    """Whether a phrase of ``cand_kind`` can answer a question of ``kind`` at all (a date
    never answers "how many", a number never "which country")."""
    return _fits(kind, cand_kind) > MISMATCH


def _fits(kind: str, cand_kind: str) -> float:
    if kind == "duration":
        return 0.0 if cand_kind == "duration" else MISMATCH / 2 if cand_kind == "number" \
            else MISMATCH
    if kind == "number":
        return 0.0 if cand_kind == "number" else MISMATCH
    if kind == "time":
        return 0.0 if cand_kind == "time" else MISMATCH
    return MISMATCH if cand_kind in ("number", "time", "duration") else 0.0
