"""``Filters``: what a search may return (dates, sources, articles left out).

Every search side applies the same test: the vector store translates it to its own filter
language (``index.store``), the keyword index to a mask, and ``accepts`` checks one chunk's
metadata in Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from index.articles import MetaValue


@dataclass(frozen=True)
class Filters:
    """Optional restrictions: inclusive epoch-second date bounds, allowed sources, articles
    to leave out (``exclude``: what ``newsdesk eval --hide-gold`` hides) and, when not empty,
    the only articles to search (``only``: a question's own search results in a pooled
    evaluation)."""

    since: int | None = None
    until: int | None = None
    sources: tuple[str, ...] = ()
    exclude: frozenset[str] = frozenset()
    only: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return self.since is not None or self.until is not None or bool(self.sources) or \
            bool(self.exclude) or bool(self.only)

    def accepts(self, meta: Mapping[str, MetaValue]) -> bool:
        """Whether a chunk with metadata ``meta`` passes (the same test as ``chroma_where``)."""
        epoch = meta.get("date_epoch")
        if self.since is not None and not (isinstance(epoch, int) and epoch >= self.since):
            return False
        if self.until is not None and not (isinstance(epoch, int) and epoch <= self.until):
            return False
        if self.exclude and meta.get("article_id") in self.exclude:
            return False
        if self.only and meta.get("article_id") not in self.only:
            return False
        return not self.sources or meta.get("source") in self.sources
