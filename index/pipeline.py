"""Ingest: load -> chunk -> diff against the store -> embed what is new -> write -> commit.

Per article the index ends in one of three states: unchanged (same fingerprint: nothing is
embedded), added, or updated (its old chunks replaced). Chunk ids derive from content, so an
edit re-embeds only the passages that changed, and a rerun after a crash redoes exactly the
articles whose commit record is missing or stale.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.articles import Article, Chunk, record_file
from index.chunking import chunk_article, embedding_text
from index.errors import (
    STORAGE_REASON,
    LoadError,
    LoadWarning,
    NewsdeskError,
    PartialIngestError,
    StoreError,
    first_line,
    storage_condition,
)
from index.loaders import iter_articles
from index.protocols import IndexStore
from index.store.common import mean_vector

BATCH_ARTICLES = 64
if TYPE_CHECKING:
    from index.keyword import KeywordIndex
    from index.stories import StoryIndex

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestReport:
    """What one ingest did. ``failed`` holds one ``(source, reason)`` per bad input."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: tuple[tuple[str, str], ...] = ()
    warnings: tuple[tuple[str, str], ...] = ()
    chunks_written: int = 0
    chunks_total: int = 0
    articles_total: int = 0
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def chunks_per_second(self) -> float:
        return self.chunks_written / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        head = "interrupted after" if self.interrupted else "ingested"
        return (
            f"{head}: {self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.failed)} failed; {self.chunks_written} chunks embedded in "
            f"{self.seconds:.1f}s ({self.chunks_per_second:.1f} chunks/s); index now holds "
            f"{self.articles_total} articles, {self.chunks_total} chunks"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
            "failed": [{"source": s, "reason": r} for s, r in self.failed],
            "warnings": [{"source": s, "reason": r} for s, r in self.warnings],
            "chunks_written": self.chunks_written, "chunks_total": self.chunks_total,
            "articles_total": self.articles_total, "seconds": round(self.seconds, 3),
            "chunks_per_second": round(self.chunks_per_second, 2),
            "interrupted": self.interrupted,
        }


def renamed_id(article_id: str, source_key: str) -> str:
    """The id an article gets when another source already holds ``article_id``."""
    suffix = hashlib.sha256(source_key.encode("utf-8")).hexdigest()[:8]
    return f"{article_id[:190]}-{suffix}"


def _rename(art: Article, holder: str) -> tuple[Article, tuple[str, str]]:
    new = dataclasses.replace(art, id=renamed_id(art.id, art.source_key))
    where = art.origin or art.source_key
    return new, (where, f"id {art.id!r} already belongs to {holder}; stored as {new.id!r} "
                        "(nothing was replaced)")


def admit(loaded: Iterable[Article | LoadError]
          ) -> tuple[list[Article], list[tuple[str, str]], list[tuple[str, str]],
                     dict[str, tuple[str, str]]]:
    """Loaded inputs as ``(articles, failed, warnings, renames)``: load errors listed, a
    second source with the same readable id renamed (``renames``: new id -> its warning), a
    repeat of the same source skipped."""
    failed: list[tuple[str, str]] = []
    warnings: list[tuple[str, str]] = []
    articles: list[Article] = []
    first_seen: dict[str, str] = {}
    keys: dict[str, str] = {}  # article id -> source key, in this run
    renames: dict[str, tuple[str, str]] = {}  # new id -> its warning, said unless already stored
    for it in loaded:
        if isinstance(it, LoadError):
            (warnings if isinstance(it, LoadWarning) else failed).append((it.source, it.reason))
            continue
        if it.id in first_seen and keys[it.id] != it.source_key:
            if record_file(it.source_key) and record_file(keys[it.id]):
                # a record's id is its own: refused in every run (see _claim_ids), not renamed
                failed.append((it.origin, _taken(it.id, first_seen[it.id])))
                continue
            # another source with the same readable id (day1/index.txt, day2/index.txt)
            it, note = _rename(it, first_seen[it.id])
            renames[it.id] = note
        if it.id in first_seen:
            failed.append((it.origin, f"duplicate article id {it.id!r} (already loaded from "
                                      f"{first_seen[it.id]}); skipped"))
            continue
        first_seen[it.id] = it.origin
        keys[it.id] = it.source_key
        articles.append(it)

    return articles, failed, warnings, renames


