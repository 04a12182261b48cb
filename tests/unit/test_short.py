"""Short-answer extraction on hand-made sentences (no model: ``embed=None``)."""

import pytest

from assistant.answerers.asks import asking_clause, asks_change, head_phrase, question_kind, several
from assistant.answerers.short import (
    Candidate,
    candidates,
    restate,
    short_answer,
    type_fits,
)
from tests.helpers import flat_idf as idf
from tests.helpers import passage, recording_embedder


def test_question_kinds():
    assert question_kind("How much was Instagram fined this week?") == "number"
    assert question_kind("What percentage of adults disapprove?") == "number"
    assert question_kind("How long did the call last?") == "duration"
    assert question_kind("When will NASA next attempt a launch?") == "time"
    assert question_kind("Which continent will require a common charger?") == "entity"
    assert question_kind("Did Ukraine support the proposal?") == "yesno"
    # a which-question whose head noun is a figure asks for a number, not a name
    assert question_kind("A law could raise the minimum wage to which hourly amount?") == "number"
    assert question_kind("Which interest rate did the Fed set?") == "number"
    assert question_kind("Which number one single topped the charts?") == "entity"
    # why and how-did are answered by a sentence, not a phrase
    assert question_kind("Why were some Kia and Hyundai SUVs recalled this week?") == "reason"
    assert question_kind("The plant closed. How did the fire start?") == "reason"
    assert question_kind("How soon could vaccines be ready?") == "time"


def test_several():
    assert several("A no-hitter was thrown. Which two teams are competing?") == "two"
    assert several("Which three countries signed?") == "three"
    assert several("Which team won?") == ""


@pytest.mark.parametrize(("q", "phrase", "statement"), [
    ("Which animals slipped loose from their enclosure this week?", "lions",
     "lions slipped loose from their enclosure this week"),
    ("Supermarkets in France are struggling to stock which condiment, sparking outrage?",
     "mustard", "Supermarkets in France are struggling to stock mustard, sparking outrage"),
    ("How many Russians could be conscripted?", "300,000", "300,000 Russians could be conscripted"),
    ("Who asked US diplomats to leave?", "Peskov", "Peskov asked US diplomats to leave"),
    ("Why were some SUVs recalled?", "fire risks", "Why were some SUVs recalled? fire risks"),
])
def test_restate_puts_the_phrase_in_the_question_words_place(q, phrase, statement):
    assert restate(q, phrase) == statement


def test_head_phrase():
    assert head_phrase("Which US national park was hit by floods?") == "national park"
    assert head_phrase("Which continent will soon require it?") == "continent"
    assert head_phrase("Who asked US diplomats to leave?") == "person"
    assert head_phrase("What did the images show?") is None
    assert head_phrase("Which Kremlin aide briefed reporters?") == "Kremlin aide"
    assert head_phrase("Which is the most popular Halloween costume?") == \
        "popular Halloween costume"
    assert head_phrase("Which kind of animal watched the procession?") == "animal"
    assert head_phrase("What type of fish was caught?") == "fish"


def test_candidates_kinds_and_offsets():
    s = "On Sunday, Netflix said “Squid Game” will return, and California’s Yosemite " \
        "National Park reopened at a cost of $5.2 million."
    got = {(c.text, c.kind) for c in candidates(s, 0)}
    assert ("Squid Game", "quoted") in got
    assert ("Netflix", "name") in got
    assert ("California", "name") in got          # the possessive ends the name
    assert ("Yosemite National Park", "name") in got
    assert ("$5.2 million", "number") in got
    assert ("Sunday", "time") in got
    assert ("Sunday", "name") not in got          # a weekday is a date, not a name
    for c in candidates(s, 0):
        assert s[c.start:c.end] == c.text         # verbatim, so the citation covers it


def test_an_ordinal_is_no_name_but_a_name_with_digits_is():
    s = "Miami saw rents rise for the 10th-straight month, the 17th in a row, as 3M did."
    names = {c.text for c in candidates(s, 0) if c.kind == "name"}
    assert "10th-straight" not in names
    assert "17th" not in names
    assert "3M" in names


def test_short_answer_prefers_the_asked_kind_and_skips_the_question():
    q = "How much was Instagram fined this week?"
    ps = [passage("Instagram was fined $400 million by Ireland's regulator on Monday. "
            "Meta said Instagram would appeal.")]
    hit = short_answer(q, ps, None, idf)
    assert hit is not None
    assert hit.text == "$400 million"
    assert ps[0].text[hit.start:hit.end] == hit.text
    a, b = hit.sentence
    assert ps[0].text[a:b].startswith("Instagram was fined")
    assert a <= hit.start < hit.end <= b

    assert short_of("Which airline announced a deal to buy Spirit Airlines?",
                    "JetBlue Airways agreed on Thursday to buy Spirit Airlines for $3.8 billion.") \
        == "JetBlue Airways"


