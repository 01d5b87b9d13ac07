"""openai-agents on our client, wired as docs/frameworks/openai-agents.md says: Chat Completions and Responses."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from agents import Agent, Runner, function_tool

from conftest import MODEL, Order, tool_names, weather, wired
from vertex_openai.testing import FakeVertex

PROMPT = "Extract the order of Ada, 1 Main St, Paris, paid by card."
MODELS = ["chat", "responses"]


def model_for(kind: str, namespace: dict[str, Any]) -> Any:
    return namespace["chat_model"] if kind == "chat" else MODEL  # a string: the default (Responses) model


def assert_served_by_chat_completions(fake: FakeVertex) -> None:
    """The Responses model's calls went out as chat completions (the bridge); nothing asked for /responses."""
    assert fake.chat_requests and not any(r.path.endswith("/responses") for r in fake.requests)


@pytest.mark.parametrize("kind", MODELS)
def test_structured_output(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    namespace = wired("openai-agents", fake, monkeypatch)
    agent = Agent(name="extractor", model=model_for(kind, namespace), output_type=Order)

    order = asyncio.run(Runner.run(agent, PROMPT)).final_output
    assert isinstance(order, Order) and order.payment.kind == "card" and order.address.city
    sent = fake.chat_requests[-1].json
    assert sent["response_format"]["type"] == "json_schema" and '"const"' not in json.dumps(sent)
    assert_served_by_chat_completions(fake)


@pytest.mark.parametrize("kind", MODELS)
def test_tool_loop(loop_fake: FakeVertex, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    namespace = wired("openai-agents", loop_fake, monkeypatch)
    agent = Agent(name="assistant", model=model_for(kind, namespace), tools=[function_tool(weather)])

    result = asyncio.run(Runner.run(agent, "Weather in Paris?"))
    assert tool_names(loop_fake) == [[], ["weather"]]
    assert isinstance(result.final_output, str) and result.final_output
    tool_messages = [m for m in loop_fake.chat_requests[-1].json["messages"] if m["role"] == "tool"]
    assert tool_messages and "sunny in" in tool_messages[0]["content"]
    assert_served_by_chat_completions(loop_fake)


@pytest.mark.parametrize("kind", MODELS)
def test_streaming(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    namespace = wired("openai-agents", fake, monkeypatch)
    agent = Agent(name="assistant", model=model_for(kind, namespace))

    async def stream() -> tuple[list[str], Any]:
        result = Runner.run_streamed(agent, "Say hello")
        deltas = [event.data.delta async for event in result.stream_events()
                  if event.type == "raw_response_event" and event.data.type == "response.output_text.delta"]
        return deltas, result.final_output

    deltas, final = asyncio.run(stream())
    assert len(deltas) > 1 and "".join(deltas) == final == "You said: Say hello"
    assert fake.chat_requests[-1].json["stream"] is True
    assert_served_by_chat_completions(fake)


def test_tools_with_output_type_on_gemini_2_are_refused_before_sending(
    fake: FakeVertex, monkeypatch: pytest.MonkeyPatch
) -> None:
    namespace = wired("openai-agents", fake, monkeypatch)
    agent = Agent(name="both", model=namespace["chat_model"], tools=[function_tool(weather)], output_type=Order)
    from vertex_openai.structured import UnsupportedRequestError

    with pytest.raises(UnsupportedRequestError, match="rejects tools together with a JSON response_format"):
        asyncio.run(Runner.run(agent, PROMPT))
    assert fake.chat_requests == []


def test_tracing_is_off(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> None:
    from agents.tracing import get_trace_provider

    wired("openai-agents", fake, monkeypatch)
    with get_trace_provider().create_trace("probe") as trace:  # a disabled provider hands out no-op traces
        assert type(trace).__name__ == "NoOpTrace"
