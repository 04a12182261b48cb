from __future__ import annotations

import pytest

from assistant.evaluation import metrics
from assistant.evaluation.gold import read_gold
from tests.helpers import BENCH, SEEDS, needs_bench


def test_normalize_and_em():
    assert metrics.normalize("The “Squid Game”!") == "squid game"
    assert metrics.exact_match("the Squid Game", ["“Squid Game”"]) == 1.0
    assert metrics.exact_match("Squid", ["Squid Game"]) == 0.0


def test_f1_hand_computed():
    # pred: [russian, negotiators, asked] gold: [russian, negotiators]: P=2/3 R=1 F1=0.8
    assert metrics.f1("Russian negotiators asked", ["Russian negotiators"]) == pytest.approx(0.8)
    assert metrics.f1("nothing here", ["Russian negotiators"]) == 0.0
    assert metrics.f1("Kyiv", ["Moscow", "Kyiv"]) == 1.0


def test_contains_is_token_aligned():
    assert metrics.contains("It lasted one hour.", ["one hour"]) == 1.0
    assert metrics.contains("It lasted one hours.", ["one hour"]) == 0.0
    # punctuation is a word break too: a possessive or a compound still holds the answer
    assert metrics.contains("Brazil’s presidential race goes to a run-off.", ["Brazil"]) == 1.0
    assert metrics.contains("A 17-year-old flew around the world.", ["17"]) == 1.0
    assert metrics.contains("TikTok's ban starts soon.", ["TikTok"]) == 1.0
    assert metrics.contains("The U.S. said so.", ["US"]) == 1.0
    assert metrics.contains("Brazilian voters went to the polls.", ["Brazil"]) == 0.0
    assert metrics.contains("Covid-19 cases rose.", ["9"]) == 0.0


def test_hits_and_mrr_hand_computed():
    ranked = ["a", "b", "c", "d", "e", "f"]
    assert metrics.hit_at(ranked, {"c"}, 1) == 0.0
    assert metrics.hit_at(ranked, {"c"}, 5) == 1.0
    assert metrics.mrr_at(ranked, {"c"}) == pytest.approx(1 / 3)
    assert metrics.mrr_at(ranked, {"z"}) == 0.0
    assert metrics.percentile([1, 2, 3, 4, 100], 50) == 3


@needs_bench
def test_read_both_gold_formats():
    seed = read_gold(SEEDS / "questions.jsonl")
    assert len(seed) == 10
    assert sum(not g.answerable for g in seed) == 2
    rt = read_gold(BENCH / "questions.dev.jsonl")
    assert len(rt) == 98
    assert all(g.choices and g.gold_doc_ids and g.question_date for g in rt)


class _FakeAssistant:
    """Scripted retrieval and answers, so every aggregate can be computed by hand."""

    def __init__(self, script):
        from types import SimpleNamespace

        self.script = script
        self.settings = SimpleNamespace(k=5)

    def warm(self):
        pass

    def retrieve(self, question, exclude=(), **_kw):
        from types import SimpleNamespace

        s = self.script[question].get("hidden", {}) if exclude else self.script[question]
        return [SimpleNamespace(article_id=a, text=t, title="") for a, t in s["ranked"]]

    def ask(self, question, exclude=(), **_kw):
        from assistant.types import Answer, Citation

        s = self.script[question].get("hidden", {}) if exclude else self.script[question]
        cites = tuple(Citation(n=i, article_id="x", title="", date="", source="", url="",
                               passage=p, start=0, end=len(p), score=1.0)
                      for i, p in enumerate(s["cited"], 1))
        return Answer(question=question, text=s["text"], answered=s["answered"],
                      citations=cites, short=s.get("short", ""))

    def choose(self, question, choices, **_kw):
        return self.script[question]["choice"]