def ingest(
    inputs: Iterable[str | Path] | Iterable[Article | LoadError],
    store: IndexStore,
    *,
    keyword_dir: Path | None = None,
    progress: bool | None = None,
    on_article: Callable[[Article, str], None] | None = None,
) -> IngestReport:
    """Ingest paths/URLs (or already-loaded articles) into ``store``.

    Bad inputs are reported in ``IngestReport.failed`` and never stop the others. Ctrl-C stops
    between batches; what was committed stays, and the report says ``interrupted``.
    """
    t0 = time.perf_counter()
    items = list(inputs)
    loaded: list[Article | LoadError] = []
    for it in items:
        if isinstance(it, (Article, LoadError)):
            loaded.append(it)
        else:
            loaded.extend(iter_articles([it]))
    articles, failed, warnings, renames = admit(loaded)

    counts = {"added": 0, "updated": 0, "unchanged": 0, "written": 0}
    keyword: KeywordIndex | None = None
    stories: StoryIndex | None = None
    if keyword_dir is not None:
        from index.keyword import KeywordIndex, native
        from index.stories import open_stories

        if native(store) is None:  # a store with its own BM25 (Milvus) needs no tantivy side
            keyword = KeywordIndex(keyword_dir)
        stories = open_stories(keyword_dir, store)
    bar = _progress(len(articles), progress)
    interrupted = False
    # Writing batch i to Chroma overlaps with embedding batch i+1 (one writer thread keeps
    # the writes, and so the commit records, in order).
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdesk-write")
    pending: Future[None] | None = None
    try:
        for i in range(0, len(articles), BATCH_ARTICLES):
            part = articles[i:i + BATCH_ARTICLES]
            same: list[Article] = []
            plan = _prepare(part, store, counts, failed, warnings, on_article, renames, same)
            if stories is not None and same:
                # articles stored before story signatures existed get theirs on a re-run
                known = stories.stories_of([a.id for a in same])
                stories.assign([a for a in same if a.id not in known])
            if pending is not None:
                pending.result()
            pending = writer.submit(_write, plan, store, keyword, stories, counts, on_article) \
                if plan else None
            if bar is not None:
                bar.update(len(part))
        if pending is not None:
            pending.result()
    except KeyboardInterrupt:
        interrupted = True
        _settle(pending)
    except StoreError as exc:  # a server that stayed away past its wait: part is stored
        _settle(pending)
        raise incomplete(exc, store, counts, len(articles)) from exc
    except NewsdeskError:
        _settle(pending)
        raise
    except Exception as exc:  # the store went away mid-write (server killed, disk full, ...)
        _settle(pending)
        raise incomplete(exc, store, counts, len(articles)) from exc
    finally:
        writer.shutdown(wait=True)
        if stories is not None:
            stories.close()
        if bar is not None:
            bar.close()
    store.flush()
    if keyword is not None and keyword_dir is not None and not interrupted:
        from index.keyword import refresh

        refresh(store, keyword_dir)  # counts compared; a re-sync only if another writer raced
    return IngestReport(
        added=counts["added"], updated=counts["updated"], unchanged=counts["unchanged"],
        failed=tuple(failed), warnings=tuple(warnings), chunks_written=counts["written"],
        chunks_total=store.count_chunks(), articles_total=store.count_articles(),
        seconds=time.perf_counter() - t0, interrupted=interrupted,
    )


def incomplete(exc: BaseException, store: IndexStore, counts: dict[str, int], total: int
               ) -> PartialIngestError:
    """The error for an ingest whose store failed part way: how far it got, why, and that the
    same command finishes it (the caller raises it ``from exc``)."""
    condition = storage_condition(exc)
    # a failure of ours (a Milvus server that does not answer) says it best in its own words
    why = STORAGE_REASON[condition] if condition else \
        str(exc) if isinstance(exc, NewsdeskError) else first_line(exc)
    return PartialIngestError(
        f"the index at {store.location} failed during ingest after {stored(counts)} of {total} "
        "articles "
        f"({why}); what was committed is kept: "
        f"{'free some space' if condition == 'full' else 'fix the store'} and run the same "
        "command again to finish")


def stored(counts: dict[str, int]) -> int:
    """Articles an ingest has stored so far (added, updated or found unchanged)."""
    return counts["added"] + counts["updated"] + counts["unchanged"]


