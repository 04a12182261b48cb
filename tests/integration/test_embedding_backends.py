"""The OpenVINO backend on the real packaged model: converted locally, cached, same vectors as
sentence-transformers/torch, and interchangeable with it on a real Chroma index."""

from __future__ import annotations

import math

import pytest

pytestmark = pytest.mark.slow

TEXTS = [
    "Kremlin aide Yuri Ushakov told reporters the call lasted almost an hour.",
    "Netflix announced the hit South Korean show is coming back for a second season.",
    "Gas prices in the US hit a new record high of $5 a gallon on average.",
    "The European Union will require a common charging port for phones by 2024.",
    "Bed Bath & Beyond shares fell sharply after the retailer reported a loss.",
] * 4 + ["short", "A much longer passage about flooding in Yellowstone. " * 12]


def _cos(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / math.sqrt(
        sum(x * x for x in a) * sum(y * y for y in b))


def test_openvino_converts_once_into_the_cache_and_matches_torch(tmp_path, monkeypatch):
    from index import embeddings as emb
    from index import openvino_backend as ob

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delitem(emb._models, "openvino", raising=False)
    ov = emb.MiniLMEmbeddings(backend="openvino")
    assert ov.backend == "openvino"
    vecs_ov = ov.embed_documents(TEXTS)          # > 32 texts: the batched, sorted path
    small_ov = ov.embed_documents(TEXTS[:3])     # the latency path
    xml = list((tmp_path / "cache" / "newsdesk" / "openvino").glob("*/model.xml"))
    assert len(xml) == 1
    assert xml[0].with_suffix(".bin").stat().st_size > 50_000_000
    stamp = xml[0].stat().st_mtime_ns

    vecs_pt = emb.MiniLMEmbeddings(backend="torch").embed_documents(TEXTS)
    assert len(vecs_ov) == len(TEXTS)
    assert len(vecs_ov[0]) == 384
    worst = min(_cos(a, b) for a, b in zip(vecs_ov, vecs_pt, strict=True))
    assert worst > 0.999, worst
    assert all(abs(sum(x * x for x in v) - 1) < 1e-3 for v in vecs_ov)  # unit length
    assert min(_cos(a, b) for a, b in zip(small_ov, vecs_ov[:3], strict=True)) > 0.9999
    # queries run in f32: as close to torch as torch is to itself across batch shapes
    q_ov = ov.embed_query(TEXTS[0])
    q_pt = emb.MiniLMEmbeddings(backend="torch").embed_query(TEXTS[0])
    assert _cos(q_ov, q_pt) > 0.99999
    assert _cos(q_ov, q_pt) >= _cos(vecs_ov[0], vecs_pt[0])

    # a second process-level load reuses the cached IR instead of converting again
    enc = ob.OpenVINOEncoder(emb.model_dir())
    assert enc.encode(["Yuri Ushakov"]).shape == (1, 384)
    assert xml[0].stat().st_mtime_ns == stamp
    monkeypatch.delitem(emb._models, "openvino", raising=False)


def test_backends_are_interchangeable_on_a_real_index(tmp_path, seed_dir):
    from index import open_store
    from index.embeddings import MiniLMEmbeddings
    from index.pipeline import ingest

    store = open_store(str(tmp_path / "idx"), embeddings=MiniLMEmbeddings(backend="openvino"))
    rep = ingest([seed_dir], store, keyword_dir=tmp_path / "idx" / "keyword", progress=False)
    assert rep.added == 1
    assert rep.chunks_total > 0
    q = "Which Kremlin aide briefed reporters about the call?"
    via_ov = store.vectorstore.similarity_search(q, k=3)
    torch_view = open_store(str(tmp_path / "idx"), embeddings=MiniLMEmbeddings(backend="torch"))
    via_pt = torch_view.vectorstore.similarity_search(q, k=3)
    assert [d.id for d in via_ov] == [d.id for d in via_pt]
    assert any("Ushakov" in d.page_content for d in via_ov)


def test_unknown_backend_is_a_clear_error():
    from index.embeddings import MiniLMEmbeddings, get_embeddings
    from index.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown embedding backend 'cuda'"):
        MiniLMEmbeddings(backend="cuda")
    with pytest.raises(ConfigError, match="minilm-openvino"):
        get_embeddings("minilm-tensorrt")
