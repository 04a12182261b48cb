"""Shared helpers for loaders: safe reads, size limits, robust decoding, ids from file names.

Everything a loader sees is bytes it read itself from a *regular* file (never a FIFO, device or
socket), capped on the bytes actually read rather than on what ``stat`` claims. Nothing here
opens, fetches or resolves a name found inside a file.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from index.errors import LoadError

MAX_FILE_BYTES = int(float(os.environ.get("NEWSDESK_MAX_FILE_MB", "20")) * 1_000_000)
MAX_JSONL_BYTES = int(float(os.environ.get("NEWSDESK_MAX_JSONL_MB", "2000")) * 1_000_000)

GZIP_MAGIC = b"\x1f\x8b"
_ENCODED_SURROGATE = re.compile(rb"\xed[\xa0-\xbf][\x80-\xbf]")
_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"),
)


@contextmanager
def open_regular(path: str | os.PathLike[str], origin: str, *,
                 within: os.PathLike[str] | None = None) -> Iterator[BinaryIO]:
    """Open ``path`` for reading only if it is a regular file (and, with ``within``, one that
    lies inside that folder).

    ``O_NONBLOCK`` keeps a FIFO from blocking the open; the type is checked on the opened
    descriptor (``fstat``), so a file swapped for a FIFO or a device after a check is still
    refused. With ``within`` the last component is opened with ``O_NOFOLLOW`` and the path the
    *descriptor* points to is checked, so a file swapped for a link after the walk looked at it
    is refused too.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    if within is not None:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if within is not None and exc.errno == errno.ELOOP:
            raise LoadError(origin, "became a symbolic link while being read; not read") from exc
        raise
    try:
        if within is not None:
            _check_inside(fd, Path(within).resolve(), origin)
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a device" if
                    stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if
                    stat.S_ISSOCK(mode) else "not a regular file")
            raise LoadError(origin, f"{kind}, not a regular file; skipped")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        fh = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with fh:
        yield fh


def _check_inside(fd: int, root: Path, origin: str) -> None:
    """Refuse an opened file whose real path (from the descriptor) is not under ``root``."""
    link = Path(f"/proc/self/fd/{fd}")
    if not link.exists():  # no /proc (not Linux): the resolved-path check before the open stands
        return
    real = Path(os.readlink(link))
    if not real.is_relative_to(root):
        raise LoadError(origin, f"resolves to {real}, outside {root}; not read")


def read_capped(fh: BinaryIO, limit: int, origin: str) -> bytes:
    """Read at most ``limit`` bytes; more than that is an error (whatever ``stat`` said)."""
    data = fh.read(limit + 1)
    if len(data) > limit:
        raise LoadError(origin, f"file is over the {limit / 1e6:.0f} MB limit for this format")
    return data


def read_text(data: bytes, origin: str) -> tuple[str, str | None]:
    """Decode bytes as text. Returns ``(text, warning)``; raises ``LoadError`` for non-text.

    UTF-8 (with or without BOM) is expected, UTF-16/32 are read when they carry a BOM;
    cp1252/latin-1 text is accepted with a warning, because news archives are full of it and
    refusing it would lose articles. Bytes that decode to no plausible text are refused.
    """
    if not data.strip():
        raise LoadError(origin, "file is empty")
    if data[:2] == GZIP_MAGIC:
        raise LoadError(origin, "gzip-compressed, not text: decompress it first (gunzip)")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(enc).lstrip("\ufeff")
            except UnicodeDecodeError as exc:
                raise LoadError(origin, f"starts with a {enc.upper()} byte-order mark but is "
                                "not valid in that encoding") from exc
            _check_controls(text, origin)
            return text, None
    head = data[:8192]
    if b"\x00" in head:
        raise LoadError(origin, "binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8")
        _check_controls(text, origin)
        return text, None
    except UnicodeDecodeError:
        pass
    if _ENCODED_SURROGATE.search(data) and _utf8_but_surrogates(data):
        # UTF-8 in all but an encoded UTF-16 surrogate (CESU-8, or a broken emoji): not a
        # Western code page, and decoding it as one would store mojibake
        raise LoadError(origin, "holds an unpaired UTF-16 surrogate encoded as UTF-8 bytes "
                        "(invalid UTF-8), which is not text; re-save the file as UTF-8")
    try:
        text = data.decode("cp1252")
        enc = "cp1252"
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        enc = "latin-1"
    _check_controls(text, origin)
    visible = [ch for ch in text[:20000] if not ch.isspace()]
    if sum(1 for ch in visible if ch.isascii()) < 0.7 * len(visible):
        # real text in a Western code page is mostly ASCII; random high bytes are not
        raise LoadError(origin, "not valid UTF-8 and not plausible text in cp1252/latin-1; "
                        "re-save it as UTF-8")
    return text, f"not valid UTF-8; decoded as {enc} (stored; re-save as UTF-8 to silence this)"


def _utf8_but_surrogates(data: bytes) -> bool:
    try:
        data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return False
    return True


def _check_controls(text: str, origin: str) -> None:
    sample = text[:20000]
    if not sample.strip():
        raise LoadError(origin, "file has no text")
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t\f")
    if controls > 0.05 * len(sample):
        raise LoadError(origin, "binary file (mostly control bytes), not text")


def check_prose(text: str, origin: str) -> None:
    """Refuse an article body that is junk rather than words.

    Prose in any script is mostly letters; a body that is mostly symbols or digits (random
    bytes that happened to decode, a dump) is not an article. Markup is not prose, so HTML and
    feeds are judged by their extracted text instead.
    """
    visible = [ch for ch in text[:20000] if not ch.isspace()]
    if len(visible) < 200:
        return  # too short to judge (a headline, a URL): other checks decide
    if sum(1 for ch in visible if ch.isalpha()) < 0.5 * len(visible):
        raise LoadError(origin, "does not look like text (mostly symbols, not letters)")


def stem_id(stem: str) -> str:
    """A readable article id from a file stem (stable across edits of the file's content).

    Non-ASCII names are transliterated (``Путин`` -> ``Putin``, ``北京`` -> ``Bei-Jing``) so they
    keep distinct ids; a name with nothing to transliterate gets a hash of itself.
    """
    from slugify import slugify

    sid = slugify(stem, lowercase=False, regex_pattern=r"[^A-Za-z0-9._-]+",
                  max_length=120, word_boundary=False, save_order=True).strip("-._")
    if not sid:
        return "article-" + hashlib.sha256(stem.encode("utf-8", "replace")).hexdigest()[:10]
    return sid


def source_key_of(path: str) -> str:
    """The identity of a file source: its absolute path (an upload: its file name)."""
    return "file:" + path.replace(os.sep, "/")


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


_URLISH = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*://\S*|/[^\s<>]*|~[^\s<>]*|[A-Za-z]:\\\S*)\s*$")


def looks_like_a_reference(text: str) -> bool:
    """True when the whole content is just a URL or a file path (something a parser might open)."""
    return len(text) < 4096 and bool(_URLISH.match(text))
