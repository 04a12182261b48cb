"""How the facade reaches ``index/``: the one place a store is wired from ``Settings``.

Every face (the CLI, the web app, the evaluation) opens an index and ingests through these two
functions, or through ``Assistant.ingest`` which uses them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from assistant.settings import Settings
from index.errors import ConfigError, LoadError, NewsdeskError, StoreError

# an ingest rides out a store server's restart (a question fails fast instead): seconds it
# waits for a Milvus server that stops answering before it stops part way
INGEST_WAIT_S = 90.0

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from index.articles import Article
    from index.copy import CopyReport
    from index.pipeline import IngestReport
    from index.protocols import ArticleRecord, IndexStore, StoryMember



def open_index(settings: Settings, *, embeddings: Embeddings | None = None,
               server_wait_s: float | None = None) -> IndexStore:
    """The store ``settings`` names: a Chroma folder (created if missing) or server, or a
    Milvus Lite file or server, with the embedder ``settings.embeddings`` names unless
    ``embeddings`` is given (``server_wait_s``: see ``index.store.open_backend``)."""
    from index import open_store
    from index.embeddings import get_embeddings

    milvus = settings.backend == "milvus"
    return open_store(str(settings.index_dir), chroma_url=settings.chroma_url,
                      token=settings.milvus_token if milvus else settings.chroma_token,
                      embeddings=embeddings or get_embeddings(settings.embeddings),
                      backend=settings.backend,
                      milvus_uri=settings.milvus_uri_or_default if milvus else None,
                      server_wait_s=server_wait_s)


def ingest(sources: Iterable[str | Path] | Iterable[Article | LoadError], settings: Settings, *,
           store: IndexStore | None = None, progress: bool | None = None,
           on_article: Callable[[Article, str], None] | None = None,
           ray: str | None = None, ray_batch: int = 128, ray_actors: int = 1,
           ray_stall: float = 300.0) -> IngestReport:
    """Load, chunk, embed and store ``sources`` (paths, folders, URLs, or loaded articles) in
    the index ``settings`` names; the keyword side is brought up to date after. ``ray``: read
    and embed with Ray Data instead ("local" starts a local Ray; else a cluster address);
    ``ray_stall``: seconds without an embedded batch before that job is stopped part way."""
    if ray is not None:
        from index import distributed

        items = list(sources)
        paths = [s for s in items if isinstance(s, (str, Path))]
        if len(paths) != len(items):
            raise ConfigError("--ray ingests paths and URLs, not loaded articles")
        return distributed.ingest(
            paths, store if store is not None else
            open_index(settings, server_wait_s=INGEST_WAIT_S),
            embeddings=settings.embeddings, keyword_dir=settings.keyword_dir, address=ray,
            batch_size=ray_batch, actors=ray_actors, stall_s=ray_stall, on_article=on_article)
    from index.pipeline import ingest as run

    return run(sources, store if store is not None else
            open_index(settings, server_wait_s=INGEST_WAIT_S),
               keyword_dir=settings.keyword_dir, progress=progress, on_article=on_article)


def existing_index(settings: Settings) -> IndexStore:
    """The index ``settings`` names, which must exist already (``StoreError`` says how to make
    one otherwise)."""
    if not settings.exists:
        raise StoreError(f"no index at {settings.location}; create one with "
                         f"`newsdesk ingest PATH{index_flags(settings)}`")
    return open_index(settings)


def stats(store: IndexStore) -> dict[str, object]:
    """Article and chunk counts, date range, sources (``newsdesk index stats``)."""
    from index.stats import index_stats

    return index_stats(store)


def stories(settings: Settings, n: int = 10) -> list[list[StoryMember]]:
    """The ``n`` largest stories (near-duplicate copies of one article), largest first."""
    from index.stories import open_stories

    idx = open_stories(settings.keyword_dir, existing_index(settings))
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
    from index.keyword import KeywordIndex, native
    from index.stories import open_stories

    keyword = KeywordIndex(settings.keyword_dir) if native(store) is None else None
    stories = open_stories(settings.keyword_dir, store)
    out: list[tuple[str, int | NewsdeskError]] = []
    try:
        for aid in article_ids:
            ids = store.chunk_ids_of(aid)
            try:
                out.append((aid, store.remove_article(aid)))
            except NewsdeskError as exc:
                out.append((aid, exc))
                continue
            if keyword is not None:
                keyword.apply(remove=ids)
            stories.remove([aid])
    finally:
        stories.close()
    return out


def target(spec: str, like: Settings) -> Settings:
    """Settings for the index ``spec`` names: ``milvus:PATH.db``, ``milvus:http://HOST:19530``,
    ``chroma:DIR`` or ``chroma:http://HOST:PORT`` (the rest as in ``like``)."""
    kind, sep, where = spec.partition(":")
    if not sep or kind not in ("chroma", "milvus") or not where:
        raise ConfigError(f"--to {spec!r}: say milvus:PATH.db, milvus:http://HOST:19530, "
                          "chroma:DIR or chroma:http://HOST:PORT")
    base = like.model_dump() | {"backend": kind, "chroma_url": None, "milvus_uri": None}
    if kind == "milvus":
        base["milvus_uri"] = where
    elif where.startswith(("http://", "https://")):
        base["chroma_url"] = where
    else:
        base["index_dir"] = where
    try:
        return Settings(**base)
    except ValidationError as exc:
        raise ConfigError(f"--to {spec!r}: {exc.errors()[0]['msg']}") from exc


def copy(src: Settings, dst: Settings, *,
         progress: Callable[[int, int], None] | None = None) -> CopyReport:
    """Copy the index ``src`` names into the one ``dst`` names (vectors and all; nothing is
    embedded again), with its story signatures; ``dst``'s keyword side is brought in step."""
    from index.copy import copy_index
    from index.keyword import keyword_side
    from index.stories import open_stories

    if src.location == dst.location:
        raise ConfigError(f"--to names the index being copied ({src.location})")
    source = existing_index(src)
    dest = open_index(dst, embeddings=source.embeddings)
    report = copy_index(source, dest, progress=progress)
    if src.keyword_dir != dst.keyword_dir:
        stories = open_stories(src.keyword_dir, source)
        try:
            stories.copy_to(dst.keyword_dir)
        finally:
            stories.close()
    keyword_side(dest, dst.keyword_dir)
    return report


def index_flags(settings: Settings) -> str:
    """The command-line flags that name ``settings``' index (for messages)."""
    if settings.backend == "milvus":
        return f" --store milvus --milvus-uri {settings.location}"
    return f" --index {settings.index_dir}"


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
