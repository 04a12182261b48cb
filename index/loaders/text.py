"""Plain text (``.txt``) and Markdown with YAML front matter (``.md``)."""

from __future__ import annotations

import re
from typing import Any

from index.articles import Article, parse_date
from index.errors import LoadError
from index.loaders.common import normalise_newlines, stem_id

_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n?", re.S)


def load_text(text: str, *, origin: str, stem: str) -> Article:
    """First non-empty line is the title when it is short; the rest is the body."""
    text = normalise_newlines(text).strip()
    if not text:
        raise LoadError(origin, "file has no text")
    first, _, rest = text.partition("\n")
    if rest.strip() and len(first) <= 200:
        title, body = first.strip(), rest.strip("\n")
    else:
        title, body = stem.replace("_", " "), text
    return Article(id=stem_id(stem), title=title, body=body, origin=origin)


def load_markdown(text: str, *, origin: str, stem: str) -> Article:
    text = normalise_newlines(text)
    meta: dict[str, Any] = {}
    m = _FRONT.match(text)
    if m:
        import yaml

        try:
            loaded = yaml.safe_load(m.group(1)) or {}
        except yaml.YAMLError as exc:
            reason = f"front matter is not valid YAML ({exc.__class__.__name__})"
            raise LoadError(origin, reason) from None
        if not isinstance(loaded, dict):
            raise LoadError(origin, "front matter must be a YAML mapping")
        meta = loaded
        text = text[m.end():]
    body = text.strip("\n").rstrip()
    title = str(meta.get("title") or "").strip()
    if not title:
        h = re.match(r"\s*#\s+(.+)\n", body)
        if h:
            title = h.group(1).strip()
            body = body[h.end():].strip("\n")
        else:
            title = stem.replace("_", " ")
    if not body.strip():
        raise LoadError(origin, "markdown file has no body text")
    authors = meta.get("authors") or meta.get("author") or meta.get("byline") or ()
    if isinstance(authors, str):
        authors = [authors]
    return Article(
        id=stem_id(str(meta.get("id") or stem)),
        title=title,
        body=body,
        date=parse_date(meta.get("date") or meta.get("published_date"), source=origin),
        source=str(meta.get("source") or ""),
        url=str(meta.get("url") or ""),
        authors=tuple(str(a) for a in authors),
        origin=origin,
    )
