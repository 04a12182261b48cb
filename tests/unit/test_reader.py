"""The learned reader: loading (checksum, card), batching (a batch reads like one pair at a
time), and the one decision (threshold, evidence, overrides, decided_by)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from assistant import reader as rd
from assistant.answerers.reading import ReaderAnswerer, Rules
from assistant.reader import ReaderSpec, Reading
from assistant.types import REFUSAL
from tests.helpers import flat_idf, passage

# the weights are built by scripts/train_reader.py, not shipped until a version is accepted
# (docs/reader.md): the tests of the real model skip without them, the decision tests do not
needs_weights = pytest.mark.skipif(not rd.available(),
                                   reason="no reader weights in assistant/data/reader (build "
                                   "them with scripts/train_reader.py)")

Q = "Which team does Damar Hamlin play for?"
RIGHT = "The 24-year-old Buffalo Bills safety collapsed on the field on Monday night."
LOOKALIKE = "Fans gathered outside the hospital in Cincinnati to pray for the injured player."


class FakeReader:
    """Probabilities by sentence: the decision logic without the model."""

    def __init__(self, probs: dict[str, float], threshold: float = 0.5) -> None:
        self.probs = probs
        self.spec = ReaderSpec("fake", "fake.onnx", "", threshold)
        self.calls: list[int] = []

    def read(self, question: str, pairs: Sequence[tuple[str, str]]) -> list[Reading]:
        self.calls.append(len(pairs))
        out = []
        for _title, s in pairs:
            p = next((v for k, v in self.probs.items() if k in s), 0.01)
            i = s.find("Buffalo Bills")
            out.append(Reading(p, 0.0, (i, i + 13) if i >= 0 else None, 1.0))
        return out


@needs_weights
def test_the_shipped_card_and_weights_load_and_match_their_checksum():
    spec = rd.spec()
    assert 0.0 < spec.threshold < 1.0
    assert spec.temperature > 0
    got = rd.shared().read(Q, [("Hamlin", RIGHT)])
    assert 0.0 <= got[0].probability <= 1.0


@needs_weights
def test_damaged_weights_are_refused(tmp_path):
    from assistant import ConfigError

    spec = rd.spec()
    bad = tmp_path / spec.file
    bad.write_bytes(b"not an onnx model")
    with pytest.raises(ConfigError, match="checksum"):
        rd.Reader(bad).read(Q, [("t", RIGHT)])


@needs_weights
def test_a_batch_reads_like_one_pair_at_a_time():
    """Padding in a batch of unequal lengths changes nothing: each pair's probability and
    span are those it gets alone (fails when the attention mask or the order is broken)."""
    r = rd.shared()
    pairs = [("Hamlin collapses", RIGHT),
             ("A long vigil went on through the night, and into the day, as fans kept "
              "arriving from across the state and beyond it", LOOKALIKE),
             ("Short", "The Bills won.")]
    together = r.read(Q, pairs)
    alone = [r.read(Q, [p])[0] for p in pairs]
    for t, a in zip(together, alone, strict=True):
        # int8 activations are scaled per batch (dynamic quantization): small differences
        assert t.probability == pytest.approx(a.probability, abs=0.03)
        assert t.span == a.span
    rank = sorted(range(3), key=lambda i: together[i].probability)
    assert rank == sorted(range(3), key=lambda i: alone[i].probability)


@needs_weights
def test_the_reader_prefers_the_sentence_that_states_the_answer():
    r = rd.shared()
    right, lookalike = r.read(Q, [("Hamlin", RIGHT), ("Hamlin", LOOKALIKE)])
    assert right.probability > lookalike.probability
    assert right.span is not None
    assert "Bills" in RIGHT[right.span[0]:right.span[1]]


def _answerer(probs: dict[str, float], **kw: object) -> tuple[ReaderAnswerer, FakeReader]:
    fake = FakeReader(probs)
    return ReaderAnswerer(fake, flat_idf, **kw), fake  # type: ignore[arg-type]


def test_one_decision_answers_above_the_threshold_and_cites_the_best_sentence():
    a, fake = _answerer({"Buffalo Bills": 0.9, "hospital": 0.3})
    got = a.answer(Q, None, [passage(f"{LOOKALIKE} {RIGHT}", title="Hamlin")])
    assert got.answered
    assert got.decided_by == "reader"
    assert got.citations[0].passage.strip() == RIGHT
    assert got.short == "Buffalo Bills"
    assert got.probability == pytest.approx(0.9)
    assert fake.calls == [2]  # one batch for the question


def test_below_the_threshold_is_a_refusal_that_says_why():
    a, _ = _answerer({"Buffalo Bills": 0.2, "hospital": 0.3})
    got = a.answer(Q, None, [passage(f"{LOOKALIKE} {RIGHT}", title="Hamlin")])
    assert not got.answered
    assert got.text.startswith(REFUSAL)
    assert got.reason
    assert got.decided_by == "reader"


def test_a_year_the_evidence_lacks_overrides_the_reader():
    q = "Which team did Damar Hamlin play for in 2019?"
    a, _ = _answerer({"Buffalo Bills": 0.9})
    got = a.answer(q, None, [passage(RIGHT, title="Hamlin")])
    assert not got.answered
    assert got.decided_by == "rule:year"
    assert "2019" in got.reason
    a, _ = _answerer({"Buffalo Bills": 0.9}, rules=Rules(year=False))
    assert a.answer(q, None, [passage(RIGHT, title="Hamlin")]).answered


def test_only_the_candidates_the_reader_can_afford_are_read():
    sents = " ".join(f"Sentence number {i} says little about the team or the player."
                     for i in range(40))
    a, fake = _answerer({}, candidates=8)
    a.answer(Q, None, [passage(sents, title="Filler")])
    assert fake.calls == [8]


def test_a_second_sentence_nearly_as_good_is_cited_too():
    second = "Hamlin plays safety for Buffalo, the Bills said."
    a, _ = _answerer({"24-year-old": 0.9, "safety for Buffalo": 0.85})
    got = a.answer(Q, None, [passage(f"{RIGHT} {second}", title="Hamlin")])
    assert [c.n for c in got.citations] == [1, 2]
    assert replace(got.citations[1]).passage.strip() == second


def test_the_reader_setting_without_weights_says_how_to_build_them(tmp_path, monkeypatch,
                                                                  fake_store):
    from assistant import Assistant, ConfigError

    monkeypatch.setattr(rd, "available", lambda: False)
    a = Assistant(index_dir=tmp_path / "index", store=fake_store, reader=True)
    with pytest.raises(ConfigError, match=r"train_reader\.py"):
        a._extractive_answerer()
