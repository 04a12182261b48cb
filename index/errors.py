"""Exceptions raised by Newsdesk.

One root, a few branches; every message says what went wrong *and* what to do::

    NewsdeskError
    ├── LoadError            an input could not be read as an article (names the file and reason)
    │   └── LoadWarning      stored (or skipped on purpose) but worth a line: a guessed encoding,
    │                        a renamed id, a file of a type that is not an article
    ├── StoreError           the vector store / keyword index is missing, damaged or unreachable
    │   └── EmptyIndexError  the index holds no articles yet
    ├── PartialIngestError   an ingest stopped part way (the store went away, a Ray job failed or
    │                        stalled); what was committed is kept and the same command finishes it
    ├── ClusterError         a local Ray (``--ray``) could not start
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


class PartialIngestError(NewsdeskError):
    """An ingest stopped part way. Every article counted as stored is committed, and running
    the same command again finishes the rest (the commit records make it idempotent). The CLI
    exits with ``PARTIAL_EXIT`` for it, so a script can tell "run me again" from a failure."""


PARTIAL_EXIT = 3


class ClusterError(NewsdeskError):
    """A local Ray could not start (a cluster that cannot be reached is a ``ConfigError``:
    its address is the thing to fix)."""


class ConfigError(NewsdeskError):
    """A setting has an invalid value."""


class AnswerError(NewsdeskError):
    """A question or answerer cannot be used."""


class QuestionError(AnswerError):
    """The question cannot be asked as given."""


class BackendError(AnswerError):
    """An answerer backend failed; the message says which and how to fix it."""


def first_line(exc: BaseException) -> str:
    """An exception in a few words, for a one-line message: its type and its first line."""
    lines = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {lines[0][:300]}" if lines else exc.__class__.__name__


_FULL = ("database or disk is full", "no space left on device", "disk full")
_READ_ONLY = ("read-only file system", "readonly database", "read only database")


def storage_condition(exc: BaseException) -> str | None:
    """``"full"`` or ``"read-only"`` when ``exc`` (or an exception behind it) says the disk
    holding the index is full or mounted read-only, else ``None``. Chroma and SQLite report
    these as their own exception types with the OS reason in the text, so the text is read too.
    """
    import errno

    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        code = getattr(cur, "errno", None)
        text = str(cur).lower()
        if code in (errno.ENOSPC, errno.EDQUOT) or any(t in text for t in _FULL):
            return "full"
        if code == errno.EROFS or any(t in text for t in _READ_ONLY):
            return "read-only"
        cur = cur.__cause__ or cur.__context__
    return None


STORAGE_REASON = {"full": "no space left on the disk", "read-only": "a read-only file system"}


def storage_message(condition: str, where: str) -> str:
    """What to tell the user about a full or read-only disk under ``where``."""
    if condition == "full":
        return (f"{STORAGE_REASON['full']} holding the index at {where}: free some space and "
                "run the command again (what was stored before is kept)")
    return (f"the index at {where} is on {STORAGE_REASON['read-only']}: Chroma needs to write "
            "to its folder even to read it; make it writable, or copy the folder somewhere "
            "writable and pass that with --index")
