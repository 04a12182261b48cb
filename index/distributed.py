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

import contextlib
import logging
import os
import pickle
import queue
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.articles import Article
from index.chunking import embedding_text
from index.errors import (
    ClusterError,
    ConfigError,
    LoadError,
    NewsdeskError,
    PartialIngestError,
    StoreError,
    first_line,
)
from index.protocols import IndexStore

if TYPE_CHECKING:
    from index.pipeline import IngestReport

log = logging.getLogger(__name__)

BATCH_SIZE = 128  # passages per embedding call in an actor
ACTORS = 1        # embedding actors (each loads the model: ~300 MB)
RETRIES = 3       # a read task re-run, an embedding actor restarted (and its batch re-sent)
STALL_S = 300.0   # no embedded batch for this long: the job is stopped, what is stored stays


class _AfterShutdown(logging.Filter):
    """Ray Data's metrics thread logs a warning with a traceback when it reports to a Ray that
    a stopped job has shut down: expected then, and noise next to the one line that says why
    the job stopped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Ray is not initialized" not in record.getMessage()


logging.getLogger("ray.data._internal.stats").addFilter(_AfterShutdown())


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
    True when this call started Ray (and so should stop it).

    A local Ray that does not start (a stale session folder from a killed run is the usual
    cause) is tried once more in a fresh session folder; a second failure is a
    ``ClusterError`` that says a *local* Ray could not start."""
    try:
        import ray
    except ImportError as exc:
        raise ConfigError("--ray needs Ray Data: pip install 'newsdesk[scale]' "
                          "(or 'ray[data]')") from exc
    # Ray Data reports progress as INFO log lines every few seconds: keep them for -v. Its
    # logging is configured when ray.data is first imported, which would undo a level set
    # before: so the level goes in its environment variable, and on the loggers after.
    if not logging.getLogger().isEnabledFor(logging.INFO):
        os.environ.setdefault("RAY_DATA_LOG_LEVEL", "WARNING")
        import ray.data  # its logging is configured on import

        for name in ("ray", "ray.data"):
            logging.getLogger(name).setLevel(logging.WARNING)
    if ray.is_initialized():
        return False
    common: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                              "configure_logging": False}
    if address not in (None, "", "local"):
        try:
            ray.init(address=address, **common)
        except Exception as exc:  # ConnectionError, RuntimeError, ValueError from ray.init
            raise ConfigError(f"cannot reach the Ray cluster at {address} ({first_line(exc)}); "
                              "check that it runs (`ray status` on its head node) or drop the "
                              "address for a local Ray") from exc
        return True
    for fresh in (False, True):
        extra: dict[str, Any] = {"_temp_dir": tempfile.mkdtemp(prefix="newsdesk-ray-")} \
            if fresh else {}
        try:
            ray.init(num_cpus=num_cpus, **common, **extra)
            return True
        except Exception as exc:  # ray.init raises RuntimeError, TimeoutError, OSError, ...
            _stop_quietly(ray)
            if fresh:
                raise ClusterError(
                    f"a local Ray could not start ({first_line(exc)}); run `ray stop --force` "
                    "to clear a stale one, check free memory and /tmp, or ingest without "
                    "--ray") from exc
            log.warning("a local Ray did not start (%s); trying once more in a fresh session "
                        "folder", first_line(exc))
    raise AssertionError("unreachable")


def _stop_quietly(ray: Any) -> None:
    """Undo a half-done ``ray.init`` (it may have started processes before failing)."""
    try:
        ray.shutdown()
    except Exception:  # nothing left to stop is fine; say so for -v
        log.debug("ray.shutdown after a failed start", exc_info=True)


