"""The answer path with the learned reader: candidates → reader → one decision → compose.

* **Candidates**: the sentences of the retrieved passages (headings and repeats of
  overlapping chunks left out), the ``candidates`` that share most of the question's weight
  (IDF, headline included) read first; the reader sees each with its headline.
* **Reader** (``assistant.reader``): one batch, one calibrated probability per sentence that
  it states the answer, and the short answer's span inside it.
* **Decision**: the most probable sentence answers when its probability reaches the model's
  threshold (``reader.json``, chosen for a stated answered rate); otherwise a refusal. Two
  hand rules may override an answer, each reported in ``docs/reader.md`` with its measured
  effect: a year the question names that the evidence lacks (``rule:year``), and something
  *new* asked of months-old news (``rule:stale``). ``Answer.decided_by`` says which decided.
* **Compose**: the lead sentence [1], a second sentence the reader rates nearly as high
  [2], and the short answer in bold from the reader's span.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from assistant import answerability as ab
from assistant.answerers.extractive import Extracted, overlaps
from assistant.answerers.refusals import stale_reason
from assistant.citations import citation_from
from assistant.reader import Reader, Reading
from assistant.text import is_fragment, name_terms, surface_names
from assistant.types import REFUSAL, Passage
from index.chunking import sentence_spans
from index.text import terms

CANDIDATES = 16      # sentences the reader reads per question
SECOND_SHARE = 0.9   # a second sentence answers too when this close to the best one
_TRIM = " \t\n,;:.\"'“”‘’()[]"


@dataclass(frozen=True)
class Candidate:
    passage: Passage
    start: int      # in passage.text
    end: int
    prior: float    # the lexical pre-rank


@dataclass(frozen=True)
class Rules:
    """Which hand rules may override the reader (for measuring each one's effect)."""

    year: bool = True
    stale: bool = True


class ReaderAnswerer:
    """Answers from ``passages`` with the reader's decision (see the module docstring)."""

    name = "extractive"

    def __init__(self, reader: Reader, idf: Callable[[str], float], *,
                 candidates: int = CANDIDATES, rules: Rules = Rules(),
                 newest: Callable[[], date | None] | None = None) -> None:
        self.reader = reader
        self.idf = idf
        self.candidates = candidates
        self.rules = rules
        self.newest = newest

    def gather(self, question: str, passages: Sequence[Passage]) -> list[Candidate]:
        """The sentences worth reading, best pre-ranked first."""
        qterms = set(terms(question))
        total = sum(self.idf(t) for t in qterms) or 1.0
        seen: set[tuple[str, int]] = set()
        out: list[Candidate] = []
        n = max(len(passages), 1)
        for p in passages:
            title = set(terms(p.title))
            spans = sentence_spans(p.text)
            for a, b in spans:
                key = (p.article_id, p.start + a)
                s = p.text[a:b]
                if key in seen or is_fragment(s) or len(s) < 20:
                    continue
                seen.add(key)
                have = set(terms(s)) | title
                lex = sum(self.idf(t) for t in qterms & have) / total
                out.append(Candidate(p, a, b, lex + 0.1 * (1 - p.rank / n)))
        out.sort(key=lambda c: -c.prior)
        return out[:self.candidates]

    def answer(self, question: str, qvec: Sequence[float] | None, passages: list[Passage],
               focus: str | None = None, today: date | None = None) -> Extracted:
        """The cited answer, or a refusal that says why (``qvec`` is not needed: the reader
        reads the words)."""
        q = focus or question
        cands = self.gather(q, passages)
        if not cands:
            return self._refuse(q, passages, 0.0, "reader")
        readings = self.reader.read(q, [(c.passage.title, c.passage.text[c.start:c.end])
                                        for c in cands])
        order = sorted(range(len(cands)), key=lambda i: -readings[i].probability)
        best_i = order[0]
        best, lead = readings[best_i], cands[best_i]
        prob = best.probability
        if prob < self.reader.spec.threshold:
            return self._refuse(q, passages, prob, "reader")
        p = lead.passage
        if self.rules.year:
            years = ab.years_of(ab.unmatched_constraints(q, f"{p.title} {p.text}", p.date))
            if years:
                names = name_terms(q)
                held = surface_names(q, names & set(terms(f"{p.title} {p.text}")))
                reason = ab.refusal_reason(years, (), held)
                return Extracted(f"{REFUSAL} {reason}", [], False, prob, probability=prob,
                                 reason=reason, decided_by="rule:year")
        if self.rules.stale:
            old = stale_reason(q, p.date, today, self.newest)
            if old:
                return Extracted(f"{REFUSAL} {old}", [], False, prob, probability=prob,
                                 reason=old, decided_by="rule:stale")
        chosen = [best_i]
        for i in order[1:]:
            if len(chosen) >= 2 or readings[i].probability < max(
                    self.reader.spec.threshold, SECOND_SHARE * prob):
                break
            if not overlaps(cands[i], [cands[j] for j in chosen]):
                chosen.append(i)
        chosen.sort(key=lambda i: (cands[i].passage.article_id != p.article_id,
                                   cands[i].passage.article_id,
                                   cands[i].passage.start + cands[i].start))
        parts, cites = [], []
        for n, i in enumerate(chosen, 1):
            c = cands[i]
            parts.append(f"{c.passage.text[c.start:c.end].strip()} [{n}]")
            cites.append(citation_from(n, c.passage, c.start, c.end, readings[i].probability))
        short = _short(lead, best)
        return Extracted(" ".join(parts), cites, True, prob, short,
                         chosen.index(best_i) + 1 if short else 0, {}, prob,
                         decided_by="reader")

    def _refuse(self, q: str, passages: Sequence[Passage], prob: float, by: str) -> Extracted:
        names = name_terms(q)
        texts = [f"{x.title} {x.text}" for x in passages]
        held_terms = set().union(*(set(terms(t)) for t in texts)) if texts else set()
        reason = ab.refusal_reason(
            (), surface_names(q, names - held_terms), surface_names(q, names & held_terms),
            ab.missing_words(q, texts, self.idf, names))
        return Extracted(f"{REFUSAL} {reason}", [], False, prob, probability=prob,
                         reason=reason, decided_by=by)


def _short(c: Candidate, r: Reading) -> str:
    """The reader's span as a phrase of the sentence (trimmed of punctuation)."""
    if r.span is None:
        return ""
    s = c.passage.text[c.start:c.end]
    a, b = r.span
    phrase = s[a:b].strip(_TRIM)
    if not phrase or len(phrase) > 80 or not re.search(r"\w", phrase):
        return ""
    return phrase

