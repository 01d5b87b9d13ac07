"""`client.embeddings.create` for Google's embedding models: Vertex AI's native `:predict`, answered as the SDK's
own `CreateEmbeddingResponse`, on the sync and the async client, against FakeVertex.

Google's native answers and errors here are the fake's, constructed from Google's documentation
(docs/vertex-endpoint.md, "Embeddings"); nothing is recorded live.
"""

from __future__ import annotations

import asyncio
import base64
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

import openai
import pytest
from openai.types import CreateEmbeddingResponse

from vertex_openai import UnsupportedEndpointError, async_vertex_openai_client, vertex_openai_client
from vertex_openai.gemini import EMBEDDING_TASK_TYPES, embedding_extra_body
from vertex_openai.testing import FakeVertex, Fault, RecordedRequest
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

        async def call(**kwargs: Any) -> Any:  # a client per event loop: its connections belong to the loop
            async with async_vertex_openai_client("fake-project", **client_kwargs) as aclient:
                return await aclient.embeddings.create(**kwargs)

        return lambda **kwargs: asyncio.run(call(**kwargs))

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


# -- encoding_format ------------------------------------------------------------------------------------------
def test_encoding_formats_match_what_openai_answers(embed: Embed, fake: FakeVertex) -> None:
    expected = _vector("text-embedding-005", "hi")
    default = embed(model="text-embedding-005", input="hi").data[0].embedding
    floats = embed(model="text-embedding-005", input="hi", encoding_format="float").data[0].embedding
    encoded = embed(model="text-embedding-005", input="hi", encoding_format="base64").data[0].embedding
    assert isinstance(default, list) and default == pytest.approx(expected, abs=1e-6)
    assert isinstance(floats, list) and floats == pytest.approx(expected, abs=1e-6)  # float32 precision
    assert isinstance(encoded, str)
    raw = base64.b64decode(encoded)
    assert len(raw) == 4 * 768
    assert list(struct.unpack("<768f", raw)) == pytest.approx(expected, abs=1e-6)
    assert all("encoding_format" not in r.json for r in fake.embed_requests)  # not Google's field


# -- task type, title, truncation ---------------------------------------------------------------------------------
def test_embedding_extra_body_puts_task_type_and_title_per_text_and_auto_truncate_in_parameters(
        embed: Embed, fake: FakeVertex) -> None:
    extra = embedding_extra_body(task_type="RETRIEVAL_DOCUMENT", title="Guide", auto_truncate=False)
    assert extra == {"task_type": "RETRIEVAL_DOCUMENT", "title": "Guide", "auto_truncate": False}
    answer = embed(model="text-embedding-005", input=["one", "two"], extra_body=extra)
    [sent] = fake.embed_requests
    assert sent.json == {"instances": [{"content": "one", "task_type": "RETRIEVAL_DOCUMENT", "title": "Guide"},
                                       {"content": "two", "task_type": "RETRIEVAL_DOCUMENT", "title": "Guide"}],
                         "parameters": {"autoTruncate": False}}
    assert answer.data[1].embedding == pytest.approx(
        _vector("text-embedding-005", "two", task_type="RETRIEVAL_DOCUMENT"), abs=1e-6)
    assert embedding_extra_body() == {}


def test_unknown_task_type_is_refused_before_sending_listing_the_valid_ones(embed: Embed, fake: FakeVertex) -> None:
    with pytest.raises(ValueError) as helper:
        embedding_extra_body(task_type="SEARCH")
    with pytest.raises(ValueError) as direct:
        embed(model="gemini-embedding-001", input="x", extra_body={"task_type": "SEARCH"})
    for caught in (helper, direct):
        assert "'SEARCH'" in str(caught.value)
        assert all(name in str(caught.value) for name in EMBEDDING_TASK_TYPES)
    with pytest.raises(ValueError, match=r"'color' not understood.*embedding_extra_body"):
        embed(model="gemini-embedding-001", input="x", extra_body={"color": "red"})
    assert fake.requests == []


