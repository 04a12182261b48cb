"""``newsdesk bench ray``: the Ray Data ingest next to the in-process one, same machine, same
run: chunks/s, chunk ids and counts, top-5 agreement of the two indexes."""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
from pathlib import Path

from assistant.evaluation.bench import _articles, _questions


def bench_ray(corpus: str, *, limit: int = 300, questions: str | None = None,
              address: str | None = None, batch_size: int = 128, actors: int = 1) -> int:
    from index import distributed, open_store
    from index.embeddings import get_embeddings
    from index.pipeline import ingest

    arts = _articles(corpus, limit)
    tmp = Path(tempfile.mkdtemp(prefix="nd-bench-ray-"))
    try:
        # the same articles as one JSONL file: Ray's read step loads it like any input
        src = tmp / "corpus.jsonl"
        with src.open("w", encoding="utf-8") as fh:
            for a in arts:
                fh.write(json.dumps({"id": a.id, "title": a.title, "date": a.date,
                                     "source": a.source, "url": a.url, "body": a.body}) + "\n")
        emb = get_embeddings("minilm")
        emb.embed_query("warm up")
        local = open_store(str(tmp / "local"), embeddings=emb)
        rep = ingest([src], local, keyword_dir=tmp / "local" / "keyword", progress=False)
        print(f"in-process ingest: {rep.added} articles, {rep.chunks_written} chunks in "
              f"{rep.seconds:.1f}s = {rep.chunks_per_second:.1f} chunks/s", flush=True)
        ray_store = open_store(str(tmp / "ray"), embeddings=emb)
        rr = distributed.ingest([src], ray_store, embeddings="minilm",
                                keyword_dir=tmp / "ray" / "keyword", address=address,
                                batch_size=batch_size, actors=actors)
        print(f"Ray Data ingest ({actors} actor(s), batch {batch_size}, "
              f"{address or 'local Ray'}): {rr.added} articles, {rr.chunks_written} chunks in "
              f"{rr.seconds:.1f}s = {rr.chunks_per_second:.1f} chunks/s (Ray start-up included)")
        a_ids, b_ids = set(local.all_chunk_ids()), set(ray_store.all_chunk_ids())
        print(f"chunk ids: {len(a_ids)} in-process, {len(b_ids)} Ray, identical: {a_ids == b_ids};"
              f" articles {local.count_articles()} / {ray_store.count_articles()}")
        agree = []
        for q in _questions(questions):
            v = emb.embed_query(q)
            a = {d.id for d, _ in local.dense_search(v, 5)}
            b = {d.id for d, _ in ray_store.dense_search(v, 5)}
            agree.append(len(a & b) / 5)
        print(f"top-5 agreement over {len(agree)} questions: {statistics.mean(agree):.3f}")
        print(json.dumps({"articles": len(arts), "local_chunks_per_s":
                          round(rep.chunks_per_second, 2), "ray_chunks_per_s":
                          round(rr.chunks_per_second, 2), "same_ids": a_ids == b_ids,
                          "chunks": len(a_ids), "top5_agreement":
                          round(statistics.mean(agree), 4), "actors": actors,
                          "batch_size": batch_size}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0
