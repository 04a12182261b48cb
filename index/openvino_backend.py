"""all-MiniLM-L6-v2 on OpenVINO: the packaged weights, converted here once, run without torch.

Why: on a laptop CPU the model dominates ingest time. OpenVINO runs the same network 3-4x faster
than torch (bf16 where the CPU has AVX512-BF16/AMX, f32 elsewhere), and a cached model loads
without importing torch at all, which also shortens the chat's start-up.

The first use converts the packaged safetensors to OpenVINO IR (torch + transformers, ~2 s) and
caches it under ``$XDG_CACHE_HOME/newsdesk/openvino/<fingerprint>/``; nothing is downloaded.
Mean pooling and L2 normalisation are part of the converted graph, so outputs match
sentence-transformers' (cosine > 0.9999 on news chunks).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import ConfigError

MAX_TOKENS = 256
BULK_BATCH = 16      # texts per inference request when embedding many (sorted by length)
SMALL = 32           # up to this many texts go through the latency-tuned model in one request


def available() -> bool:
    """Whether the ``openvino`` package is importable (without importing it)."""
    import importlib.util

    return importlib.util.find_spec("openvino") is not None


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsdesk" / "openvino"


def _fingerprint(model_dir: Path) -> str:
    import openvino

    h = hashlib.sha256(openvino.__version__.encode())
    for name in ("config.json", "model.safetensors"):
        st = (model_dir / name).stat()
        h.update(f"{name}:{st.st_size}:{int(st.st_mtime)}".encode())
    return h.hexdigest()[:16]


def _convert(model_dir: Path, out_dir: Path) -> None:
    """Trace the packaged model with pooling + normalisation and save it as IR in ``out_dir``."""
    import openvino as ov
    import torch
    from transformers import AutoModel

    class Pooled(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask,
                                token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AutoModel.from_pretrained(str(model_dir)).eval()
        example = {"input_ids": torch.ones(2, 16, dtype=torch.long),
                   "attention_mask": torch.ones(2, 16, dtype=torch.long)}
        converted = ov.convert_model(
            Pooled(model), example_input=example,
            input=[("input_ids", [-1, -1], ov.Type.i64),
                   ("attention_mask", [-1, -1], ov.Type.i64)])
    ov.save_model(converted, str(out_dir / "model.xml"), compress_to_fp16=False)


def ensure_ir(model_dir: Path) -> Path:
    """The cached IR for ``model_dir``, converting it first if needed. Safe across processes:
    the conversion is written to a temporary directory and renamed into place."""
    target = cache_root() / _fingerprint(model_dir)
    if (target / "model.xml").exists() and (target / "model.bin").exists():
        return target / "model.xml"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="convert-", dir=target.parent))
    try:
        _convert(model_dir, tmp)
        try:
            os.replace(tmp, target)
        except OSError:  # another process got there first: theirs is as good as ours
            if not (target / "model.xml").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target / "model.xml"


class OpenVINOEncoder:
    """Encodes texts to unit-normalised vectors with a converted MiniLM. Thread-safe."""

    def __init__(self, model_dir: Path) -> None:
        try:
            import openvino as ov
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ConfigError("the OpenVINO backend needs the openvino package: "
                              "pip install openvino (or set NEWSDESK_EMBEDDINGS=minilm-torch)"
                              ) from exc
        self._xml = ensure_ir(model_dir)
        self._core = ov.Core()
        self._tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tok.enable_truncation(MAX_TOKENS)
        self._tok.no_padding()
        self._lock = threading.Lock()
        self._models: dict[str, Any] = {}

    def _compiled(self, kind: str) -> Any:
        """``LATENCY`` (few texts), ``THROUGHPUT`` (many) or ``QUERY`` (one search query, in
        f32: the query side of retrieval keeps full precision, so rankings match the torch
        backend's even where documents were embedded in bf16)."""
        with self._lock:
            if kind not in self._models:
                config = {"PERFORMANCE_HINT": "LATENCY" if kind == "QUERY" else kind}
                if kind == "QUERY":
                    config["INFERENCE_PRECISION_HINT"] = "f32"
                self._models[kind] = self._core.compile_model(str(self._xml), "CPU", config)
            return self._models[kind]

    def encode_query(self, text: str) -> np.ndarray:
        """One search query's vector (384 float32), computed in full precision."""
        req = self._compiled("QUERY").create_infer_request()
        req.infer(self._tensors(self._tok.encode_batch([text]), [0]))
        return np.array(req.get_output_tensor(0).data[0], dtype=np.float32)

    def _tensors(self, encs: list[Any], rows: Any) -> dict[str, np.ndarray]:
        width = max(len(encs[j].ids) for j in rows)
        ids = np.zeros((len(rows), width), np.int64)
        mask = np.zeros((len(rows), width), np.int64)
        for r, j in enumerate(rows):
            n = len(encs[j].ids)
            ids[r, :n] = encs[j].ids
            mask[r, :n] = 1
        return {"input_ids": ids, "attention_mask": mask}

    def encode(self, texts: list[str]) -> np.ndarray:
        """``len(texts) x 384`` float32, rows in the order of ``texts``."""
        if not texts:
            return np.zeros((0, 384), np.float32)
        encs = self._tok.encode_batch(texts)
        if len(texts) <= SMALL:
            # A question's sentences and phrases differ a lot in length: run them in groups
            # of similar length so short ones are not padded to the longest.
            req = self._compiled("LATENCY").create_infer_request()
            out = np.zeros((len(texts), 384), np.float32)
            small = sorted(range(len(texts)), key=lambda j: len(encs[j].ids))
            group: list[int] = []
            for j in [*small, -1]:
                if group and (j < 0 or len(encs[j].ids) > 1.5 * len(encs[group[0]].ids) + 8):
                    req.infer(self._tensors(encs, group))
                    out[group] = req.get_output_tensor(0).data
                    group = []
                group.append(j)
            return out
        import openvino as ov

        # Sorting by length keeps padding (wasted compute) small; requests run on all
        # streams at once while the next batch is being padded.
        order = np.argsort([len(e.ids) for e in encs], kind="stable")
        out = np.zeros((len(texts), 384), np.float32)
        queue = ov.AsyncInferQueue(self._compiled("THROUGHPUT"))

        def done(req: Any, rows: Any) -> None:
            out[rows] = req.get_output_tensor(0).data

        queue.set_callback(done)
        for i in range(0, len(texts), BULK_BATCH):
            rows = order[i:i + BULK_BATCH]
            queue.start_async(self._tensors(encs, rows), rows)
        queue.wait_all()
        return out
