"""What the CLI prints cannot drive the terminal (ui.terminal)."""

from __future__ import annotations

import io
import json

from ui.terminal import SafeStream, escape, one_line


def test_escape_codes_and_bidi_become_visible_escapes():
    assert escape("a\x1b[31mred\x07") == "a\\u001b[31mred\\u0007"
    assert escape("evil\u202etxt.exe\u200b") == "evil\\u202etxt.exe\\u200b"
    assert escape("keeps\ttabs\nand lines\r") == "keeps\ttabs\nand lines\r"
    assert one_line("forged\nerror: x\r") == "forged\\nerror: x\\r"


def test_safe_stream_keeps_json_valid_and_equal():
    buf = io.StringIO()
    data = {"title": "Bad\x1b[2J \u202eword\u009b"}
    SafeStream(buf).write(json.dumps(data, ensure_ascii=False))
    assert "\x1b" not in buf.getvalue()
    assert "\u202e" not in buf.getvalue()
    assert json.loads(buf.getvalue()) == data
