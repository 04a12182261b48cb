"""JSONL (one article per line) and JSON (an object or a list of objects).

Records look like the RealTime QA corpus: ``id``, ``title``, ``source``, ``published_date``,
``authors``, ``url``, ``body``. A bad record is reported by line number; the rest still load.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from index.articles import Article, derive_article_id, parse_date
from index.errors import LoadError

_BODY_KEYS = ("body", "text", "content", "article")
_DATE_KEYS = ("published_date", "date", "published", "pubDate")


def load_jsonl(path: Path) -> Iterator[Article | LoadError]:
    if path.suffix.lower() == ".json":
        yield from load_jsonl_bytes(path.read_bytes(), origin=str(path))
        return
    with path.open("rb") as fh:
        head = fh.read(8192)
        if not head.strip():
            raise LoadError(str(path), "file is empty")
        if b"\x00" in head:
            raise LoadError(str(path), "binary file (contains NUL bytes), not JSONL")
        fh.seek(0)
        yield from _records(enumerate(fh, 1), origin=str(path))


def load_jsonl_bytes(data: bytes, *, origin: str) -> Iterator[Article | LoadError]:
    if not data.strip():
        raise LoadError(origin, "file is empty")
    if b"\x00" in data[:8192]:
        raise LoadError(origin, "binary file (contains NUL bytes), not JSON")
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if origin.lower().endswith(".json") or stripped[:1] == b"[":
        try:
            value = json.loads(stripped.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise LoadError(origin, f"not valid JSON ({exc})") from None
        items = value if isinstance(value, list) else [value]
        for i, rec in enumerate(items, 1):
            yield _guarded(rec, f"{origin} item {i}")
        return
    yield from _records(enumerate(data.splitlines(), 1), origin=origin)


def _records(lines: Any, *, origin: str) -> Iterator[Article | LoadError]:
    seen: dict[str, int] = {}
    for lineno, raw in lines:
        where = f"{origin} line {lineno}"
        if lineno == 1:
            raw = raw.lstrip(b"\xef\xbb\xbf")
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw)
        except UnicodeDecodeError:
            yield LoadError(where, "line is not valid UTF-8")
            continue
        except json.JSONDecodeError as exc:
            yield LoadError(where, f"malformed JSON ({exc.msg} at column {exc.colno})")
            continue
        result = _guarded(rec, where)
        if isinstance(result, Article):
            if result.id in seen:
                yield LoadError(where, f"duplicate id {result.id!r} (first on line "
                                f"{seen[result.id]}); skipped")
                continue
            seen[result.id] = lineno
        yield result


def _guarded(rec: Any, where: str) -> Article | LoadError:
    try:
        return record_to_article(rec, where)
    except LoadError as exc:
        return exc


def record_to_article(rec: Any, where: str) -> Article:
    """Map one JSON object to an ``Article``; raise ``LoadError`` naming the bad field."""
    if not isinstance(rec, dict):
        raise LoadError(where, f"record is a {type(rec).__name__}, expected a JSON object")
    body = next((rec[k] for k in _BODY_KEYS if rec.get(k) is not None), None)
    if body is None:
        raise LoadError(where, f"record has no body (expected one of {', '.join(_BODY_KEYS)})")
    if not isinstance(body, str):
        raise LoadError(where, f"'body' is a {type(body).__name__}, expected a string")
    if not body.strip():
        raise LoadError(where, "record body is empty")
    for key in ("title", "source", "url"):
        if rec.get(key) is not None and not isinstance(rec[key], str):
            raise LoadError(where, f"{key!r} is a {type(rec[key]).__name__}, expected a string")
    title = (rec.get("title") or "").strip() or body.strip().split("\n", 1)[0][:120]
    url = rec.get("url") or ""
    raw_id = rec.get("id")
    if raw_id is not None and not isinstance(raw_id, (str, int)):
        raise LoadError(where, f"'id' is a {type(raw_id).__name__}, expected a string")
    art_id = str(raw_id) if raw_id not in (None, "") else \
        derive_article_id(url=url, title=title, body=body)
    date_value = next((rec[k] for k in _DATE_KEYS if rec.get(k)), None)
    authors = rec.get("authors") or rec.get("author") or []
    if isinstance(authors, str):
        authors = [authors]
    if not isinstance(authors, list):
        raise LoadError(where, f"'authors' is a {type(authors).__name__}, expected a list")
    return Article(
        id=art_id,
        title=title,
        body=body.replace("\r\n", "\n").strip(),
        date=parse_date(date_value, source=where),
        source=rec.get("source") or "",
        url=url,
        authors=tuple(str(a) for a in authors),
        origin=where,
    )
