"""The learned reader: P(this sentence states the answer to this question), and where.

A MiniLM-L6 cross-encoder fine-tuned by ``scripts/train_reader.py`` on the 2023 questions of
RealTime QA (``docs/reader.md`` is its model card). It reads ``question [SEP] headline |
sentence`` and gives

* one logit for "the sentence states the answer" (calibrated: ``probability``), which picks the
  evidence and decides answer or refuse at one threshold, and
* a start and an end logit per token, which mark the short answer inside the sentence.

The weights ship as int8 ONNX package data (``assistant/data/reader/``), run by onnxruntime
(a dependency of chromadb) with the MiniLM package's own tokenizer. Loaded lazily, once per
process; ``import assistant`` loads none of it. Every pair of one question is scored in one
batch, sorted by length so padding stays small.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from index.errors import ConfigError

log = logging.getLogger(__name__)

MAX_TOKENS = 160    # question + headline + sentence; a longer pair loses its headline first
MAX_SPAN_TOKENS = 12
_SEP = " | "


def pair_text(title: str, sentence: str) -> str:
    """The second segment the reader reads: the headline, then the sentence.

    The sentence comes last and whole (truncation cuts from the left), so its tokens, where
    the short answer lies, start at character ``len(pair_text(...)) - len(sentence)``."""
    return f"{' '.join(title.split())[:200]}{_SEP}{sentence}"


@dataclass(frozen=True)
class ReaderSpec:
    """The shipped model's card data (``reader.json``)."""

    version: str
    file: str
    sha256: str
    threshold: float           # answer when probability >= threshold
    temperature: float = 1.0   # calibration: sigmoid(logit / temperature + bias)
    bias: float = 0.0


@dataclass(frozen=True)
class Reading:
    """The reader's verdict on one (question, sentence) pair. ``span`` is the short answer's
    character span in the sentence (``None`` when no span scores above nothing)."""

    probability: float
    logit: float
    span: tuple[int, int] | None
    span_score: float


@lru_cache(maxsize=1)
def spec() -> ReaderSpec:
    """The shipped reader's card (version, file, checksum, threshold, calibration)."""
    raw = json.loads(resources.files("assistant").joinpath("data/reader/reader.json")
                     .read_text(encoding="utf-8"))
    return ReaderSpec(**{k: raw[k] for k in ReaderSpec.__dataclass_fields__ if k in raw})


def available() -> bool:
    """Whether the reader's weights and runtime are installed."""
    import importlib.util

    try:
        s = spec()
    except (OSError, ValueError, KeyError):
        return False
    return importlib.util.find_spec("onnxruntime") is not None and \
        resources.files("assistant").joinpath(f"data/reader/{s.file}").is_file()


class Reader:
    """Scores (question, sentence) pairs with the shipped model (or the one at ``path``)."""

    def __init__(self, path: str | Path | None = None, *, threads: int = 2,
                 card: ReaderSpec | None = None) -> None:
        self.spec = card or spec()
        self._path = Path(path) if path else Path(str(
            resources.files("assistant").joinpath(f"data/reader/{self.spec.file}")))
        self._threads = threads
        self._session: Any = None
        self._tok: Any = None
        self._lock = threading.Lock()

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            try:
                import onnxruntime as ort
                from tokenizers import Tokenizer
            except ImportError as exc:
                raise ConfigError("the reader needs onnxruntime and tokenizers: "
                                  "pip install onnxruntime tokenizers") from exc
            from index.embeddings import model_dir

            data = self._path.read_bytes()
            if self._path.name == self.spec.file and \
                    hashlib.sha256(data).hexdigest() != self.spec.sha256:
                raise ConfigError(f"the reader's weights at {self._path} do not match their "
                                  "checksum; reinstall newsdesk")
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = self._threads
            opts.inter_op_num_threads = 1
            opts.log_severity_level = 3
            self._session = ort.InferenceSession(data, opts,
                                                 providers=["CPUExecutionProvider"])
            tok = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
            tok.no_padding()
            tok.enable_truncation(MAX_TOKENS, strategy="only_second", direction="left")
            self._tok = tok

    def read(self, question: str, pairs: Sequence[tuple[str, str]]) -> list[Reading]:
        """One ``Reading`` per ``(title, sentence)`` of ``pairs``, in one batch."""
        if not pairs:
            return []
        self._load()
        import numpy as np

        texts = [pair_text(*p) for p in pairs]
        encs = self._tok.encode_batch([(question, t) for t in texts])
        width = max(len(e.ids) for e in encs)
        n = len(encs)
        ids = np.zeros((n, width), dtype=np.int64)
        mask = np.zeros((n, width), dtype=np.int64)
        types = np.zeros((n, width), dtype=np.int64)
        for i, e in enumerate(encs):
            ids[i, :len(e.ids)] = e.ids
            mask[i, :len(e.ids)] = 1
            types[i, :len(e.ids)] = e.type_ids
        logit, start, end = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
        out = []
        for i, e in enumerate(encs):
            sent_from = len(texts[i]) - len(pairs[i][1])
            span, span_score = _best_span(e, start[i], end[i], sent_from)
            z = float(logit[i]) / self.spec.temperature + self.spec.bias
            out.append(Reading(_sigmoid(z), float(logit[i]), span, span_score))
        return out


def _best_span(enc: Any, start: Any, end: Any, sent_from: int
               ) -> tuple[tuple[int, int] | None, float]:
    """The best ``start <= end`` token span inside the sentence (the second segment's
    characters from ``sent_from``), as character offsets in the sentence."""
    toks = [j for j, (seq, off) in enumerate(zip(enc.sequence_ids, enc.offsets, strict=True))
            if seq == 1 and off[0] >= sent_from and off[1] > off[0]]
    best: tuple[float, int, int] | None = None
    for a_i, a in enumerate(toks):
        for b in toks[a_i:a_i + MAX_SPAN_TOKENS]:
            s = float(start[a]) + float(end[b])
            if best is None or s > best[0]:
                best = (s, a, b)
    if best is None:
        return None, -math.inf
    s, a, b = best
    return (enc.offsets[a][0] - sent_from, enc.offsets[b][1] - sent_from), s


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


_shared: Reader | None = None
_shared_lock = threading.Lock()


def shared() -> Reader:
    """The process's one reader over the shipped weights."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Reader()
        return _shared
