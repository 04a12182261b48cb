"""A real ``chroma run`` on 127.0.0.1. ``.ci/run`` starts one and exports NEWSDESK_TEST_CHROMA_URL;
tests that must kill or restart a server start their own (stopped by pid at the end)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.chatserver import free_port


class _Server:
    """A server process of a test's own, stopped (or killed) by its pid."""

    proc: subprocess.Popen[bytes] | None = None

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(15)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


class ChromaServer(_Server):
    def __init__(self, path: Path, port: int | None = None) -> None:
        self.path = path
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ChromaServer:
        exe = shutil.which("chroma") or str(Path(os.sys.executable).parent / "chroma")
        self.log = (self.path.parent / f"chroma-{self.port}.log").open("ab")
        self.proc = subprocess.Popen([exe, "run", "--host", "127.0.0.1", "--port", str(self.port),
                                      "--path", str(self.path)], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        wait_heartbeat(self.url)
        return self



class MilvusServer(_Server):
    """A real Milvus gRPC server on loopback (Milvus Lite's ``python -m milvus_lite server``,
    the protocol of Milvus Standalone), which a test can kill and start again on the same data
    folder and port."""

    def __init__(self, data: Path, port: int | None = None) -> None:
        self.data = data
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data.parent / f"milvus-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> MilvusServer:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(self.data),
                 "--host", "127.0.0.1", "--port", str(self.port)], stdout=log,
                stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            assert self.proc.poll() is None, self.log_path.read_text(errors="replace")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.2)
        raise TimeoutError(f"milvus server at {self.url} did not come up")



def wait_heartbeat(url: str, timeout: float = 60) -> None:
    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            with urllib.request.urlopen(url + "/api/v2/heartbeat", timeout=2) as r:
                json.loads(r.read())
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"chroma server at {url} did not come up")


@pytest.fixture
def chroma_server(tmp_path):
    srv = ChromaServer(tmp_path / "chroma-data").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def shared_chroma_url(tmp_path_factory):
    """The server .ci/run started, or one of our own."""
    url = os.environ.get("NEWSDESK_TEST_CHROMA_URL")
    if url:
        wait_heartbeat(url)
        yield url
        return
    srv = ChromaServer(tmp_path_factory.mktemp("chroma") / "data").start()
    yield srv.url
    srv.stop()
