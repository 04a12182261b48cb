"""Who said what: direct quotes in article text and the speakers they are attributed to.

News attributes quotes in a handful of shapes, all handled here:

* ``“...,” Peskov said.`` / ``“...,” said Peskov.`` / ``“...,” the minister told reporters.``
* ``Peskov said: “...”`` / ``Trump responded ..., saying: “...”`` / ``He told CNN: “...”``
* reported speech: ``Peskov said (that) the talks ...`` and ``..., according to Peskov.``

``find_quotes(text)`` returns ``Quote`` objects whose spans point into ``text``:
``text[q.start:q.end] == q.words`` (the quoted words, without the marks) and
``text[q.span_start:q.span_end]`` is the attribution sentence(s) to cite.

What counts as a quote:
- The quoted words stay inside one paragraph. An opening mark that is not closed in its
  paragraph (a headline's) quotes nothing.
- Words in Title Case ("The Ingraham Angle") are a title, not something said.
- A speaker with a role before the name ("DeSantis campaign press secretary Bryan Griffin")
  is the person named last.
- A pronoun speaker ("he said") is the last speaker named, or the last subject, before it in
  the same paragraph; otherwise the quote is dropped.
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
                       rf"stated|declared)\s+(?:that\s+)?(?P<w>[^.!?“”\"\n]{{12,}}[.!?])")
_ACCORDING = re.compile(rf"(?P<w>[A-Z][^.!?]{{12,}}?),\s+according to (?P<s>{_NAME})")
_SUBJECT = re.compile(rf"(?:^|[.!?]\s+|\n)(?P<s>{_NAME})\b")
_LAST_NAME = re.compile(rf"{_NAME}$")
_SMALL = {"a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"}


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
    s = re.sub(r"^(?:the|a|an|his|her|their)\s+", "", speaker.strip(), flags=re.I).rstrip(",.")
    words = s.split()
    if any(w[:1].islower() for w in words[1:]):  # "DeSantis campaign press secretary Bryan
        last = _LAST_NAME.search(s)              # Griffin": the person is the name at the end
        if last and last.start() > 0 and s[last.start() - 1] == " ":
            return last.group()
    return s


def _title(words: str) -> bool:
    """Quoted words that name a work or a show ("The Ingraham Angle"), not something said:
    short, and every word but the small ones capitalised."""
    ws = re.findall(r"[\w’'-]+", words)
    return 0 < len(ws) <= 6 and all(w[:1].isupper() or w.lower() in _SMALL for w in ws) \
        and not words.rstrip().endswith(("!", "?"))


def _paragraph_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def find_quotes(text: str) -> list[Quote]:
    """Every attributed quote in ``text``, in order."""
    out: list[Quote] = []
    last_named, named_at = "", -1
    for m in re.finditer(r"[“\"]([^“”\"\n]{8,1500})[”\"]", text):
        words_start, words_end = m.start(1), m.end(1)
        words = text[words_start:words_end].strip().rstrip(",")
        if not words or _title(words):
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
            para = _paragraph_start(text, m.start())
            speaker = last_named if named_at >= para else _subject_before(text, m.start(), para)
            if not speaker:
                continue
        speaker = _clean(speaker)
        last_named, named_at = speaker, m.start()
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


def _subject_before(text: str, pos: int, start: int = 0) -> str:
    names = list(_SUBJECT.finditer(text, start, pos))
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
