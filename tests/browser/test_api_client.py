"""``/ask`` through ``gradio_client``, and the bind/auth guard, against a real server."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from tests.chatserver import seeded_chat
from tests.helpers import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.server]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from seeded_chat(tmp_path_factory, "api")


def test_gradio_client_ask_returns_structured_answer(server):
    from gradio_client import Client

    client = Client(server.url, verbose=False)
    out = client.predict("Who asked US diplomats to leave?", api_name="/ask")
    assert out["answered"] is True
    assert "Russian negotiators" in out["text"]
    c = out["citations"][0]
    assert c["n"] == 1
    assert "asked US diplomats to leave the room" in c["passage"]
    assert {"article_id", "title", "date", "start", "end", "score", "url", "source"} <= set(c)
    follow = client.predict("Where did that meeting take place?", "", "", "", 5,
                            [["Who asked US diplomats to leave?", out["text"]]], api_name="/ask")
    assert "Istanbul" in follow["text"]
    bad = client.predict("  ", api_name="/ask")
    assert bad["answered"] is False
    assert "empty" in bad["error"]


def test_refuses_public_bind_without_auth(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "chat", "--host", "0.0.0.0",
                           "--index", str(tmp_path / "i")], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    assert "refusing to bind 0.0.0.0 without a login" in proc.stderr
    assert "--auth USER:PASS" in proc.stderr


def test_check_bind_rules():
    from index.errors import ConfigError
    from ui.app import check_bind

    check_bind("127.0.0.1", None, False)
    check_bind("::1", None, False)
    check_bind("0.0.0.0", "u:p", False)
    check_bind("0.0.0.0", None, True)
    with pytest.raises(ConfigError):
        check_bind("192.0.2.1", None, False)
    with pytest.raises(ConfigError, match="USER:PASS"):
        check_bind("127.0.0.1", "nopass", False)
    # an empty user or password would start a server nobody can log in to
    for auth in (":", "alice:", ":secret", " :secret"):
        with pytest.raises(ConfigError, match="a user name and a password"):
            check_bind("127.0.0.1", auth, False)


def test_ask_validates_k_like_the_cli(server):
    from gradio_client import Client

    client = Client(server.url, verbose=False)
    for k in (0, -3, 100000):
        out = client.predict("Who asked US diplomats to leave?", "", "", "", k, api_name="/ask")
        assert out["answered"] is False, (k, out)
        assert "k must be a whole number between 1 and 50" in out["error"], (k, out)
    ok = client.predict("Who asked US diplomats to leave?", "", "", "", 3, api_name="/ask")
    assert ok["answered"] is True


def test_login_is_throttled_and_pages_carry_a_csp(tmp_path_factory):
    """A real `newsdesk chat --auth`: wrong passwords in a burst meet 429 with Retry-After;
    the right password still works once the wait is over."""
    import time
    import urllib.error
    import urllib.parse
    import urllib.request

    for srv in seeded_chat(tmp_path_factory, "auth", "--auth", "ann:s3cret"):
        def login(pw: str, srv: Any = srv) -> tuple[int, Any]:
            data = urllib.parse.urlencode({"username": "ann", "password": pw}).encode()
            try:
                with urllib.request.urlopen(srv.url + "login", data=data, timeout=30) as r:
                    return r.status, r.headers
            except urllib.error.HTTPError as exc:
                return exc.code, exc.headers

        codes = [login(f"wrong{i}")[0] for i in range(20)]
        assert codes[0] == 400, codes
        assert codes.count(429) >= 15, codes
        status, headers = login("s3cret")  # still locked out: the lock holds for everyone
        assert status == 429
        assert int(headers["Retry-After"]) >= 1
        time.sleep(int(headers["Retry-After"]) + 0.5)
        assert login("s3cret")[0] == 200
        with urllib.request.urlopen(srv.url, timeout=30) as r:  # the login page
            assert "default-src 'self'" in r.headers["Content-Security-Policy"]


def test_forged_forwarded_for_does_not_escape_the_login_throttle(tmp_path_factory):
    """Six wrong passwords from one loopback client, each with another X-Forwarded-For:
    the throttle keys on the peer, so the second is already refused (429)."""
    import urllib.error
    import urllib.parse
    import urllib.request

    for srv in seeded_chat(tmp_path_factory, "xff", "--auth", "ann:s3cret"):
        codes = []
        for i in range(6):
            data = urllib.parse.urlencode({"username": "ann", "password": f"guess{i}"}).encode()
            req = urllib.request.Request(srv.url + "login", data=data,
                                         headers={"X-Forwarded-For": f"198.51.100.{i + 1}"})
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    codes.append(r.status)
            except urllib.error.HTTPError as exc:
                codes.append(exc.code)
        assert codes[0] == 400, codes
        assert codes[1:] == [429] * 5, codes


def test_sigterm_removes_the_upload_folder(tmp_path_factory):
    """The chat's upload folder (under TMPDIR) is gone after a SIGTERM, not only after
    Ctrl-C."""
    import signal

    tmp = tmp_path_factory.mktemp("sigterm-tmp")
    for srv in seeded_chat(tmp_path_factory, "sigterm", env={"TMPDIR": str(tmp)}):
        assert list(tmp.glob("newsdesk-uploads-*")), list(tmp.iterdir())
        srv.proc.send_signal(signal.SIGTERM)
        srv.proc.wait(60)
        assert list(tmp.glob("newsdesk-uploads-*")) == []


def test_chat_with_watch_answers_from_files_added_while_it_runs(tmp_path_factory):
    """``newsdesk chat --watch FOLDER``: a file dropped in the folder while the chat runs is
    answerable through /ask, with no restart; the Index view lists the watched folder."""
    import time

    from gradio_client import Client

    inbox = tmp_path_factory.mktemp("inbox")
    for srv in seeded_chat(tmp_path_factory, "watch", "--watch", str(inbox), "--every", "2s"):
        client = Client(srv.url, verbose=False)
        q = "Which prize did the corner bakery win?"
        assert "bread prize" not in client.predict(q, api_name="/ask")["text"]
        (inbox / "bakery.md").write_text(
            "---\ntitle: Corner bakery wins\ndate: 2025-07-03\n---\nThe corner bakery won the "
            "national bread prize on Tuesday, the judges said.\n", encoding="utf-8")
        deadline, out = time.time() + 120, {}
        while time.time() < deadline:
            out = client.predict(q, api_name="/ask")
            if "bread prize" in out["text"]:
                break
            time.sleep(2)
        assert "bread prize" in out["text"], out
        assert out["citations"][0]["article_id"] == "bakery"


def test_index_view_lists_watched_sources(tmp_path, fake_store, seed_dir):
    from assistant import Assistant
    from assistant.watch import Watcher
    from ui.app import ChatBackend

    a = Assistant(index_dir=tmp_path / "index", store=fake_store)
    w = Watcher([str(seed_dir)], a.settings, store=fake_store, on_change=a.refresh)
    from ui.render import plain

    be = ChatBackend(a, w)
    assert "**0** articles" in be.stats_md()
    w.cycle()
    md = be.stats_md()
    assert "**1** articles" in md
    assert f"| {plain(str(seed_dir))} | watched folder |" in md
