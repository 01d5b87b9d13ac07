"""llama-index's OpenAILike on our clients, wired as docs/frameworks/llama-index.md says."""

from __future__ import annotations

import asyncio
import json

import pytest
from llama_index.core.llms import ChatMessage
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool

from conftest import Order, tool_names, weather, wired
from vertex_openai import UnsupportedEndpointError
from vertex_openai.testing import FakeVertex


def test_complete_and_chat_stream(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> None:
    llm = wired("llama-index", fake, monkeypatch)["llm"]
    assert llm.complete("Hello").text == "You said: Hello"
    deltas = [r.delta for r in llm.stream_chat([ChatMessage(role="user", content="Say hello")])]
    assert len(deltas) > 1 and "".join(deltas) == "You said: Say hello"
    assert fake.chat_requests[-1].json["stream"] is True

    async def run() -> str:
        stream = await llm.astream_chat([ChatMessage(role="user", content="Say bye")])
        return "".join([r.delta async for r in stream])

    assert asyncio.run(run()) == "You said: Say bye"


def test_structured_output(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> None:
    llm = wired("llama-index", fake, monkeypatch)["llm"]
    order = llm.structured_predict(Order, PromptTemplate("Extract the order: {text}"), text="Ada, Paris, card")
    assert isinstance(order, Order) and order.payment.kind == "card" and order.address.city
    tool = fake.chat_requests[-1].json["tools"][0]["function"]
    assert tool.get("strict") is not True and '"const"' not in json.dumps(tool)
    structured = llm.as_structured_llm(Order)
    raw = structured.chat([ChatMessage(role="user", content="Ada, Paris, card")]).raw
    assert isinstance(raw, Order)


def test_tool_loop(loop_fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> None:
    llm = wired("llama-index", loop_fake, monkeypatch)["llm"]
    tool = FunctionTool.from_defaults(weather)
    messages = [ChatMessage(role="user", content="Weather in Paris?")]
    for _ in range(3):
        response = llm.chat_with_tools([tool], chat_history=messages)
        messages.append(response.message)
        calls = llm.get_tool_calls_from_response(response, error_on_no_tool_call=False)
        if not calls:
            break
        for call in calls:
            messages.append(ChatMessage(role="tool", content=weather(**call.tool_kwargs),
                                        additional_kwargs={"tool_call_id": call.tool_id}))
    assert tool_names(loop_fake) == [[], ["weather"]]
    assert messages[-1].content


def test_default_legacy_completions_is_refused_before_sending(
    fake: FakeVertex, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llama_index.llms.openai_like import OpenAILike

    namespace = wired("llama-index", fake, monkeypatch)
    llm = namespace["llm"]
    legacy = OpenAILike(model="gemini-2.5-flash", api_key="unused", openai_client=llm._get_client(),
                        async_openai_client=llm._get_aclient())
    with pytest.raises(UnsupportedEndpointError, match=r"chat\.completions\.create"):
        legacy.complete("Hello")
    assert fake.requests == []


# -- embeddings: OpenAIEmbedding on our clients (docs/frameworks/llama-index.md, "Embeddings") --------------------
def _google_vector(text: str, dimensions: int = 3072) -> list[float]:
    from vertex_openai.testing._fake_embeddings import fake_vector

    return fake_vector("gemini-embedding-001", "RETRIEVAL_QUERY", text, dimensions, 3072)


def _same(got: list[list[float]], texts: list[str], dimensions: int = 3072) -> bool:
    """The fake's vectors for these texts, as float32 values (the SDK's default encoding carries float32)."""
    return len(got) == len(texts) and all(vector == pytest.approx(_google_vector(text, dimensions), abs=1e-7)
                                          for vector, text in zip(got, texts, strict=True))


def test_embeddings_batch_and_query(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> None:
    namespace = wired("llama-index", fake, monkeypatch, section="Embeddings")
    embed_model = namespace["embed_model"]
    texts = ["first node", "second node", "third node"]
    assert _same(embed_model.get_text_embedding_batch(texts), texts)
    assert _same([embed_model.get_query_embedding("a question")], ["a question"])
    sent = [request.json["instances"] for request in fake.embed_requests]
    assert all(len(i) == 1 for i in sent) and len(sent) == 4  # gemini-embedding-001: one text per request
    assert fake.embed_requests[0].token is not None  # our client's token, not an OpenAI key

    async def run() -> list[list[float]]:
        return await embed_model.aget_text_embedding_batch(["async node", "another"])

    assert _same(asyncio.run(run()), ["async node", "another"])


def test_embeddings_dimensions(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> None:
    from llama_index.embeddings.openai import OpenAIEmbedding

    namespace = wired("llama-index", fake, monkeypatch, section="Embeddings")
    smaller = OpenAIEmbedding(model_name="gemini-embedding-001", api_key="unused", dimensions=48)
    smaller._client = namespace["embed_model"]._client
    assert _same([smaller.get_query_embedding("short")], ["short"], 48)
    assert fake.embed_requests[-1].json["parameters"]["outputDimensionality"] == 48
