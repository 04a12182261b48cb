"""Shared fixtures. Every index lives in ``tmp_path``; the real model loads once per process.
Helpers that are not fixtures are in ``tests/helpers.py``."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import SEED_ARTICLE


@pytest.fixture(autouse=True, scope="session")
def _offline() -> Iterator[None]:
    """No hub, no analytics, no telemetry: for this process and the servers it starts."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("GRADIO_ANALYTICS_ENABLED", "False")
        mp.setenv("ANONYMIZED_TELEMETRY", "False")
        yield


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    d = tmp_path / "articles"
    d.mkdir()
    shutil.copy(SEED_ARTICLE, d)
    return d


@pytest.fixture
def fake_store(tmp_path: Path):
    """A real persistent Chroma in tmp_path with deterministic fake embeddings (fast)."""
    from index import open_store
    from index.embeddings import HashEmbeddings

    return open_store(str(tmp_path / "index"), embeddings=HashEmbeddings())


@pytest.fixture
def real_store(tmp_path: Path):
    """A real persistent Chroma in tmp_path with the real packaged model."""
    from index import open_store

    return open_store(str(tmp_path / "index"))
