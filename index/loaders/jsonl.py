"""JSONL (one article per line) and JSON (an object or a list of objects).

Records look like the RealTime QA corpus: ``id``, ``title``, ``source``, ``published_date``,
``authors``, ``url``, ``body``. A bad record is reported by line number; the rest still load.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from index.articles import Article, derive_article_id, parse_date, record_key
from index.errors import LoadError

log = logging.getLogger(__name__)
MAX_DEPTH = 64  # an article record is two levels deep; thousands of levels is an attack

_BODY_KEYS = ("body", "text", "content", "article")
_DATE_KEYS = ("published_date", "date", "published", "pubDate")


def load_jsonl_stream(fh: BinaryIO, *, origin: str, limit: int, source: str = ""
                      ) -> Iterator[Article | LoadError]:
    """Records of an open JSONL file, read line by line (a corpus can be gigabytes), stopping
    with an error once more than ``limit`` bytes were read. ``source`` is the file's identity
    (its absolute path; default ``origin``): a record's identity is that file and its id."""
    head = fh.read(8192)
    if not head.strip():
        raise LoadError(origin, "file is empty")
    if b"\x00" in head:
        raise LoadError(origin, "binary file (contains NUL bytes), not JSONL")
    fh.seek(0)

    def lines() -> Iterator[tuple[int, bytes]]:
        total = 0
        for lineno, raw in enumerate(fh, 1):
            total += len(raw)
            if total > limit:
                raise LoadError(origin, f"file is over the {limit / 1e6:.0f} MB limit for "
                                f"JSONL (stopped at line {lineno}; the lines before it were read)")
            yield lineno, raw

    yield from _records(lines(), origin=origin, source=source or origin)


def _too_deep(raw: bytes) -> bool:
    """Nesting deeper than MAX_DEPTH, found in linear time before any decoding (the decoder
    recurses and would hit Python's recursion limit)."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return False
    depth = 0
    in_str = esc = False
    for ch in raw:
        if in_str:
            if esc:
                esc = False
            elif ch == 0x5C:  # backslash
                esc = True
            elif ch == 0x22:  # quote
                in_str = False
        elif ch == 0x22:
            in_str = True
        elif ch in (0x5B, 0x7B):
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif ch in (0x5D, 0x7D):
            depth -= 1
    return False


def load_jsonl_bytes(data: bytes, *, origin: str, source: str = ""
                     ) -> Iterator[Article | LoadError]:
    """Records of an in-memory JSON or JSONL file (an upload); ``source`` as above."""
    source = source or origin
    if not data.strip():
        raise LoadError(origin, "file is empty")
    if b"\x00" in data[:8192]:
        raise LoadError(origin, "binary file (contains NUL bytes), not JSON")
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if origin.lower().endswith(".json") or stripped[:1] == b"[":
        if _too_deep(stripped):
            raise LoadError(origin, f"JSON nested deeper than {MAX_DEPTH} levels; not article "
                            "records")
        try:
            value = json.loads(stripped.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise LoadError(origin, f"not valid JSON ({exc})") from exc
        except RecursionError as exc:
            raise LoadError(origin, "JSON nested too deeply to read") from exc
        items = value if isinstance(value, list) else [value]
        if not items:
            raise LoadError(origin, "the JSON list holds no records")
        for i, rec in enumerate(items, 1):
            yield _guarded(rec, f"{origin} item {i}", source)
        return
    yield from _records(enumerate(data.splitlines(), 1), origin=origin, source=source)


def _records(lines: Iterable[tuple[int, bytes]], *, origin: str, source: str
             ) -> Iterator[Article | LoadError]:
    seen: dict[str, int] = {}
    for lineno, raw in lines:
        where = f"{origin} line {lineno}"
        if lineno == 1:
            raw = raw.lstrip(b"\xef\xbb\xbf")
        if not raw.strip():
            continue
        if _too_deep(raw):
            yield LoadError(where, f"JSON nested deeper than {MAX_DEPTH} levels; not an article "
                            "record")
            continue
        try:
            rec = json.loads(raw)
        except UnicodeDecodeError:
            yield LoadError(where, "line is not valid UTF-8")
            continue
        except json.JSONDecodeError as exc:
            yield LoadError(where, f"malformed JSON ({exc.msg} at column {exc.colno})")
            continue
        except RecursionError:
            yield LoadError(where, "JSON nested too deeply to read")
            continue
        result = _guarded(rec, where, source)
        if isinstance(result, Article):
            if result.id in seen:
                yield LoadError(where, f"duplicate id {result.id!r} (first on line "
                                f"{seen[result.id]}); skipped")
                continue
            seen[result.id] = lineno
        yield result


def _guarded(rec: Any, where: str, source: str) -> Article | LoadError:
    """One record's article, or the one-line error that names it (never an exception: one bad
    record must not cost the records after it)."""
    try:
        return record_to_article(rec, where, source=source)
    except LoadError as exc:
        return exc
    except Exception as exc:  # an unforeseen bad record: name it, keep going, keep the cause
        log.debug("unexpected failure reading %s", where, exc_info=True)
        return LoadError(where, f"record could not be read ({exc.__class__.__name__}: "
                         f"{str(exc)[:120]})")


def record_to_article(rec: Any, where: str, *, source: str = "") -> Article:
    """Map one JSON object to an ``Article``; raise ``LoadError`` naming the bad field.

    Its identity (``source_key``) is ``record_key(source, id)``: the same id in another file is
    another source, which ingest refuses rather than let it replace this one."""
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
        source_key=record_key(source, art_id) if source else f"id:{art_id}",
        title=title,
        body=body.replace("\r\n", "\n").strip(),
        date=parse_date(date_value, source=where),
        source=rec.get("source") or "",
        url=url,
        authors=tuple(str(a) for a in authors),
        origin=where,
    )
