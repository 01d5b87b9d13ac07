"""openai-agents on our client, wired as docs/frameworks/openai-agents.md says: Chat Completions and Responses."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from typing import Any

import openai
import pytest
from agents import Agent, Runner, function_tool

from conftest import MODEL, Order, tool_names, weather, wired
from vertex_openai.testing import FakeVertex

PROMPT = "Extract the order of Ada, 1 Main St, Paris, paid by card."
# client.responses served through chat completions (the bridge) in this library release?
BRIDGE = importlib.util.find_spec("vertex_openai.responses") is not None
MODELS = ["chat", "responses"]


def model_for(kind: str, namespace: dict[str, Any]) -> Any:
    return namespace["chat_model"] if kind == "chat" else MODEL  # a string: the default (Responses) model


def expect_no_bridge(kind: str, fake: FakeVertex, run: Any) -> bool:
    """Without the bridge the Responses model's request reaches the server: assert that clear 404 and stop."""
    if kind == "chat" or BRIDGE:
        return False
    with pytest.raises(openai.NotFoundError, match="does not serve /responses"):
        run()
    assert fake.requests[-1].path.endswith("/endpoints/openapi/responses")
    return True


@pytest.mark.parametrize("kind", MODELS)
def test_structured_output(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    namespace = wired("openai-agents", fake, monkeypatch)
    agent = Agent(name="extractor", model=model_for(kind, namespace), output_type=Order)

    def run() -> Any:
        return asyncio.run(Runner.run(agent, PROMPT)).final_output

    if expect_no_bridge(kind, fake, run):
        return
    order = run()
    assert isinstance(order, Order) and order.payment.kind == "card" and order.address.city
    sent = fake.chat_requests[-1].json
    assert sent["response_format"]["type"] == "json_schema" and '"const"' not in json.dumps(sent)


@pytest.mark.parametrize("kind", MODELS)
def test_tool_loop(loop_fake: FakeVertex, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    namespace = wired("openai-agents", loop_fake, monkeypatch)
    agent = Agent(name="assistant", model=model_for(kind, namespace), tools=[function_tool(weather)])

    def run() -> Any:
        return asyncio.run(Runner.run(agent, "Weather in Paris?"))

    if expect_no_bridge(kind, loop_fake, run):
        return
    result = run()
    assert tool_names(loop_fake) == [[], ["weather"]]
    assert isinstance(result.final_output, str) and result.final_output
    tool_messages = [m for m in loop_fake.chat_requests[-1].json["messages"] if m["role"] == "tool"]
    assert tool_messages and "sunny in" in tool_messages[0]["content"]


@pytest.mark.parametrize("kind", MODELS)
def test_streaming(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    namespace = wired("openai-agents", fake, monkeypatch)
    agent = Agent(name="assistant", model=model_for(kind, namespace))

    async def stream() -> tuple[list[str], Any]:
        result = Runner.run_streamed(agent, "Say hello")
        deltas = [event.data.delta async for event in result.stream_events()
                  if event.type == "raw_response_event" and event.data.type == "response.output_text.delta"]
        return deltas, result.final_output

    def run() -> Any:
        return asyncio.run(stream())

    if expect_no_bridge(kind, fake, run):
        return
    deltas, final = run()
    assert len(deltas) > 1 and "".join(deltas) == final == "You said: Say hello"
    assert fake.chat_requests[-1].json["stream"] is True


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