def test_evaluate_aggregates_hand_computed():
    from assistant.evaluation.gold import GoldQuestion
    from assistant.evaluation.runner import evaluate

    qs = [GoldQuestion("q1", "Where?", ("Denmark",), "met in Denmark", True,
                       ("Denmark", "Norway"), (0,), ("d1",)),
          GoldQuestion("q2", "Who?", ("Yuri Ushakov",), None, True, ("A", "B"), (1,), ("d2",)),
          GoldQuestion("q3", "Capital?", (), None, False)]
    script = {
        "Where?": {"ranked": [("d9", "x"), ("d1", "met in Denmark")], "text": "In Denmark [1].",
                   "answered": True, "short": "Denmark", "choice": 0,
                   "cited": ["They met in Denmark.", "Unrelated."]},
        "Who?": {"ranked": [("d2", "y")], "text": "Kremlin aide Ushakov [1].", "answered": True,
                 "short": "Ushakov", "choice": 0, "cited": ["Yuri Ushakov said"]},
        "Capital?": {"ranked": [("d5", "z")], "text": "Canberra", "answered": True,
                     "choice": 0, "cited": []},
    }
    rep = evaluate(_FakeAssistant(script), qs, use_question_date=False)
    assert rep["retrieval"] == {"hit@1": 0.5, "hit@5": 1.0, "hit@10": 1.0, "mrr@10": 0.75}
    # contains: q1 yes, q2 no ("Ushakov" is not "Yuri Ushakov"); EM/F1 on the short answers:
    # q1 "Denmark" = 1/1; q2 "Ushakov" vs "Yuri Ushakov": EM 0, F1 = 2*(1*0.5)/1.5 = 2/3
    assert rep["answer"]["contains"] == 0.5
    assert rep["answer"]["em"] == 0.5
    assert rep["answer"]["f1"] == pytest.approx((1 + 2 / 3) / 2, abs=1e-4)
    assert rep["answer"]["mc_accuracy"] == 0.5          # q1 right, q2 wrong (q3 has no choices)
    # citations: q1 [evidence, unrelated], q2 [contains the gold answer] -> 2 of 3
    assert rep["citation"]["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert rep["refusal"]["accuracy"] == 0.0             # q3 was answered: wrong
    assert [q["correct"] for q in rep["per_question"]] == [True, False, False]


def test_evaluate_nulls_what_does_not_apply():
    from assistant.evaluation.gold import GoldQuestion
    from assistant.evaluation.runner import evaluate

    qs = [GoldQuestion("q1", "Capital?", (), None, False)]
    script = {"Capital?": {"ranked": [("d5", "z")], "text": "no", "answered": False,
                           "cited": []}}
    rep = evaluate(_FakeAssistant(script), qs, use_question_date=False)
    assert rep["refusal"]["accuracy"] == 1.0
    assert rep["answer"] == {"answered": None, "contains": None, "em": None, "f1": None,
                             "mc_accuracy": None}
    assert rep["retrieval"]["hit@1"] is None
    assert rep["citation"]["precision"] is None


@pytest.mark.parametrize(("text", "gold", "held"), [
    ("European regulators will require USB-C", "Europe", True),
    ("a risk of fire in the wiring", "Fire risks", True),
    ("Five lions escaped", "Lions", True),
    ("San Francisco police said", "San Francisco, California", False),
    ("the Colorado River", "Colorado Avalanche", False),
])
def test_holds_variant_accepts_inflection_and_order_only(text, gold, held):
    assert metrics.holds_variant(text, [gold]) is held


def test_hide_gold_half_and_confusion_hand_computed():
    from assistant.evaluation.gold import GoldQuestion
    from assistant.evaluation.runner import evaluate, format_table

    qs = [GoldQuestion(f"q{i}", f"Q{i}?", (f"A{i}",), None, True, (), (), (f"d{i}",))
          for i in range(1, 5)]
    qs.append(GoldQuestion("q5", "Q5?", ("Europe",), None, True, (), (), ("d5",)))
    script = {
        # answered right; hidden: refused (right)
        "Q1?": {"ranked": [("d1", "A1")], "text": "A1 [1]", "answered": True, "cited": ["A1"],
                "hidden": {"ranked": [("x", "other")], "text": "no", "answered": False,
                           "cited": []}},
        # answered wrong; hidden: answered (wrong)
        "Q2?": {"ranked": [("d2", "B")], "text": "B [1]", "answered": True, "cited": ["B"],
                "hidden": {"ranked": [("x", "other")], "text": "C [1]", "answered": True,
                           "cited": ["C"]}},
        # refused; hidden: the answer string is still in a passage -> dropped
        "Q3?": {"ranked": [("d3", "A3")], "text": "no", "answered": False, "cited": [],
                "hidden": {"ranked": [("y", "also A3 here")], "text": "A3 [1]",
                           "answered": True, "cited": ["also A3 here"]}},
        # answered right; hidden: refused (right)
        "Q4?": {"ranked": [("d4", "A4")], "text": "A4 [1]", "answered": True, "cited": ["A4"],
                "hidden": {"ranked": [("z", "none")], "text": "no", "answered": False,
                           "cited": []}},
        # answered right; hidden: another article says it in other words ("European") ->
        # scored by the exact-string half, dropped by the variant half
        "Q5?": {"ranked": [("d5", "Europe")], "text": "Europe [1]", "answered": True,
                "cited": ["Europe"],
                "hidden": {"ranked": [("w", "European regulators")], "text": "E [1]",
                           "answered": True, "cited": ["European regulators"]}},
    }
    rep = evaluate(_FakeAssistant(script), qs, use_question_date=False, hide_gold=True)
    assert rep["answer"]["answered"] == 0.8
    assert rep["answer"]["contains"] == 0.6
    assert rep["hidden"] == {"asked": 5, "dropped": 1, "scored": 4, "refusal_accuracy": 0.5,
                             "scored_variant": 3,
                             "refusal_accuracy_variant": pytest.approx(2 / 3, abs=1e-4)}
    assert rep["confusion"] == {"answerable": {"answered_right": 3, "answered_wrong": 1,
                                               "refused": 1},
                                "hidden": {"answered": 2, "refused": 2}}
    table = format_table(rep)
    assert "refusal_accuracy=0.500" in table
    assert "refusal_accuracy_variant=0.667" in table
    assert "dropped=1" in table
    assert evaluate(_FakeAssistant(script), qs, use_question_date=False).get("hidden") is None


def test_bootstrap_interval_brackets_the_mean_and_narrows_with_more_questions():
    from assistant.evaluation.metrics import bootstrap

    few = [1.0, 0.0] * 10
    many = [1.0, 0.0] * 500
    lo, hi = bootstrap(few)
    assert lo < 0.5 < hi
    lo2, hi2 = bootstrap(many)
    assert lo2 < 0.5 < hi2
    assert hi2 - lo2 < (hi - lo) / 3
    assert bootstrap([]) is None
    assert bootstrap(few) == bootstrap(few)  # seeded


def test_calibration_table_and_ece():
    from assistant.evaluation.metrics import calibration

    table, ece = calibration([0.9, 0.9, 0.1, 0.1], [1.0, 1.0, 0.0, 0.0])
    assert ece == pytest.approx(0.1)
    assert [(r["bin"], r["n"]) for r in table] == [(0.1, 2), (0.9, 2)]
    _, bad = calibration([0.95] * 4, [0.0, 0.0, 0.0, 1.0])
    assert bad == pytest.approx(0.7)


def test_pooled_sample_pool_and_clearly_answerable():
    from assistant.evaluation.gold import GoldQuestion
    from assistant.evaluation.pooled import clearly_answerable, pool, pooled_ids, sample
    from index.articles import Article

    qs = [GoldQuestion(id=str(i), question=f"Which team won game {i}?", answers=("Bills",),
                       gold_doc_ids=("d1",) if i % 2 else (),
                       search_doc_ids=("d1", f"x{i}")) for i in range(10)]
    got = sample(qs, 3, seed=1)
    assert len(got) == 3
    assert all(g.gold_doc_ids for g in got)  # only questions with answer documents
    assert sample(qs, 3, seed=1) == got
    assert [g.id for g in got] == sorted((g.id for g in got), key=int)  # file order
    ids = pooled_ids(got)
    arts = [Article(id=i, title=i, body="text") for i in ("d1", "x1", "zz")]
    assert {a.id for a in pool(arts, ids)} == ids & {"d1", "x1", "zz"}
    g = got[0]
    assert clearly_answerable(g, {"d1": "The Bills won the game on Sunday, the team said."})
    assert not clearly_answerable(g, {"d1": "The Bills are a team."})  # one question word
    assert not clearly_answerable(g, {"d1": "The team won the game on Sunday."})  # no gold


def test_fresh_evidence_is_an_answer_document_from_the_questions_week():
    from assistant.evaluation.gold import GoldQuestion
    from assistant.evaluation.pooled import fresh_evidence

    g = GoldQuestion(id="q", question="Which team won this week?", answers=("Bills",),
                     gold_doc_ids=("old", "new"), question_date="2024-01-10")
    assert fresh_evidence(g, {"old": "2023-01-02", "new": "2024-01-05"})
    assert fresh_evidence(g, {"new": "2024-01-12"})  # web dates are approximate: 3 days late
    assert not fresh_evidence(g, {"old": "2023-01-02", "new": "2023-12-20"})
    assert not fresh_evidence(g, {"new": "2024-01-15"})
    assert not fresh_evidence(g, {"new": "undated"})
    assert not fresh_evidence(GoldQuestion(id="q", question="?", gold_doc_ids=("new",)),
                              {"new": "2024-01-05"})  # no question date: not judged fresh


def test_the_report_has_a_group_for_clear_questions_with_fresh_evidence():
    from assistant.evaluation.runner import _extras, format_table

    rows = [{"answered": a, "correct": c, "f1": float(c), "clear": cl, "fresh": fr,
             "hidden": {"dropped": False, "answered": h}}
            for a, c, cl, fr, h in [(True, True, True, True, False),
                                    (True, False, True, False, True),
                                    (False, False, False, True, False)]]
    rep = _extras(rows, hide_gold=True)
    assert rep["clear"]["n"] == 2
    assert rep["clear_fresh"]["n"] == 1
    assert rep["clear_fresh"]["right"]["mean"] == 1.0
    assert rep["clear"]["hidden_refusal"]["mean"] == 0.5
    table = format_table({"n": 3, "retriever": "hybrid", **rep})
    assert "clear_fresh n=1" in table
