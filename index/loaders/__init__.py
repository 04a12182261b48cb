"""Turn files, directories, feeds and URLs into ``Article`` objects.

``iter_articles(inputs)`` walks every input and yields ``Article`` or ``LoadError`` items, one
per article or per failure, so a batch goes on past bad inputs and can report each in one line.
Formats are chosen by extension, then by content (a seed header, a feed root element).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path

from index.articles import Article
from index.errors import LoadError, LoadWarning
from index.loaders import feed, html, jsonl, seedfile, text
from index.loaders.common import (
    MAX_FILE_BYTES,
    MAX_JSONL_BYTES,
    open_regular,
    read_capped,
    read_text,
    source_key_of,
)

__all__ = ["SUPPORTED_SUFFIXES", "LoadError", "LoadWarning", "iter_articles", "load_bytes"]
log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (
    ".txt", ".md", ".markdown", ".html", ".htm", ".jsonl", ".json", ".xml", ".rss", ".atom",
)
_SKIP_DIRS = {".git", "__pycache__", ".venv", "node_modules"}


def iter_articles(inputs: Iterable[str | os.PathLike[str]]) -> Iterator[Article | LoadError]:
    """Yield an ``Article`` per article found in ``inputs`` and a ``LoadError`` per failure.

    A file's identity (``Article.source_key``) is its resolved absolute path, so
    ``day1/index.txt`` and ``day2/index.txt`` are two articles, and re-ingesting either (as a
    file or inside its folder, from any working directory) replaces only itself.
    """
    for item in inputs:
        s = str(item)
        if s.startswith(("http://", "https://")):
            yield from _guard(s, partial(feed.load_url, s))
            continue
        path = Path(s)
        if path.is_symlink() and not path.exists():
            yield LoadError(s, "broken symbolic link")
        elif path.is_dir():
            yield from _walk(path)
        elif path.exists():
            yield from _guard(s, partial(_load_file, path))
        else:
            yield LoadError(s, "no such file or directory")


def _walk(root: Path) -> Iterator[Article | LoadError]:
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        try:
            st = os.stat(dirpath)
        except OSError as exc:
            yield LoadError(dirpath, f"cannot read directory ({exc.strerror})")
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:  # a symlink loop: os.walk would descend forever
            dirnames[:] = []
            yield LoadError(dirpath, "symbolic link loop; skipped")
            continue
        seen.add(key)
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            if path.is_symlink() and not path.exists():
                yield LoadError(str(path), "broken symbolic link")
                continue
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                yield LoadWarning(str(path), f"skipped: {path.suffix or 'no'} file type is not "
                                  f"an article format ({', '.join(SUPPORTED_SUFFIXES)})")
                continue
            yield from _guard(str(path), partial(_load_file, path))


def _guard(source: str, fn: Callable[[], Iterable[Article | LoadError]]
           ) -> Iterator[Article | LoadError]:
    """Run one input's loader; whatever goes wrong becomes one ``LoadError`` naming it."""
    try:
        yield from fn()
    except LoadError as exc:
        yield exc
    except PermissionError:
        yield LoadError(source, "permission denied")
    except OSError as exc:
        yield LoadError(source, f"cannot read ({exc.strerror or exc})")
    except RecursionError:
        yield LoadError(source, "nested too deeply to parse")
    except MemoryError:
        yield LoadError(source, "too large to parse in memory")
    except Exception as exc:  # one bad file never costs the others; the cause goes to the log
        log.debug("unexpected failure loading %s", source, exc_info=True)
        yield LoadError(source, f"could not be read as an article ({exc.__class__.__name__}: "
                        f"{str(exc)[:120]})")


def _load_file(path: Path) -> Iterator[Article | LoadError]:
    """Load one file (only a regular one: never a FIFO, a device or a socket)."""
    suffix = path.suffix.lower()
    key = source_key_of(str(path.resolve()))
    with open_regular(path, str(path)) as fh:
        if suffix == ".jsonl":
            yield from jsonl.load_jsonl_stream(fh, origin=str(path), limit=MAX_JSONL_BYTES)
            return
        limit = MAX_JSONL_BYTES if suffix == ".json" else MAX_FILE_BYTES
        data = read_capped(fh, limit, str(path))
    yield from load_bytes(data, name=path.name, origin=str(path), source_key=key)


def load_bytes(data: bytes, *, name: str, origin: str | None = None, source_key: str = ""
               ) -> Iterator[Article | LoadError]:
    """Load articles from in-memory bytes (an upload); ``name`` picks the format by extension.

    ``source_key`` is the source's identity (default: ``file:<name>``, as for an upload).
    Never raises for bad content: every failure is yielded as a ``LoadError`` naming ``origin``.
    """
    origin = origin or name
    yield from _guard(origin, partial(_load_bytes, data, name, origin, source_key))


def _load_bytes(data: bytes, name: str, origin: str, source_key: str
                ) -> Iterator[Article | LoadError]:
    suffix = Path(name).suffix.lower()
    source_key = source_key or source_key_of(Path(name).name)
    if len(data) > (MAX_JSONL_BYTES if suffix in (".jsonl", ".json") else MAX_FILE_BYTES):
        raise LoadError(origin, f"file is {len(data) / 1e6:.1f} MB, over the size limit")
    if suffix in (".jsonl", ".json"):
        yield from jsonl.load_jsonl_bytes(data, origin=origin)
        return
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(origin, f"unsupported file type {suffix or '(none)'!r}; "
                        f"supported: {', '.join(SUPPORTED_SUFFIXES)}")
    body, warning = read_text(data, origin)
    stem = Path(name).stem
    if suffix in (".xml", ".rss", ".atom") or feed.looks_like_feed(body):
        yield from feed.load_feed_text(body, origin=origin, fetch_links=False)
    elif suffix in (".html", ".htm"):
        yield html.load_html(body, origin=origin, stem=stem, source_key=source_key)
    elif seedfile.looks_like_seed(body):
        yield seedfile.load_seed(body, origin=origin, stem=stem, source_key=source_key)
    elif suffix in (".md", ".markdown"):
        yield text.load_markdown(body, origin=origin, stem=stem, source_key=source_key)
    else:
        yield text.load_text(body, origin=origin, stem=stem, source_key=source_key)
    if warning:
        yield LoadWarning(origin, warning)  # reported, but the article above was stored
