"""Shared helpers for loaders: size limits, robust decoding, id from a file name."""

from __future__ import annotations

import os
import re

from index.errors import LoadError

MAX_FILE_BYTES = int(float(os.environ.get("NEWSDESK_MAX_FILE_MB", "20")) * 1_000_000)
MAX_JSONL_BYTES = int(float(os.environ.get("NEWSDESK_MAX_JSONL_MB", "2000")) * 1_000_000)


def read_text(data: bytes, origin: str) -> tuple[str, str | None]:
    """Decode bytes as text. Returns ``(text, warning)``; raises ``LoadError`` for non-text.

    UTF-8 (with or without BOM) is expected; cp1252/latin-1 text is accepted with a warning,
    because news archives are full of it and refusing it would lose articles.
    """
    if not data.strip():
        raise LoadError(origin, "file is empty")
    head = data[:8192]
    if b"\x00" in head:
        raise LoadError(origin, "binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
        enc = "cp1252"
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        enc = "latin-1"
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\r\n\t\f")
    if controls > 0.05 * min(len(text), 8192):
        raise LoadError(origin, "binary file (mostly control bytes), not text")
    return text, f"not valid UTF-8; decoded as {enc} (stored; re-save as UTF-8 to silence this)"


def stem_id(stem: str) -> str:
    """An article id from a file stem (stable across edits of the file's content)."""
    sid = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-._")
    return sid[:120] or "article"


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
