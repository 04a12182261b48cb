"""A minimal LangChain chat model over ``llama_cpp.Llama`` (loaded once per model path)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from index.errors import BackendError

_models: dict[str, Any] = {}
_lock = threading.Lock()


def _load(path: str, n_ctx: int, chat_format: str | None) -> Any:
    with _lock:
        if path not in _models:
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise BackendError("llama-cpp answerer needs llama-cpp-python: "
                                   "CMAKE_ARGS='-DGGML_NATIVE=OFF' pip install llama-cpp-python"
                                   ) from exc
            try:
                _models[path] = Llama(model_path=path, n_ctx=n_ctx, n_threads=2, verbose=False,
                                      chat_format=chat_format)
            except (ValueError, OSError) as exc:
                raise BackendError(f"cannot load GGUF {path}: {exc}") from exc
        return _models[path]


def _role(m: BaseMessage) -> str:
    return {"human": "user", "ai": "assistant", "system": "system"}.get(m.type, "user")


class LlamaCppChat(BaseChatModel):
    """Chat completion with a local GGUF through llama-cpp-python."""

    model_path: str
    n_ctx: int = 4096
    max_tokens: int = 200
    temperature: float = 0.0
    chat_format: str | None = "gemma"

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    def _messages(self, messages: list[BaseMessage]) -> list[dict[str, str]]:
        out = [{"role": _role(m), "content": str(m.content)} for m in messages]
        if self.chat_format == "gemma":
            # Gemma's chat format has no system turn (llama.cpp drops it): the rules lead the
            # first user turn instead
            system = "\n\n".join(m["content"] for m in out if m["role"] == "system")
            out = [m for m in out if m["role"] != "system"]
            if system and out and out[0]["role"] == "user":
                out[0] = {"role": "user", "content": f"{system}\n\n{out[0]['content']}"}
            elif system:
                out.insert(0, {"role": "user", "content": system})
        return out

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kw: Any) -> ChatResult:
        text = "".join(c.message.content for c in self._stream(messages, stop, run_manager))  # type: ignore[misc]
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kw: Any
                ) -> Iterator[ChatGenerationChunk]:
        llm = _load(self.model_path, self.n_ctx, self.chat_format)
        for part in llm.create_chat_completion(
            messages=self._messages(messages), max_tokens=self.max_tokens,
            temperature=self.temperature, stop=stop, stream=True,
        ):
            delta = part["choices"][0].get("delta", {}).get("content") or ""
            if delta:
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
                if run_manager:
                    run_manager.on_llm_new_token(delta, chunk=chunk)
                yield chunk
