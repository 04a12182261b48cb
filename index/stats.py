"""Index statistics: counts, date range, sources (from the article records)."""

from __future__ import annotations

from collections import Counter
from typing import Any


def index_stats(store: Any) -> dict[str, Any]:
    dates: list[str] = []
    sources: Counter[str] = Counter()
    for rec in store.iter_article_records():
        if rec.date:
            dates.append(rec.date)
        sources[rec.source or "(unknown)"] += 1
    return {
        "articles": store.count_articles(),
        "chunks": store.count_chunks(),
        "oldest": min(dates) if dates else None,
        "newest": max(dates) if dates else None,
        "sources": dict(sources.most_common()),
        "location": store.location,
    }
