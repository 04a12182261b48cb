"""Copy an index from one store to another without embedding anything again.

``newsdesk index copy --to milvus:PATH`` moves a Chroma index to Milvus (or back): chunks with
their stored vectors first, then the article records (the commit markers), page by page, so an
interrupted copy is finished by running it again (every write is an upsert by id).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from index.protocols import IndexStore

log = logging.getLogger(__name__)

PAGE = 2000


@dataclass(frozen=True)
class CopyReport:
    """What one copy wrote."""

    chunks: int
    articles: int


def copy_index(src: IndexStore, dst: IndexStore, *, page: int = PAGE,
               progress: Callable[[int, int], None] | None = None) -> CopyReport:
    """Copy every chunk (text, metadata, vector) and article record of ``src`` into ``dst``.

    Articles are copied after all chunks, so ``dst`` never holds a committed article whose
    chunks are missing. ``progress(done, total)`` is called after each page of chunks."""
    ids = src.all_chunk_ids()
    done = 0
    for i in range(0, len(ids), page):
        part = ids[i:i + page]
        rows = src.get_chunks(part)
        vecs = src.vectors_of(part)
        keep = [cid for cid in part if cid in rows and cid in vecs]
        if len(keep) < len(part):
            log.warning("%d chunks vanished from %s during the copy", len(part) - len(keep),
                        src.location)
        dst.write_chunks(keep, [vecs[c] for c in keep], [rows[c][0] for c in keep],
                         [rows[c][1] for c in keep])
        done += len(keep)
        if progress:
            progress(done, len(ids))
    records = [r.id for r in src.iter_article_records()]
    n = 0
    for i in range(0, len(records), page):
        got = src.article_rows(records[i:i + page])
        dst.commit_articles([(aid, vec, meta) for aid, (vec, meta) in got.items()])
        n += len(got)
    dst.flush()
    return CopyReport(chunks=done, articles=n)
