"""RSS/Atom feeds and http(s) article URLs (feedparser + the HTML loader)."""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import logging
import re
import socket
import threading
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from index.articles import Article, derive_article_id, parse_date
from index.errors import LoadError
from index.loaders.common import GZIP_MAGIC, MAX_FILE_BYTES, looks_like_a_reference, read_text
from index.loaders.html import extract, load_html

TIMEOUT_S = 15.0   # one read
DEADLINE_S = 60.0  # one whole request, however the server trickles
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
                      timeout: float = TIMEOUT_S, deadline: float | None = None) -> Fetched:
    """GET ``url`` with a timeout and a size cap, conditional on ``etag``/``modified`` (the
    ETag and Last-Modified of the last 200 response).

    ``timeout`` bounds each read; ``deadline`` bounds the whole request: a server that sends
    one byte every few seconds never trips a per-read timeout, so when the deadline passes the
    connection is shut down under the blocked read and the request fails in one line.
    """
    if not url.startswith(("http://", "https://")):
        raise LoadError(url, "only http:// and https:// URLs are fetched")
    headers = {"User-Agent": "newsdesk/0.1 (+offline-first)"}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    req = urllib.request.Request(url, headers=headers)
    deadline = DEADLINE_S if deadline is None else deadline
    guard = _Deadline(deadline)
    try:
        # http/https only: the scheme was checked above
        with guard.opener().open(req, timeout=timeout) as resp:
            data = _read_all(resp, MAX_FILE_BYTES + 1, guard)
            got = Fetched(200, data, resp.headers.get("Content-Type", ""),
                          resp.headers.get("ETag"), resp.headers.get("Last-Modified"))
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Fetched(304, etag=etag, modified=modified)
        if "infinite loop" in str(exc.reason):  # urllib's three-line text for a loop
            raise LoadError(url, f"redirect loop (HTTP {exc.code}): the server keeps "
                            "redirecting; check the URL") from exc
        raise LoadError(url, f"HTTP {exc.code} {_line(exc.reason)}") from exc
    except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as exc:
        if guard.expired:
            raise LoadError(url, f"no complete response within {deadline:.0f} s (the server "
                            "sends too slowly); skipped") from exc
        reason = getattr(exc, "reason", exc)
        raise LoadError(url, f"cannot fetch ({_line(reason)})") from exc
    finally:
        guard.cancel()
    if guard.expired:
        raise LoadError(url, f"no complete response within {deadline:.0f} s (the server sends "
                        "too slowly); skipped")
    if len(got.data) > MAX_FILE_BYTES:
        raise LoadError(url, "response is over the size limit")
    if got.data[:2] == GZIP_MAGIC:  # Content-Encoding: gzip, or a .gz file served as is
        got = dataclasses.replace(got, data=gunzip_capped(got.data, MAX_FILE_BYTES, url))
    return got


def gunzip_capped(data: bytes, limit: int, origin: str) -> bytes:
    """Decompress gzip ``data``, stopping at ``limit`` bytes (a "gzip bomb" is refused after
    reading no more than the cap, never expanded in memory)."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(data, limit + 1)
    except zlib.error as exc:
        raise LoadError(origin, f"gzip-compressed but damaged ({exc})") from exc
    if len(out) > limit or d.unconsumed_tail:
        raise LoadError(origin, f"decompresses to over the {limit / 1e6:.0f} MB limit (a gzip "
                        "bomb?); skipped")
    return out


def _line(reason: object) -> str:
    """An error reason in one line (urllib's redirect-loop text spans several)."""
    return " ".join(str(reason).split())


def _read_all(resp: Any, limit: int, guard: _Deadline) -> bytes:
    parts: list[bytes] = []
    size = 0
    while size < limit and not guard.expired:
        part = resp.read1(min(65536, limit - size))  # what has arrived, without waiting
        if not part:
            break
        parts.append(part)
        size += len(part)
    return b"".join(parts)


class _Deadline:
    """Shuts down the request's sockets when ``seconds`` have passed (a watchdog timer), so a
    read blocked on a trickling server returns at once."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._socks:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def track(self, sock: socket.socket) -> None:
        with self._lock:
            self._socks.append(sock)
            if self.expired:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()

    def opener(self) -> urllib.request.OpenerDirector:
        guard = self

        class Conn(http.client.HTTPConnection):
            def connect(self) -> None:
                super().connect()
                guard.track(self.sock)

        class TLSConn(http.client.HTTPSConnection):
            def connect(self) -> None:
                super().connect()
                guard.track(self.sock)

        class Plain(urllib.request.HTTPHandler):
            def http_open(self, req: urllib.request.Request) -> Any:
                return self.do_open(Conn, req)

        class TLS(urllib.request.HTTPSHandler):
            def https_open(self, req: urllib.request.Request) -> Any:
                return self.do_open(TLSConn, req)

        return urllib.request.build_opener(Plain, TLS)


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
    malformed = _malformed(parsed)
    got: list[Article | LoadError] = []
    for i, entry in enumerate(parsed.entries, 1):
        where = f"{origin} entry {i}"
        try:
            got.append(_entry_article(entry, feed_title, where, fetch_links))
        except LoadError as exc:
            got.append(LoadError(exc.source, f"{exc.reason}; the feed is not well-formed "
                                 f"({malformed})") if malformed else exc)
    if malformed and not any(isinstance(g, Article) for g in got):
        # a broken document, not entries without text: one line for the file
        raise LoadError(origin, f"not a well-formed RSS/Atom feed ({malformed}); fix or "
                        "re-export it")
    yield from got


def _malformed(parsed: Any) -> str | None:
    """What is wrong with a feed the XML parser rejected (feedparser then reads it loosely)."""
    import xml.sax

    exc = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if isinstance(exc, xml.sax.SAXParseException):
        return f"line {exc.getLineNumber()}: {exc.getMessage()}"
    return None


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
