"""News HTML: main text and metadata extracted with trafilatura (not hand-written regexes)."""

from __future__ import annotations

import re
from typing import Any

from index.articles import Article, derive_article_id, parse_date
from index.errors import LoadError
from index.loaders.common import looks_like_a_reference, stem_id

_MAX_DEPTH = 400  # deeper trees are pathological (and make lxml recurse badly)


# ``[^<>]*`` cannot run past the next ``<``, so each attempt ends at the next tag and the scan
# is linear even for ``<a <a <a ...`` with no ``>`` (``[^>]*`` made that quadratic).
_TAG = re.compile(r"<(/?)([a-zA-Z][\w:-]*)([^<>]*)>")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
         "source", "track", "wbr"}


def _depth_ok(text: str) -> bool:
    """False for pathologically nested markup (a bomb for parsers), checked before parsing."""
    depth = 0
    for m in _TAG.finditer(text):
        closing, name, selfclose = m.group(1), m.group(2).lower(), m.group(3).endswith("/")
        if name in _VOID or selfclose:
            continue
        depth += -1 if closing else 1
        if depth > _MAX_DEPTH:
            return False
    return True


def extract(html: str, *, url: str = "") -> dict[str, Any]:
    """Run trafilatura and return a plain dict (``text``, ``title``, ``date``, ...)."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, url=url or None, with_metadata=True, include_comments=False, favor_precision=True
    )
    if doc is None:
        return {}
    if hasattr(doc, "as_dict"):
        return dict(doc.as_dict())
    return dict(doc)


def load_html(html: str, *, origin: str, stem: str = "", url: str = "",
              source_key: str = "") -> Article:
    if looks_like_a_reference(html):
        raise LoadError(origin, "the file holds only a URL or a path, not an HTML page "
                        "(Newsdesk never fetches or opens what a file names)")
    if not _depth_ok(html):
        raise LoadError(origin, f"HTML nested deeper than {_MAX_DEPTH} levels; not an article page")
    try:
        meta = extract(html, url=url)
    except RecursionError as exc:
        raise LoadError(origin, "HTML too deeply nested to parse") from exc
    body = (meta.get("text") or "").strip()
    if len(body) < 40:
        raise LoadError(origin, "no article text found in the HTML page")
    title = (meta.get("title") or "").strip() or (stem.replace("_", " ") if stem else body[:80])
    page_url = url or (meta.get("url") or "")
    try:
        date = parse_date(meta.get("date"), source=origin)
    except LoadError:
        date = None  # a page's date meta is often junk; the article is still worth keeping
    authors = [a.strip() for a in (meta.get("author") or "").split(";") if a.strip()]
    art_id = stem_id(stem) if stem else derive_article_id(url=page_url, title=title, body=body)
    if not source_key:
        source_key = f"url:{page_url}" if page_url and not stem else f"id:{art_id}"
    return Article(
        id=art_id,
        title=title,
        body=body,
        date=date,
        source=(meta.get("sitename") or meta.get("hostname") or "").strip(),
        url=page_url,
        authors=tuple(authors),
        origin=origin,
        source_key=source_key,
    )