def _settle(pending: Future[None] | None) -> None:
    """Let an in-flight write finish (or fail) so what it committed is counted."""
    if pending is not None:
        try:
            pending.result()
        except Exception as exc:  # the caller is already raising the first failure
            log.debug("the last write also failed: %s", exc)


@dataclass
class _Plan:
    items: list[tuple[Article, str, list[Chunk]]]
    new: list[Chunk]                # to embed
    vec_of: dict[str, list[float]]
    stale: list[str]
    reused: list[Chunk] = field(default_factory=list)  # stored already: rewritten, not embedded

    def __bool__(self) -> bool:
        return bool(self.items)


def _taken(article_id: str, holder: str) -> str:
    return (f"id {article_id!r} already belongs to a record of {holder}; skipped (ids must be "
            "unique across files: give this record another id, or remove the stored one with "
            f"`newsdesk index remove {article_id}`)")


def _claim_ids(batch: list[Article], store: IndexStore, warnings: list[tuple[str, str]],
               renames: dict[str, tuple[str, str]], failed: list[tuple[str, str]]
               ) -> tuple[list[Article], dict[str, Any]]:
    """Give every article of ``batch`` an id no *other* source holds in the store.

    The same source identity (or identical content) may replace or match a stored article;
    a different source with the same readable id gets ``id-<hash of its source>`` and a
    warning, except a JSON record whose id a record of another file holds: its id is data
    (questions cite it), so it is refused with a line naming both files, as within one run.
    Records written before source keys existed keep the old rule (replace)."""
    records = store.article_records([a.id for a in batch])
    out: list[Article] = []
    notes = {a.id: renames[a.id] for a in batch if a.id in renames}  # renamed in this run
    for art in batch:
        rec = records.get(art.id)
        if rec is not None and rec.source_key and art.source_key and \
                rec.source_key != art.source_key and rec.fingerprint != art.fingerprint:
            holder = record_file(rec.source_key)
            if holder is not None and record_file(art.source_key) is not None:
                failed.append((art.origin or art.source_key, _taken(art.id, holder)))
                continue
            art, notes[art.id] = _rename(art, rec.source_key.partition(":")[2] or rec.source_key)
        out.append(art)
    moved = [i for i in notes if i not in records]
    if moved:
        records.update(store.article_records(moved))
    for new_id, note in notes.items():
        rec = records.get(new_id)
        if rec is None or rec.source_key != next(a.source_key for a in out if a.id == new_id):
            warnings.append(note)  # said once: when the article first takes its new id
    return out, records


def _prepare(batch: list[Article], store: IndexStore, counts: dict[str, int],
             failed: list[tuple[str, str]], warnings: list[tuple[str, str]],
             on_article: Callable[[Article, str], None] | None,
             renames: dict[str, tuple[str, str]], same: list[Article], *,
             defer: bool = False) -> _Plan | None:
    """Diff ``batch`` against the store, chunk it and embed only the passages not stored;
    the unchanged articles are added to ``same``. ``defer``: embed nothing (``plan.new`` is
    embedded elsewhere: ``index.distributed``)."""
    batch, records = _claim_ids(batch, store, warnings, renames, failed)
    todo = []
    for art in batch:
        rec = records.get(art.id)
        if rec is not None and rec.fingerprint == art.fingerprint:
            counts["unchanged"] += 1
            same.append(art)
            if on_article:
                on_article(art, "unchanged")
            continue
        todo.append((art, "updated" if rec is not None else "added"))
    if not todo:
        return None
    plans = []
    for art, status in todo:
        try:
            chunks = chunk_article(art)
        except Exception as exc:  # one article that cannot be chunked never costs the batch
            log.debug("chunking failed for %s", art.origin or art.id, exc_info=True)
            failed.append((art.origin or art.id, f"could not be split into passages "
                                                 f"({exc.__class__.__name__})"))
            continue
        if not chunks:
            failed.append((art.origin or art.id, "article has no text to index"))
            continue
        plans.append((art, status, chunks))
    # What is stored already: every chunk of an updated article (its stale ones go), and for
    # a new article the chunks an interrupted run wrote before its commit record (reused, not
    # re-embedded). The by-id lookup is much cheaper than a metadata filter on a big index.
    old_ids: dict[str, set[str]] = {a.id: set() for a, _, _ in plans}
    updated = [a.id for a, status, _ in plans if status == "updated"]
    if updated:
        for aid, cids in store.chunk_ids_of_articles(updated).items():
            old_ids[aid].update(cids)
    fresh = [c.id for _, status, cs in plans if status == "added" for c in cs]
    if fresh:
        for cid in store.existing_chunk_ids(fresh):
            old_ids[cid.rsplit(":", 2)[0]].add(cid)
    # A chunk id names its passage's text only: after an edit of the headline (embedded with
    # every passage) each passage is embedded again; after an edit of the date, source or
    # URL the stored vectors are reused and the passages rewritten with the new metadata.
    retitled = {a.id for a, status, _ in plans
                if status == "updated" and records[a.id].title != a.title}
    new = [c for _, _, cs in plans for c in cs
           if c.id not in old_ids[c.article_id] or c.article_id in retitled]
    vec_of = {} if defer else _embed(new, store, plans, failed)
    if not defer and len(vec_of) < len(new):  # an article could not be embedded: drop it
        bad = {c.article_id for c in new if c.id not in vec_of}
        plans = [p for p in plans if p[0].id not in bad]
        new = [c for c in new if c.article_id not in bad]
        if not plans:
            return None
    fresh_ids = {c.id for c in new}
    reused = [c for _, _, cs in plans for c in cs if c.id not in fresh_ids]
    if reused:
        vec_of.update(store.vectors_of([c.id for c in reused]))
    stale = [cid for art, _, cs in plans for cid in old_ids[art.id] - {c.id for c in cs}]
    return _Plan(plans, new, vec_of, stale, [c for c in reused if c.id in vec_of])


