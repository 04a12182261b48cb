"""The seed gold among benchmark distractors (read from ../shared, never copied).

CI uses the NEWSDESK_DISTRACTORS (default 300) benchmark articles that share the seed's names
(Putin, Kremlin, Trump, Zelenskyy, Iran, Ukraine): the hardest ones. Set it to "all" for the full
2,115-article corpus (about 20 minutes of embedding on 2 cores).
"""

from __future__ import annotations

import json
import os

import pytest

from assistant import Assistant
from index.loaders.jsonl import record_to_article
from index.pipeline import ingest
from tests.helpers import BENCH, SEED_ARTICLE, gold, needs_bench

pytestmark = pytest.mark.slow
NAMES = ("Putin", "Kremlin", "Trump", "Zelenskyy", "Iran", "Ukraine")


def distractors(limit: int | None):
    out = []
    with (BENCH / "corpus.jsonl").open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            rec = json.loads(line)
            if limit is None or any(name in rec["body"] for name in NAMES):
                out.append(record_to_article(rec, f"corpus.jsonl line {n}"))
    out.sort(key=lambda a: -sum(a.body.count(name) for name in NAMES))
    return out if limit is None else out[:limit]


@needs_bench
def test_seed_gold_holds_among_distractors(tmp_path):
    from index import open_store

    raw = os.environ.get("NEWSDESK_DISTRACTORS", "300")
    limit = None if raw == "all" else int(raw)
    store = open_store(str(tmp_path / "index"))
    arts = distractors(limit)
    report = ingest([*arts, SEED_ARTICLE], store, keyword_dir=tmp_path / "index" / "keyword")
    assert not report.failed
    print(f"\n{report.summary()}")
    a = Assistant(index_dir=tmp_path / "index", store=store)
    ok, rows = 0, []
    for g in gold():
        ans = a.ask(g["question"])
        if g["answerable"]:
            good = any(x.lower() in ans.text.lower() for x in g["answers"]) and \
                any(g["evidence"] in c.passage for c in ans.citations)
        else:
            good = not ans.answered
            assert good, (g["id"], ans.text)  # refusals must hold whatever the corpus
        ok += good
        rows.append(f"{g['id']} {'ok ' if good else 'MISS'} {ans.text[:90]}")
    print("\n".join(rows))
    # Known miss on the full corpus: seed-03 ("Which Kremlin aide briefed reporters about the
    # call?") is answered from a 2022 Kremlin story; see the answer issue's closing note.
    assert ok >= 9, rows
