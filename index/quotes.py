"""Who said what: direct quotes in article text and the speakers they are attributed to.

News attributes quotes in a handful of shapes, all handled here:

* ``“...,” Peskov said.`` / ``“...,” said Peskov.`` / ``“...,” the minister told reporters.``
* ``Peskov said: “...”`` / ``Trump responded ..., saying: “...”`` / ``He told CNN: “...”``
* reported speech: ``Peskov said (that) the talks ...`` and ``..., according to Peskov.``

``find_quotes(text)`` returns ``Quote`` objects whose spans point into ``text``:
``text[q.start:q.end] == q.words`` (the quoted words, without the marks) and
``text[q.span_start:q.span_end]`` is the attribution sentence(s) to cite. Pronoun speakers
("he said") are resolved to the last named speaker or subject before them in the same text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SAY = (r"(?:said|says|say|told|tells|added|adds|replied|replies|responded|responds|answered|"
        r"wrote|writes|warned|warns|insisted|insists|argued|argues|noted|notes|explained|"
        r"explains|asked|asks|promised|promises|declared|declares|stated|states|claimed|"
        r"claims|posted|tweeted|announced|announces|continued|conceded|concluded)")
_NAME = r"(?:[A-Z][\w’'.-]*(?:\s+(?:[A-Z][\w’'.-]*|of|de|al|bin|von|van))*)"
_ROLE = r"(?:(?:the|a|an|his|her|their)\s+)?(?:[a-z-]+\s+){0,3}?"
_PRONOUN = r"(?:he|she|they|He|She|They)"
_SPEAKER = rf"(?:(?:{_NAME}\s+)?{_ROLE}{_NAME}|{_PRONOUN}|the\s+(?:[a-z-]+\s+){{0,3}}[a-z]+)"
_OPEN, _CLOSE = "“\"", "”\""

# “...,” Peskov said | “...,” said Peskov | “...,” he told reporters
_AFTER = re.compile(rf"[ \t]*(?:(?P<s1>{_SPEAKER})\s+{_SAY}\b|{_SAY}\s+(?P<s2>{_SPEAKER}))")
# Peskov said: “...” | ..., saying: “...” | He told CNN: “...”
_BEFORE = re.compile(rf"(?:(?P<s1>{_NAME}|{_PRONOUN})[^.!?“”\"]{{0,120}}?\b{_SAY}\b"
                     rf"[^.!?“”\"]{{0,80}}|\bsaying)[:,]?\s*$")
_REPORTED = re.compile(rf"(?P<s>{_NAME})\s+(?:said|says|added|adds|warned|warns|insisted|"
                       rf"insists|argued|argues|noted|explained|claimed|claims|announced|"
                       rf"stated|declared)\s+(?:that\s+)?(?P<w>[^.!?“”\"]{{12,}}[.!?])")
_ACCORDING = re.compile(rf"(?P<w>[A-Z][^.!?]{{12,}}?),\s+according to (?P<s>{_NAME})")
_SUBJECT = re.compile(rf"(?:^|[.!?]\s+|\n)(?P<s>{_NAME})\b")


@dataclass(frozen=True)
class Quote:
    """A quote and its speaker; offsets index the text it was found in."""

    speaker: str
    words: str
    start: int        # the quoted words: text[start:end] == words
    end: int
    span_start: int   # the attribution to cite (the sentence(s) holding quote and speaker)
    span_end: int
    kind: str         # "direct" or "reported"


def _sentence_start(text: str, pos: int) -> int:
    """Start of the sentence holding ``pos`` (after the last . ! ? or paragraph break)."""
    i = pos
    while i > 0:
        ch = text[i - 1]
        if ch == "\n" or (ch in ".!?" and i < len(text) and text[i].isspace() and
                          not _inside_quote(text, i)):
            break
        i -= 1
    while i < pos and text[i].isspace():
        i += 1
    return i


def _inside_quote(text: str, pos: int) -> bool:
    line_start = text.rfind("\n", 0, pos) + 1
    seg = text[line_start:pos]
    return seg.count("“") > seg.count("”") or seg.count('"') % 2 == 1


def _sentence_end(text: str, pos: int) -> int:
    m = re.compile(r"[.!?][”\"’)]*(?=\s|$)|\n").search(text, pos)
    return m.end() if m else len(text)


def _clean(speaker: str) -> str:
    s = re.sub(r"^(?:the|a|an|his|her|their)\s+", "", speaker.strip(), flags=re.I)
    return s.rstrip(",.")


def find_quotes(text: str) -> list[Quote]:
    """Every attributed quote in ``text``, in order."""
    out: list[Quote] = []
    last_named = ""
    for m in re.finditer(r"[“\"]([^“”\"]{8,1500})[”\"]", text):
        words_start, words_end = m.start(1), m.end(1)
        words = text[words_start:words_end].strip().rstrip(",")
        if not words:
            continue
        speaker = ""
        span_start = _sentence_start(text, m.start())
        span_end = m.end()
        after = _AFTER.match(text, m.end(), m.end() + 160)
        if after:
            speaker = after.group("s1") or after.group("s2") or ""
            span_end = _sentence_end(text, after.end())
        else:
            head = text[span_start:m.start()]
            # a quote introduced by its speaker is a statement, not a scare-quoted word
            before = _BEFORE.search(head) if len(words.split()) >= 3 else None
            if before:
                speaker = before.group("s1") or ""
                if not speaker:  # "..., saying: “...”": the sentence's subject speaks
                    subj = re.match(rf"\s*(?P<s>{_NAME})", head)
                    speaker = subj.group("s") if subj else ""
        if not speaker:
            continue
        if re.fullmatch(_PRONOUN, speaker.strip()):
            speaker = last_named or _subject_before(text, m.start())
            if not speaker:
                continue
        speaker = _clean(speaker)
        last_named = speaker
        end_words = words_start + len(words)
        out.append(Quote(speaker, words, words_start, end_words, span_start, span_end,
                         "direct"))
    for rx in (_REPORTED, _ACCORDING):
        for m in rx.finditer(text):
            if _inside_quote(text, m.start()):
                continue
            w0, w1 = m.span("w")
            if any(q.start <= w0 < q.end or w0 <= q.start < w1 for q in out):
                continue
            out.append(Quote(_clean(m.group("s")), text[w0:w1], w0, w1,
                             _sentence_start(text, m.start()), _sentence_end(text, w1 - 1),
                             "reported"))
    out.sort(key=lambda q: q.start)
    return out


def _subject_before(text: str, pos: int) -> str:
    names = list(_SUBJECT.finditer(text, 0, pos))
    return names[-1].group("s") if names else ""


_SPEECH_Q = re.compile(
    r"^(?:what|how)\s+(?:did|does|do|has|have|will|would)\s+(?P<who>.+?)\s+"
    r"(?:say|said|reply|replied|respond|responded|answer|answered|tell|told|promise|promised|"
    r"write|wrote|warn|warned|claim|claimed|add|added|post|posted|tweet|tweeted|insist|"
    r"argue|declare|announce)\b", re.I)


def speech_question(question: str) -> str | None:
    """The speaker a "What did X say/reply/promise ...?" question asks about, else None."""
    m = _SPEECH_Q.match(question.strip())
    return m.group("who") if m else None
