"""`newsdesk eval` and `newsdesk bench` through the real CLI, real model, real Chroma.

Timings are printed by the commands, never asserted; the tests check the reports' shape and the
quality numbers that do not depend on the machine."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.helpers import BENCH, SEEDS, nd, needs_bench

pytestmark = pytest.mark.slow


def test_eval_seed_gold_report(tmp_path: Path, seed_dir: Path):
    out = tmp_path / "e.json"
    r = nd("eval", str(SEEDS / "questions.jsonl"), "--corpus", str(seed_dir), "--json", str(out),
           index=tmp_path / "idx")
    assert "retrieval" in r.stdout
    assert "hit@5=1.000" in r.stdout
    rep = json.loads(out.read_text())
    assert rep["n"] == 10
    assert rep["retriever"] == "hybrid"
    assert set(rep["retrieval"]) == {"hit@1", "hit@5", "hit@10", "mrr@10"}
    assert set(rep["answer"]) == {"answered", "contains", "em", "f1", "mc_accuracy"}
    assert rep["retrieval"]["hit@1"] == 1.0      # evidence quote in the top chunk
    assert rep["answer"]["contains"] == 1.0
    assert rep["refusal"]["accuracy"] == 1.0
    assert rep["answer"]["mc_accuracy"] is None  # no choices in the seed gold: n/a
    assert rep["answer"]["em"] >= 0.5
    assert rep["answer"]["f1"] >= 0.6
    assert rep["citation"]["precision"] >= 0.8
    assert rep["latency_ms"]["p50"] > 0
    row = {q["id"]: q for q in rep["per_question"]}
    assert row["seed-05"]["short"] == "Denmark"
    assert row["seed-05"]["correct"]
    assert not row["seed-09"]["answered"]
    assert row["seed-09"]["correct"]
    for retriever in ("dense", "bm25"):
        r = nd("eval", str(SEEDS / "questions.jsonl"), "--retriever", retriever, index=tmp_path / "idx")
        assert f"retriever: {retriever}" in r.stdout


@needs_bench
def test_eval_realtimeqa_format_with_choices(tmp_path: Path):
    """A few benchmark questions against their own gold articles: MC accuracy is computed."""
    qs = [json.loads(x) for x in (BENCH / "questions.dev.jsonl").read_text().splitlines()[:4]]
    ids = {i for q in qs for i in q["gold_doc_ids"]}
    corpus = tmp_path / "corpus.jsonl"
    with (BENCH / "corpus.jsonl").open(encoding="utf-8") as src, corpus.open("w") as dst:
        dst.writelines(line for line in src if json.loads(line)["id"] in ids)
    gold = tmp_path / "q.jsonl"
    gold.write_text("".join(json.dumps(q) + "\n" for q in qs))
    out = tmp_path / "e.json"
    nd("eval", str(gold), "--corpus", str(corpus), "--json", str(out), index=tmp_path / "idx")
    rep = json.loads(out.read_text())
    assert rep["n"] == 4
    assert rep["answer"]["mc_accuracy"] is not None
    assert rep["retrieval"]["hit@10"] == 1.0     # only gold articles in this index
    assert rep["refusal"]["accuracy"] is None    # every question is answerable
    assert all("choice" in q for q in rep["per_question"])


@needs_bench
def test_bench_ingest_and_query_print_their_numbers(tmp_path: Path, seed_dir: Path):
    r = nd("bench", "ingest", str(BENCH / "corpus.jsonl"), "--limit", "12", "--questions",
           str(SEEDS / "questions.jsonl"), index=tmp_path / "unused")
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert report["articles"] == 12
    assert report["chunks"] > 12
    assert report["backend"] == "openvino"
    assert report["newsdesk_chunks_per_s"] > 0
    assert report["plain_chunks_per_s"] > 0
    assert report["top5_agreement"] >= 0.9      # the same passages come back
    assert report["update_articles"] == 2      # articles 0 and 10 edited
    assert 0 < report["update_chunks_embedded"] <= 4  # only their new closing passages

    nd("ingest", str(seed_dir), index=tmp_path / "idx")
    r = nd("bench", "query", "--sizes", "2000", index=tmp_path / "idx")
    assert re.search(r"ask\(\)\s+p50\s+[\d.]+ ms", r.stdout)
    assert re.search(r"ratio ask\(\)/plain LangChain \(p50\): [\d.]+x", r.stdout)
    assert re.search(r"store chroma\s+2,000 vectors: build\s+[\d.]+s\s+query p50", r.stdout)
