"""Errors of the assistant package; the tree lives in ``index.errors`` (one root for both)::

    NewsdeskError
    ├── LoadError, StoreError (EmptyIndexError), ConfigError   (index.errors)
    └── AnswerError
        ├── QuestionError     the question is empty or too long
        └── BackendError      an LLM backend is missing, misconfigured or unreachable
"""

from __future__ import annotations

from index.errors import (
    AnswerError,
    ConfigError,
    EmptyIndexError,
    LoadError,
    NewsdeskError,
    StoreError,
)

__all__ = [
    "NewsdeskError", "LoadError", "StoreError", "EmptyIndexError", "ConfigError", "AnswerError",
    "QuestionError", "BackendError",
]


class QuestionError(AnswerError):
    """The question cannot be asked as given."""


class BackendError(AnswerError):
    """An answerer backend failed; the message says which and how to fix it."""
