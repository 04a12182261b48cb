"""Backfills with Ray Data: read and embed on a Ray cluster, write through the store seam.

``newsdesk ingest PATH... --ray [ADDRESS]``. The steps, and where each runs:

1. **read** (Ray tasks): each input (file, folder, feed) is loaded by ``index.loaders`` in a
   Ray task (``from_items`` -> ``flat_map``); bad files come back as errors, named, as always.
2. **diff** (driver): ids are claimed and every article compared with the store exactly as
   ``index.pipeline`` does: an unchanged article embeds nothing, an edited one only its changed
   passages, a chunk an interrupted run stored already is reused.
3. **embed** (Ray actors): the passages to embed stream through ``map_batches`` with
   ``_Embedder``, an actor class that loads the model once per actor (``batch_size`` and
   ``concurrency`` from the flags).
4. **write** (driver): as soon as every passage of a batch of articles is back, the batch is
   written by ``index.pipeline._write`` (chunks, keyword side, story signatures, then the commit
   records), so a killed backfill is finished by running it again, with the same ids.

Ray is imported only here, and only when ``--ray`` is given (PyPI ``ray[data]``, the
``newsdesk[scale]`` extra). Workers must be able to ``import index``: on a local Ray the
driver's environment is theirs; on a cluster, install Newsdesk on its nodes.
"""

from __future__ import annotations

import logging
import pickle
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.articles import Article
from index.chunking import embedding_text
from index.errors import ConfigError, LoadError
from index.protocols import IndexStore

if TYPE_CHECKING:
    from index.pipeline import IngestReport

log = logging.getLogger(__name__)

BATCH_SIZE = 128  # passages per embedding call in an actor
ACTORS = 1        # embedding actors (each loads the model: ~300 MB)


class _Embedder:
    """A Ray actor: the embedding model, loaded once, applied to batches of passages."""

    def __init__(self, name: str) -> None:
        from index.embeddings import get_embeddings

        self.model = get_embeddings(name)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        vectors = self.model.embed_documents([str(t) for t in batch["text"]])
        return {"id": batch["id"], "vector": np.asarray(vectors, dtype=np.float32)}


def _load(row: dict[str, Any]) -> list[dict[str, Any]]:
    """One input (a path or URL) loaded in a Ray task; each article or error pickled."""
    from index.loaders import iter_articles

    return [{"item": pickle.dumps(it)} for it in iter_articles([row["path"]])]


def start(address: str | None, num_cpus: int | None = None) -> bool:
    """Connect to the Ray cluster at ``address``, or start a local one ("local" or None).
    True when this call started Ray (and so should stop it)."""
    try:
        import ray
    except ImportError as exc:
        raise ConfigError("--ray needs Ray Data: pip install 'newsdesk[scale]' "
                          "(or 'ray[data]')") from exc
    # Ray Data reports progress as INFO log lines every few seconds: keep them for -v
    quiet = not logging.getLogger().isEnabledFor(logging.INFO)
    for name in ("ray", "ray.data"):
        if quiet:
            logging.getLogger(name).setLevel(logging.WARNING)
    if ray.is_initialized():
        return False
    local = address in (None, "", "local")
    try:
        ray.init(address=None if local else address, num_cpus=num_cpus if local else None,
                 include_dashboard=False, log_to_driver=False, configure_logging=False)
    except Exception as exc:  # ConnectionError, RuntimeError, ValueError from ray.init
        raise ConfigError(f"cannot reach the Ray cluster at {address} ({exc}); start one with "
                          "`ray start --head` or drop the address for a local Ray") from exc
    return True


def ingest(inputs: Iterable[str | Path], store: IndexStore, *, embeddings: str,
           keyword_dir: Path | None = None, address: str | None = None,
           batch_size: int = BATCH_SIZE, actors: int = ACTORS, num_cpus: int | None = None,
           on_article: Callable[[Article, str], None] | None = None) -> IngestReport:
    """Ingest ``inputs`` into ``store`` with Ray Data doing the reading and the embedding;
    the ``IngestReport`` is the same as ``index.pipeline.ingest``'s for the same inputs."""
    from index.pipeline import (
        BATCH_ARTICLES,
        IngestReport,
        _Plan,
        _prepare,
        _write,
        admit,
    )

    if batch_size < 1 or actors < 1:
        raise ConfigError("--ray-batch and --ray-actors must be at least 1")
    t0 = time.perf_counter()
    started = start(address, num_cpus)
    try:
        import ray

        ds = ray.data.from_items([{"path": str(p)} for p in inputs]).flat_map(_load)
        loaded: list[Article | LoadError] = [pickle.loads(r["item"]) for r in ds.iter_rows()]
        articles, failed, warnings, renames = admit(loaded)
        counts = {"added": 0, "updated": 0, "unchanged": 0, "written": 0}
        keyword, stories = _sides(store, keyword_dir)
        try:
            plans: list[_Plan] = []
            for i in range(0, len(articles), BATCH_ARTICLES):
                same: list[Article] = []
                plan = _prepare(articles[i:i + BATCH_ARTICLES], store, counts, failed, warnings,
                                on_article, renames, same, defer=True)
                if stories is not None and same:
                    known = stories.stories_of([a.id for a in same])
                    stories.assign([a for a in same if a.id not in known])
                if plan:
                    plans.append(plan)
            waiting = {id(p): {c.id for c in p.new} for p in plans}
            owner = {c.id: p for p in plans for c in p.new}
            for plan in [p for p in plans if not waiting[id(p)]]:  # nothing new to embed
                _write(plan, store, keyword, stories, counts, on_article)
            for cid, vector in _embedded(plans, embeddings, batch_size, actors):
                plan = owner[cid]
                plan.vec_of[cid] = vector
                left = waiting[id(plan)]
                left.discard(cid)
                if not left:
                    _write(plan, store, keyword, stories, counts, on_article)
        finally:
            if stories is not None:
                stories.close()
        store.flush()
        if keyword is not None and keyword_dir is not None:
            from index.keyword import refresh

            refresh(store, keyword_dir)
    finally:
        if started:
            import ray

            ray.shutdown()
    return IngestReport(
        added=counts["added"], updated=counts["updated"], unchanged=counts["unchanged"],
        failed=tuple(failed), warnings=tuple(warnings), chunks_written=counts["written"],
        chunks_total=store.count_chunks(), articles_total=store.count_articles(),
        seconds=time.perf_counter() - t0)


def _sides(store: IndexStore, keyword_dir: Path | None) -> tuple[Any, Any]:
    """The tantivy side (None when the store has its own BM25) and the story index."""
    if keyword_dir is None:
        return None, None
    from index.keyword import KeywordIndex, native
    from index.stories import open_stories

    return (KeywordIndex(keyword_dir) if native(store) is None else None,
            open_stories(keyword_dir, store))


def _embedded(plans: list[Any], embeddings: str, batch_size: int, actors: int
              ) -> Iterator[tuple[str, list[float]]]:
    """``(chunk id, vector)`` for every new passage of ``plans``, embedded by Ray actors, in
    the order they come back."""
    import ray

    rows = [{"id": c.id, "text": embedding_text(c)} for p in plans for c in p.new]
    if not rows:
        return
    ds = ray.data.from_items(rows).map_batches(
        _Embedder, fn_constructor_kwargs={"name": embeddings}, batch_size=batch_size,
        compute=ray.data.ActorPoolStrategy(size=actors), batch_format="numpy")
    for batch in ds.iter_batches(batch_size=batch_size, batch_format="numpy"):
        for cid, vec in zip(batch["id"], batch["vector"], strict=True):
            yield str(cid), [float(x) for x in vec]
