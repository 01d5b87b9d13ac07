"""langchain-openai's ChatOpenAI on our clients, wired as docs/frameworks/langchain.md says."""

from __future__ import annotations

import asyncio
import json

import pytest
from langchain_core.messages import HumanMessage, ToolMessage

from conftest import Order, tool_names, weather, wired
from vertex_openai.testing import FakeVertex

PROMPT = "Extract the order of Ada, 1 Main St, Paris, paid by card."


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
def test_structured_output(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    llm = wired("langchain", fake, monkeypatch)["llm"]
    order = llm.with_structured_output(Order, method=method).invoke(PROMPT)
    assert isinstance(order, Order) and order.payment.kind == "card" and order.address.city
    sent = fake.chat_requests[-1].json
    if method == "function_calling":
        assert sent["tools"][0]["function"].get("strict") is not True
        assert '"const"' not in json.dumps(sent["tools"])
    else:
        assert sent["response_format"]["type"] == "json_schema"


def test_structured_output_async(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> None:
    llm = wired("langchain", fake, monkeypatch)["llm"]
    order = asyncio.run(llm.with_structured_output(Order, method="function_calling").ainvoke(PROMPT))
    assert isinstance(order, Order)


def test_tool_loop(loop_fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> None:
    llm = wired("langchain", loop_fake, monkeypatch)["llm"].bind_tools([weather])
    messages: list = [HumanMessage("Weather in Paris?")]
    for _ in range(3):
        reply = llm.invoke(messages)
        messages.append(reply)
        if not reply.tool_calls:
            break
        for call in reply.tool_calls:
            messages.append(ToolMessage(weather(**call["args"]), tool_call_id=call["id"]))
    assert tool_names(loop_fake) == [[], ["weather"]]
    assert isinstance(messages[-1].content, str) and messages[-1].content


def test_streaming(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> None:
    llm = wired("langchain", fake, monkeypatch)["llm"]
    pieces = [chunk.content for chunk in llm.stream("Say hello")]
    assert len([p for p in pieces if p]) > 1 and "".join(pieces) == "You said: Say hello"

    async def run() -> str:
        return "".join([chunk.content async for chunk in llm.astream("Say bye")])

    assert asyncio.run(run()) == "You said: Say bye"


def test_without_the_root_clients_structured_output_fails(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> None:
    # Why the docs page passes all four: ChatOpenAI leaves root_client unset when client= is given.
    from langchain_openai import ChatOpenAI

    namespace = wired("langchain", fake, monkeypatch)
    client, async_client = namespace["client"], namespace["async_client"]
    llm = ChatOpenAI(model="gemini-2.5-flash", client=client.chat.completions,
                     async_client=async_client.chat.completions)
    assert llm.invoke("hi").content == "You said: hi"
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'chat'"):
        llm.with_structured_output(Order).invoke(PROMPT)


# -- embeddings: OpenAIEmbeddings on our clients' embeddings resources (docs/frameworks/langchain.md, "Embeddings")
def _google_vector(text: str, dimensions: int = 3072) -> list[float]:
    from vertex_openai.testing._fake_embeddings import fake_vector

    return fake_vector("gemini-embedding-001", "RETRIEVAL_QUERY", text, dimensions, 3072)


def _same(got: list[list[float]], texts: list[str], dimensions: int = 3072) -> bool:
    """The fake's vectors for these texts, as float32 values (the SDK's default encoding carries float32)."""
    return len(got) == len(texts) and all(vector == pytest.approx(_google_vector(text, dimensions), abs=1e-7)
                                          for vector, text in zip(got, texts, strict=True))


def test_embeddings_documents_and_query(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> None:
    embeddings = wired("langchain", fake, monkeypatch, section="Embeddings")["embeddings"]
    texts = ["first chunk", "second chunk", "third chunk"]
    assert _same(embeddings.embed_documents(texts), texts)
    assert _same([embeddings.embed_query("a question")], ["a question"])
    sent = [request.json["instances"] for request in fake.embed_requests]
    assert sorted(i[0]["content"] for i in sent) == sorted([*texts, "a question"])  # one text per request
    assert all(len(i) == 1 for i in sent)
    assert _same(asyncio.run(embeddings.aembed_documents(["async chunk"])), ["async chunk"])
    smaller = embeddings.model_copy(update={"dimensions": 64})
    assert _same([smaller.embed_query("short")], ["short"], 64)
    assert fake.embed_requests[-1].json["parameters"]["outputDimensionality"] == 64


def test_embeddings_default_ctx_length_check_sends_token_ids_which_are_refused(
    fake: FakeVertex, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tiktoken
    from langchain_openai import OpenAIEmbeddings

    # What a user with network access gets from tiktoken, built offline: a byte-level encoding.
    offline = tiktoken.Encoding(name="offline-bytes", pat_str=r"\S+|\s+",
                                mergeable_ranks={bytes([b]): b for b in range(256)}, special_tokens={})
    monkeypatch.setattr(tiktoken, "encoding_for_model", lambda name: offline)
    monkeypatch.setattr(tiktoken, "get_encoding", lambda name: offline)
    wired_embeddings = wired("langchain", fake, monkeypatch, section="Embeddings")["embeddings"]
    default = OpenAIEmbeddings(model="gemini-embedding-001", client=wired_embeddings.client,
                               async_client=wired_embeddings.async_client)
    with pytest.raises(ValueError, match=r"token ids.*check_embedding_ctx_length=False"):
        default.embed_documents(["a chunk of text"])
    assert fake.embed_requests == []  # refused before sending