def _embed(new: list[Chunk], store: IndexStore, plans: list[tuple[Article, str, list[Chunk]]],
           failed: list[tuple[str, str]]) -> dict[str, list[float]]:
    """Vectors for ``new``; if the batch fails, article by article, so one article the model
    cannot take fails alone."""
    try:
        vectors = store.embeddings.embed_documents([embedding_text(c) for c in new])
        return {c.id: v for c, v in zip(new, vectors, strict=True)}
    except Exception as exc:
        log.warning("embedding a batch failed (%s); retrying article by article",
                    exc.__class__.__name__)
        log.debug("cause", exc_info=True)
    vec_of: dict[str, list[float]] = {}
    for art, _status, _chunks in plans:
        mine = [c for c in new if c.article_id == art.id]
        try:
            vectors = store.embeddings.embed_documents([embedding_text(c) for c in mine])
        except Exception as exc:
            log.debug("embedding failed for %s", art.origin or art.id, exc_info=True)
            failed.append((art.origin or art.id, f"could not be embedded "
                                                 f"({exc.__class__.__name__})"))
            continue
        vec_of.update({c.id: v for c, v in zip(mine, vectors, strict=True)})
    return vec_of


def _write(plan: _Plan, store: IndexStore, keyword: KeywordIndex | None,
           stories: StoryIndex | None, counts: dict[str, int],
           on_article: Callable[[Article, str], None] | None) -> None:
    """Write a prepared batch: new chunks, then stale deletions, then the keyword side (the
    batch's chunks in, its stale ones out: O(batch)) and the story signatures, then the commit
    records. A crash before the commit record re-does the article on the next run, keyword
    side and story included."""
    new, vec_of = plan.new, plan.vec_of
    out = [*new, *plan.reused]  # the reused ones carry this version's metadata
    store.write_chunks(
        [c.id for c in out], [vec_of[c.id] for c in out], [c.text for c in out],
        [dict(c.metadata) for c in out],
    )
    store.delete_chunks(plan.stale)
    if keyword is not None:
        keyword.apply([(c.id, c.text, c.metadata) for _, _, cs in plan.items for c in cs],
                      plan.stale)
    if stories is not None:
        stories.assign([art for art, _, _ in plan.items])
    commits = []
    for art, _status, chunks in plan.items:
        meta = {k: v for k, v in chunks[0].metadata.items()
                if k not in ("chunk_index", "start", "end")}
        meta["n_chunks"] = len(chunks)
        meta["origin"] = art.origin[:500]
        meta["source_key"] = art.source_key[:1000]
        commits.append((art.id, mean_vector([vec_of[c.id] for c in chunks]), meta))
    store.commit_articles(commits)
    for art, status, _chunks in plan.items:
        counts[status] += 1
        if on_article:
            on_article(art, status)
    counts["written"] += len(new)


def _progress(total: int, enabled: bool | None) -> Any:
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="article", desc="ingest", file=sys.stderr)
