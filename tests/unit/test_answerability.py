"""The answer/refuse decision: constraints, reasons, the model file; quotes and speakers."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from assistant import answerability as ab
from index.quotes import find_quotes, speech_question
from tests.helpers import SEED_ARTICLE


def test_constraints_of_a_question():
    q = "Who won the women's final at the 2019 championship, the 3rd in a row for 12 teams?"
    assert ab.constraints(q) == ["2019", "3rd", "women's", "final", "12"]
    assert ab.constraints("How long did the call last?") == []


def test_a_number_glued_to_a_name_is_no_constraint():
    """"Covid-19", "G-7", "F-35" are names: an article about "the pandemic" or "Covid" need not
    repeat their digits (a dev question was refused for lacking "19")."""
    q = "Which country declared victory over Covid-19 at the G-7 summit with 12 F-35 jets?"
    assert ab.constraints(q) == ["12"]
    from assistant.text import name_terms, surface_names

    assert surface_names(q, name_terms(q)) == ["Covid-19", "G-7", "F-35"]


def test_old_news_does_not_answer_a_question_about_something_new():
    from datetime import date

    from assistant.answerers.refusals import stale_reason

    q = "Which new treat did McDonald's add to its menu?"
    old = stale_reason(q, "2021-11-10", date(2022, 9, 8))
    assert old == ("The closest article that speaks to it is from 2021-11-10, 302 days before "
                   "2022-09-08: too old to say what is “new”.")
    assert stale_reason(q, "2022-09-01", date(2022, 9, 8)) == ""        # recent enough
    assert stale_reason(q, "", date(2022, 9, 8)) == ""                  # undated
    assert stale_reason("Which treat did McDonald's add to its menu?", "2021-11-10",
                        date(2022, 9, 8)) == ""                          # nothing new asked
    assert stale_reason("Which New York team won the title?", "2021-11-10",
                        date(2022, 9, 8)) == ""                          # a name, not newness


def test_a_record_yet_is_a_record_as_of_the_question_day():
    from datetime import date

    from assistant.answerers.refusals import stale_reason

    q = ("Nearly two-and-a-half years since the pandemic began, the most infectious and "
         "transmissible variant yet has arrived. What is it called?")
    assert stale_reason(q, "2022-01-03", date(2022, 7, 14)).endswith(
        "too old to say what is “the most infectious and transmissible variant yet”.")
    assert stale_reason(q, "2022-07-10", date(2022, 7, 14)) == ""
    assert stale_reason("Which storm was the biggest yet?", "2021-01-03", date(2022, 7, 14))
    # "has yet to" is no record
    assert stale_reason("Which is the best team in the league yet to win a title?",
                        "2021-01-03", date(2022, 7, 14)) == ""


def test_without_a_day_old_is_counted_from_the_newest_article_or_the_clock():
    from datetime import date, timedelta

    from assistant.answerers.refusals import stale_reason

    q = "Which new treat did McDonald's add to its menu?"
    asked: list[bool] = []

    def newest(day: date | None) -> Callable[[], date | None]:
        def f() -> date | None:
            asked.append(True)
            return day
        return f

    assert stale_reason(q, "2021-11-10", None, newest(date(2021, 12, 1))) == ""  # archive
    old = stale_reason(q, "2021-11-10", None, newest(date(2022, 9, 8)))
    assert old.endswith("302 days before 2022-09-08, the newest article in this collection: "
                        "too old to say what is “new”.")
    clock = stale_reason(q, "2021-11-10", None, newest(None))          # nothing dated
    assert f"before {date.today().isoformat()}: too old" in clock
    assert len(asked) == 3
    recent = (date.today() - timedelta(days=3)).isoformat()
    assert stale_reason(q, recent, None, newest(date(2000, 1, 1))) == ""
    assert len(asked) == 3  # recent by the clock: the collection is not read


def test_unmatched_constraints_use_the_text_and_the_article_date():
    q = "Who won the women's final in 2019?"
    assert ab.unmatched_constraints(q, "The women’s final was won by Lee.", "2019-07-01") == []
    assert ab.unmatched_constraints(q, "The men's final was won by Lee in 2018.", "2018-07-01") \
        == ["2019", "women's"]


def test_a_missing_year_is_decisive_and_said():
    sig = {name: 1.0 for name in ab.SIGNALS}  # every other signal perfect
    d = ab.decide(sig, missing_constraints=["2019"], held=["Wimbledon"])
    assert not d.answer
    assert d.reason == "The closest articles mention Wimbledon but not “2019”."
    assert ab.decide(sig).answer


def test_reasons_read_as_sentences():
    assert ab.refusal_reason([], ["Zelenskyy", "China"], []) == \
        "The closest articles do not mention Zelenskyy or China."
    assert ab.refusal_reason([], [], []).startswith("The closest passages are about the topic")
    assert ab.refusal_reason([], [], ["Tesla"], ["robot"]) == \
        "The closest articles mention Tesla but not “robot”."
    # a missing constraint or name is the better reason, when there is one
    assert ab.refusal_reason(["2019"], [], [], ["robot"]) == \
        "The closest articles do not mention “2019”."


def test_the_question_words_no_article_holds_are_named_rarest_first():
    """What the articles lack of the question's predicate, in the question's own spelling:
    not its names (said apart), its date phrase or its vague praise."""
    from index.text import terms

    rare = {t: 9.0 - i for i, t in enumerate(terms("donate charity winnings"))}

    def idf(t: str) -> float:
        return rare.get(t, 1.0)

    q = "This week, which charity did the popular Luis Ortiz donate his winnings to?"
    texts = ["Luis Ortiz won the men's final, his second title there; his winnings were large."]
    names = set(terms("Luis Ortiz"))
    assert ab.missing_words(q, texts, idf, names) == ["donate", "charity"]
    assert ab.missing_words(q, texts, idf, names, limit=1) == ["donate"]
    assert ab.missing_words(q, [*texts, "They donate to a charity."], idf, names) == []
    # only the rarest few are named: a commoner word says little about the question
    held = ["Ortiz will donate them."]
    assert ab.missing_words(q, held, idf, names, among=1) == []
    assert ab.missing_words(q, held, idf, names, among=2) == ["charity"]
    # a capital that only starts a sentence of the lead-in is no name
    lead = "Ortiz won the final. Charity groups asked where he would donate his winnings?"
    assert ab.missing_words(lead, texts, idf, names) == ["donate", "charity"]


def test_shipped_model_matches_the_signals_and_is_calibrated():
    m = ab.default_model()
    assert len(m.weights) == len(ab.SIGNALS)
    assert 0.0 < m.threshold < 1.0
    low = {name: 0.0 for name in ab.SIGNALS} | {"short": 0.0}
    high = {name: (3.0 if name == "short_score" else 1.0) for name in ab.SIGNALS}
    assert m.probability(high) > m.threshold > m.probability(low)


def test_a_model_for_other_signals_is_refused():
    d = {"signals": ["support"], "weights": [1.0], "bias": 0, "means": [0], "scales": [1],
         "threshold": 0.5}
    with pytest.raises(ValueError, match="refit it"):
        ab.Model.from_dict(json.loads(json.dumps(d)))


def test_quotes_and_their_speakers_in_the_seed():
    body = SEED_ARTICLE.read_text(encoding="utf-8").split("\n", 1)[1]
    quotes = find_quotes(body)
    by = {(q.speaker, q.kind): q for q in quotes}
    trump = by[("Trump", "direct")]
    assert trump.words == "No, I don’t need help with Iran. I need help with you."
    assert body[trump.start:trump.end] == trump.words
    assert body[trump.span_start:trump.span_end].startswith("Trump responded to Putin’s offer")
    ushakov = by[("Yuri Ushakov", "direct")]  # the person, not "Kremlin aide Yuri Ushakov"
    assert ushakov.words == "Russia will not back down"
    assert all(body[q.start:q.end] == q.words for q in quotes)


@pytest.mark.parametrize(("text", "speaker", "words"), [
    ("“We will rebuild,” the mayor said on Monday.", "mayor", "We will rebuild"),
    ("“It is over,” said Peskov.", "Peskov", "It is over"),
    ("Peskov said: “The talks were useful and frank.”", "Peskov",
     "The talks were useful and frank."),
    ("Ana Lima spoke first. “We need more money now,” she told reporters.", "Ana Lima",
     "We need more money now"),
    ("The plan will fail, according to Senator Jane Doe.", "Senator Jane Doe",
     "The plan will fail"),
])
def test_attribution_shapes(text, speaker, words):
    (q,) = find_quotes(text)
    assert (q.speaker, q.words) == (speaker, words)
    assert text[q.start:q.end] == q.words


def test_speech_questions():
    assert speech_question("What did Trump reply when Putin offered to mediate?") == "Trump"
    assert speech_question("What did the Kremlin aide say about Ukraine?") == "the Kremlin aide"
    assert speech_question("What did the Pentagon halt?") is None


def test_a_pronoun_asked_about_is_the_person_the_lead_in_names():
    from assistant.answerers.asks import speaker_asked

    assert speaker_asked("President Joe Biden made a firm declaration about the pandemic this "
                         "week. What did he say?") == "Biden"
    assert speaker_asked("What did Trump reply when Putin offered to mediate?") == "Trump"
    assert speaker_asked("The talks ended early. What did they say?") is None  # nobody named
    assert speaker_asked("Who won the final?") is None


def test_a_refusal_for_want_of_a_kind_reads_right():
    from assistant.answerers.refusals import conjugate

    assert conjugate("stadium", "answers") == "answers"
    assert conjugate("two teams", "answers") == "answer"
    assert conjugate("cities", "answers") == "answer"
    assert conjugate("news", "answers") == "answers"


@pytest.mark.parametrize(("text", "kept"), [
    # a headline's unclosed quote must not swallow the next paragraph
    ('Putin says "Russia will station weapons in Belarus\n\nThe U.S. said on Sunday it was '
     'watching," officials said.', []),
    # a show's title is not something said
    ("“We will win,” DeSantis said Tuesday on Fox News’ “The Ingraham Angle.”",
     [("DeSantis", "We will win")]),
    # the person named after a role speaks, not the name inside the role
    ('"He will defeat the swamp," said DeSantis campaign press secretary Bryan Griffin.',
     [("Bryan Griffin", "He will defeat the swamp")]),
    # a pronoun is resolved within its paragraph only
    ("“We are ready,” Ana Lima said.\n\n“The plan is set,” she told reporters.",
     [("Ana Lima", "We are ready")]),
    ("Ana Lima spoke first. “We need more money now,” she told reporters.",
     [("Ana Lima", "We need more money now")]),
])
def test_a_quote_is_quoted_words_in_one_paragraph_by_the_person_named(text, kept):
    got = [(q.speaker, q.words) for q in find_quotes(text) if q.kind == "direct"]
    assert got == kept
    assert all(text[q.start:q.end] == q.words for q in find_quotes(text))
