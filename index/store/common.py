"""What every store backend shares: the stored-vector cache and the article vector."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from index.protocols import ArticleRecord

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

VECTOR_CACHE = 50_000  # stored vectors kept in memory (float32: ~80 MB at 384 dimensions)


class VectorCache:
    """Stored vectors by chunk id, bounded, least recently used out first.

    An id names its content, so its vector never changes while the id exists: a question
    limited to "this week" ranks that week's passages exactly, and the next question about the
    same week should not fetch them from the database again. Writes and deletes drop ids."""

    def __init__(self, limit: int = VECTOR_CACHE) -> None:
        self.limit = limit
        self._data: OrderedDict[str, Any] = OrderedDict()

    def get(self, ids: Sequence[str], fetch: Callable[[list[str]], dict[str, Sequence[float]]]
            ) -> dict[str, list[float]]:
        """The vector of each id in ``ids`` that exists; ``fetch`` reads the missing ones."""
        return {i: v.tolist() for i, v in self._rows(ids, fetch)}

    def matrix(self, ids: Sequence[str], fetch: Callable[[list[str]], dict[str, Sequence[float]]]
               ) -> tuple[list[str], NDArray[np.float32]]:
        """The ids of ``ids`` that exist and their vectors as the rows of one float32 matrix
        (no per-vector Python lists: ranking a week's passages exactly stays a matrix
        product)."""
        import numpy as np

        rows = self._rows(ids, fetch)
        if not rows:
            return [], np.zeros((0, 0), np.float32)
        return [i for i, _ in rows], np.stack([v for _, v in rows])

    def _rows(self, ids: Sequence[str], fetch: Callable[[list[str]], dict[str, Sequence[float]]]
              ) -> list[tuple[str, NDArray[np.float32]]]:
        if not ids:
            return []
        import numpy as np

        cache = self._data
        missing = [i for i in ids if i not in cache]
        if missing:
            for i, v in fetch(missing).items():
                cache[i] = np.asarray(v, dtype=np.float32)
        out = []
        for i in ids:
            got = cache.get(i)
            if got is not None:
                cache.move_to_end(i)
                out.append((i, got))
        while len(cache) > self.limit:
            cache.popitem(last=False)
        return out

    def fill(self, rows: Iterable[tuple[str, Sequence[float]]]) -> int:
        """Put ``rows`` of ``(id, vector)`` in the cache, up to its limit; how many went in."""
        import numpy as np

        n = 0
        for i, v in rows:
            if len(self._data) >= self.limit:
                break
            self._data[i] = np.asarray(v, dtype=np.float32)
            n += 1
        return n

    def drop(self, ids: Sequence[str]) -> None:
        for cid in ids:
            self._data.pop(cid, None)

    def __len__(self) -> int:
        return len(self._data)


def mean_vector(vectors: list[list[float]]) -> list[float]:
    """The unit-length mean of ``vectors`` (an article's vector from its chunks')."""
    dim = len(vectors[0])
    acc = [0.0] * dim
    for v in vectors:
        for j, x in enumerate(v):
            acc[j] += x
    norm = math.sqrt(sum(x * x for x in acc)) or 1.0
    return [x / norm for x in acc]


def article_record(i: str, m: dict[str, Any] | None) -> ArticleRecord:
    """An article's stored metadata as an ``ArticleRecord``."""
    m = m or {}
    return ArticleRecord(
        id=i, fingerprint=str(m.get("article_hash", "")), n_chunks=int(m.get("n_chunks", 0)),
        title=str(m.get("title", "")), date=str(m.get("date", "")), source=str(m.get("source", "")),
        source_key=str(m.get("source_key", "")),
    )
