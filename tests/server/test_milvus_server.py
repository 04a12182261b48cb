"""``--milvus-uri http://...``: the server code path against a real Milvus gRPC server on
loopback (Milvus Lite's ``python -m milvus_lite server``, the same protocol as Milvus
Standalone), started and stopped by pid. Several processes share it; none keeps a keyword
index, so a question in one process sees another process's ingest at once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chatserver import free_port
from tests.helpers import ROOT, SEED_ARTICLE

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")
pytestmark = [pytest.mark.server, pytest.mark.slow]


@pytest.fixture
def milvus_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    log = (tmp_path / "milvus.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "milvus_lite", "server", "--data-dir",
                             str(tmp_path / "milvus-data"), "--host", "127.0.0.1", "--port",
                             str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            assert proc.poll() is None, (tmp_path / "milvus.log").read_text()
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.kill(proc.pid, 15)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, 9)
            proc.wait(15)
        log.close()


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_processes_share_one_milvus_server_and_see_each_others_ingests(milvus_url, tmp_path):
    from assistant import Assistant

    env = dict(os.environ, HF_HUB_OFFLINE="1", XDG_CACHE_HOME=str(tmp_path / "cache"),
               NEWSDESK_STORE="milvus", NEWSDESK_MILVUS_URI=milvus_url)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / SEED_ARTICLE.name).write_bytes(SEED_ARTICLE.read_bytes())
    first = _cli(["ingest", str(seeds), "--no-progress"], env)
    assert first.returncode == 0, first.stderr
    assert "1 added" in first.stdout

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        a = Assistant(backend="milvus", milvus_uri=milvus_url)
    ans = a.ask("What did Trump reply when Putin offered to mediate in the Iran-Israel war?")
    assert "I need help with you" in ans.text
    assert ans.citations
    assert a.store.location == milvus_url

    late = tmp_path / "late"
    late.mkdir()
    (late / "ferry.md").write_text(
        "---\ntitle: Harbour ferry returns\ndate: 2025-07-04\nsource: Gazette\n---\n\n"
        "The Skerry Point ferry resumed service on Friday after a three-week strike ended "
        "with a pay deal, the operator Northline said.\n")
    second = _cli(["ingest", str(late), "--no-progress"], env)  # another process
    assert second.returncode == 0, second.stderr
    got = a.ask("Which operator runs the Skerry Point ferry?")  # no refresh(), no restart
    assert got.answered
    assert "Northline" in got.text
    stats = _cli(["index", "stats", "--json"], env)
    assert '"articles": 2' in stats.stdout
    assert not list((tmp_path / "cache").rglob("tantivy"))  # BM25 ran in Milvus