def ingest(inputs: Iterable[str | Path], store: IndexStore, *, embeddings: str,
           keyword_dir: Path | None = None, address: str | None = None,
           batch_size: int = BATCH_SIZE, actors: int = ACTORS, num_cpus: int | None = None,
           stall_s: float = STALL_S,
           on_article: Callable[[Article, str], None] | None = None) -> IngestReport:
    """Ingest ``inputs`` into ``store`` with Ray Data doing the reading and the embedding;
    the ``IngestReport`` is the same as ``index.pipeline.ingest``'s for the same inputs.

    Faults: a read task is re-run and a dead embedding actor restarted (its batch sent again)
    up to ``RETRIES`` times; a Ray job that fails anyway, or returns no embedded batch for
    ``stall_s`` seconds, is stopped with ``PartialIngestError``: every article written before
    it stays committed and the same call finishes the rest."""
    from index.pipeline import (
        BATCH_ARTICLES,
        IngestReport,
        _Plan,
        _prepare,
        _write,
        admit,
        incomplete,
        stored,
    )

    if batch_size < 1 or actors < 1:
        raise ConfigError("--ray-batch and --ray-actors must be at least 1")
    if stall_s <= 0:
        raise ConfigError("--ray-stall must be a positive number of seconds")
    t0 = time.perf_counter()
    started = start(address, num_cpus)
    try:
        import ray

        with _retry_args():
            ds = ray.data.from_items([{"path": str(p)} for p in inputs]).flat_map(
                _load, max_retries=RETRIES)
        try:
            loaded: list[Article | LoadError] = [pickle.loads(r["item"])
                                                 for r in ds.iter_rows()]
        except Exception as exc:  # a read task that failed RETRIES times: nothing is written
            raise PartialIngestError(f"the Ray job failed while reading, before anything was "
                                   f"stored ({first_line(exc)}); run the same command again")\
                from exc
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
            try:
                for cid, vector in _watched(_embedded(plans, embeddings, batch_size, actors),
                                            stall_s):
                    plan = owner[cid]
                    plan.vec_of[cid] = vector
                    left = waiting[id(plan)]
                    left.discard(cid)
                    if not left:
                        _write(plan, store, keyword, stories, counts, on_article)
            except StoreError as exc:  # a server that stayed away past its wait
                raise incomplete(exc, store, counts, len(articles)) from exc
            except NewsdeskError:
                raise
            except _Stalled as exc:
                _stop_ray_data()
                raise PartialIngestError(
                    f"no embedded batch came back from Ray for {stall_s:.0f} s (a worker hung "
                    f"or its node is gone); stopped after {stored(counts)} of {len(articles)} "
                    "articles, which are stored: run the same command again to finish") from exc
            except Exception as exc:  # RayError after the retries, or the store went away
                if not _is_ray_error(exc):
                    raise incomplete(exc, store, counts, len(articles)) from exc
                raise PartialIngestError(
                    f"the Ray job failed after {stored(counts)} of {len(articles)} articles "
                    f"({first_line(exc)}); those are stored: run the same command again to "
                    "finish") from exc
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
    # Ray Data's default is to restart a dead actor and re-send its batch forever: bounded
    # here, so a worker that dies on every batch ends the job instead of looping
    with _retry_args():
        ds = ray.data.from_items(rows).map_batches(
            _Embedder, fn_constructor_kwargs={"name": embeddings}, batch_size=batch_size,
            compute=ray.data.ActorPoolStrategy(size=actors), batch_format="numpy",
            max_restarts=RETRIES, max_task_retries=RETRIES)
    for batch in ds.iter_batches(batch_size=batch_size, batch_format="numpy"):
        for cid, vec in zip(batch["id"], batch["vector"], strict=True):
            yield str(cid), [float(x) for x in vec]


@contextlib.contextmanager
def _retry_args() -> Iterator[None]:
    """Ray Data 2.60 deprecates remote arguments per operation (``max_retries``,
    ``max_restarts``: "removed in 2.64") and has no other way yet to bound its retries, which
    default to forever; its warning is not for a Newsdesk user (pyproject keeps Ray < 2.64)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*ray_remote_args.*deprecated")
        yield


class _Stalled(Exception):  # noqa: N818 - a signal between two functions, never shown
    """No item came from a watched iterator within its deadline."""


def _watched(items: Iterator[Any], stall_s: float) -> Iterator[Any]:
    """``items``, pulled in a thread so that a wait longer than ``stall_s`` for the next one
    raises ``_Stalled`` here instead of blocking forever (a Ray job whose worker hangs, or
    whose lost objects are being reconstructed without end, never returns its next batch)."""
    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def pull() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        box.put(("item", item), timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put(("end", None))
        except BaseException as exc:  # handed to the consumer, which raises it
            if not stop.is_set():
                box.put(("error", exc))

    threading.Thread(target=pull, name="newsdesk-ray-batches", daemon=True).start()
    try:
        while True:
            try:
                kind, value = box.get(timeout=stall_s)
            except queue.Empty:
                raise _Stalled(f"nothing for {stall_s} s") from None
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()


def _stop_ray_data() -> None:
    """Stop this process's running Ray Data executors (threads) before Ray shuts down.

    A stalled job's executor is still waiting inside Ray; if Ray is shut down under it, that
    wait outlives the session and, a minute later, Ray's client ends the whole process
    ("Failed to connect to GCS within 60 seconds ... The program will terminate"): harmless
    for the CLI, fatal for a chat or a script that goes on. Ray Data has no public handle on
    a running iterator's executor, so it is found among the threads (Ray is pinned < 2.64)."""
    try:
        from ray.data._internal.execution.streaming_executor import StreamingExecutor
    except ImportError:  # another Ray layout: the CLI exits anyway; say so for -v
        log.debug("Ray Data's executor class not found; not stopped before shutdown")
        return
    for thread in threading.enumerate():
        if isinstance(thread, StreamingExecutor):
            try:
                thread.shutdown(force=True)
            except Exception:  # already stopping, or Ray is gone: nothing left to stop
                log.debug("stopping a Ray Data executor", exc_info=True)


def _is_ray_error(exc: BaseException) -> bool:
    """True for Ray's own failures (a task or actor that died past its retries, lost
    objects), as opposed to the store's."""
    try:
        from ray.exceptions import RayError
    except ImportError:
        return False
    return isinstance(exc, RayError)
