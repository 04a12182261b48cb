"""The headline as evidence (``assistant.answerers.headline``), through the extractive answerer
on hand-made articles (no embedder: lexical evidence only; spaCy types the phrase)."""

from __future__ import annotations

from datetime import date

from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.answerers.headline import headline_answer
from tests.helpers import flat_idf, passage

QUESTION = "Which retailer is slashing prices on clothing and other products this week?"
TITLE = "Walmart is slashing prices on clothing and other products"
BODY = ("Apparel at Walmart is requiring more markdown dollars, the company said on Monday. "
        "Shoppers have cut back on discretionary items as inflation bites.")
OTHER = passage("Target reported that its stores were crowded with unsold patio furniture.", 1,
                "b", title="Retail earnings roundup")


def answer(question: str, title: str, body: str = BODY, day: str = "2022-07-26"):
    ps = [passage(body, 0, "a", title=title, day=day), OTHER]
    return ExtractiveAnswerer(None, flat_idf).answer(question, None, ps)


def test_a_headline_that_states_the_answer_answers_and_a_body_sentence_is_cited():
    got = answer(QUESTION, TITLE)
    assert got.answered
    assert got.short == "Walmart"
    assert got.text.startswith(f"Headline: “{TITLE}”.")
    (cite,) = got.citations
    assert cite.passage == "Apparel at Walmart is requiring more markdown dollars, the company " \
                           "said on Monday."
    assert cite.passage == BODY[cite.start:cite.end]  # a citation is body text, never the title
    # the same article with a headline that says nothing of it: the body alone is too weak
    assert not answer(QUESTION, "Markets today").answered


def test_a_headline_answer_needs_the_asked_for_kind_and_a_body_sentence_that_holds_it():
    # a person is no country (spaCy reads "Kim Jong Un" as one)
    q = "Which country declared victory against the Covid-19 pandemic this week?"
    assert not answer(q, "Kim Jong Un declares victory against the Covid-19 pandemic",
                      "Kim Jong Un spoke at a meeting in Pyongyang on Wednesday.").answered
    # a lower-case word of the headline answers no which-question
    assert not answer(QUESTION, "Stores no longer slashing prices on clothing and other products",
                      "Stores no longer want to hold markdown stock, analysts said.").answered
    # the phrase must be in the body too: the citation is a body sentence that holds it
    assert not answer(QUESTION, TITLE, "Apparel is requiring more markdown dollars.").answered


def test_a_headline_about_another_year_or_old_news_does_not_answer():
    q = "Which retailer slashed prices on clothing and other products in 2019?"
    got = answer(q, TITLE)
    assert not got.answered
    assert "“2019”" in got.reason
    # "new" asked on a day long after the article: old news answers nothing new
    q_new = "Which retailer has a new plan slashing prices on clothing and other products?"
    day = date(2022, 7, 28)
    fresh = [passage(BODY, 0, "a", title=TITLE, day="2022-07-26")]
    stale = [passage(BODY, 0, "a", title=TITLE, day="2021-01-04")]
    assert headline_answer(q_new, fresh, flat_idf, today=day) is not None
    assert headline_answer(q_new, stale, flat_idf, today=day) is None


def test_headline_answer_finds_the_sentence_with_most_of_the_question():
    body = ("Shares of Walmart fell on Tuesday. On Monday, Walmart said it is cutting prices on "
            "clothing and other products to clear its shelves. Walmart expects a slowdown.")
    told = headline_answer(QUESTION, [passage(body, 0, "a", title=TITLE)], flat_idf)
    assert told is not None
    assert told.phrase == "Walmart"
    assert body[told.start:told.end].startswith("On Monday, Walmart said")
    assert told.share >= 0.5


def test_a_headline_that_names_the_answer_outranks_a_body_phrase_ranked_on_words():
    q = "Kanye West announced he is acquiring which controversial social media platform?"
    body = ("West is acquiring the controversial social media platform after being removed "
            "from Twitter this month. The deal was announced by Parler's parent company on "
            "Monday.")
    title = "Kanye West to acquire conservative social media platform Parler"
    ex = ExtractiveAnswerer(None, flat_idf)
    plain = ex.answer(q, None, [passage(body, 0, "a", title="Tech news")])
    assert plain.short == "Twitter"  # the body sentence that shares most words names Twitter
    got = ex.answer(q, None, [passage(body, 0, "a", title=title)])
    assert got.answered
    assert got.short == "Parler"
    assert got.citations[0].passage.startswith("The deal was announced by Parler")


def test_the_headlines_name_is_kept_whole_as_the_body_writes_it():
    q = "Which team won the Stanley Cup championship?"
    body = ("The Colorado Avalanche are Stanley Cup champions for the first time since 2001. "
            "Japan Airlines flew the team home.")
    ps = [passage(body, 0, "a", title="Stanley Cup: Avalanche beat Lightning to win championship")]
    told = headline_answer(q, ps, flat_idf)
    assert told is not None
    assert told.phrase == "Colorado Avalanche"  # only to the left: not a longer other name
    assert body[told.start:told.end].startswith("The Colorado Avalanche are")
    q2 = "Which country raised its volcano alert to the highest level?"
    body2 = "The Japan Meteorological Agency raised the alert on Sunday evening."
    ps2 = [passage(body2, 0, "a", title="Japan raises volcano alert to highest level")]
    told2 = headline_answer(q2, ps2, flat_idf)
    assert told2 is not None
    assert told2.phrase == "Japan"


def test_a_marker_in_a_headline_is_not_a_citation():
    got = answer(QUESTION, "Walmart [2] is slashing prices on clothing and other products")
    assert got.answered
    assert got.text.startswith("Headline: “Walmart (2) is slashing prices")
    assert "[2]" not in got.text


def test_a_quoted_first_word_is_still_the_first_word():
    """"Stores" opening a quoted sentence is as ordinary as at its start: no name."""
    got = answer(QUESTION, "Stores slashing prices on clothing and other products",
                 "“Stores want to hold less markdown stock,” analysts said.")
    assert not got.answered
