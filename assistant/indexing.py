"""How the facade reaches ``index/``: the one place a store is wired from ``Settings``.

Every face (the CLI, the web app, the evaluation) opens an index and ingests through these two
functions, or through ``Assistant.ingest`` which uses them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.settings import Settings

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from index.articles import Article
    from index.errors import LoadError
    from index.pipeline import IngestReport
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
           store: NewsStore | None = None, progress: bool | None = None,
           on_article: Callable[[Article, str], None] | None = None) -> IngestReport:
    """Load, chunk, embed and store ``sources`` (paths, folders, URLs, or loaded articles) in
    the index ``settings`` names; the keyword side is brought up to date after."""
    from index.pipeline import ingest as run

    return run(sources, store if store is not None else open_index(settings),
               keyword_dir=settings.keyword_dir, progress=progress, on_article=on_article)
