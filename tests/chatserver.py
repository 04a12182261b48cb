"""Start ``newsdesk chat`` as a real subprocess on a free loopback port (for browser/API tests)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.helpers import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ChatServer:
    def __init__(self, index: Path, *extra: str, log: Path,
                 env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.index = index
        self.url = f"http://127.0.0.1:{self.port}/"
        env = dict(os.environ, HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False",
                   NEWSDESK_INDEX=str(index), **(env or {}))
        self.t0 = time.perf_counter()
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ui.cli", "chat", "--port", str(self.port), *extra],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        self.ready_s = self._wait()

    def _wait(self, timeout: float = 300) -> float:
        while time.perf_counter() - self.t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chat exited {self.proc.returncode}: {self.log.read_text()}")
            if "ready at" in self.log.read_text():
                return time.perf_counter() - self.t0
            time.sleep(0.2)
        raise TimeoutError(self.log.read_text())

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def seeded_chat(tmp_path_factory: Any, name: str, *extra: str,
                env: dict[str, str] | None = None) -> Iterator[ChatServer]:
    """A ``newsdesk chat`` over a fresh index of the seed article (for module-scoped fixtures);
    ``env`` is added to the server's environment."""
    import shutil

    from tests.helpers import SEED_ARTICLE

    tmp = tmp_path_factory.mktemp(name)
    seeds = tmp / "seeds"
    seeds.mkdir()
    shutil.copy(SEED_ARTICLE, seeds)
    srv = ChatServer(tmp / "index", "--ingest", str(seeds), *extra, log=tmp / "chat.log",
                     env=env)
    try:
        yield srv
    finally:
        srv.stop()
