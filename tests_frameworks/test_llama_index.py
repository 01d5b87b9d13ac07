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
