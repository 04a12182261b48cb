"""A Milvus server that goes away (restarted, redeployed, briefly unreachable) costs a wait
or one clear error, never a hung or poisoned store.

``Reconnecting`` stands in for pymilvus's ``MilvusClient``: every call goes through, and a call
that fails because the server does not answer is handled here:

the call waits for the server for ``wait_s``, trying a fresh connection every
``RETRY_EVERY_S``, and runs again once one answers; after ``wait_s`` it fails with a
``StoreError`` that says the server does not answer. A store opened for questions waits
``WAIT_S`` (a few seconds: one clear error during an outage; the next question, once the
server is back, works on a fresh connection without restarting anything); an ingest opens
its store with a longer wait, so it resumes after a restart. Every write Newsdesk
makes is idempotent (upserts by id, deletes by id), so running one again is safe.

A restarted server holds the collections but has not loaded them; a call refused for that
(pymilvus code 101, "call load()") has ``on_restart`` load them and runs once more.

Why a fresh connection: after an outage pymilvus's own channel can stay in gRPC's reconnect
back-off (seconds to minutes) and fail every call meanwhile, though the server answers again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from index.errors import StoreError

log = logging.getLogger(__name__)

WAIT_S = 5.0           # a question waits this long (a restarted server takes a moment)
RETRY_EVERY_S = 1.0    # between two attempts at a fresh connection
CONNECT_TIMEOUT_S = 5.0  # one attempt at a fresh connection


def not_loaded(exc: BaseException) -> bool:
    """True when the server refused a call because the collection is not loaded (what a
    restarted server says until it is loaded again)."""
    return getattr(exc, "code", None) == 101 or "call load()" in str(exc)


def closed(exc: BaseException) -> bool:
    """True when a call ran on a connection that was closed under it (another thread of this
    process renewed the connection while the call was in flight)."""
    return "closed channel" in str(exc)


def unreachable(exc: BaseException) -> bool:
    """True when ``exc`` (or one behind it) says the server did not answer, as opposed to
    refusing a request it understood."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        code = getattr(e, "code", None)
        name = getattr(code() if callable(code) else None, "name", "")
        text = str(e)
        if name == "UNAVAILABLE" or "Fail connecting to server" in text \
                or "StatusCode.UNAVAILABLE" in text or "failed to connect to all addresses" in text:
            return True
        e = e.__cause__ or e.__context__
    return False


class _QuietOutage(logging.Filter):
    """pymilvus logs every failed call of an outage (and of a restart's unloaded collections)
    at ERROR with a traceback; ``Reconnecting`` handles both and says so in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        text = record.getMessage()
        return not ((exc is not None and (unreachable(exc) or not_loaded(exc) or closed(exc)))
                    or "Fail connecting to server" in text or "call load()" in text
                    or "closed channel" in text)


for _name in ("pymilvus", "pymilvus.decorators", "pymilvus.client.connection_manager"):
    logging.getLogger(_name).addFilter(_QuietOutage())


class Reconnecting:
    """A ``MilvusClient`` made by ``make`` and made again when the server at ``uri`` stops
    answering (see the module docstring for what waits and what fails)."""

    def __init__(self, make: Callable[[float | None], Any], uri: str, *,
                 on_restart: Callable[[], None] = lambda: None,
                 wait_s: float | None = None) -> None:
        self._make = make
        self.uri = uri
        self.on_restart = on_restart
        self.wait_s = WAIT_S if wait_s is None else wait_s
        self.client: Any = make(None)
        self._renewing = threading.Lock()  # the store's threads share one connection

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.client, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._call(name, args, kwargs)

        return call

    def _call(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        deadline = time.monotonic() + self.wait_s
        attempt = 0
        reloaded = False
        while True:
            client = self.client
            try:
                return getattr(client, name)(*args, **kwargs)
            except Exception as exc:
                if client is not self.client and (closed(exc) or unreachable(exc)):
                    continue  # another thread renewed the connection meanwhile: use that one
                if not_loaded(exc) and not reloaded and name != "load_collection":
                    log.warning("the Milvus server at %s was restarted: loading the "
                                "collections again", self.uri)
                    reloaded = True
                    self.on_restart()
                    continue
                if not unreachable(exc):
                    raise
                attempt += 1
                if attempt == 1:
                    log.warning("the Milvus server at %s does not answer (%s); waiting up to "
                                "%.0f s for it", self.uri, name, deadline - time.monotonic())
                if time.monotonic() >= deadline:
                    raise self._down() from exc
                if self._renew(client):
                    continue  # the server answers a fresh connection: run the call again
                time.sleep(RETRY_EVERY_S)

    def _down(self) -> StoreError:
        return StoreError(f"the Milvus server at {self.uri} does not answer (waited "
                          f"{self.wait_s:.0f} s); check that it runs, then try again")

    def _renew(self, failed: Any) -> bool:
        """A fresh connection in place of ``failed``; True at once when another thread has
        renewed it already, False while the server is still down (the old client stays, so a
        later attempt can try again)."""
        with self._renewing:
            if self.client is not failed:
                return True
            try:
                fresh = self._make(CONNECT_TIMEOUT_S)
            except Exception as exc:  # still down: the caller decides whether to wait more
                if not unreachable(exc):
                    log.debug("a fresh Milvus connection failed", exc_info=True)
                return False
            old, self.client = self.client, fresh
        try:
            old.close()
        except Exception:  # an old channel that will not close cleanly is of no further use
            log.debug("closing the old Milvus connection", exc_info=True)
        log.warning("the Milvus server at %s answers again", self.uri)
        return True
