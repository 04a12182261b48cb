"""index.store.reconnect on fake clients: what waits, what fails, and a connection renewed by
another thread under a call in flight (the real server is in tests/server)."""

from __future__ import annotations

import pytest

from index.errors import StoreError
from index.store import reconnect
from index.store.reconnect import Reconnecting


class DownError(Exception):
    def __init__(self) -> None:
        super().__init__("Fail connecting to server on 127.0.0.1:1, server unavailable")


class Client:
    def __init__(self, server: dict) -> None:
        self.server, self.closed = server, False

    def query(self, x: int) -> int:
        if self.closed:
            raise ValueError("Cannot invoke RPC on closed channel!")
        if not self.server["up"]:
            raise DownError()
        if not self.server["loaded"]:
            raise RuntimeError("Collection 'c' is in state 'released'; call load() first")
        return x * 2

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setattr(reconnect, "RETRY_EVERY_S", 0.01)
    return {"up": True, "loaded": True, "made": 0}


def _make(server):
    def make(_timeout):
        server["made"] += 1
        if not server["up"]:
            raise DownError()
        return Client(server)
    return make


def test_a_call_waits_for_the_server_and_runs_on_a_fresh_connection(server):
    r = Reconnecting(_make(server), "http://m", wait_s=5)
    first = r.client
    server["up"] = False
    real_make = r._make

    def back_on_third_try(timeout):  # the restarted server answers the third fresh connection
        if server["made"] == 3:
            server["up"] = True
        return real_make(timeout)

    r._make = back_on_third_try
    first.query = lambda x: (_ for _ in ()).throw(DownError())  # the old channel stays broken
    assert r.query(4) == 8
    assert r.client is not first
    assert first.closed
    assert server["made"] == 4  # the first connection, then three tries


def test_a_server_that_stays_down_is_one_store_error_after_the_wait(server):
    r = Reconnecting(_make(server), "http://m", wait_s=0.1)
    server["up"] = False
    with pytest.raises(StoreError, match=r"http://m does not answer \(waited 0 s\)"):
        r.query(1)


def test_a_restarted_server_has_its_collections_loaded_again(server):
    loads = []
    r = Reconnecting(_make(server), "http://m", on_restart=lambda: (
        loads.append(1), server.update(loaded=True)))
    server["loaded"] = False
    assert r.query(2) == 4
    assert loads == [1]


def test_a_call_on_a_connection_renewed_under_it_runs_again_on_the_new_one(server):
    r = Reconnecting(_make(server), "http://m")
    old, fresh = r.client, Client(server)
    real = Client.query
    seen = []

    def renewed_in_flight(self, x):
        seen.append(self)
        if self is old:  # another thread renews the connection while this call runs
            r.client = fresh
            old.close()
        return real(self, x)

    Client.query = renewed_in_flight
    try:
        assert r.query(3) == 6
    finally:
        Client.query = real
    assert seen == [old, fresh]
    assert server["made"] == 1  # no extra connection was made for it


def test_other_errors_are_not_retried(server):
    r = Reconnecting(_make(server), "http://m")
    with pytest.raises(TypeError):
        r.query()  # type: ignore[call-arg]
