"""The ``newsdesk`` command on the real model and a real persistent Chroma in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import make_bad_inputs, make_good_inputs, nd

pytestmark = pytest.mark.slow


def stats(index: Path) -> dict:
    return json.loads(nd("index", "stats", "--json", index=index).stdout)


def test_ingest_stats_reingest_edit_remove(tmp_path: Path, seed_dir: Path):
    index = tmp_path / "idx"
    out = nd("ingest", str(seed_dir), index=index).stdout
    assert "1 added" in out
    assert "chunks/s" in out
    s1 = stats(index)
    assert s1["articles"] == 1
    assert s1["chunks"] >= 3
    out = nd("ingest", str(seed_dir), index=index).stdout
    assert "1 unchanged" in out
    assert stats(index)["chunks"] == s1["chunks"]

    f = next(seed_dir.iterdir())
    f.write_text(f.read_text().replace("in Istanbul", "in Reykjavik"), encoding="utf-8")
    assert "1 updated" in nd("ingest", str(seed_dir), index=index).stdout
    assert stats(index)["articles"] == 1
    ans = json.loads(nd("ask", "Where was the meeting where US diplomats were asked to leave?",
                        "--json", index=index).stdout)
    assert "Reykjavik" in ans["text"]
    assert all("Istanbul" not in c["passage"] for c in ans["citations"])

    out = nd("index", "remove", "000_867221607fc7f5dd", index=index).stdout
    assert "removed" in out
    assert stats(index) == {**stats(index), "articles": 0, "chunks": 0}
    bad = nd("index", "remove", "nope", index=index, check=False)
    assert bad.returncode == 1
    assert "no article with id 'nope'" in bad.stderr


def test_bad_inputs_with_good_ones_exit_1_and_keep_everything(tmp_path: Path, seed_dir: Path):
    index = tmp_path / "idx"
    nd("ingest", str(seed_dir), index=index)
    expected = make_bad_inputs(tmp_path / "in")
    good = make_good_inputs(tmp_path / "in")
    proc = nd("ingest", str(tmp_path / "in"), str(seed_dir), index=index, check=False)
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == len(expected)
    for where, reason in expected.items():
        assert sum(where in line and reason in line for line in errors) == 1, (where, errors)
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 2
    s = stats(index)
    assert s["articles"] == 1 + len(good) + 1


def test_usage_errors_exit_2(tmp_path: Path):
    proc = nd("ask", "x", "--k", "0", index=tmp_path / "i", check=False)
    assert proc.returncode == 2
    assert "k must be between" in proc.stderr
    proc = nd("frobnicate", index=tmp_path / "i", check=False)
    assert proc.returncode == 2


def test_running_assistant_answers_from_another_process_ingest(tmp_path: Path, seed_dir: Path):
    """A chat (an open Assistant) answers from an article another process ingested after it
    opened: the keyword side reloads that process's commit, no restart."""
    import subprocess
    import sys

    from assistant import Assistant
    from tests.helpers import ROOT

    index = tmp_path / "idx"
    nd("ingest", str(seed_dir), index=index)
    a = Assistant(index_dir=index)
    q = "When did the harbour ferry resume service after the storm repairs?"
    before = a.ask(q)
    assert not before.answered  # the seed articles know no ferry ("... do not mention “ferry”")
    assert not before.citations
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "ferry.md").write_text(
        "---\ntitle: Harbour ferry resumes service\ndate: 2025-07-04\nsource: Test Wire\n---\n"
        "The harbour ferry resumed service on Sunday after three weeks of storm repairs, the "
        "port authority said.\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "ui.cli", "ingest", str(tmp_path / "new"), "--index",
                    str(index), "--no-progress"], cwd=ROOT, check=True, timeout=600,
                   capture_output=True)
    ans = a.ask(q)  # the same object, no refresh() call
    assert ans.answered, ans.text
    assert "resumed service on Sunday" in ans.text
    assert ans.citations[0].article_id == "ferry"
