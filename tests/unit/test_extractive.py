"""The extractive answerer's own rules on hand-made passages (no embedder)."""

from __future__ import annotations

from assistant.answerers.extractive import ExtractiveAnswerer
from tests.helpers import flat_idf, passage

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