# -- Google's limits handled for the caller ------------------------------------------------------------------------
def test_gemini_embedding_001_gets_one_text_per_request_in_order(embed: Embed, fake: FakeVertex) -> None:
    texts = [f"text number {i}" for i in range(12)]
    answer = embed(model="gemini-embedding-001", input=texts)
    assert sorted(r.json["instances"][0]["content"] for r in fake.embed_requests) == sorted(texts)
    assert all(len(r.json["instances"]) == 1 for r in fake.embed_requests)
    assert [item.index for item in answer.data] == list(range(12))
    for item, text in zip(answer.data, texts, strict=True):
        assert item.embedding == pytest.approx(_vector("gemini-embedding-001", text), abs=1e-6)
    assert answer.usage.total_tokens == 12 * 3


def test_a_long_list_is_split_at_250_texts_per_request(embed: Embed, fake: FakeVertex) -> None:
    texts = [f"t{i}" for i in range(600)]
    answer = embed(model="text-embedding-005", input=texts, dimensions=4)
    assert sorted(len(r.json["instances"]) for r in fake.embed_requests) == [100, 250, 250]
    assert [item.index for item in answer.data] == list(range(600))
    assert [item.embedding for item in answer.data[595:]] == [
        pytest.approx(_vector("text-embedding-005", t, 4), abs=1e-6) for t in texts[595:]]


def test_requests_stay_under_the_token_limit_per_request(embed: Embed, fake: FakeVertex) -> None:
    texts = ["lorem ipsum dolor " * 300] * 30  # 900 tokens each by the fake's count: 27,000 in all
    answer = embed(model="text-embedding-005", input=texts)
    assert len(fake.embed_requests) >= 2
    assert all(r.json["instances"] and len(r.json["instances"]) * 900 <= 20_000 for r in fake.embed_requests)
    assert len(answer.data) == 30


def test_a_request_google_refuses_for_its_token_count_is_split_and_retried(embed: Embed, fake: FakeVertex) -> None:
    # Single letters: two bytes per token, so the client's estimate (a third of the bytes) is too low and the
    # fake's 20,000-token limit refuses the first request of 250 texts (25,000 tokens).
    texts = ["a " * 100 + str(i) for i in range(250)]
    answer = embed(model="text-embedding-005", input=texts)
    sizes = [len(r.json["instances"]) for r in fake.embed_requests]
    assert sizes[0] == 250 and sorted(sizes[1:]) == [125, 125]
    assert [item.index for item in answer.data] == list(range(250))
    assert answer.data[249].embedding == pytest.approx(_vector("text-embedding-005", texts[249]), abs=1e-6)


def test_a_scripted_token_400_on_a_batch_is_split_but_one_text_over_the_limit_is_raised(embed: Embed,
                                                                                         fake: FakeVertex) -> None:
    too_many = _native_error(400, "INVALID_ARGUMENT", "Unable to submit request because the input token count is "
                             "21000 but the model supports up to 20000.")
    fake.play(Fault(status=400, body=too_many))
    answer = embed(model="text-embedding-005", input=["a", "b", "c"])
    assert [len(r.json["instances"]) for r in fake.embed_requests] == [3, 1, 2]
    assert [item.index for item in answer.data] == [0, 1, 2]
    fake.reset()
    fake.play(Fault(status=400, body=too_many))
    with pytest.raises(openai.BadRequestError, match="input token count is 21000"):
        embed(model="text-embedding-005", input=["a"])
    assert len(fake.embed_requests) == 1


