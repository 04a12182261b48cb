"""Answerers turn a question and ranked passages into a draft with ``[n]`` markers.

``extractive`` (default, no LLM) composes the answer from the passages' own sentences.
``llm`` wraps any LangChain chat model (llama-cpp, OpenAI-compatible, Ollama); its draft is
verified by ``assistant.citations.verify``.
"""
