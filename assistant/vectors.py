"""``VectorCache``: the question path's embeddings, memoised (questions repeat; sentences recur
across questions)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable


class VectorCache:
    """A small LRU of text -> embedding (questions repeat; sentences recur across questions)."""

    def __init__(self, embed: Callable[[list[str]], list[list[float]]], size: int = 20000,
                 embed_query: Callable[[str], list[float]] | None = None) -> None:
        self.embed = embed
        self.embed_query = embed_query
        self.size = size
        self.data: OrderedDict[str, list[float]] = OrderedDict()
        self.queries: OrderedDict[str, list[float]] = OrderedDict()
        self.lock = threading.Lock()

    def many(self, texts: list[str]) -> list[list[float]]:
        with self.lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self.data]
        if missing:
            vecs = self.embed(missing)
            with self.lock:
                for t, v in zip(missing, vecs, strict=True):
                    self.data[t] = v
                while len(self.data) > self.size:
                    self.data.popitem(last=False)
        with self.lock:
            return [self.data[t] for t in texts]

    def one(self, text: str) -> list[float]:
        """A question's vector: the embedder's query path (which may be more precise)."""
        if self.embed_query is None:
            return self.many([text])[0]
        with self.lock:
            hit = self.queries.get(text)
        if hit is None:
            hit = self.embed_query(text)
            with self.lock:
                self.queries[text] = hit
                while len(self.queries) > self.size:
                    self.queries.popitem(last=False)
        return hit
