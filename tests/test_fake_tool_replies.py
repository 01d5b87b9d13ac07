"""The fake's tool_replies modes: forced tools and tool loops answered with schema instances."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from vertex_openai import vertex_openai_client
from vertex_openai.testing import FakeVertex

PARAMS = {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 2}},
          "required": ["city", "days"]}
TOOLS = [{"type": "function", "function": {"name": "forecast", "parameters": PARAMS}},
         {"type": "function", "function": {"name": "alerts", "parameters": {"type": "object", "properties": {}}}}]
MESSAGES: list[dict[str, Any]] = [{"role": "user", "content": "weather?"}]


def client_for(fake: FakeVertex) -> Any:
    return vertex_openai_client("fake-project", base_url=fake.base_url, credentials=fake.credentials())


def test_forced_named_tool_gets_schema_valid_arguments() -> None:
    with FakeVertex(tool_replies="forced", strict_schemas=True) as fake:
        client = client_for(fake)
        plain = client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES, tools=TOOLS)
        assert plain.choices[0].message.tool_calls is None  # "auto" is not forced
        forced = client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES, tools=TOOLS,
                                                tool_choice={"type": "function", "function": {"name": "forecast"}})
    call = forced.choices[0].message.tool_calls[0]
    assert call.function.name == "forecast" and forced.choices[0].finish_reason == "tool_calls"
    jsonschema.validate(json.loads(call.function.arguments), PARAMS)


@pytest.mark.parametrize("stream", [False, True])
def test_loop_calls_each_tool_once_then_answers(stream: bool) -> None:
    with FakeVertex(tool_replies="loop") as fake:
        client = client_for(fake)
        messages = list(MESSAGES)
        names = []
        for _ in range(4):
            if stream:
                with client.chat.completions.stream(model="gemini-2.5-flash", messages=messages,
                                                    tools=TOOLS) as s:
                    message = s.get_final_completion().choices[0].message
            else:
                message = client.chat.completions.create(model="gemini-2.5-flash", messages=messages,
                                                         tools=TOOLS).choices[0].message
            if not message.tool_calls:
                break
            call = message.tool_calls[0]
            names.append(call.function.name)
            messages += [message.model_dump(exclude_none=True),
                         {"role": "tool", "tool_call_id": call.id, "content": "sunny"}]
    assert names == ["forecast", "alerts"] and message.content


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="tool_replies"):
        FakeVertex(tool_replies="always")
