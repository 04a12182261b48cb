"""One typed settings object. Precedence: arguments (CLI flags) > ``NEWSDESK_*`` env > defaults."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from index.errors import ConfigError

ANSWERERS = ("extractive", "llama-cpp", "openai", "ollama")


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "newsdesk"


@dataclass(frozen=True)
class Settings:
    """Everything configurable. Build with ``Settings.from_env(**flags)``; invalid values raise
    ``ConfigError`` at construction."""

    index_dir: Path = field(default_factory=lambda: default_data_dir() / "index")
    chroma_url: str | None = None
    chroma_token: str | None = None
    embeddings: str = "minilm"
    k: int = 5                      # passages handed to the answerer
    fetch_k: int = 100              # candidates from each retriever before fusion
    keyword_share: float = 0.6      # BM25's share of the fused score
    recency_weight: float = 1.0     # boost for articles near "today" (0 turns it off)
    recency_days: float = 7.0
    answerer: str = "extractive"
    min_support: float = 0.0        # extractive: an extra hard floor under the answerability model
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 60.0
    llama_model_path: str | None = None
    ollama_url: str = "http://127.0.0.1:11434"

    def __post_init__(self) -> None:
        object.__setattr__(self, "index_dir", Path(self.index_dir).expanduser())
        if not 1 <= self.k <= 50:
            raise ConfigError(f"k must be between 1 and 50, got {self.k}")
        if self.fetch_k < self.k:
            raise ConfigError(f"fetch_k ({self.fetch_k}) must be >= k ({self.k})")
        from index.embeddings import EMBEDDINGS

        if self.embeddings not in EMBEDDINGS:
            raise ConfigError(f"unknown embeddings {self.embeddings!r}; choose one of "
                              f"{', '.join(EMBEDDINGS)}")
        if self.answerer not in ANSWERERS:
            raise ConfigError(
                f"unknown answerer {self.answerer!r}; choose one of {', '.join(ANSWERERS)}")
        if not 0.0 <= self.keyword_share <= 1.0:
            raise ConfigError(f"keyword_share must be in [0, 1], got {self.keyword_share}")
        if self.recency_weight < 0 or self.recency_days <= 0:
            raise ConfigError("recency_weight must be >= 0 and recency_days > 0")
        if not 0.0 <= self.min_support <= 1.0:
            raise ConfigError(f"min_support must be in [0, 1], got {self.min_support}")
        if self.llm_timeout <= 0:
            raise ConfigError("llm_timeout must be positive")
        if self.chroma_url and not self.chroma_url.startswith(("http://", "https://")):
            raise ConfigError(f"chroma_url {self.chroma_url!r} must start with http:// or https://")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, overridden by ``NEWSDESK_<FIELD>`` env vars, overridden by non-None kwargs."""
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"NEWSDESK_{f.name.upper()}")
            if f.name == "index_dir" and raw is None:
                raw = env.get("NEWSDESK_INDEX")
            if raw is None or raw == "":
                continue
            values[f.name] = _coerce(f.name, f.type, raw)
        unknown = set(overrides) - {f.name for f in fields(cls)}
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def keyword_dir(self) -> Path:
        """Where the BM25 side is kept: beside the index, or a per-server cache."""
        if self.chroma_url:
            tag = hashlib.sha256(self.chroma_url.encode()).hexdigest()[:12]
            cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
            return cache / "newsdesk" / f"keyword-{tag}"
        return self.index_dir / "keyword"

    @property
    def location(self) -> str:
        return self.chroma_url or str(self.index_dir)


def _coerce(name: str, typ: Any, raw: str) -> Any:
    t = str(typ)
    try:
        if t == "int":
            return int(raw)
        if t == "float":
            return float(raw)
    except ValueError:
        raise ConfigError(f"NEWSDESK_{name.upper()}={raw!r} is not a number") from None
    return raw
