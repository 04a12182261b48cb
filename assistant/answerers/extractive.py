"""The default answerer: grounded by construction, no LLM.

Each sentence of the retrieved passages is scored by
* ``lex``: IDF-weighted share of the question's content terms it contains,
* ``dense``: cosine between the question and the sentence embeddings,
* an answer-type cue (a number for "how many", a place after "in" for "where", ...),
* a small prior for the passage's retrieval rank.
The best one or two sentences become the answer, each followed by its ``[n]``. Whether to answer
at all is decided by ``assistant.answerability`` (a calibrated model over the candidate's
signals; a year the evidence lacks is decisive); a refusal says why. "What did X say?"
questions are answered with X's attributed quote (``index.quotes``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple, Protocol

from assistant import answerability as ab
from assistant.answerers.asks import expected_kind, question_kind, speaker_asked
from assistant.answerers.headline import Told, headline_answer
from assistant.answerers.refusals import conjugate, stale_reason
from assistant.answerers.short import Phrase, candidates, short_answer
from assistant.citations import citation_from
from assistant.text import (
    DURATION,
    MONTHS,
    WEEKDAYS,
    dot,
    is_fragment,
    name_terms,
    surface_names,
)
from assistant.types import REFUSAL, Citation, Passage
from index.chunking import sentence_spans
from index.quotes import Quote, find_quotes
from index.text import terms

_NUM = r"\b(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|" \
       r"dozens?|hundreds?|thousands?|millions?|billions?)\b"
_MONTH = rf"\b(?:{MONTHS}|{WEEKDAYS}|(?:19|20)\d{{2}})\b"
_PLACE = r"\b(?:in|at|near|from|to)\s+(?:the\s+)?[A-Z][a-z]+"
_PERSON = r"(?:aide|official|minister|leader|president|spokes(?:wo)?man|spokesperson|senator|" \
          r"governor|mayor|judge|ceo|chief|player|actor|actress|singer|candidate|person|man|woman)s?"
NO_NAME = -0.1  # a who-question answered by a span without any name
_NAME = r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+\b|\b[A-Z][a-z]{2,}\s+(?:negotiators|officials)\b"


@dataclass(frozen=True)
class Scored:
    passage: Passage
    start: int   # in passage.text
    end: int
    lex: float
    dense: float
    score: float


def answer_type_bonus(question: str, sentence: str) -> float:
    q = question.lower().strip()
    if re.match(r"(how long|for how long)\b", q):
        return 0.12 if re.search(DURATION, sentence, re.I) else 0.0
    if re.match(r"how (many|much)\b", q):
        return 0.08 if re.search(_NUM, sentence, re.I) else 0.0
    if re.match(r"(when|what (year|date|day|month))\b", q) or " when " in f" {q} ":
        return 0.08 if re.search(_MONTH, sentence) else 0.0
    if re.match(r"where\b", q) or " where " in f" {q} ":
        return 0.1 if re.search(_PLACE, sentence) else 0.0
    if re.match(r"(who|whom|whose)\b", q) or re.match(rf"which\s+(\w+\s+)?{_PERSON}\b", q):
        qwords = set(re.findall(r"[A-Z][a-z]+", question))
        names = [n for n in re.findall(_NAME, sentence)
                 if not set(n.split()) <= qwords]
        return 0.06 if names else NO_NAME
    return 0.0


_CAUSE = re.compile(r"\b(?:because|due to|caused by|owing to|thanks to|as a result|in order to|"
                    r"so that|amid|after|following|citing|blamed|reasons?|risks?|fears?|"
                    r"concerns?|danger|to (?:avoid|prevent|protect|address|curb|reduce|stop))\b",
                    re.I)
QUOTE_MIN_LEX = 0.3  # a quote of the speaker must share this much with the question
_SPEECH_TERMS = set(terms("say said reply replied respond responded answer answered tell told "
                          "promise promised write wrote warn warned claim claimed add added"))
PAIR_PENALTY = 0.05
FRESH_SHARE = 0.85  # sentences this close to the best one count as answering it too
COMMON_SHARE = 0.10  # names in more passages than this need not appear in an answering one
RARE_SUBJECT = 0.002  # a question's subject in at most this share of passages is required
FOCUS_PENALTY = 0.7
ECHO_PENALTY = 0.7
_FOCUS = re.compile(r"^(?:what|which)\s+(?:is|was|are|were)?\s*(?:the\s+)?(?:name\s+of\s+the\s+)?"
                    r"([a-z]+)\b", re.I)


def focus_term(question: str) -> str | None:
    """The noun a what/which question asks for ("What is the capital of ..." -> capital)."""
    m = _FOCUS.match(question.strip())
    if not m:
        return None
    t = terms(m.group(1))
    return t[0] if t else None


def _names_held(required: set[str], held: set[str]) -> bool:
    """A passage can answer when it holds the question's names; of three or more, one may be
    missing (a long question names more than any one passage repeats)."""
    return len(required - held) <= (1 if len(required) >= 3 else 0)


def _share(idf: float) -> float:
    """Roughly the share of passages holding a term, from its BM25 IDF
    ln(1 + (N - df + .5) / (df + .5))."""
    return 1.0 / max(math.expm1(idf), 1e-9)


class ExtractiveAnswerer:
    """Pick the sentences that answer the question; refuse when the support is weak."""

    name = "extractive"

    def __init__(self, embed_texts: Callable[[list[str]], list[list[float]]] | None,
                 idf: Callable[[str], float], *, min_support: float = 0.0,
                 max_sentences: int = 2, candidates: int = 6,
                 newest: Callable[[], date | None] | None = None) -> None:
        self.embed_texts = embed_texts
        self.newest = newest  # the collection's newest article day (asked only when needed)
        self.idf = idf
        self.min_support = min_support
        self.max_sentences = max_sentences
        self.candidates = candidates

    def _required(self, question: str, focus: str | None) -> set[str]:
        """The question's names a passage must contain to answer it. A name in more than
        COMMON_SHARE of the index's passages ("US" in American news) is context, not subject.
        A subject of the question that is as specific as a name (in at most RARE_SUBJECT of
        the passages: "benzene") is required too: a passage without it is about something
        else (another chemical)."""
        q = focus or question
        names = name_terms(q) | name_terms(question)
        need = {t for t in names if _share(self.idf(t)) <= COMMON_SHARE}
        rare = {t for t in terms(q) if _share(self.idf(t)) <= RARE_SUBJECT} - names
        if rare:  # the parser runs only for a question with such a word
            from assistant.nlp import subjects

            need |= rare & set(terms(" ".join(subjects(q))))
        return need

    def _surface(self, question: str, stems: set[str]) -> list[str]:
        """The question's own words for ``stems``: its names, and a required subject."""
        got = surface_names(question, stems)
        from assistant.nlp import subjects

        extra = [w for w in subjects(question) if set(terms(w)) & stems] if \
            stems - set(terms(" ".join(got))) else []
        return got + extra

    def usable(self, question: str, focus: str | None, passages: list[Passage]
               ) -> list[Passage]:
        """The passages that can answer: those that hold the question's names."""
        names = self._required(question, focus)
        return [p for p in passages if _names_held(names, set(terms(f"{p.title} {p.text}")))]

    def score(self, question: str, qvec: Sequence[float] | None,
              passages: list[Passage], focus: str | None = None) -> list[Scored]:
        """Candidate spans (a sentence, or two adjacent ones), best first.

        ``focus`` (the latest turn of a conversation) drives the answer-type cue.
        """
        qterms = set(terms(question))
        total = sum(self.idf(t) for t in qterms) or 1.0
        head = focus_term(focus or question)
        seen: set[tuple[str, int]] = set()
        sents: list[tuple[Passage, int, int, set[str], int]] = []  # passage, a, b, terms, pos
        n = max(len(passages), 1)
        for p in self.usable(question, focus, passages):
            for pos, (a, b) in enumerate(sentence_spans(p.text)):
                key = (p.article_id, p.start + a)
                if key in seen or is_fragment(p.text[a:b]):
                    continue  # overlapping chunks repeat sentences; headings state nothing
                seen.add(key)
                sents.append((p, a, b, set(terms(p.text[a:b])), pos))
        if not sents:
            return []

        def lex(ts: set[str]) -> float:
            return sum(self.idf(t) for t in qterms & ts) / total

        ranked = sorted(range(len(sents)), key=lambda i: -(lex(sents[i][3]) +
                        0.1 * (1 - sents[i][0].rank / n)))[: self.candidates]
        # embed only the most promising sentences: the query path must stay fast
        dense: dict[int, float] = {i: 0.0 for i in ranked}
        if self.embed_texts is not None and qvec is not None:
            vecs = self.embed_texts([sents[i][0].text[sents[i][1]:sents[i][2]] for i in ranked])
            dense = {i: dot(qvec, v) for i, v in zip(ranked, vecs, strict=True)}
        cue = focus or question
        out = []
        for i in ranked:
            p, a, b, ts, pos = sents[i]
            prior = 0.04 * (1 - p.rank / n)
            base = 0.5 * max(dense[i], 0.0) + prior
            lx = lex(ts)
            # a span that lacks the very thing asked for ("capital"), or that only repeats the
            # question's own words, is weak evidence
            miss = FOCUS_PENALTY if head and head not in ts else 1.0
            if len(ts - qterms) < 2:
                miss *= ECHO_PENALTY
            out.append(Scored(p, a, b, lx, dense[i],
                              miss * (base + 0.5 * lx + answer_type_bonus(cue, p.text[a:b]))))
            # the pair with the next sentence: evidence is often split across two
            j = i + 1
            if j < len(sents) and sents[j][0] is p and sents[j][4] == pos + 1 and \
                    "\n\n" not in p.text[b:sents[j][1]]:
                lp = lex(ts | sents[j][3])
                if lp > lx + 1e-9:
                    b2 = sents[j][2]
                    miss2 = FOCUS_PENALTY if head and head not in ts | sents[j][3] else 1.0
                    out.append(Scored(p, a, b2, lp, dense[i],
                                      miss2 * (base + 0.5 * lp - PAIR_PENALTY +
                                               answer_type_bonus(cue, p.text[a:b2]))))
        out.sort(key=lambda s: -s.score)
        return out

    def answer(self, question: str, qvec: Sequence[float] | None, passages: list[Passage],
               focus: str | None = None, today: date | None = None) -> Extracted:
        """The cited answer to ``question`` over ``passages`` (see ``Extracted``), or a refusal
        that says why when the answerability decision (``assistant.answerability``) says the
        passages don't hold the answer. ``today`` is the question's day: a question about
        something new is not answered from months-old news (without ``today``, "old" is
        counted back from the collection's newest article, or the clock's day: see
        ``stale_reason``)."""
        who = speaker_asked(focus or question)
        if who:
            quoted = self._quote_answer(question, focus, who, passages)
            if quoted is not None:
                return quoted
        scored = self.score(question, qvec, passages, focus)
        if not scored:
            names = self._required(question, focus)
            held = set().union(*(set(terms(f"{p.title} {p.text}")) for p in passages)) \
                if passages else set()
            reason = ab.refusal_reason((), self._surface(focus or question, names - held),
                                      surface_names(focus or question, names & held))
            return Extracted(f"{REFUSAL} {reason}", [], False, 0.0, reason=reason)
        # The sentence that holds the short answer phrase leads the cited answer; the best
        # scored sentences follow.
        usable = self.usable(question, focus, passages)
        # the assistant passes the latest turn as ``focus`` even when it is the question
        # itself: then the retrieval vector is the question's (one model call fewer)
        found = short_answer(focus or question, usable, self.embed_texts, self.idf,
                             qvec=qvec if focus in (None, question) else None)
        hit = found if found is not None and found.fits else None
        # a headline that states what the question asks names the answer more surely than a
        # body sentence ranked on words (see ``assistant.answerers.headline``)
        told = headline_answer(focus or question, usable, self.idf, today=today,
                               newest=self.newest)
        if told is not None and (hit is None or told.phrase.lower() not in hit.text.lower()):
            return _from_headline(told)
        lead = scored[0] if hit is None else _holding(hit, usable[hit.passage], scored)
        decision, sig = self._judge(question, focus, scored[0], lead, found, usable, passages)
        wanted = expected_kind(focus or question)
        if decision.answer and hit is None and wanted:
            # "Which state ...?" and no state (no phrase of the asked-for kind) in the passages:
            # the closest sentence is about the topic, not the answer
            decision = ab.Decision(False, decision.probability,
                                   f"The closest passages are about the topic but name no "
                                   f"{wanted} that {conjugate(wanted, 'answers')} it.")
        if decision.answer:
            old = stale_reason(focus or question, lead.passage.date, today, self.newest)
            if old:
                decision = ab.Decision(False, decision.probability, old)
        if not decision.answer and told is not None:
            return _from_headline(told)  # the body says it too weakly; the headline says it
        if not decision.answer or scored[0].score < self.min_support:
            reason = decision.reason or ab.refusal_reason((), (), ())
            return Extracted(f"{REFUSAL} {reason}", [], False, scored[0].score,
                             signals=sig, probability=decision.probability, reason=reason)
        fresh = self._freshest(focus or question, scored, hit)
        if fresh is not None:
            return self._as_of(fresh, scored[0].score, sig, decision.probability)
        chosen = [lead]
        for s in scored:
            if len(chosen) >= self.max_sentences:
                break
            if s is not lead and s.score >= max(self.min_support, 0.85 * scored[0].score) \
                    and not overlaps(s, chosen):
                chosen.append(s)
        if question_kind(focus or question) == "reason" and \
                not any(_CAUSE.search(c.passage.text[c.start:c.end]) for c in chosen):
            # a why-question is answered by a sentence that gives a reason, not by one that
            # only shares its topic ("The recall affects 245,030 vehicles ...")
            reason = "The closest passages are about the topic but do not say why."
            return Extracted(f"{REFUSAL} {reason}", [], False, scored[0].score, signals=sig,
                             probability=decision.probability, reason=reason)
        # read in article order when both come from one article
        chosen.sort(key=lambda s: (s.passage.article_id != lead.passage.article_id,
                                   s.passage.article_id, s.passage.start + s.start))
        parts, cites = [], []
        for i, s in enumerate(chosen, 1):
            parts.append(f"{s.passage.text[s.start:s.end].strip()} [{i}]")
            cites.append(citation_from(i, s.passage, s.start, s.end, s.score))
        short_n = chosen.index(lead) + 1 if hit is not None else 0
        return Extracted(" ".join(parts), cites, True, scored[0].score,
                         hit.text if hit is not None else "", short_n, sig,
                         decision.probability)

    def _freshest(self, question: str, scored: list[Scored], hit: Phrase | None
                  ) -> list[tuple[Scored, str]] | None:
        """For a how-many/how-much question whose best-supported sentences, in articles of
        different dates, give different figures for it (a toll that rises): those spans with
        their figures, newest first (one per figure). None when they agree or are undated.

        A figure counts only where the short answer's would: of the same shape ("$", "%", a
        plain count), next to a word of the question ("killed 41 people"), in a sentence
        supported nearly as well as the best one."""
        if question_kind(question) != "number" or hit is None or not scored:
            return None
        qterms = set(terms(question))
        shape = _shape(hit.text)
        top = scored[0].score
        seen: dict[str, tuple[Scored, str]] = {}
        for s in scored:
            if s.score < FRESH_SHARE * top:
                break
            if not s.passage.date:
                continue
            text = s.passage.text[s.start:s.end]
            nums = [c for c in candidates(text, 0) if c.kind == "number"
                    and _shape(c.text) == shape and not set(terms(c.text)) & qterms
                    and _near_question(text, c.start, c.end, qterms)]
            if len(nums) != 1:
                continue  # none, or several figures: which one answers is not clear
            key = " ".join(terms(nums[0].text))
            if key not in seen or s.passage.date > seen[key][0].passage.date:
                seen[key] = (s, nums[0].text)
        dated = sorted(seen.values(), key=lambda t: t[0].passage.date, reverse=True)
        if len(dated) < 2 or dated[0][0].passage.date[:10] == dated[1][0].passage.date[:10] \
                or " ".join(terms(hit.text)) not in seen:
            return None
        return dated[:self.max_sentences]

    def _as_of(self, fresh: list[tuple[Scored, str]], support: float, sig: dict[str, float],
               probability: float) -> Extracted:
        """Lead with the newest figure "as of" its date; the earlier ones follow, each cited."""
        parts, cites = [], []
        for i, (s, _figure) in enumerate(fresh, 1):
            when = s.passage.date[:10]
            said = s.passage.text[s.start:s.end].strip()
            parts.append(f"As of {when}: {said} [{i}]" if i == 1 else
                         f"Earlier, on {when}: {said} [{i}]")
            cites.append(citation_from(i, s.passage, s.start, s.end, s.score))
        return Extracted(" ".join(parts), cites, True, support, fresh[0][1], 1, sig,
                         probability)

    def _quote_answer(self, question: str, focus: str | None, who: str,
                      passages: list[Passage]) -> Extracted | None:
        """Answer "What did X say/reply/promise ...?" with X's attributed quote: the
        attribution sentence is cited, the quoted words are the short answer. None when no
        quote of X's in the passages is about the question (the general path then answers)."""
        q = focus or question
        speaker = set(terms(who))
        about = set(terms(q)) - speaker - _SPEECH_TERMS
        if not speaker or not about:
            return None
        total = sum(self.idf(t) for t in about) or 1.0
        best: tuple[float, Passage, Quote] | None = None
        for p in self.usable(question, focus, passages) or passages:
            spans = sentence_spans(p.text)
            for quote in find_quotes(p.text):
                if not set(terms(quote.speaker)) & speaker:
                    continue
                # the question's context is often in the sentence before the quote
                prev = max((a for a, _ in spans if a < quote.span_start), default=0)
                window = set(terms(p.text[prev:quote.span_end]))
                lex = sum(self.idf(t) for t in about & window) / total
                score = lex + (0.1 if quote.kind == "direct" else 0.0) + \
                    0.05 * (1 - p.rank / max(len(passages), 1))
                if best is None or score > best[0]:
                    best = (score, p, quote)
        if best is None or best[0] < QUOTE_MIN_LEX:
            return None
        score, p, quote = best
        years = ab.years_of(ab.unmatched_constraints(q, f"{p.title} {p.text}", p.date))
        if years:
            reason = ab.refusal_reason(years, (), [who])
            return Extracted(f"{REFUSAL} {reason}", [], False, score, reason=reason)
        a, b = quote.span_start, quote.span_end
        cite = citation_from(1, p, a, b, score)
        # decided by the speaker's quote, not by the answerability model: no model signals
        return Extracted(f"{p.text[a:b].strip()} [1]", [cite], True, score, quote.words, 1)

    def _judge(self, question: str, focus: str | None, best: Scored, lead: Scored,
               hit: Phrase | None, usable: list[Passage], passages: list[Passage]
               ) -> tuple[ab.Decision, dict[str, float]]:
        """The answerability decision for the candidate (best sentence, lead passage, phrase)."""
        q = focus or question
        p = lead.passage
        names = self._required(question, focus)
        pterms = set(terms(f"{p.title} {p.text}"))
        agree = 0.0
        if hit is not None:
            key = f" {' '.join(terms(hit.text))} "
            arts = {u.article_id for u in usable}
            with_it = {u.article_id for u in usable
                       if key in f" {' '.join(terms(f'{u.title} {u.text}'))} "}
            agree = len(with_it) / max(len(arts), 1)
        kind = question_kind(q)
        missing = ab.unmatched_constraints(q, f"{p.title} {p.text}", p.date)
        sig = ab.signals(
            question=question, sentence=best.passage.text[best.start:best.end],
            passage_text=p.text, title=p.title, date=p.date, support=best.score,
            dense=best.dense, names=names,
            short_found=None if kind in ("yesno", "reason") else hit is not None, agree=agree,
            idf=self.idf, missing=missing, short_score=hit.score if hit is not None else 0.0,
            dense_scores=[x.dense for x in passages if x.dense is not None],
            keyword_scores=[x.keyword for x in passages if x.keyword is not None])
        decision = ab.decide(
            sig, missing_constraints=missing,
            missing_names=self._surface(q, names - pterms),
            held=surface_names(q, (name_terms(q) | names) & pterms),
            absent=ab.missing_words(q, [f"{x.title} {x.text}" for x in passages], self.idf,
                                    name_terms(q) | names))
        return decision, sig


