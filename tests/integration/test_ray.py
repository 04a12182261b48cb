"""Ray Data backfills on a real local Ray (``ray.init(num_cpus=2)``), writing through the
store seam: the same ids and vectors as the in-process ingest, idempotent re-runs, edits,
bad files named, and into Milvus Lite too. Without ``--ray`` nothing of Ray is imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, corpus

pytest.importorskip("ray")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local_ray():
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


def _chroma(path: Path):
    from index import open_store
    from index.embeddings import HashEmbeddings

    return open_store(str(path), embeddings=HashEmbeddings())


def test_ray_ingest_equals_in_process_and_reruns_idempotently(tmp_path, local_ray):
    from index import distributed
    from index.pipeline import ingest

    src = corpus(tmp_path / "c.jsonl", range(0, 40))
    bad = tmp_path / "broken.jsonl"
    bad.write_text('{"id": "x", "title": "no body"}\n{not json\n')
    local = _chroma(tmp_path / "local")
    ingest([src], local, keyword_dir=tmp_path / "local" / "keyword", progress=False)
    store = _chroma(tmp_path / "ray")
    rep = distributed.ingest([src, bad], store, embeddings="hash",
                             keyword_dir=tmp_path / "ray" / "keyword", batch_size=16, actors=2)
    assert (rep.added, rep.updated, rep.unchanged) == (40, 0, 0)
    assert rep.failed
    assert all("broken.jsonl" in s for s, _ in rep.failed)
    ids = store.all_chunk_ids()
    assert len(ids) == len(set(ids))
    assert set(ids) == set(local.all_chunk_ids())
    a, b = local.vectors_of(ids), store.vectors_of(ids)
    assert all(a[i] == pytest.approx(b[i], abs=1e-6) for i in ids)
    assert {r.id for r in store.iter_article_records()} == {f"gen-{i:04d}" for i in range(40)}
    from index.keyword import KeywordIndex

    assert KeywordIndex(tmp_path / "ray" / "keyword").ids() == set(ids)

    again = distributed.ingest([src], store, embeddings="hash",
                               keyword_dir=tmp_path / "ray" / "keyword")
    assert (again.added, again.unchanged, again.chunks_written) == (0, 40, 0)
    lines = src.read_text().splitlines()
    row = json.loads(lines[3])
    row["body"] += "\n\nA correction was added by the newsroom."
    lines[3] = json.dumps(row)
    src.write_text("\n".join(lines) + "\n")
    edit = distributed.ingest([src], store, embeddings="hash",
                              keyword_dir=tmp_path / "ray" / "keyword")
    assert (edit.updated, edit.unchanged, edit.chunks_written) == (1, 39, 1)
    assert store.count_articles() == 40
    now = store.all_chunk_ids()
    assert len(now) == len(set(now))
    others = {i for i in ids if not i.startswith("gen-0003:")}
    assert set(now) - set(store.chunk_ids_of("gen-0003")) == others  # the rest untouched
    text = " ".join(t for t, _ in store.get_chunks(store.chunk_ids_of("gen-0003")).values())
    assert "A correction was added by the newsroom." in text


def test_ray_ingest_into_milvus_through_the_store_seam(tmp_path, local_ray):
    pytest.importorskip("pymilvus")
    from index import distributed, open_store
    from index.embeddings import HashEmbeddings

    src = corpus(tmp_path / "c.jsonl", range(0, 20))
    store = open_store(backend="milvus", milvus_uri=str(tmp_path / "nd.db"),
                       embeddings=HashEmbeddings())
    rep = distributed.ingest([src], store, embeddings="hash", keyword_dir=tmp_path / "kw")
    assert rep.added == 20
    assert rep.chunks_total == store.count_chunks() > 20
    assert store.search("Town7 council", 3)[0].chunk_id.startswith("gen-0007:")
    assert not (tmp_path / "kw" / "tantivy").exists()


def test_cli_ray_flag_and_no_ray_without_it(tmp_path):
    """``newsdesk ingest --ray`` end to end in a subprocess (its own local Ray, stopped after);
    a plain ingest and ``import assistant`` load neither Ray nor Milvus nor torch."""
    src = corpus(tmp_path / "c.jsonl", range(0, 8))
    env = {"HF_HUB_OFFLINE": "1", "NEWSDESK_EMBEDDINGS": "hash", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "ui.cli", "ingest", str(src), "--index",
                          str(tmp_path / "r"), "--ray", "--ray-actors", "1", "--no-progress"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "8 added" in out.stdout
    probe = (
        "import sys\n"
        "import assistant, index\n"
        "heavy = {'torch', 'gradio', 'spacy', 'chromadb', 'pymilvus', 'ray'}\n"
        "assert not heavy & set(sys.modules), heavy & set(sys.modules)\n"
        "from ui.cli import main\n"
        f"assert main(['ingest', {str(src)!r}, '--index', {str(tmp_path / 'p')!r},"
        " '--no-progress']) == 0\n"
        "assert not {'ray', 'pymilvus'} & set(sys.modules), {'ray', 'pymilvus'} & set(sys.modules)\n"
    )
    res = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=600)
    assert res.returncode == 0, res.stderr
