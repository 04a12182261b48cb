"""How the facade reaches ``index/``: the one place a store is wired from ``Settings``.

Every face (the CLI, the web app, the evaluation) opens an index and ingests through these two
functions, or through ``Assistant.ingest`` which uses them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.settings import Settings
from index.errors import LoadError, NewsdeskError, StoreError

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from index.articles import Article
    from index.pipeline import IngestReport
    from index.protocols import ArticleRecord, IndexStore, StoryMember
    from index.store import NewsStore



def open_index(settings: Settings, *, embeddings: Embeddings | None = None) -> NewsStore:
    """The store ``settings`` names: a folder (created if missing) or a Chroma server, with
    the embedder ``settings.embeddings`` names unless ``embeddings`` is given."""
    from index import open_store
    from index.embeddings import get_embeddings

    return open_store(str(settings.index_dir), chroma_url=settings.chroma_url,
                      token=settings.chroma_token,
                      embeddings=embeddings or get_embeddings(settings.embeddings))


def ingest(sources: Iterable[str | Path] | Iterable[Article | LoadError], settings: Settings, *,
           store: IndexStore | None = None, progress: bool | None = None,
           on_article: Callable[[Article, str], None] | None = None) -> IngestReport:
    """Load, chunk, embed and store ``sources`` (paths, folders, URLs, or loaded articles) in
    the index ``settings`` names; the keyword side is brought up to date after."""
    from index.pipeline import ingest as run

    return run(sources, store if store is not None else open_index(settings),
               keyword_dir=settings.keyword_dir, progress=progress, on_article=on_article)


def existing_index(settings: Settings) -> NewsStore:
    """The index ``settings`` names, which must exist already (``StoreError`` says how to make
    one otherwise)."""
    if not settings.chroma_url and not settings.index_dir.is_dir():
        raise StoreError(f"no index at {settings.index_dir}; create one with "
                         f"`newsdesk ingest PATH --index {settings.index_dir}`")
    return open_index(settings)


def stats(store: IndexStore) -> dict[str, object]:
    """Article and chunk counts, date range, sources (``newsdesk index stats``)."""
    from index.stats import index_stats

    return index_stats(store)


def stories(settings: Settings, n: int = 10) -> list[list[StoryMember]]:
    """The ``n`` largest stories (near-duplicate copies of one article), largest first."""
    from index.stories import StoryIndex

    idx = StoryIndex(settings.keyword_dir)
    try:
        return idx.largest(n)
    finally:
        idx.close()


def articles(store: IndexStore) -> list[ArticleRecord]:
    """Every stored article's record (``newsdesk index list``)."""
    return list(store.iter_article_records())


def remove(store: IndexStore, settings: Settings, article_ids: Sequence[str]
           ) -> list[tuple[str, int | NewsdeskError]]:
    """Remove articles and their chunks; per id, the chunks removed or the error. The keyword
    side is brought up to date after."""
    from index.keyword import KeywordIndex
    from index.stories import StoryIndex

    keyword = KeywordIndex(settings.keyword_dir)
    stories = StoryIndex(settings.keyword_dir)
    out: list[tuple[str, int | NewsdeskError]] = []
    try:
        for aid in article_ids:
            ids = store.chunk_ids_of(aid)
            try:
                out.append((aid, store.remove_article(aid)))
            except NewsdeskError as exc:
                out.append((aid, exc))
                continue
            keyword.apply(remove=ids)
            stories.remove([aid])
    finally:
        stories.close()
    return out


def read_upload(path: Path, limit: int) -> bytes:
    """The bytes of an uploaded file: a regular file (no FIFO, device or link to one) of at
    most ``limit`` bytes; ``LoadError`` naming the file otherwise."""
    from index.loaders.common import open_regular

    try:
        with open_regular(path, path.name) as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise LoadError(path.name, f"cannot read upload ({exc.strerror or exc})") from exc
    if len(data) > limit:
        raise LoadError(path.name, f"over the {limit // 1_000_000} MB upload limit")
    return data