class _CountingFake(FakeVertex):
    """Counts how many native requests are being answered at once (each is held for a moment)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.in_flight = 0
        self.most_in_flight = 0
        self._count_lock = threading.Lock()

    def _record(self, request: RecordedRequest) -> Any:
        if request.path.endswith(":predict"):
            with self._count_lock:
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
            time.sleep(0.05)
            with self._count_lock:
                self.in_flight -= 1
        return super()._record(request)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_requests_of_one_call_run_concurrently_within_the_bound(mode: str) -> None:
    with _CountingFake() as counting:
        kwargs: Any = {"base_url": counting.base_url, "credentials": counting.credentials()}
        texts = [f"t{i}" for i in range(24)]
        if mode == "sync":
            client = vertex_openai_client("fake-project", **kwargs)
            client.embeddings.max_concurrency = 4
            answer = client.embeddings.create(model="gemini-embedding-001", input=texts)
        else:
            aclient = async_vertex_openai_client("fake-project", **kwargs)
            aclient.embeddings.max_concurrency = 4
            answer = asyncio.run(aclient.embeddings.create(model="gemini-embedding-001", input=texts))
    assert len(counting.embed_requests) == 24
    assert 1 < counting.most_in_flight <= 4
    assert [item.index for item in answer.data] == list(range(24))


def test_a_429_with_retry_info_is_retried_after_googles_delay(embed_with: Callable[..., Embed],
                                                              fake: FakeVertex) -> None:
    detail = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.4s"}
    fake.play(Fault(status=429, body=_native_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", [detail])))
    embed = embed_with(max_retries=2)
    started = time.monotonic()
    answer = embed(model="gemini-embedding-001", input="x")
    assert time.monotonic() - started >= 0.4
    assert len(fake.embed_requests) == 2 and len(answer.data) == 1


# -- refusals before sending --------------------------------------------------------------------------------------
@pytest.mark.parametrize("tokens", [[15339, 1917], [[15339, 1917], [9906]]])
def test_token_ids_are_refused_naming_the_fix(embed: Embed, fake: FakeVertex, tokens: Any) -> None:
    with pytest.raises(ValueError, match=r"token ids.*check_embedding_ctx_length=False"):
        embed(model="gemini-embedding-001", input=tokens)
    assert fake.requests == []


@pytest.mark.parametrize("model", ["text-embedding-3-small", "text-embedding-ada-002", "openai/text-embedding-3-large"])
def test_openai_model_ids_get_an_error_naming_googles_models(embed: Embed, fake: FakeVertex, model: str) -> None:
    with pytest.raises(ValueError) as caught:
        embed(model=model, input="x")
    assert "gemini-embedding-001" in str(caught.value) and "text-embedding-005" in str(caught.value)
    assert fake.requests == []


# -- what passes through ----------------------------------------------------------------------------------------------
def test_maas_embedding_models_keep_going_to_the_openapi_endpoint(embed: Embed, fake: FakeVertex) -> None:
    with pytest.raises(openai.NotFoundError):  # the fake serves no MaaS model
        embed(model="intfloat/multilingual-e5-small-maas", input=["x"])
    [sent] = fake.requests
    assert sent.path == "/v1/projects/fake-project/locations/global/endpoints/openapi/embeddings"
    assert sent.json["model"] == "intfloat/multilingual-e5-small-maas"


@pytest.mark.parametrize("where", ["self-deployed", "other-server"])
def test_self_deployed_endpoints_and_other_servers_pass_through(embed_with: Callable[..., Embed], fake: FakeVertex,
                                                                where: str) -> None:
    if where == "self-deployed":
        embed = embed_with(base_url=fake.url_for(endpoint="1234567890"))
        path = "/v1/projects/fake-project/locations/global/endpoints/1234567890/embeddings"
    else:
        embed = embed_with(base_url=f"{fake.origin}/v1")
        path = "/v1/embeddings"
    with pytest.raises(openai.NotFoundError):
        embed(model="gemini-embedding-001", input="x")
    [sent] = fake.requests
    assert sent.path == path and sent.json["model"] == "gemini-embedding-001"


# -- Google's errors ------------------------------------------------------------------------------------------------
def test_googles_native_errors_become_the_sdks_exceptions_with_googles_message(embed: Embed,
                                                                             fake: FakeVertex) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        embed(model="text-embedding-005", input="x", dimensions=4096)
    assert "between 1 and 768" in caught.value.message
    assert caught.value.code == "INVALID_ARGUMENT"
    fake.play(Fault(status=403, body=_native_error(403, "PERMISSION_DENIED",
                                                   "Permission 'aiplatform.endpoints.predict' denied.")))
    with pytest.raises(openai.PermissionDeniedError, match=r"aiplatform\.endpoints\.predict"):
        embed(model="text-embedding-005", input="x")


# -- raw responses ----------------------------------------------------------------------------------------------------
def test_with_raw_response_on_one_exchange_is_that_exchange(fake: FakeVertex) -> None:
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=fake.credentials())
    raw = client.embeddings.with_raw_response.create(model="text-embedding-005", input=["a", "b"])
    assert raw.status_code == 200 and raw.headers["content-type"].startswith("application/json")
    assert str(raw.http_request.url).endswith("/publishers/google/models/text-embedding-005:predict")
    parsed = raw.parse()
    assert isinstance(parsed, CreateEmbeddingResponse) and [d.index for d in parsed.data] == [0, 1]
    with client.embeddings.with_streaming_response.create(model="text-embedding-005", input="c") as streamed:
        assert streamed.status_code == 200
        assert len(streamed.parse().data[0].embedding) == 768


def test_async_with_raw_response_on_one_exchange_is_that_exchange(fake: FakeVertex) -> None:
    async def run() -> tuple[Any, Any]:
        async with async_vertex_openai_client("fake-project", base_url=fake.base_url,
                                              credentials=fake.credentials()) as client:
            raw = await client.embeddings.with_raw_response.create(model="gemini-embedding-001", input="a",
                                                                   dimensions=3)
            async with client.embeddings.with_streaming_response.create(model="text-embedding-005",
                                                                        input=["b", "c"]) as streamed:
                return (raw.status_code, raw.parse()), (streamed.status_code, await streamed.parse())

    (status, parsed), (streamed_status, streamed) = asyncio.run(run())
    assert status == streamed_status == 200
    assert len(parsed.data[0].embedding) == 3 and [d.index for d in streamed.data] == [0, 1]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_with_raw_response_on_several_exchanges_is_refused_before_sending(fake: FakeVertex, mode: str) -> None:
    kwargs: Any = {"base_url": fake.base_url, "credentials": fake.credentials()}
    with pytest.raises(UnsupportedEndpointError, match=r"needs 3 requests.*without the raw-response wrapper"):
        if mode == "sync":
            vertex_openai_client("fake-project", **kwargs).embeddings.with_raw_response.create(
                model="gemini-embedding-001", input=["a", "b", "c"])
        else:
            client = async_vertex_openai_client("fake-project", **kwargs)
            asyncio.run(client.embeddings.with_raw_response.create(model="gemini-embedding-001", input=["a", "b", "c"]))
    assert fake.requests == []


def test_a_400_that_is_not_about_size_is_raised_at_once_not_split(embed: Embed, fake: FakeVertex) -> None:
    with pytest.raises(openai.BadRequestError, match="outputDimensionality"):
        embed(model="text-embedding-005", input=["a", "b", "c", "d"], dimensions=1000)
    assert len(fake.embed_requests) == 1


def test_an_answer_without_a_vector_per_text_is_the_sdks_validation_error(embed: Embed, fake: FakeVertex) -> None:
    fake.play(Fault(status=200, body={"predictions": [{"embeddings": {"statistics": {"token_count": 1}}}]}))
    with pytest.raises(openai.APIResponseValidationError, match="no vector for prediction 0"):
        embed(model="text-embedding-005", input="a")


def test_fake_mode_serves_embeddings(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.accept_token("fake-mode-embed-token")
    monkeypatch.setenv("VERTEX_OPENAI_FAKE_BASE_URL", fake.base_url)
    monkeypatch.setenv("VERTEX_OPENAI_FAKE_TOKEN", "fake-mode-embed-token")
    with pytest.warns(UserWarning, match="fake mode"):
        client = vertex_openai_client()
    answer = client.embeddings.create(model="text-multilingual-embedding-002", input=["こんにちは", "hola"])
    assert len(answer.data) == 2 and answer.usage.total_tokens == 5 + 1
    assert [r.token for r in fake.embed_requests] == ["fake-mode-embed-token"]


def test_the_quota_fake_throttles_embeddings_and_retry_info_gets_them_through() -> None:
    from vertex_openai.testing import QuotaFakeVertex

    with QuotaFakeVertex(rate=20, window=0.25) as quota:  # 5 requests per quarter second
        client = vertex_openai_client("fake-project", base_url=quota.base_url, credentials=quota.credentials(),
                                      max_retries=8)
        answer = client.embeddings.create(model="gemini-embedding-001", input=[f"t{i}" for i in range(16)])
    assert len(answer.data) == 16
    assert quota.throttled > 0 and quota.admitted == 16


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"input": []}, ValueError, "empty list"),
    ({"input": ["ok", None]}, TypeError, r"input\[1\] is a NoneType"),
    ({"input": b"bytes"}, TypeError, "decode it first"),
    ({"input": "x", "dimensions": 0}, ValueError, "positive int"),
    ({"input": "x", "encoding_format": "int8"}, ValueError, "'float' or 'base64'"),
])
def test_bad_input_is_refused_before_sending_saying_what_was_wrong(embed: Embed, fake: FakeVertex,
                                                                  kwargs: dict[str, Any], error: type,
                                                                  words: str) -> None:
    with pytest.raises(error, match=words):
        embed(model="text-embedding-005", **kwargs)
    assert fake.requests == []
