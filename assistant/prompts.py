"""The LLM answerer's prompts, as files: ``answer.yaml`` (a chat prompt: system + human message,
loaded as a LangChain ``ChatPromptTemplate``) and ``source.txt`` (one numbered source).

They live in the repo's ``prompts/`` folder and are installed as package data
(``assistant/prompt_files``); ``NEWSDESK_PROMPTS_DIR`` points at a folder of your own instead.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

from index.errors import ConfigError

if TYPE_CHECKING:
    from langchain_core.prompts import ChatPromptTemplate

ROLES = ("system", "human", "ai")


def prompts_dir() -> Traversable:
    """Where the prompt files are read from."""
    env = os.environ.get("NEWSDESK_PROMPTS_DIR")
    return Path(env) if env else resources.files("assistant.prompt_files")


def _read(name: str) -> str:
    path = prompts_dir() / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"prompt file {path} is missing or unreadable; reinstall Newsdesk or "
                          "set NEWSDESK_PROMPTS_DIR to a folder that has it") from exc


@lru_cache(maxsize=16)
def load(name: str) -> str:
    """The text of ``NAME.txt``."""
    return _read(f"{name}.txt")


@lru_cache(maxsize=16)
def chat_prompt(name: str) -> ChatPromptTemplate:
    """``NAME.yaml`` as a ``ChatPromptTemplate``: ``messages`` is a list of ``{role, content}``
    (roles: system, human, ai; f-string variables in braces)."""
    import yaml
    from langchain_core.prompts import ChatPromptTemplate

    raw = _read(f"{name}.yaml")
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ConfigError(f"prompt file {name}.yaml is not valid YAML: {exc}") from exc
    messages = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(messages, list) or not messages or not all(
            isinstance(m, dict) and m.get("role") in ROLES and isinstance(m.get("content"), str)
            for m in messages):
        raise ConfigError(f"prompt file {name}.yaml needs `messages:` as a list of "
                          f"{{role: {'|'.join(ROLES)}, content: text}}")
    return ChatPromptTemplate.from_messages([(m["role"], m["content"]) for m in messages])


def fill(template: str, **values: str) -> str:
    """``str.format``-like, but braces inside the values are never interpreted."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


def neutralise(text: str) -> str:
    """Article text as inert data: no closing delimiters, no fake citation markers."""
    text = re.sub(r"</?\s*source\b", "‹source", text, flags=re.I)
    return re.sub(r"\[(\d{1,3})\]", r"(\1)", text)
