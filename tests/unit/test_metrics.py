from __future__ import annotations

import pytest

from assistant.evaluation import metrics as M
from assistant.evaluation.gold import read_gold
from tests.conftest import BENCH, SEEDS


def test_normalize_and_em():
    assert M.normalize("The “Squid Game”!") == "squid game"
    assert M.exact_match("the Squid Game", ["“Squid Game”"]) == 1.0
    assert M.exact_match("Squid", ["Squid Game"]) == 0.0


def test_f1_hand_computed():
    # pred: [russian, negotiators, asked] gold: [russian, negotiators]: P=2/3 R=1 F1=0.8
    assert M.f1("Russian negotiators asked", ["Russian negotiators"]) == pytest.approx(0.8)
    assert M.f1("nothing here", ["Russian negotiators"]) == 0.0
    assert M.f1("Kyiv", ["Moscow", "Kyiv"]) == 1.0


def test_contains_is_token_aligned():
    assert M.contains("It lasted one hour.", ["one hour"]) == 1.0
    assert M.contains("It lasted one hours.", ["one hour"]) == 0.0


def test_hits_and_mrr_hand_computed():
    ranked = ["a", "b", "c", "d", "e", "f"]
    assert M.hit_at(ranked, {"c"}, 1) == 0.0 and M.hit_at(ranked, {"c"}, 5) == 1.0
    assert M.mrr_at(ranked, {"c"}) == pytest.approx(1 / 3)
    assert M.mrr_at(ranked, {"z"}) == 0.0
    assert M.percentile([1, 2, 3, 4, 100], 50) == 3


def test_read_both_gold_formats():
    seed = read_gold(SEEDS / "questions.jsonl")
    assert len(seed) == 10 and sum(not g.answerable for g in seed) == 2
    rt = read_gold(BENCH / "questions.dev.jsonl")
    assert len(rt) == 98 and all(g.choices and g.gold_doc_ids and g.question_date for g in rt)
