"""LangChain's own standard test suites (``langchain-tests``) on our seams: the hybrid
retriever over a real Chroma index with the real model, and the embedders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests, RetrieversIntegrationTests
from langchain_tests.unit_tests import EmbeddingsUnitTests

from assistant.retrieval import HybridRetriever
from index.embeddings import HashEmbeddings, MiniLMEmbeddings
from tests.helpers import SEED_ARTICLE

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seeded_parts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from assistant import Assistant
    from assistant.indexing import ingest
    from assistant.settings import Settings

    d: Path = tmp_path_factory.mktemp("standard") / "index"
    ingest([SEED_ARTICLE], Settings.from_env(index_dir=d))
    a = Assistant(index_dir=d)
    return {"store": a.store, "keyword": a.retriever().keyword}


class TestHybridRetrieverStandard(RetrieversIntegrationTests):
    @pytest.fixture(autouse=True)
    def _parts(self, seeded_parts: dict[str, Any]) -> None:
        type(self).parts = seeded_parts

    @property
    def retriever_constructor(self) -> type[HybridRetriever]:
        return HybridRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return dict(type(self).parts)

    @property
    def retriever_query_example(self) -> str:
        return "Who asked US diplomats to leave the room?"


class TestMiniLMEmbeddingsStandard(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[MiniLMEmbeddings]:
        return MiniLMEmbeddings


class TestHashEmbeddingsStandard(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[HashEmbeddings]:
        return HashEmbeddings
