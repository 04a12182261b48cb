"""Synthetic scale probes for ``newsdesk bench query``: how each backend's plain vector
search grows with the collection (random unit vectors, no text), in a fresh database."""

from __future__ import annotations

import os
import time
from pathlib import Path


def chroma(path: str, n: int, *, dim: int = 384, batch: int = 5000, queries: int = 200,
                ) -> tuple[float, list[float]]:
    """How the vector store scales: ``n`` random unit vectors written to a fresh database at
    ``path``, then ``queries`` top-10 searches. Returns (build seconds, query latencies in ms).
    Used by ``newsdesk bench query``."""
    import chromadb
    import numpy as np

    client = chromadb.PersistentClient(path=path)
    col = client.create_collection("scale", metadata={"hnsw:space": "cosine"},
                                   embedding_function=None)
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    step = min(batch, client.get_max_batch_size())
    for i in range(0, n, step):
        m = min(step, n - i)
        vecs = rng.standard_normal((m, dim), dtype=np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        col.add(ids=[str(j) for j in range(i, i + m)], embeddings=vecs,
                metadatas=[{"date_epoch": int(j)} for j in range(i, i + m)])
    build = time.perf_counter() - t0
    lat = []
    for v in rng.standard_normal((queries, dim), dtype=np.float32):
        t1 = time.perf_counter()
        col.query(query_embeddings=[v.tolist()], n_results=10)
        lat.append((time.perf_counter() - t1) * 1000)
    return build, lat


def milvus(path: str, n: int, *, dim: int = 384, batch: int = 5000, queries: int = 200,
                ) -> tuple[float, list[float]]:
    """``chroma`` for Milvus (Lite when ``path`` is a folder):
    ``n`` random unit vectors (exact index on Lite, as ``MilvusStore`` builds it), flushed,
    then ``queries`` top-10 searches. Returns (build seconds, query latencies in ms)."""
    import numpy as np
    from pymilvus import DataType, MilvusClient

    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    Path(path).mkdir(parents=True, exist_ok=True)
    client = MilvusClient(uri=str(Path(path) / "scale.db"))
    s = client.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    s.add_field("date_epoch", DataType.INT64)
    ip = client.prepare_index_params()
    ip.add_index(field_name="dense", index_type="FLAT", metric_type="COSINE")
    client.create_collection("scale", schema=s, index_params=ip)
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    for i in range(0, n, batch):
        m = min(batch, n - i)
        vecs = rng.standard_normal((m, dim), dtype=np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        client.insert("scale", [{"id": j, "dense": vecs[j - i], "date_epoch": j}
                                for j in range(i, i + m)])
    client.flush("scale")
    build = time.perf_counter() - t0
    lat = []
    for v in rng.standard_normal((queries, dim), dtype=np.float32):
        t1 = time.perf_counter()
        client.search("scale", data=[v.tolist()], anns_field="dense", limit=10)
        lat.append((time.perf_counter() - t1) * 1000)
    client.close()
    return build, lat
