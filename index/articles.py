"""The data that crosses the ingest boundary: ``Article`` and ``Chunk``, and id derivation."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from index.errors import LoadError
from index.text import CONTROL_CHARS, FORMAT_CHARS

MAX_TITLE = 1000
_SURROGATE = re.compile("[\ud800-\udfff]")
_DATE_PATTERNS = ("%Y-%m-%d", "%Y/%m/%d", "%d %B %Y", "%B %d, %Y", "%b %d, %Y", "%d %b %Y")


def content_hash(text: str) -> str:
    """A short stable hash of ``text`` (sha256, 16 hex chars)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def slugify(text: str, max_len: int = 60) -> str:
    """A filesystem- and id-safe slug."""
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", norm).strip("-").lower()
    return slug[:max_len] or "article"


def parse_date(value: object, *, source: str = "input") -> str | None:
    """Normalise a date-ish value to ``YYYY-MM-DD``; ``None`` stays ``None``.

    Raises ``LoadError`` for a value that is present but not a date, so the caller can name it.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        raise LoadError(source, f"date {value!r} is not a string (expected YYYY-MM-DD)")
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    for pattern in _DATE_PATTERNS:
        try:
            return datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    try:
        from email.utils import parsedate_to_datetime

        return parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError) as exc:
        raise LoadError(source, f"unparseable date {text!r} (expected YYYY-MM-DD)") from exc


def date_to_epoch(iso: str | None) -> int:
    """Days-precision epoch seconds for Chroma range filters; 0 when the date is unknown."""
    if not iso:
        return 0
    d = date.fromisoformat(iso)
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())


_INVISIBLE = re.compile(f"[{CONTROL_CHARS}\r{FORMAT_CHARS}]")


@dataclass(frozen=True)
class Article:
    """One news article. ``body`` is the text every citation span points into."""

    id: str
    title: str
    body: str
    date: str | None = None
    source: str = ""
    url: str = ""
    authors: tuple[str, ...] = ()
    origin: str = ""  # the file/URL it was loaded from (for reports, not identity)
    # What the article *is* (``file:<absolute path>``, ``id:<explicit id>``, ``url:<url or
    # guid>``): the same key replaces, a different key never does (see index.pipeline).
    source_key: str = ""

    def __post_init__(self) -> None:
        where = self.origin or self.id or "article"
        # Bidi overrides, zero-width and control characters in a headline or outlet name can
        # reorder or hide what a reader sees ("gpj.exe" shown as "exe.jpg"): they go. A body
        # keeps its characters: citations point into it by offset.
        for name in ("title", "source"):
            value = getattr(self, name)
            clean = _INVISIBLE.sub("", value)
            if clean != value:
                object.__setattr__(self, name, " ".join(clean.split()))
        if not self.id or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,199}", self.id):
            raise LoadError(where, f"invalid article id {self.id!r}")
        if not self.body.strip():
            raise LoadError(where, "article has no body text")
        for name, value, limit in (("title", self.title, MAX_TITLE), ("source", self.source, 300),
                                   ("url", self.url, 2048)):
            if len(value) > limit:
                raise LoadError(where, f"{name} is {len(value):,} characters (the limit is "
                                f"{limit:,}); is the metadata right?")
        if len(self.authors) > 100 or any(len(a) > 300 for a in self.authors):
            raise LoadError(where, "authors list is too long (at most 100 names of 300 "
                            "characters)")
        for name, value in (("body", self.body), ("title", self.title), ("source", self.source),
                            ("url", self.url), *(("authors", a) for a in self.authors)):
            if _SURROGATE.search(value):
                raise LoadError(where, f"{name} holds an unpaired UTF-16 surrogate (e.g. a "
                                "'\\ud800' escape), which is not text; fix the source")

    @property
    def fingerprint(self) -> str:
        """Hash of everything that ends up in the index; a change means re-chunking."""
        meta = "\x1f".join([self.title, self.date or "", self.source, self.url, *self.authors])
        return content_hash(meta + "\x1e" + self.body)


MetaValue = str | int | float | bool
"""A value in a stored chunk's metadata (what a vector store's metadata can hold)."""
Meta = Mapping[str, MetaValue]
"""A stored chunk's metadata: article id, title, date, date_epoch, source, url, start, end, ..."""


@dataclass(frozen=True)
class Chunk:
    """A passage of an article: ``article.body[start:end] == text``."""

    id: str
    article_id: str
    index: int
    text: str
    start: int
    end: int
    metadata: dict[str, str | int] = field(default_factory=dict, compare=False, hash=False)


def chunk_id(article_id: str, index: int, text: str) -> str:
    """Content-derived chunk id: re-ingesting the same text yields the same id."""
    return f"{article_id}:{index}:{content_hash(text)[:12]}"


def derive_article_id(*, url: str = "", title: str = "", body: str = "") -> str:
    """An id for an article that has none: its URL if known, else title + body."""
    basis = url.strip() or (title.strip() + "\n" + body.strip())
    return "a-" + content_hash(basis)


RECORD_PREFIX = "rec:"
_RECORD_SEP = "\x1f"  # between file and id: a path or an id may hold any printable character


def record_key(source: str, article_id: str) -> str:
    """The identity of a JSON record: its file and its id."""
    return f"{RECORD_PREFIX}{source}{_RECORD_SEP}{article_id}"


def record_file(source_key: str) -> str | None:
    """The file a record's ``source_key`` names (``None`` for any other source)."""
    if not source_key.startswith(RECORD_PREFIX):
        return None
    return source_key[len(RECORD_PREFIX):].partition(_RECORD_SEP)[0]