def test_agreement_between_articles_and_the_outlet_is_no_answer():
    q = "Which country was shaken by an earthquake?"
    ps = [passage("A strong earthquake shook Luzon on Wednesday, CNN reported.", 0, "a1", source="CNN"),
          passage("The Philippines reported damage after the earthquake.", 1, "a2"),
          passage("Officials in the Philippines counted the injured.", 2, "a3",
            title="Philippines earthquake: dozens hurt")]
    hit = short_answer(q, ps, None, idf)
    assert hit is not None
    assert hit.text == "Philippines"
    assert hit.passage == 1


def short_of(question: str, text: str) -> str | None:
    """The short answer to ``question`` from one passage holding ``text`` (no embedder)."""
    hit = short_answer(question, [passage(text)], None, idf)
    return None if hit is None else hit.text


def shown_of(question: str, text: str) -> str | None:
    """Like ``short_of``, but None for a phrase returned unfit (never shown)."""
    hit = short_answer(question, [passage(text)], None, idf)
    return hit.text if hit is not None and hit.fits else None


def test_which_x_prefers_what_is_named_as_an_x_over_where_the_x_goes():
    assert short_of("Which weapons deliveries did the Pentagon halt?",
                    "The Pentagon confirmed it was halting some weapons deliveries to Kyiv, "
                    "including air defence missiles.") == "air defence missiles"
    assert short_of("Which condiment are French supermarkets struggling to stock?",
                    "Stores ran out of mustard and other condiments this week.") == "mustard"
    assert short_of("Which city agreed to pay $26 million to two men?",  # "city of X" is X
                    "The city of New York agreed to pay $26 million to the men on Sunday.") \
        == "New York"


def test_short_answer_none_for_yes_no_and_nothing_fitting():
    assert short_answer("Did Ukraine support the proposal?", [passage("Ukraine supported it.")],
                        None, idf) is None
    assert short_answer("How many people were arrested?", [passage("Police made arrests.")],
                        None, idf) is None
    assert short_answer("Which country?", [], None, idf) is None
    assert short_answer("Why were some SUVs recalled?",  # a reason is no phrase ("Kia")
                        [passage("Kia recalled 36,417 SUVs over fire risks.")], None, idf) is None


@pytest.mark.parametrize(("sentence", "name", "whole"), [
    ("Ukrainian officials said Russian negotiators asked US diplomats to leave.", "Russian",
     "Russian negotiators"),
    ("Israeli troops entered the town on Monday.", "Israeli", "Israeli troops"),
    ("Russia said the talks would resume.", "Russia", "Russia"),  # a country: nothing to add
    ("The Russian said negotiators would wait.", "Russian", "Russian"),  # not adjacent
])
def test_group_names_are_kept_whole(sentence, name, whole):
    from assistant.answerers.short import Candidate, whole_name

    a = sentence.index(name)
    got = whole_name(sentence, Candidate(name, "name", 0, a, a + len(name)))
    assert got.text == whole
    assert sentence[got.start:got.end] == got.text


def test_asking_clause():
    assert asking_clause("A no-hitter was thrown this week. Which two teams are competing?") \
        == "Which two teams are competing?"
    assert asking_clause("In addition to Halloween, which holiday was celebrated this week?") \
        == "which holiday was celebrated this week?"
    assert asking_clause("Name the holiday.") == "Name the holiday."
    assert head_phrase("New York Yankees slugger Aaron Judge hit a record 62nd home run. Who "
                       "holds the overall record?") == "person"


def _cand(sentence: str, text: str, kind: str = "name") -> Candidate:
    at = sentence.index(text)
    return Candidate(text, kind, 0, at, at + len(text))


