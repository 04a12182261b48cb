"""The chat server's HTTP hardening, on the ASGI middleware directly (no server needed)."""

from __future__ import annotations

import asyncio

from ui.security import CSP, LoginThrottle, SecurityHeaders


def _call(app, path="/", method="GET", client="1.2.3.4"):
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(msg):
        sent.append(msg)

    scope = {"type": "http", "path": path, "method": method, "client": (client, 5555),
             "headers": []}
    asyncio.run(app(scope, receive, send))
    return sent


def _app(status: int):
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"x"})

    return app


def test_every_response_carries_the_csp():
    sent = _call(SecurityHeaders(_app(200)))
    headers = dict(sent[0]["headers"])
    assert headers[b"content-security-policy"] == CSP.encode()
    assert "default-src 'self'" in CSP
    assert "img-src 'self' data: blob:" in CSP
    assert "http" not in CSP  # no third-party origin is allowed anywhere


def test_failed_logins_are_throttled_exponentially_per_client():
    now = [1000.0]
    throttle = LoginThrottle(_app(400), clock=lambda: now[0])
    assert _call(throttle, "/login", "POST")[0]["status"] == 400  # wrong password: 1 s lock
    assert _call(throttle, "/login", "POST")[0]["status"] == 429  # immediately again: refused
    now[0] += 1.1
    assert _call(throttle, "/login", "POST")[0]["status"] == 400  # second failure: 2 s lock
    now[0] += 1.1
    blocked = _call(throttle, "/login", "POST")[0]
    assert blocked["status"] == 429
    assert dict(blocked["headers"])[b"retry-after"] == b"1"
    now[0] += 1.0
    assert _call(throttle, "/login", "POST")[0]["status"] == 400  # third: 4 s
    assert throttle.retry_after("1.2.3.4") == 4.0
    # another client is not affected; other paths are not throttled
    assert _call(throttle, "/login", "POST", client="5.6.7.8")[0]["status"] == 400
    assert _call(throttle, "/config", "GET")[0]["status"] == 400


def test_a_successful_login_clears_the_count():
    now = [0.0]
    status = [400]

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": status[0], "headers": []})
        await send({"type": "http.response.body", "body": b""})

    throttle = LoginThrottle(app, clock=lambda: now[0])
    _call(throttle, "/login", "POST")
    now[0] += 5
    status[0] = 200
    assert _call(throttle, "/login", "POST")[0]["status"] == 200
    assert throttle.retry_after("1.2.3.4") == 0.0
