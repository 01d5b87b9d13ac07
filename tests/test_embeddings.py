"""`client.embeddings.create` for Google's embedding models: Vertex AI's native `:predict`, answered as the SDK's
own `CreateEmbeddingResponse`, on the sync and the async client, against FakeVertex.

Google's native answers and errors here are the fake's, constructed from Google's documentation
(docs/vertex-endpoint.md, "Embeddings"); nothing is recorded live.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from openai.types import CreateEmbeddingResponse

from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai.testing import FakeVertex
from vertex_openai.testing._fake_embeddings import fake_vector

Embed = Callable[..., Any]


def _native_error(code: int, status: str, message: str, details: list[Any] | None = None) -> dict[str, Any]:
    """Google's native methods wrap their error in an object (the OpenAI-compatible layer uses a list)."""
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details is not None:
        error["details"] = details
    return {"error": error}


@pytest.fixture(params=["sync", "async"])
def embed_with(request: pytest.FixtureRequest, fake: FakeVertex) -> Callable[..., Embed]:
    """A factory: client keywords -> a function calling that client's `embeddings.create(**kwargs)`."""

    def make(**client_kwargs: Any) -> Embed:
        client_kwargs.setdefault("base_url", fake.base_url)
        client_kwargs.setdefault("credentials", fake.credentials())
        client_kwargs.setdefault("max_retries", 0)
        if request.param == "sync":
            client = vertex_openai_client("fake-project", **client_kwargs)
            return lambda **kwargs: client.embeddings.create(**kwargs)
        aclient = async_vertex_openai_client("fake-project", **client_kwargs)
        return lambda **kwargs: asyncio.run(aclient.embeddings.create(**kwargs))

    return make


@pytest.fixture
def embed(embed_with: Callable[..., Embed]) -> Embed:
    return embed_with()


def _vector(model: str, text: str, dimensions: int | None = None, task_type: str = "RETRIEVAL_QUERY") -> list[float]:
    size = 3072 if model == "gemini-embedding-001" else 768
    return fake_vector(model, task_type, text, dimensions or size, size)


# -- routing ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("model", ["gemini-embedding-001", "google/gemini-embedding-001", "text-embedding-005",
                                   "google/text-multilingual-embedding-002"])
def test_google_models_go_to_the_native_method_with_the_clients_token(embed: Embed, fake: FakeVertex,
                                                                       model: str) -> None:
    answer = embed(model=model, input="hello world")
    bare = model.removeprefix("google/")
    [sent] = fake.requests
    assert sent.path == f"/v1/projects/fake-project/locations/global/publishers/google/models/{bare}:predict"
    assert sent.token_valid
    assert sent.json == {"instances": [{"content": "hello world"}]}
    assert isinstance(answer, CreateEmbeddingResponse)
    assert answer.object == "list" and answer.model == model
    assert [item.index for item in answer.data] == [0]
    assert answer.data[0].embedding == pytest.approx(_vector(bare, "hello world"), abs=1e-6)


def test_a_list_keeps_input_order_and_usage_is_googles_token_count(embed: Embed) -> None:
    texts = ["alpha", "beta gamma", "δέλτα", "epsilon zeta eta"]
    answer = embed(model="text-embedding-005", input=texts)
    assert [item.index for item in answer.data] == [0, 1, 2, 3]
    for item, text in zip(answer.data, texts, strict=True):
        assert item.embedding == pytest.approx(_vector("text-embedding-005", text), abs=1e-6)
    # The fake counts one token per ASCII word and per other character (its stand-in tokenizer).
    assert answer.usage.prompt_tokens == answer.usage.total_tokens == 1 + 2 + 5 + 3


def test_dimensions_become_output_dimensionality(embed: Embed, fake: FakeVertex) -> None:
    answer = embed(model="gemini-embedding-001", input=["a", "b"], dimensions=256)
    assert [r.json["parameters"] for r in fake.embed_requests] == [{"outputDimensionality": 256}] * 2
    assert [len(item.embedding) for item in answer.data] == [256, 256]
    assert answer.data[1].embedding == pytest.approx(_vector("gemini-embedding-001", "b", 256), abs=1e-6)


# -- the fake's own limits (Google's documented ones) ---------------------------------------------------------
def _post(fake: FakeVertex, model: str, body: dict[str, Any]) -> tuple[int, Any]:
    import httpx

    token = "fake-limits-token"
    fake.accept_token(token)
    url = fake.base_url.replace("/endpoints/openapi", f"/publishers/google/models/{model}:predict")
    response = httpx.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json()


@pytest.mark.parametrize(("model", "body", "status", "words"), [
    ("gemini-embedding-001", {"instances": [{"content": "a"}, {"content": "b"}]}, 400, "at most 1 instance"),
    ("text-embedding-005", {"instances": [{"content": "a"}] * 251}, 400, "at most 250 instance"),
    ("text-embedding-005", {"instances": [{"content": "word " * 10_001}] * 2}, 400, "input token count is 20002"),
    ("text-embedding-005", {"instances": [{"content": "a"}], "parameters": {"outputDimensionality": 769}}, 400,
     "between 1 and 768"),
    ("text-embedding-005", {"instances": [{"content": "w " * 2049}], "parameters": {"autoTruncate": False}}, 400,
     "autoTruncate is false"),
    ("text-embedding-005", {"instances": [{"content": "a", "task_type": "SEARCH"}]}, 400, "task_type"),
    ("text-embedding-999", {"instances": [{"content": "a"}]}, 404, "was not found"),
])
def test_the_fake_enforces_googles_documented_limits(fake: FakeVertex, model: str, body: dict[str, Any],
                                                     status: int, words: str) -> None:
    code, answer = _post(fake, model, body)
    assert code == status
    assert words in answer["error"]["message"], answer
    assert answer["error"]["code"] == status


def test_the_fake_answers_deterministic_unit_vectors_and_truncation_statistics(fake: FakeVertex) -> None:
    code, answer = _post(fake, "text-embedding-005", {"instances": [{"content": "same"}, {"content": "w " * 3000}]})
    assert code == 200
    first, long = answer["predictions"]
    again = _post(fake, "text-embedding-005", {"instances": [{"content": "same"}]})[1]["predictions"][0]
    assert first["embeddings"]["values"] == again["embeddings"]["values"]
    assert sum(v * v for v in first["embeddings"]["values"]) == pytest.approx(1.0, abs=1e-5)
    assert long["embeddings"]["statistics"] == {"token_count": 2048, "truncated": True}