@pytest.mark.parametrize(("question", "sentence", "phrase", "kind", "fits"), [
    # who, asked after a lead-in sentence: somebody named, not a lower-case quote
    ("Judge hit his 62nd home run. Who holds the record with 73 home runs?",
     "He had tied Maris for what some fans consider the “real,” single-season record.",
     "real", "quoted", False),
    ("Judge hit his 62nd home run. Who holds the record with 73 home runs?",
     "Barry Bonds holds the record with 73 home runs.", "Barry Bonds", "name", True),
    # a continent or region is no holiday (spaCy: LOC), but a team may be named by its city
    ("In addition to Halloween, which holiday was celebrated this week?",
     "The holiday became more popular in Asia in recent years.", "Asia", "name", False),
    ("Which team won the Stanley Cup Finals?",
     "The team's only loss came against Tampa Bay in Game 3.", "Tampa Bay", "name", True),
    # "which country" and no entity in context: read on its own, "Truss" is a person
    ("Which country saw its prime minister resign this week?",
     "Truss resigned after weeks of chaos that saw her approval ratings plummet.",
     "Truss", "name", False),
    ("Which country saw its prime minister resign this week?",
     "Britain saw its prime minister resign after weeks of chaos.", "Britain", "name", True),
    # a member of a cabinet is a person (was: any person forbidden for "which member")
    ("Which member of the Biden administration tested positive for Covid-19?",
     "First lady Jill Biden tested positive for Covid-19 again.", "Jill Biden", "name", True),
    # a question for two is not answered by one
    ("A no-hitter was thrown this week. Which two teams are competing in the World Series?",
     "The Astros threw the first combined no-hitter in World Series history.", "Astros", "name",
     False),
    ("Which two major supermarkets plan to merge?",
     "Kroger and Albertsons plan to merge in 2024.", "Kroger and Albertsons", "name", True),
    # plural place heads are place heads: two countries are not a person
    ("Which two countries did NATO invite to join this week?",
     "Stoltenberg said the alliance invited them on Wednesday.", "Stoltenberg", "name", False),
    ("Which of the following US cities saw the biggest increase?",
     "Rents in Austin rose faster than anywhere.", "Austin", "name", True),
    # where: the small model reads "Antarctica's ... glacier" as an ORG; a place is meant
    ("The glacier could raise sea levels by feet. Where is the glacier located?",
     "Antarctica’s so-called “doomsday glacier” has the potential to rapidly collapse.",
     "Antarctica", "name", True),
    # a show, film or book is no company: "Netflix" does not answer "which show"
    ("Which wildly popular show was recently green lit for a new season?",
     "Netflix announced Sunday that the wildly popular South Korean show is green lit.",
     "Netflix", "name", False),
    ("Which wildly popular show was recently green lit for a new season?",
     "“Squid Game” is officially coming back, Netflix said.", "Squid Game", "quoted", True),
])
def test_type_fits_reads_the_asking_clause(question, sentence, phrase, kind, fits):
    assert type_fits(question, sentence, _cand(sentence, phrase, kind)) is fits


def test_the_callers_question_vector_is_used_not_embedded_again():
    """The answerer has the question's vector from retrieval: short_answer embeds only the
    evidence sentences and phrases, and ranks with the vector it is given."""
    embed, seen, emb = recording_embedder()

    q = "How much was Instagram fined this week?"
    ps = [passage("Instagram was fined $400 million by Ireland's regulator on Monday.")]
    given = short_answer(q, ps, embed, idf, qvec=emb.embed_query(q))
    assert q not in seen
    assert seen
    seen.clear()
    own = short_answer(q, ps, embed, idf)
    assert seen[0] == q
    assert given is not None
    assert own is not None
    assert given.text == own.text == "$400 million"
    assert given.score == pytest.approx(own.score)


def test_a_sum_of_money_is_a_figure_with_its_currency():
    from assistant.answerers.asks import asks_money, expected_kind

    q = "How much prize money did Hana Lee receive for the title?"
    assert asks_money(q)
    assert asks_money("Instagram broke the rules. How much was it fined this week?")
    assert not asks_money("How much have gas prices increased in the last year?")
    assert not asks_money("How many sets did the final last?")
    assert expected_kind(q) == "sum of money"
    assert short_of(q, "Lee won in three sets and took home $50,000 on Saturday.") == "$50,000"
    assert short_of(q, "Lee won 2.5 million euros on Saturday.") == "2.5 million"
    # "three" (sets) is no prize money: no short answer, and no figure to answer with
    assert short_answer(q, [passage("Hana Lee won the title in three sets.")], None, idf) is None
    fine = short_answer("How many sets did the final last?",
                        [passage("Hana Lee won the title in three sets.")], None, idf)
    assert fine is not None
    assert fine.fits
    assert fine.text == "three"



def test_a_phrase_does_not_run_across_punctuation():
    got = {c.text for c in candidates("Stores ran out of the famous condiment: mustard, "
                                      "ketchup and relish.", 0) if c.kind == "phrase"}
    assert "mustard" in got
    assert not any(":" in t or "," in t for t in got)  # not "condiment: mustard"