def _shape(figure: str) -> str:
    """What kind of figure: money, a percentage, or a count (with its scale word)."""
    f = figure.lower()
    unit = next((w for w in ("million", "billion", "trillion", "thousand") if w in f), "")
    if re.search(r"[$€£]", f):
        return "money " + unit
    if "%" in f or "percent" in f:
        return "percent"
    return "count " + unit


def _near_question(text: str, start: int, end: int, qterms: set[str], window: int = 4) -> bool:
    """Whether a question word is within ``window`` words of ``text[start:end]``."""
    before = terms(" ".join(text[:start].split()[-window:]))
    after = terms(" ".join(text[end:].split()[:window]))
    return bool(set(before + after) & qterms)


class Extracted(NamedTuple):
    """What the extractive answerer found. ``short`` is a phrase of citation ``short_n``;
    ``signals``/``probability`` are the answerability inputs and output, ``reason`` why it
    refused."""

    text: str
    citations: list[Citation]
    answered: bool
    support: float
    short: str = ""
    short_n: int = 0
    signals: dict[str, float] = {}  # noqa: RUF012 - a NamedTuple default, never mutated
    probability: float | None = None
    reason: str = ""
    decided_by: str = ""  # "reader", "rule:…", or "" (the rule path's own decision)


def _from_headline(told: Told) -> Extracted:
    """The answer a headline gives: the headline quoted, then the body sentence it cites (a
    citation is body text). Decided by the headline, not by the answerability model: no
    model signals."""
    cite = citation_from(1, told.passage, told.start, told.end, told.share)
    # a "[2]" in a headline is no citation marker of ours
    title = re.sub(r"\[(\d+)\]", r"(\1)", " ".join(told.passage.title.split()))
    return Extracted(f"Headline: “{title}”. {cite.passage.strip()} [1]", [cite],
                     True, told.share, told.phrase, 1)


def _holding(hit: Phrase, passage: Passage, scored: list[Scored]) -> Scored:
    """The scored span that holds the phrase, else its own sentence."""
    for s in scored:
        if s.passage is passage and s.start <= hit.start and hit.end <= s.end:
            return s
    a, b = hit.sentence
    return Scored(passage, a, b, 0.0, 0.0, scored[0].score)


class SpanOf(Protocol):
    """A span of a passage's text (``Scored``, ``reading.Candidate``)."""

    @property
    def passage(self) -> Passage: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


def overlaps(s: SpanOf, chosen: Sequence[SpanOf]) -> bool:
    """Same text, or an overlapping span of the same article."""
    t = s.passage.text[s.start:s.end].strip()
    a, b = s.passage.start + s.start, s.passage.start + s.end
    for c in chosen:
        if c.passage.text[c.start:c.end].strip() == t:
            return True
        ca, cb = c.passage.start + c.start, c.passage.start + c.end
        if c.passage.article_id == s.passage.article_id and a < cb and ca < b:
            return True
    return False
