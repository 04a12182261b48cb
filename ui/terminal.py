"""What the CLI prints is text a terminal shows, never instructions it obeys.

File names, titles, sources, URLs and reasons come from untrusted input: a name holding a
newline could forge a second ``error:`` line, and an escape sequence (ESC, CSI) could recolour,
move the cursor or retitle the terminal. Two layers stop both:

* ``one_line(text)`` for every field echoed inside a line: line breaks become ``\\n``/``\\r``;
* ``SafeStream`` around stdout and stderr: every other C0/C1 control character, bidi override
  and zero-width character becomes a ``\\uXXXX`` escape. Inside a JSON string that escape
  means the same character, so ``--json`` output stays valid and unchanged in meaning.
"""

from __future__ import annotations

import re
from typing import TextIO

from assistant.text import CONTROL_CHARS, FORMAT_CHARS

# carriage return stays (progress bars redraw with it; a field's own line breaks are escaped
# by ``one_line``)
_UNSAFE = re.compile(f"[{CONTROL_CHARS}{FORMAT_CHARS}]")
_BREAKS = str.maketrans({"\n": "\\n", "\r": "\\r"})


def escape(text: str) -> str:
    """``text`` with its unsafe characters as ``\\uXXXX`` (line breaks and tabs kept)."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def one_line(text: object) -> str:
    """A field echoed inside one printed line: line breaks shown as ``\\n``, the rest escaped."""
    return escape(str(text).translate(_BREAKS))


class SafeStream:
    """A text stream that escapes unsafe characters in everything written through it."""

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner

    def write(self, text: str) -> int:
        self.inner.write(escape(text))
        return len(text)

    def flush(self) -> None:
        self.inner.flush()

    def __getattr__(self, name: str) -> object:  # isatty, fileno, encoding, ...
        return getattr(self.inner, name)