def test_a_capital_after_a_colon_may_be_an_ordinary_word():
    kinds = {c.text: c.kind for c in candidates("Tip 3: Know the difference between the two, "
                                                "says Dr. Nicholas Reed.", 0)}
    assert kinds["Know"] == "phrase"  # like a sentence's first word, not a name
    assert kinds["Nicholas Reed"] == "name"


def test_how_much_it_changed_is_a_share_or_a_difference_not_the_level():
    q = "Despite dropping slightly from recent record levels, how much have gas prices " \
        "increased in the US over the past year?"
    assert asks_change(q)
    assert not asks_change("How much was Instagram fined this week?")
    text = ("A gallon of regular now costs $5 on average, and gas prices have increased 60% "
            "over the past year, according to AAA.")
    assert short_of(q, text) == "60%"
    assert short_of("How much have rents gone up this year?",
                    "Rents averaged $2,000 in June, up $150 from January.") == "$150"


def test_a_count_is_a_figure_of_the_thing_counted():
    from assistant.answerers.asks import measured

    q = "Approximately how many book titles have been banned in US schools over the last year?"
    assert measured(q) == (frozenset({"titl"}), "count")
    # "Top 100" counts no titles, nor "nine books" (one case): no figure answers
    assert short_of(q, "Unlike 2020, titles on politics did not dominate 2021's Top 100.") is None
    assert short_of(q, "In this case, nine books were removed from shelves.") is None
    assert short_of(q, "There were 2,532 book bans directed at 1,648 different titles in US "
                       "schools.") == "1,648"
    # names and people in general leave any figure to answer
    assert measured("How many Russians could soon be conscripted?") is None
    assert measured("How many people have been arrested in Iran?") is None
    assert measured("How much prize money did Hana Lee receive?") is None
    assert measured("How much does it cost for a gallon of gas?") is None


def test_a_measure_is_a_figure_in_a_sentence_that_names_the_thing_measured():
    from assistant.answerers.asks import measured

    q = "How much have gas prices increased in the US over the past year?"
    assert measured(q) == (frozenset({"gas", "price"}), "subject")
    assert short_of(q, "Zandi estimates a 10% increase in the dollar within the past year.") \
        is None
    assert short_of(q, "In March the consumer price index jumped 8.5% annually.") is None
    assert short_of(q, "Gasoline prices were up nearly 60% over the year.") == "60%"
    adults = measured("What percentage of US adults disapprove of the decision?")
    assert adults is not None
    assert "adult" in adults[0]
    assert measured("Hurricane Ian likely caused how much in damages?") == \
        (frozenset({"damag"}), "thing")
    forgiven = "How much loan forgiveness will some eligible borrowers receive?"
    assert measured(forgiven) == (frozenset({"loan", "forgiv"}), "thing")
    assert short_of(forgiven, "Biden will forgive $10,000 in student loan debt for borrowers.") \
        == "$10,000"


def test_a_time_that_dates_the_saying_does_not_answer_when_it_happens():
    """spaCy's parser: "last week" is when Psaki spoke, not when payments restart."""
    q = "When are loan payments set to restart?"
    said = "The payment process will restart for 41 million Americans, Jen Psaki said last week."
    assert shown_of(q, said) is None
    assert shown_of(q, f"{said} Loan payments will restart in September, the department said.") \
        == "September"
    # asked when it was said, the time of the saying answers
    assert shown_of("When did Jen Psaki say the payment process will restart?", said) == \
        "last week"


def test_a_phrase_that_only_might_be_so_answers_no_question_about_what_was():
    q = "Which social media platform banned political fundraising this week?"
    maybe = "Returning to Facebook would be a boon for political fundraising."
    assert shown_of(q, maybe) is None
    assert shown_of(q, f"{maybe} TikTok banned political fundraising on Wednesday.") == "TikTok"
    # a question that asks what could be takes a "could"
    assert shown_of("Which platform could soon allow political fundraising?",
                    "Facebook could soon allow political fundraising again.") == "Facebook"


def test_the_asking_clause_does_not_end_at_an_initial():
    q = ("According to a recent survey, what percentage of US adults disapprove of the "
         "Supreme Court’s decision to overturn Roe v. Wade?")
    assert asking_clause(q).endswith("overturn Roe v. Wade?")
    assert asking_clause("A no-hitter was thrown this week. Which two teams played?") == \
        "Which two teams played?"
