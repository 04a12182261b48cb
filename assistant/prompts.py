"""Prompt templates are plain files in ``prompts/`` (override: ``NEWSDESK_PROMPTS_DIR``)."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from index.errors import ConfigError


def prompts_dir() -> Path:
    env = os.environ.get("NEWSDESK_PROMPTS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "prompts"


@lru_cache(maxsize=16)
def load(name: str) -> str:
    path = prompts_dir() / f"{name}.txt"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        raise ConfigError(f"prompt template {path} is missing; reinstall or set "
                          "NEWSDESK_PROMPTS_DIR") from None


def fill(template: str, **values: str) -> str:
    """``str.format``-like, but braces inside the values are never interpreted."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


def neutralise(text: str) -> str:
    """Article text as inert data: no closing delimiters, no fake citation markers."""
    text = re.sub(r"</?\s*source\b", "‹source", text, flags=re.I)
    return re.sub(r"\[(\d{1,3})\]", r"(\1)", text)
