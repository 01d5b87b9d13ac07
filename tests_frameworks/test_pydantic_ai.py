"""pydantic-ai on our client, wired as docs/frameworks/pydantic-ai.md says."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re

import openai
import pytest
from pydantic_ai import Agent, NativeOutput

from conftest import DOCS, Order, tool_names, weather, wired, wiring
from vertex_openai.testing import FakeVertex

PROMPT = "Extract the order of Ada, 1 Main St, Paris, paid by card."


def test_output_tool_nested_model_and_tagged_union(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> None:
    model = wired("pydantic-ai", fake, monkeypatch)["model"]
    order = Agent(model, output_type=Order).run_sync(PROMPT).output
    assert isinstance(order, Order) and order.payment.kind == "card"
    tool = fake.chat_requests[-1].json["tools"][0]["function"]
    assert tool.get("strict") is not True and '"const"' not in json.dumps(tool)


def test_native_output_json_schema(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> None:
    model = wired("pydantic-ai", fake, monkeypatch)["model"]
    order = Agent(model, output_type=NativeOutput(Order)).run_sync(PROMPT).output
    assert isinstance(order, Order)
    assert fake.chat_requests[-1].json["response_format"]["type"] == "json_schema"


def test_tool_loop(loop_fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> None:
    model = wired("pydantic-ai", loop_fake, monkeypatch)["model"]
    result = Agent(model, tools=[weather]).run_sync("Weather in Paris?")
    assert tool_names(loop_fake) == [[], ["weather"]]  # called, answered, then a text reply
    assert isinstance(result.output, str) and result.output
    tool_messages = [m for m in loop_fake.chat_requests[-1].json["messages"] if m["role"] == "tool"]
    assert tool_messages and "sunny in" in tool_messages[0]["content"]


def test_streaming(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> None:
    model = wired("pydantic-ai", fake, monkeypatch)["model"]

    async def run() -> list[str]:
        async with Agent(model).run_stream("Say hello") as result:
            return [text async for text in result.stream_text(delta=True, debounce_by=None)]

    pieces = asyncio.run(run())
    assert len(pieces) > 1 and "".join(pieces) == "You said: Say hello"
    assert fake.chat_requests[-1].json["stream"] is True


def test_openai_compatible_provider(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> None:
    import pydantic_ai

    text = (DOCS / "pydantic-ai.md").read_text(encoding="utf-8")
    prose = " ".join(text.split())
    installed = _release(pydantic_ai.__version__)
    if importlib.util.find_spec("pydantic_ai.providers.openai_compatible") is None:
        # The page names the newest release that lacks it for this openai major: this one is no newer.
        major = openai.__version__.split(".")[0]
        found = re.search(rf"openai {major}\.x \(up to (\d+\.\d+\.\d+)\)", prose)
        assert found, f"the page names no pydantic-ai release range for openai {major}.x"
        assert installed <= _release(found[1]), (pydantic_ai.__version__, found[0])
        return
    found = re.search(r"Releases from (\d+\.\d+\.\d+) on \(they need openai 3\.x", prose)
    assert found, "the page names no first release that has OpenAICompatibleProvider"
    assert installed >= _release(found[1]), (pydantic_ai.__version__, found[0])
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks[0] == wiring("pydantic-ai")
    namespace = wired("pydantic-ai", fake, monkeypatch)
    exec(blocks[2], namespace)  # the OpenAICompatibleProvider block, on top of the wiring block
    assert type(namespace["provider"]).__name__ == "OpenAICompatibleProvider"
    order = Agent(namespace["model"], output_type=Order).run_sync(PROMPT).output
    assert isinstance(order, Order)


def _release(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])
