"""HTTP hardening for the chat server: a Content-Security-Policy and login throttling.

Both are plain ASGI middleware handed to Gradio's FastAPI app at construction
(``launch(app_kwargs={"middleware": [...]})``).

* The CSP lets the page load only from its own origin (plus ``data:``/``blob:`` images and fonts
  that Gradio builds in the browser), so no article text, answer or upload can make a reader's
  browser contact a third party, and nothing can frame the app.
* Failed logins are throttled per client address: after each failure the client must wait
  ``BASE_DELAY_S * 2**(failures-1)`` seconds (capped at ``MAX_DELAY_S``) before the next try,
  and gets ``429 Too Many Requests`` with ``Retry-After`` meanwhile. A success clears the count.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = (
    "default-src 'self'; "
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'; "  # Gradio's bundle needs both
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; "
    "font-src 'self' data:; "
    "media-src 'self' data: blob:; "
    "connect-src 'self'; "
    "worker-src 'self' blob:; "
    "frame-src 'self'; "
    "frame-ancestors 'self'; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'"
)
BASE_DELAY_S = 1.0
MAX_DELAY_S = 300.0


class SecurityHeaders:
    """Adds the CSP and a few standard headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != b"content-security-policy"]
                headers += [(b"content-security-policy", CSP.encode()),
                            (b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"no-referrer")]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class LoginThrottle:
    """Exponential delay per client address after failed logins (``POST .../login``)."""

    def __init__(self, app: ASGIApp, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, tuple[int, float]] = {}  # client -> (failures, locked until)

    def retry_after(self, client: str) -> float:
        with self._lock:
            _n, until = self._failures.get(client, (0, 0.0))
        return max(0.0, until - self.clock())

    def record(self, client: str, ok: bool) -> None:
        with self._lock:
            if ok:
                self._failures.pop(client, None)
                return
            n = self._failures.get(client, (0, 0.0))[0] + 1
            delay = min(MAX_DELAY_S, BASE_DELAY_S * 2 ** (n - 1))
            self._failures[client] = (n, self.clock() + delay)
            if len(self._failures) > 10_000:  # bound memory under a flood of addresses
                oldest = min(self._failures, key=lambda c: self._failures[c][1])
                self._failures.pop(oldest)
        if not ok:
            log.warning("failed login from %s (%d in a row); next try in %.0fs", client, n, delay)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or \
                not str(scope.get("path", "")).rstrip("/").endswith("/login"):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.retry_after(client)
        if wait > 0:
            body = b'{"detail": "Too many failed logins; wait before trying again."}'
            await send({"type": "http.response.start", "status": 429, "headers": [
                (b"content-type", b"application/json"),
                (b"retry-after", str(int(wait) + 1).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        status: list[int] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        await self.app(scope, receive, watch)
        if status:
            self.record(client, 200 <= status[0] < 400)


def middleware() -> list[Any]:
    """The Starlette ``Middleware`` list for ``FastAPI(middleware=...)``."""
    from starlette.middleware import Middleware

    return [Middleware(SecurityHeaders), Middleware(LoginThrottle)]
