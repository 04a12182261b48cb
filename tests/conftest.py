"""Shared fixtures. Every index lives in ``tmp_path``; the real model loads once per process."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_ARTICLE = SEEDS / "articles" / "000_867221607fc7f5dd.txt"
BENCH = ROOT.parent / "shared" / "bench" / "realtimeqa-2022"


def gold() -> list[dict]:
    return [json.loads(line) for line in (SEEDS / "questions.jsonl").read_text().splitlines()
            if line.strip()]


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    d = tmp_path / "articles"
    d.mkdir()
    shutil.copy(SEED_ARTICLE, d)
    return d


@pytest.fixture
def fake_store(tmp_path: Path):
    """A real persistent Chroma in tmp_path with deterministic fake embeddings (fast)."""
    from index import open_store
    from index.embeddings import HashEmbeddings

    return open_store(str(tmp_path / "index"), embeddings=HashEmbeddings())


@pytest.fixture
def real_store(tmp_path: Path):
    """A real persistent Chroma in tmp_path with the real packaged model."""
    from index import open_store

    return open_store(str(tmp_path / "index"))


GOOD_MD = """---
title: Harbour bridge reopens after repairs
date: 2025-06-02
source: Example Gazette
url: https://example.org/bridge
authors: [Ana Lima]
---
The harbour bridge reopened on Monday after eight months of repairs, the city council said.

Engineers replaced 412 steel cables. Traffic is expected to return to normal by Friday.
"""

GOOD_HTML = """<!doctype html><html><head><title>Library wins award</title>
<meta property="og:title" content="Library wins national design award">
<meta name="author" content="Sam Reed"><meta property="article:published_time" content="2025-05-20">
<meta property="og:site_name" content="Town Times"></head><body><nav>Home | News</nav>
<article><h1>Library wins national design award</h1>
<p>The new central library won the national design award on Tuesday, the jury announced in a
statement praising its timber roof and its public reading garden.</p>
<p>The building, designed by a local studio, opened last spring and has welcomed more than
300,000 visitors, according to the city's culture department.</p></article>
<footer>Copyright Town Times</footer></body></html>"""


def make_bad_inputs(d: Path) -> dict[str, str]:
    """Bad inputs of every kind from the ingest issue; returns name -> expected reason fragment."""
    d.mkdir(parents=True, exist_ok=True)
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (d / "malformed.jsonl").write_text(
        '{"id": "ok-1", "title": "Fine", "body": "A perfectly fine record about a parade."}\n'
        '{"id": "bad-1", "title": "Broken", "body": \n'
        '{"id": "nobody", "title": "No body here"}\n'
        '{"id": "wrongtype", "title": "Typed", "body": 42}\n', encoding="utf-8")
    (d / "nodate.md").write_text("---\ntitle: Bad date\ndate: next Blursday\n---\nSome body text "
                                 "about a council meeting that ran late.\n", encoding="utf-8")
    (d / "notext.html").write_text("<html><body><nav>Home</nav><div></div></body></html>",
                                   encoding="utf-8")
    big = d / "huge.txt"
    with big.open("wb") as fh:
        fh.write(b"Big file headline\n\n")
        fh.truncate(50 * 1024 * 1024)
    return {
        "empty.txt": "file is empty",
        "binary.txt": "binary file",
        "malformed.jsonl line 2": "malformed JSON",
        "malformed.jsonl line 3": "no body",
        "malformed.jsonl line 4": "expected a string",
        "nodate.md": "unparseable date",
        "notext.html": "no article text",
        "huge.txt": "over the",
    }


def make_good_inputs(d: Path) -> list[str]:
    """Valid inputs in awkward encodings; returns the expected article ids."""
    d.mkdir(parents=True, exist_ok=True)
    (d / "bridge.md").write_text(GOOD_MD, encoding="utf-8")
    (d / "library.html").write_text(GOOD_HTML, encoding="utf-8")
    (d / "latin1.txt").write_bytes("Café owners protest\n\nThe café owners of Montréal protested "
                                   "the new rules on Tuesday, saying déjà vu.".encode("latin-1"))
    (d / "cp1252.txt").write_bytes("Mayor’s “plan” passes\n\nThe mayor’s plan passed by "
                                   "seven votes to two – a clear win.".encode("cp1252"))
    (d / "bom.txt").write_bytes("\ufeffSchool opens\n\nThe new school opened its doors on "
                                "Monday to 400 pupils.".encode("utf-8"))
    return ["bridge", "library", "latin1", "cp1252", "bom"]
