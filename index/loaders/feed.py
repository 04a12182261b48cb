"""RSS/Atom feeds and http(s) article URLs (feedparser + the HTML loader)."""

from __future__ import annotations

import logging
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from index.articles import Article, derive_article_id, parse_date
from index.errors import LoadError
from index.loaders.common import MAX_FILE_BYTES, looks_like_a_reference, read_text
from index.loaders.html import extract, load_html

TIMEOUT_S = 15.0
_MIN_BODY = 400  # shorter feed content is a teaser: fetch the linked page for the full text

log = logging.getLogger(__name__)


def looks_like_feed(text: str) -> bool:
    head = text[:2048].lstrip("\ufeff \t\r\n").lower()
    return bool(re.match(r"(<\?xml[^>]*>\s*)?((<!--.*?-->|<!doctype[^>\[]*>)\s*)*"
                         r"<(rss|feed|rdf:rdf)\b", head, re.S))


@dataclass(frozen=True)
class Fetched:
    """One HTTP response: 200 with a body, or 304 (not modified since ``etag``/``modified``)."""

    status: int
    data: bytes = b""
    content_type: str = ""
    etag: str | None = None
    modified: str | None = None


def fetch_conditional(url: str, *, etag: str | None = None, modified: str | None = None,
                      timeout: float = TIMEOUT_S) -> Fetched:
    """GET ``url`` with a timeout and a size cap, conditional on ``etag``/``modified`` (the
    ETag and Last-Modified of the last 200 response)."""
    if not url.startswith(("http://", "https://")):
        raise LoadError(url, "only http:// and https:// URLs are fetched")
    headers = {"User-Agent": "newsdesk/0.1 (+offline-first)"}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    req = urllib.request.Request(url, headers=headers)
    try:
        # http/https only: the scheme was checked above
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            data = resp.read(MAX_FILE_BYTES + 1)
            got = Fetched(200, data, resp.headers.get("Content-Type", ""),
                          resp.headers.get("ETag"), resp.headers.get("Last-Modified"))
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Fetched(304, etag=etag, modified=modified)
        raise LoadError(url, f"HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise LoadError(url, f"cannot fetch ({reason})") from exc
    if len(got.data) > MAX_FILE_BYTES:
        raise LoadError(url, "response is over the size limit")
    return got


def fetch(url: str) -> tuple[bytes, str]:
    """GET ``url`` with a timeout and a size cap; returns ``(body, content_type)``."""
    got = fetch_conditional(url)
    return got.data, got.content_type


def load_url(url: str) -> Iterator[Article | LoadError]:
    """A feed URL yields its entries; any other URL is loaded as one article page."""
    data, ctype = fetch(url)
    yield from load_response(url, data, ctype)


def load_response(url: str, data: bytes, ctype: str) -> Iterator[Article | LoadError]:
    """The articles of a response from ``url``: a feed's entries (their linked pages fetched
    when the entry is a teaser), or the page itself."""
    text, _ = read_text(data, url)
    if "rss" in ctype or "atom" in ctype or looks_like_feed(text):
        yield from load_feed_text(text, origin=url, fetch_links=True)
    else:
        yield load_html(text, origin=url, url=url)


_DECLS = re.compile(r"<!ENTITY\b|<!DOCTYPE[^>]*\[", re.I)  # entity declarations, internal subsets


def load_feed_text(text: str, *, origin: str, fetch_links: bool) -> Iterator[Article | LoadError]:
    """The entries of the RSS/Atom document ``text`` (already read: this never opens a name).

    ``feedparser.parse`` *opens* a string that looks like a URL or an existing path, so it is
    only ever given an in-memory stream. Document type and entity declarations (external
    entities, "billion laughs") have no place in a news feed and are refused outright.
    """
    import io

    import feedparser

    if looks_like_a_reference(text):
        raise LoadError(origin, "not a valid RSS/Atom feed: the file holds only a URL or a path "
                        "(Newsdesk never fetches or opens what a file names)")
    if _DECLS.search(text):
        raise LoadError(origin, "not accepted: the feed declares entities (external entities "
                        "and entity expansion are refused)")
    if not looks_like_feed(text):
        raise LoadError(origin, "not a valid RSS/Atom feed (no <rss>, <feed> or <rdf:RDF> root)")
    parsed = feedparser.parse(io.BytesIO(text.encode("utf-8")))
    if not parsed.entries:
        raise LoadError(origin, "feed has no entries" if parsed.get("version") else
                        "not a valid RSS/Atom feed")
    feed_title = parsed.feed.get("title", "")
    for i, entry in enumerate(parsed.entries, 1):
        where = f"{origin} entry {i}"
        try:
            yield _entry_article(entry, feed_title, where, fetch_links)
        except LoadError as exc:
            yield exc


def _entry_article(entry: Any, feed_title: str, where: str, fetch_links: bool) -> Article:
    link = entry.get("link", "")
    content = ""
    if entry.get("content"):
        content = entry.content[0].get("value", "")
    content = content or entry.get("summary", "")
    body = _html_to_text(content) if "<" in content else content.strip()
    if len(body) < _MIN_BODY and fetch_links and link.startswith(("http://", "https://")):
        try:
            data, _ = fetch(link)
            page, _ = read_text(data, link)
            full = load_html(page, origin=link, url=link)
            body = full.body if len(full.body) > len(body) else body
        except LoadError as exc:  # keep the feed's own text; a teaser is better than nothing
            log.info("%s: linked page not used (%s); keeping the feed's text", where, exc.reason)
    if not body.strip():
        raise LoadError(where, "feed entry has no text")
    title = entry.get("title", "").strip() or body[:80]
    raw_date = entry.get("published") or entry.get("updated")
    try:
        date = parse_date(raw_date, source=where)
    except LoadError as exc:
        log.debug("%s: %s; stored undated", where, exc.reason)
        date = None
    guid = entry.get("id") or link
    authors = [a.get("name", "") for a in entry.get("authors", []) if a.get("name")]
    art_id = derive_article_id(url=guid, title=title, body=body)
    return Article(
        id=art_id,
        source_key=f"url:{guid}" if guid else f"id:{art_id}",
        title=title,
        body=body,
        date=date,
        source=feed_title,
        url=link,
        authors=tuple(authors),
        origin=where,
    )


def _html_to_text(fragment: str) -> str:
    meta = extract(f"<html><body><article>{fragment}</article></body></html>")
    text = (meta.get("text") or "").strip()
    if text:
        return text
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()
