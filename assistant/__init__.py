"""Newsdesk's assistant: hybrid retrieval, grounded answers with verified citations.

Public API::

    from assistant import Assistant, Answer, Citation, Settings
    a = Assistant(index_dir="data/index")
    a.ask("Who asked US diplomats to leave?")

Importing this package is cheap: torch, the vector database and gradio load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.settings import Settings
from assistant.types import Answer, Citation
from index.errors import (
    PARTIAL_EXIT,
    AnswerError,
    BackendError,
    ClusterError,
    ConfigError,
    EmptyIndexError,
    LoadError,
    NewsdeskError,
    PartialIngestError,
    QuestionError,
    StoreError,
    storage_condition,
    storage_message,
)

if TYPE_CHECKING:
    from assistant.assistant import Assistant

__all__ = [
    "PARTIAL_EXIT",
    "Answer",
    "AnswerError",
    "Assistant",
    "BackendError",
    "Citation",
    "ClusterError",
    "ConfigError",
    "EmptyIndexError",
    "LoadError",
    "NewsdeskError",
    "PartialIngestError",
    "QuestionError",
    "Settings",
    "StoreError",
    "storage_condition",
    "storage_message",
]


def __getattr__(name: str) -> Any:
    if name == "Assistant":
        from assistant.assistant import Assistant

        return Assistant
    raise AttributeError(name)
