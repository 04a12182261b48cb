"""The extractive answerer's own rules on hand-made passages (no embedder)."""

from __future__ import annotations

from assistant.answerers.extractive import ExtractiveAnswerer
from tests.helpers import flat_idf, passage, recording_embedder

WHY = "Why were some Kia and Hyundai SUVs recalled this week?"


def test_a_why_question_is_answered_by_a_sentence_that_gives_a_reason():
    ex = ExtractiveAnswerer(None, flat_idf)
    topical = passage("The recall of Kia and Hyundai SUVs this week affects 281,000 vehicles "
                      "of the 2020-2022 model years, according to the NHTSA.")
    got = ex.answer(WHY, None, [topical])
    assert not got.answered
    assert got.reason == "The closest passages are about the topic but do not say why."
    assert not got.citations
    causal = passage("Kia and Hyundai SUVs were recalled this week because of a fire risk in "
                     "the tow hitch wiring, according to the NHTSA.")
    ok = ex.answer(WHY, None, [causal])
    assert ok.answered
    assert "fire risk" in ok.text


def test_the_question_is_embedded_once_its_retrieval_vector_is_reused():
    """The assistant passes the latest turn as ``focus`` even when it is the question itself:
    the short-answer ranker then reuses the retrieval vector instead of embedding the question
    again (one model call fewer per question)."""
    embed, seen, emb = recording_embedder()

    q = "Which airline announced a deal to buy Spirit Airlines?"
    ps = [passage("JetBlue Airways agreed on Thursday to buy Spirit Airlines for $3.8 billion. "
                  "The deal still needs approval from regulators.")]
    got = ExtractiveAnswerer(embed, flat_idf).answer(q, emb.embed_query(q), ps, focus=q)
    assert got.short == "JetBlue Airways"
    assert q not in seen
    # a follow-up whose own words differ from the rewritten question is embedded as written
    seen.clear()
    turn = "Which airline wants to buy it?"
    ExtractiveAnswerer(embed, flat_idf).answer(q, emb.embed_query(q), ps, focus=turn)
    assert turn in seen


def test_a_subject_as_specific_as_a_name_must_be_in_the_passage():
    """"Benzene" opens the question, so it is not read as a name; but it is its subject and,
    in this collection, as rare as a name: a passage about another chemical (chlordane) does
    not answer, and the refusal names what it lacks. A common subject ("prices") is not
    required."""
    def idf(term: str) -> float:
        return 9.0 if term in ("benzen", "chlordan", "velsicol") else 1.0

    ex = ExtractiveAnswerer(None, idf)
    q = ("Benzene, a cancer-causing chemical, was recently detected in several batches of "
         "which common household product?")
    other = passage("Racine claimed that Velsicol knew that chlordane could cause cancer, yet "
                    "still sold products that contained the chemical.")
    no = ex.answer(q, None, [other])
    assert not no.answered
    assert no.reason == "The closest articles do not mention Benzene."
    ok = ex.answer(q, None, [passage("High levels of benzene, a cancer-causing chemical, were "
                                     "detected in more batches of dry shampoo products.")])
    assert ok.answered
    common = ExtractiveAnswerer(None, flat_idf)
    assert common._required("Gas prices rose in which state this week?", None) == set()
