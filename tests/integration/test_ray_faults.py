"""Ray backfills under faults, on a real local Ray and the real embedding model: an embedding
worker killed mid-ingest (its pid, from here) costs a retry, not the run; a worker that hangs
stops the job part way at the stall deadline, and a rerun finishes it; a local Ray that will
not start is tried once more in a fresh session folder, then named in one line.

Each test lets ``index.distributed`` start (and stop) its own local Ray, as the CLI does."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import pytest

from tests.helpers import corpus, pids_running

pytest.importorskip("ray")
pytestmark = pytest.mark.slow

ACTOR = "MapBatches(_Embedder)"  # in the title Ray gives an embedding actor's process
N = 400


def _store(path: Path):
    from index import open_store
    from index.embeddings import get_embeddings

    return open_store(str(path), embeddings=get_embeddings("minilm"))


def _expected(src: Path) -> set[str]:
    from index.chunking import chunk_article
    from index.loaders import iter_articles

    return {c.id for a in iter_articles([src]) for c in chunk_article(a)}  # type: ignore[arg-type]


def _exact(store, src: Path) -> None:
    ids = store.all_chunk_ids()
    assert len(ids) == len(set(ids))
    assert set(ids) == _expected(src)
    assert store.count_articles() == N


def test_a_killed_embedding_worker_costs_a_retry_not_the_run(tmp_path):
    from index import distributed

    src = corpus(tmp_path / "c.jsonl", range(N))
    store = _store(tmp_path / "idx")
    killed: list[int] = []

    def kill_once(_art, status: str) -> None:
        # the first article written: the actor has more batches to embed; kill it by pid
        if status == "added" and not killed:
            pids = pids_running(ACTOR)
            assert pids, "no embedding actor found to kill"
            for pid in pids:
                os.kill(pid, signal.SIGKILL)
            killed.extend(pids)

    rep = distributed.ingest([src], store, embeddings="minilm",
                             keyword_dir=tmp_path / "idx" / "keyword", num_cpus=2,
                             on_article=kill_once)
    assert killed
    assert (rep.added, rep.updated, rep.failed) == (N, 0, ())
    _exact(store, src)
    again = distributed.ingest([src], store, embeddings="minilm",
                               keyword_dir=tmp_path / "idx" / "keyword", num_cpus=2)
    assert (again.added, again.unchanged, again.chunks_written) == (0, N, 0)


def test_a_hung_worker_stops_the_job_part_way_and_a_rerun_finishes(tmp_path):
    from index import distributed
    from index.errors import PartialIngestError

    src = corpus(tmp_path / "c.jsonl", range(N))
    store = _store(tmp_path / "idx")
    stopped: list[int] = []

    def hang_once(_art, status: str) -> None:
        if status == "added" and not stopped:  # SIGSTOP: alive to Ray, but never answers
            pids = pids_running(ACTOR)
            assert pids
            for pid in pids:
                os.kill(pid, signal.SIGSTOP)
            stopped.extend(pids)

    try:
        with pytest.raises(PartialIngestError) as partial:
            distributed.ingest([src], store, embeddings="minilm",
                               keyword_dir=tmp_path / "idx" / "keyword", num_cpus=2,
                               stall_s=20, on_article=hang_once)
    finally:
        for pid in stopped:
            with contextlib.suppress(ProcessLookupError):  # Ray's shutdown took it already
                os.kill(pid, signal.SIGKILL)
    msg = str(partial.value)
    assert "\n" not in msg
    assert "no embedded batch came back from Ray for 20 s" in msg
    assert "run the same command again to finish" in msg
    kept = store.count_articles()
    assert 0 < kept < N
    assert f"stopped after {kept} of {N} articles" in msg
    rep = distributed.ingest([src], store, embeddings="minilm",
                             keyword_dir=tmp_path / "idx" / "keyword", num_cpus=2)
    assert (rep.added, rep.unchanged) == (N - kept, kept)
    _exact(store, src)


def test_a_local_ray_that_will_not_start_is_retried_then_named(tmp_path, monkeypatch, capsys):
    import ray

    from ui.cli import main

    src = corpus(tmp_path / "c.jsonl", range(8))
    real_init = ray.init
    calls: list[dict] = []

    def broken(*args, **kwargs):
        calls.append(kwargs)
        raise RuntimeError("Timed out waiting for file /tmp/ray/session_x/gcs_server_port\n"
                           "(more lines)")

    monkeypatch.setenv("NEWSDESK_EMBEDDINGS", "hash")
    monkeypatch.setattr(ray, "init", broken)
    code = main(["ingest", str(src), "--index", str(tmp_path / "a"), "--ray", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1
    line = next(ln for ln in err.splitlines() if ln.startswith("newsdesk: error:"))
    assert line.startswith("newsdesk: error: a local Ray could not start (RuntimeError: Timed "
                           "out waiting for file"), line
    assert "cannot reach the Ray cluster" not in err
    assert "Traceback" not in err
    assert len(calls) == 2  # once as asked, once in a fresh session folder
    assert "_temp_dir" not in calls[0]
    assert Path(calls[1]["_temp_dir"]).is_dir()

    def once(*args, **kwargs):  # the first start fails, the fresh one is real
        calls.append(kwargs)
        if len(calls) == 3:
            raise RuntimeError("Timed out waiting for file /tmp/ray/session_y/raylet.sock")
        return real_init(*args, **kwargs)

    monkeypatch.setattr(ray, "init", once)
    code = main(["ingest", str(src), "--index", str(tmp_path / "b"), "--ray", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0
    assert "8 added" in out
    assert len(calls) == 4
