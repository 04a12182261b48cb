"""Exceptions raised by Newsdesk.

One root, a few branches; every message says what went wrong *and* what to do::

    NewsdeskError
    ├── LoadError            an input could not be read as an article (names the file and reason)
    │   └── LoadWarning      stored (or skipped on purpose) but worth a line: a guessed encoding,
    │                        a renamed id, a file of a type that is not an article
    ├── StoreError           the vector store / keyword index is missing, damaged or unreachable
    │   └── EmptyIndexError  the index holds no articles yet
    ├── ConfigError          a setting or flag has an invalid value
    └── AnswerError          the question or the answerer cannot be used
        ├── QuestionError    the question is empty, too long, or has a bad date
        └── BackendError     an LLM backend is missing, misconfigured or unreachable

This is the one errors module (``index`` sits at the bottom of the layers, so both packages can
use it); ``assistant`` re-exports every class. Catch ``NewsdeskError`` to handle them all.
"""

from __future__ import annotations


class NewsdeskError(Exception):
    """Root of every error Newsdesk raises on purpose."""


class LoadError(NewsdeskError):
    """An input could not be turned into articles.

    ``source`` names the file/URL (and record, for JSONL) so a batch can report it in one line.
    """

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason

    def __reduce__(self) -> tuple[type[LoadError], tuple[str, str]]:
        # pickled by Ray's read step (index.distributed): rebuild from both fields
        return type(self), (self.source, self.reason)


class LoadWarning(LoadError):  # noqa: N818 - a LoadError that did not stop the input
    """Not a failure: the input was stored (or deliberately skipped), with something to say."""


class StoreError(NewsdeskError):
    """The index could not be opened, read or written."""


class EmptyIndexError(StoreError):
    """The index exists but holds no articles."""


class ConfigError(NewsdeskError):
    """A setting has an invalid value."""


class AnswerError(NewsdeskError):
    """A question or answerer cannot be used."""


class QuestionError(AnswerError):
    """The question cannot be asked as given."""


class BackendError(AnswerError):
    """An answerer backend failed; the message says which and how to fix it."""
