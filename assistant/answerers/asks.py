"""What a question asks for: the kind of phrase that answers it, its head noun, the clause
that asks, how many things, and which entity types may answer it.

Quiz-style news questions often lead in with a statement ("A no-hitter was thrown this week.
Which two teams ...?"), so everything here reads the clause that asks (``asking_clause``).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from assistant.text import PHRASE_STOP
from index.quotes import speech_question
from index.text import terms

_NUM_Q = re.compile(r"\bhow (?:much|many|old|long|far|high|big|tall|large|often|soon)\b|"
                    r"\bwhat (?:percentage|percent|share|proportion|amount|number|price|age)\b",
                    re.I)
_YESNO_Q = re.compile(r"(?:is|are|was|were|did|does|do|has|have|had|can|could|will|would|"
                      r"should)\b", re.I)
_REASON_Q = re.compile(r"why\b|how\s+(?:did|does|do|is|are|was|were|will|would|can|could|"
                       r"has|have|had)\b", re.I)  # "How did ...", not "How many ..."
_TIME_Q = re.compile(r"\bwhen\b|\bwhat (?:year|month|day|date|time)\b|\bhow soon\b", re.I)
_AUX = r"(?:is|was|are|were|did|does|do|will|would|has|have|had|can|could|should|might|may)"
_HEAD_STOP = re.compile(_AUX + r"$|(?:to|of|in|on|at|for|from|by|that|this|recently|soon|"
                        r"just|won|said|made|took|saw|became|began|led|held|left|hit|set|sold|"
                        r"bought|told|gave|kept|went|came|plans?|says|wants|\w+ed)$", re.I)

_NUMBER_HEAD = re.compile(r"\b(?:amount|sum|figure|percentage|percent|price|wage|salary|fee|"
                          r"fine|toll|total|number|rate|age)s?$", re.I)
_PERSON_HEAD = re.compile(
    r"\b(?:person|man|woman|people|leader|president|minister|official|aide|player|actor|"
    r"actress|singer|star|ceo|founder|chief|senator|governor|mayor|judge|candidate|author|"
    r"artist|rapper|coach|athlete|spokes(?:wo)?man|spokesperson|director|king|queen|prince|"
    r"princess|pope|billionaire|celebrity|journalist|lawmaker|politician)s?$", re.I)
_MEMBER_HEAD = re.compile(r"\b(?:member|winner|nominee|recipient|signatory|ally|allies|"
                          r"rival|partner|buyer|bidder)s?$", re.I)
_PLACE_HEAD = re.compile(r"\b(?:(?:place|state|nation|continent|region|island|province|town|"
                         r"capital|territory|village)s?|countr(?:y|ies)|cit(?:y|ies)|"
                         r"count(?:y|ies))$", re.I)
_WORK_HEAD = re.compile(r"\b(?:show|series|sitcom|drama|movie|film|documentary|book|novel|"
                        r"memoir|song|single|album|musical|podcast|episode)s?$", re.I)
_SEVERAL_Q = re.compile(r"(?:which|what)\s+(two|three|four)\b", re.I)
_SEVERAL = re.compile(r"\s(?:and|&)\s|,\s")  # "Sweden and Finland", "Kroger & Albertsons"
_TEAM_HEAD = re.compile(r"\b(?:team|club|side|franchise)s?$", re.I)  # "Tampa Bay" is a team
_MONEY_Q = re.compile(r"\bhow much\b[^?]*\b(?:money|cash|cost|costs|paid|pay|pays|fined?|worth|"
                      r"damages?|salary|salaries|prize|fees?|spent|spend|earn|earned|earns|"
                      r"budget|funding|losses)\b", re.I)
_WH = re.compile(r"\b(?:who|whom|whose|where|which|what|when|why|how)\b", re.I)


def question_kind(question: str) -> str:
    """``yesno``, ``reason``, ``duration``, ``number``, ``time`` or ``entity``: what kind of
    phrase answers ``question`` (none for yes/no, nor for why and how-did: a sentence does)."""
    if _YESNO_Q.match(question.strip()):
        return "yesno"
    if _REASON_Q.match(asking_clause(question)):
        return "reason"
    if re.search(r"\bhow long\b", question, re.I):
        return "duration"
    if _NUM_Q.search(question) and not re.search(r"\bhow soon\b", question, re.I):
        return "number"
    if _TIME_Q.search(question):
        return "time"
    head = head_phrase(question)
    if head and _NUMBER_HEAD.search(head):
        return "number"  # "to which hourly amount?" asks for a figure
    return "entity"


def head_phrase(question: str) -> str | None:
    """What a which/what/who/where question asks for ("which US national park" -> "US
    national park"); None when it names nothing."""
    q = asking_clause(question)
    if re.match(r"(?:who|whom)\b", q, re.I):
        return "person"
    if re.match(r"where\b", q, re.I):
        return "place"
    m = re.search(r"\b(?:which|what)\s+(?:of the following\s+|one of the\s+|"
                  r"(?:is|was|are|were)\s+the\s+)?(?:(?:kind|type|sort|breed|species)\s+"
                  r"of\s+(?:the\s+|an?\s+)?)?(.*)", q, re.I)  # "which kind of animal": animal
    if not m:
        return None
    head: list[str] = []
    for w in re.findall(r"[\w’'-]+|[?,.;:]", m.group(1)):
        if _HEAD_STOP.match(w) or not re.match(r"\w", w) or len(head) == 4:
            break  # the head noun phrase ends where its verb, or a preposition, begins
        head.append(w)
    words = [w for w in head if w.lower() not in PHRASE_STOP]
    return " ".join(words) or None


def is_place_head(head: str) -> bool:
    """Whether a head noun names a kind of place ("country", "US cities")."""
    return bool(_PLACE_HEAD.search(head))


def is_team_head(head: str) -> bool:
    """Whether a head noun names a team, which a city may name ("Tampa Bay")."""
    return bool(_TEAM_HEAD.search(head))


def names_several(phrase: str) -> bool:
    """Whether a phrase names more than one thing ("Sweden and Finland")."""
    return bool(_SEVERAL.search(phrase))


def several(question: str) -> str:
    """How many things the question asks for, when more than one ("Which two teams ...?" ->
    "two"), else ""."""
    m = _SEVERAL_Q.match(asking_clause(question))
    return m.group(1).lower() if m else ""


# a sentence ends at . ? ! and a space, but not after one letter ("Roe v. Wade", "Jr. J. Cole")
_SENTENCE_END = re.compile(r"(?<=[.?!])(?<!\b[A-Za-z]\.)\s+")


def asking_clause(question: str) -> str:
    """The part of ``question`` that asks, from its question word on: "A no-hitter was thrown
    this week. Which two teams ...?" -> "Which two teams ...?"; "In addition to Halloween,
    which holiday ...?" -> "which holiday ...?". The whole question when it has none."""
    parts = [p for p in _SENTENCE_END.split(question.strip()) if p]
    for part in reversed(parts):
        m = _WH.search(part)
        if m:
            return part[m.start():]
    return question.strip()


def expected_entities(question: str) -> tuple[str, frozenset[str]] | None:
    """What entity type a question's answer must (``allow``) or must not (``forbid``) have:
    who -> people and bodies, where / which city -> places, which minister -> a person, and a
    what/which question about a thing never a person."""
    from assistant.nlp import PERSONISH, PLACES

    q = question.strip().lower()
    head = head_phrase(question) or ""
    if re.match(r"(?:who|whom|whose)\b", q) or head == "person":
        return "allow", PERSONISH
    if re.match(r"where\b", q) or head == "place":
        # where it happened may be an institution's seat ("at the United Nations"), and the
        # small model reads a place in an odd position as one ("Antarctica's ... glacier")
        return "allow", PLACES | {"ORG"}
    if _PLACE_HEAD.search(head):
        return "allow", PLACES
    if _PERSON_HEAD.search(head):
        return "allow", frozenset({"PERSON"})
    if _MEMBER_HEAD.search(head):
        return "allow", PERSONISH  # a member of a cabinet is a person, of NATO a country
    if _WORK_HEAD.search(head):
        # a show, film or book is no company, place or people ("Netflix" for "which show")
        return "forbid", frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC"})
    if re.match(r"(?:what|which)\b", q):
        return "forbid", frozenset({"PERSON"})
    return None


def expected_kind(question: str) -> str:
    """What a question with a definite answer type asks for ("state", "person", "number",
    "date"), or "" for one without (why, how, what happened, yes/no)."""
    kind = question_kind(question)
    if kind == "number" and asks_money(question):
        return "sum of money"
    if kind in ("number", "duration"):
        return "figure"
    if kind == "time":
        return "date"
    if kind == "entity":
        head = head_phrase(question)
        many = several(question)
        if head and many:
            return f"{many} {head.split()[-1].lower()}"  # "name no two teams"
        return head.split()[-1].lower() if head else ""
    return ""


_PRONOUN = re.compile(r"(?:he|she|they|it|him|her|them)$", re.I)
_LEAD_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+|\b[A-Z][a-z]+(?=\s+(?:said|says|made|"
                        r"told|announced|declared|wrote|posted|promised|warned)\b)")


def speaker_asked(question: str) -> str | None:
    """The speaker a "What did X say ...?" question asks about, read from the clause that asks;
    a pronoun there ("... this week. What did he say?") is the person the lead-in names
    ("President Joe Biden" -> "Biden": the surname, so that a title matches no one else)."""
    asks = asking_clause(question)
    who = speech_question(asks)
    if who is None or not _PRONOUN.match(who):
        return who
    lead = question.strip()[:len(question.strip()) - len(asks)]
    m = _LEAD_NAME.search(lead)
    return m.group().split()[-1] if m else None


def asks_money(question: str) -> bool:
    """Whether the question asks for a sum of money ("How much prize money ...?", "How much
    was Instagram fined?"), not a count or a share ("How much have prices risen?")."""
    return bool(_MONEY_Q.search(asking_clause(question)))


_CHANGE_Q = re.compile(r"\bby how much\b|\bhow much (?:have|has|had|did|do|does|will|would|"
                       r"could|is|are|was|were)\b[^?]*\b(?:increas|rise|risen|rose|grow|grew|"
                       r"fall|fell|drop|declin|climb|jump|soar|surg|spik|shr[iu]nk|go up|gone up|"
                       r"go down|gone down)\w*", re.I)


def asks_change(question: str) -> bool:
    """Whether the question asks by how much something changed ("How much have gas prices
    increased over the past year?"): a share or a difference answers it, not the level the
    thing stands at ("$5" a gallon)."""
    return bool(_CHANGE_Q.search(asking_clause(question)))


# counts that any figure may answer: "how many people" is answered by "1,000 were arrested"
_GENERIC_COUNT = frozenset(terms("people persons times things ones"))
# money measured as money: "how much prize money" is answered by "took home $50,000"
_MONEY_HEAD = re.compile(r"(?:money|cash|funds|funding)$", re.I)
_HOW_MANY = re.compile(r"\bhow many\s+(.*)", re.I)
_HOW_MUCH = re.compile(r"\bhow much\s+(?:(?:is|are|was|were|has|have|had|did|does|do|will|would|"
                       r"could|can)\s+)?(?:in\s+|of\s+)?(.*)", re.I)
_PERCENTAGE = re.compile(r"\bwhat (?:percentage|percent|share|proportion) of\s+(.*)", re.I)
_CHANGE_VERB = re.compile(r"(?:go|goes|gone|went|rise|rises|risen|rose|grow|grows|grown|grew|fall|"
                          r"falls|fallen|fell|shr[iau]nk|shrinks?|increases?|decreases?|drops?|"
                          r"climbs?|jumps?|soars?|surges?|spikes?)$", re.I)
_PRONOUN_RUN = re.compile(r"(?:it|they|he|she|we|you|this|that|these|those)$", re.I)


class Measure(NamedTuple):
    """What a how-many / how-much question counts or measures (``words``, index terms) and
    how a figure must name it (``how``): ``count`` a count is followed by its noun ("1,648
    different titles"); ``subject`` the sentence names every word of what changed ("gasoline
    prices ... up nearly 60%" for "how much have gas prices increased"); ``thing`` the
    sentence names one of its words ("$10,000 in student loan debt" for "how much loan
    forgiveness")."""

    words: frozenset[str]
    how: str


def measured(question: str) -> Measure | None:
    """What a how-many / how-much question counts or measures (see ``Measure``): "how many
    book titles" -> titles, so neither "2021's Top 100" nor "nine books" answers; "how much
    have gas prices increased" -> gas prices, so "a 10% increase in the dollar" and "the
    consumer price index jumped 8.5%" do not. None when the question measures nothing
    checkable: a name ("how many Russians"), a pronoun ("how much does it cost"), money as
    such ("how much prize money"), or people in general. Names in the phrase are left to the
    name checks ("what percentage of US adults" -> adults)."""
    q = asking_clause(question)
    how = "count"
    m = _HOW_MANY.search(q)
    if m is None:
        how = "subject" if asks_change(q) else "thing"
        m = _PERCENTAGE.search(q) or _HOW_MUCH.search(q)
    if m is None:
        return None
    run: list[str] = []
    for w in re.findall(r"[\w’'-]+|[?,.;:]", m.group(1)):
        if _HEAD_STOP.match(w) or _CHANGE_VERB.match(w) or not re.match(r"\w", w) or \
                len(run) == 4:
            break  # the noun phrase ends where its verb, or a preposition, begins
        run.append(w)
    if not run or _PRONOUN_RUN.match(run[0]) or _MONEY_HEAD.match(run[-1]):
        return None
    if how == "count":
        run = run[-1:]  # a count is of its head noun: "book titles" counts titles, not books
    found = frozenset(terms(" ".join(w for w in run if not w[:1].isupper()))) - _GENERIC_COUNT
    return Measure(found, how) if found else None
