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


def iter_articles(inputs: Iterable[str | os.PathLike[str]], *,
                  within: Path | None = None) -> Iterator[Article | LoadError]:
    """Yield an ``Article`` per article found in ``inputs`` and a ``LoadError`` per failure.

    A file's identity (``Article.source_key``) is its resolved absolute path, so
    ``day1/index.txt`` and ``day2/index.txt`` are two articles, and re-ingesting either (as a
    file or inside its folder, from any working directory) replaces only itself.

    A folder is read only *inside* itself: a symbolic link in it that points out of the folder
    (``/etc/passwd``, another folder) is one error line, never an article. A file named
    directly is read where it points (the user named it), unless ``within`` confines every
    input to that folder (``newsdesk watch`` passes the watched folder).
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
            yield from _guard(s, partial(_load_file, path, within))
        else:
            yield LoadError(s, "no such file or directory")


def _outside(path: Path, root: Path) -> LoadError | None:
    """The error for a link under ``root`` whose target lies outside it (else ``None``)."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return LoadError(str(path), "symbolic link loop; skipped")
    if target.is_relative_to(root):
        return None
    return LoadError(str(path), f"symbolic link to {target}, outside {root}; not read "
                     "(a folder is read only inside itself)")


def _walk(root: Path) -> Iterator[Article | LoadError]:
    top = root.resolve()
    seen_files: set[Path] = set()
    # Links are never followed by the walk itself: a link to a folder inside the tree is
    # walked at its real place (or is a loop), one outside it is refused.
    for dirpath, dirnames, filenames in os.walk(top):
        here = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            if d in _SKIP_DIRS or d.startswith("."):
                continue
            sub = here / d
            if not sub.is_symlink():
                keep.append(d)
                continue
            if not sub.exists():
                yield LoadError(str(sub), "broken symbolic link")
            elif (bad := _outside(sub, top)) is not None:
                yield bad
            elif here.resolve().is_relative_to(sub.resolve()):
                yield LoadError(str(sub), "symbolic link loop; skipped")
            # else: a link to a folder inside the tree, whose files are read at their own place
        dirnames[:] = keep
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = here / name
            if path.is_symlink():
                if not path.exists():
                    yield LoadError(str(path), "broken symbolic link")
                    continue
                if (bad := _outside(path, top)) is not None:
                    yield bad
                    continue
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                yield LoadWarning(str(path), f"skipped: {path.suffix or 'no'} file type is not "
                                  f"an article format ({', '.join(SUPPORTED_SUFFIXES)})")
                continue
            real = path.resolve()
            if real in seen_files:  # a link to a file of the tree: read once, at its place
                continue
            seen_files.add(real)
            yield from _guard(str(path), partial(_load_file, path, top))


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


def _load_file(path: Path, within: Path | None = None) -> Iterator[Article | LoadError]:
    """Load one file (only a regular one: never a FIFO, a device or a socket; with
    ``within``, only one that lies inside that folder once opened)."""
    suffix = path.suffix.lower()
    real = path.resolve()
    key = source_key_of(str(real))
    if within is not None and (bad := _outside(path, within.resolve())) is not None:
        raise bad
    with open_regular(real if within is not None else path, str(path), within=within) as fh:
        if suffix == ".jsonl":
            yield from jsonl.load_jsonl_stream(fh, origin=str(path), limit=MAX_JSONL_BYTES,
                                               source=str(real))
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
        yield from jsonl.load_jsonl_bytes(data, origin=origin,
                                          source=source_key.partition(":")[2])
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
