"""One typed settings object, read by pydantic-settings.

Precedence: arguments (CLI flags, ``Settings.from_env(k=3)``) > ``NEWSDESK_*`` environment
variables (``NEWSDESK_K=3``; the index folder also as ``NEWSDESK_INDEX``) > defaults. Every value
is checked when the object is built; a bad one is a ``ConfigError`` that names the setting.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.errors import ConfigError

ANSWERERS = ("extractive", "llama-cpp", "openai", "ollama")


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/newsdesk`` (``~/.local/share/newsdesk``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "newsdesk"


class Settings(BaseSettings):
    """Everything configurable. Build with ``Settings.from_env(**flags)``; invalid values raise
    ``ConfigError`` at construction. Immutable: ``with_(**changes)`` returns a new one."""

    model_config = SettingsConfigDict(env_prefix="NEWSDESK_", frozen=True, extra="forbid",
                                      validate_by_name=True, validate_by_alias=True)

    index_dir: Path = Field(default_factory=lambda: default_data_dir() / "index",
                            validation_alias=AliasChoices("NEWSDESK_INDEX_DIR",
                                                          "NEWSDESK_INDEX"))
    # the vector database: chroma or milvus (flag --store, env NEWSDESK_STORE)
    backend: str = Field(default="chroma",
                         validation_alias=AliasChoices("NEWSDESK_STORE", "NEWSDESK_BACKEND"))
    chroma_url: str | None = None
    chroma_token: str | None = None
    milvus_uri: str | None = None   # store=milvus: a Lite file (*.db) or http://HOST:19530
    milvus_token: str | None = None
    embeddings: str = "minilm"
    k: int = 5                      # passages handed to the answerer
    fetch_k: int = 100              # candidates from each retriever before fusion
    keyword_share: float = 0.6      # BM25's share of the fused score
    recency_weight: float = 1.0     # boost for articles near "today" (0 turns it off)
    recency_days: float = 7.0
    one_per_story: bool = True      # near-duplicate copies: one passage, the rest "also in"
    answerer: str = "extractive"
    min_support: float = 0.0        # extractive: an extra hard floor under the answerability model
    # extractive: the learned reader decides (assistant.reader; its weights are built by
    # scripts/train_reader.py). Off by default: no trained version has beaten the rule path on
    # the 2024 valid questions yet (docs/reader.md)
    reader: bool = False
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 60.0
    llama_model_path: str | None = None
    ollama_url: str = "http://127.0.0.1:11434"

    @model_validator(mode="after")
    def _check(self) -> Settings:
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
        if self.backend not in ("chroma", "milvus"):
            raise ConfigError(f"unknown store {self.backend!r}; choose chroma or milvus")
        if self.backend == "milvus":
            if self.chroma_url:
                raise ConfigError("--chroma-url is for --store chroma; with --store milvus give "
                                  "--milvus-uri")
            from index.store.milvus import check_uri

            check_uri(self.milvus_uri_or_default)
        elif self.milvus_uri:
            raise ConfigError("--milvus-uri needs --store milvus (or NEWSDESK_STORE=milvus)")
        return self

    @classmethod
    def from_env(cls, **flags: Any) -> Settings:
        """Defaults, overridden by ``NEWSDESK_<FIELD>`` env vars, overridden by the non-None
        ``flags``."""
        unknown = set(flags) - set(cls.model_fields)
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        try:
            return cls(**{k: v for k, v in flags.items() if v is not None})
        except ValidationError as exc:
            raise ConfigError(_describe(exc)) from exc

    def with_(self, **changes: Any) -> Settings:
        """A copy with the non-None ``changes`` applied (and validated)."""
        values = self.model_dump() | {k: v for k, v in changes.items() if v is not None}
        return type(self).from_env(**values)

    @property
    def milvus_uri_or_default(self) -> str:
        """``milvus_uri``, or a Milvus Lite file in the index folder."""
        return self.milvus_uri or str(self.index_dir / "milvus.db")

    @property
    def remote(self) -> bool:
        """The index lives on a server (nothing to find on this machine's disk)."""
        if self.backend == "milvus":
            return self.milvus_uri_or_default.startswith(("http://", "https://", "tcp://"))
        return bool(self.chroma_url)

    @property
    def keyword_dir(self) -> Path:
        """Where the derived files (the tantivy BM25 index on Chroma, the story signatures)
        are kept: beside the index, or a per-server cache."""
        if self.remote:
            tag = hashlib.sha256(self.location.encode()).hexdigest()[:12]
            cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
            return cache / "newsdesk" / f"keyword-{tag}"
        if self.backend == "milvus":
            lite = Path(self.milvus_uri_or_default)
            return lite.with_name(lite.name + ".newsdesk")
        return self.index_dir / "keyword"

    @property
    def location(self) -> str:
        """The index as a user would name it: the server URL, the folder or the Lite file."""
        if self.backend == "milvus":
            return self.milvus_uri_or_default
        return self.chroma_url or str(self.index_dir)

    @property
    def exists(self) -> bool:
        """Whether there is an index to open (a server is assumed to have one)."""
        if self.remote:
            return True
        if self.backend == "milvus":
            return Path(self.milvus_uri_or_default).exists()
        return self.index_dir.is_dir()


def _describe(exc: ValidationError) -> str:
    """pydantic's errors as one line that names the setting and its variable."""
    parts = []
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else "?"
        var = "NEWSDESK_INDEX" if name in ("index_dir", "NEWSDESK_INDEX_DIR") else \
            "NEWSDESK_STORE" if name in ("backend", "NEWSDESK_STORE") else \
            f"NEWSDESK_{name.upper()}"
        parts.append(f"{name} (flag or {var}) = {err.get('input')!r}: {err['msg']}")
    return "; ".join(parts)
