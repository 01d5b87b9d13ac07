"""Responses streams translated from chat chunks: event order, sequence numbers, the SDK accumulator, errors."""

from __future__ import annotations

import asyncio
import inspect
import json
import re
from pathlib import Path
from typing import Any

import openai
import pytest

from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai.responses import PARAMETERS
from vertex_openai.testing import FakeCredentials, FakeVertex, Fault, Reply

MODEL = "gemini-2.5-flash"
ADD_TOOL = {"type": "function", "name": "add", "strict": False,
            "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}}}


def _client(fake: FakeVertex, creds: FakeCredentials, **kwargs: Any) -> Any:
    return vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds, **kwargs)


def _check_sequence(events: list[Any]) -> list[str]:
    numbers = [event.sequence_number for event in events]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers), numbers
    types = [event.type for event in events]
    assert types[:2] == ["response.created", "response.in_progress"]
    return types


def test_create_stream_emits_the_full_text_sequence(fake: FakeVertex, creds: FakeCredentials) -> None:
    stream = _client(fake, creds).responses.create(model=MODEL, input="tell me a long story", stream=True)
    assert isinstance(stream, openai.Stream)
    events = list(stream)
    types = _check_sequence(events)
    assert types[2:4] == ["response.output_item.added", "response.content_part.added"]
    assert types[-4:] == ["response.output_text.done", "response.content_part.done", "response.output_item.done",
                          "response.completed"]
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert deltas == "You said: tell me a long story" and types.count("response.output_text.delta") > 1
    assert events[-1].response.output_text == deltas and events[-1].response.usage.total_tokens > 0
    assert fake.chat_requests[-1].json["stream"] is True


def test_stream_helper_accumulates_a_tool_call(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(raw_chunks=[
        {"delta": {"role": "assistant", "tool_calls": [{"function": {"name": "add", "arguments": '{"a"'}, "id": ""}]}},
        {"delta": {"tool_calls": [{"function": {"arguments": ": 1}"}, "id": ""}]}},
        {"delta": {}, "finish_reason": "stop"},
    ]))
    with _client(fake, creds).responses.stream(model=MODEL, input="add", tools=[ADD_TOOL]) as stream:
        types = _check_sequence(list(stream))
        final = stream.get_final_response()
    assert types.count("response.function_call_arguments.delta") == 2
    assert "response.function_call_arguments.done" in types and types[-1] == "response.completed"
    call = next(item for item in final.output if item.type == "function_call")
    assert json.loads(call.arguments) == {"a": 1} and call.name == "add"


def test_stream_reasoning_summary_events(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(content="Four.", thoughts="Adding two and two."))
    with _client(fake, creds).responses.stream(model=MODEL, input="2+2?", reasoning={"summary": "auto"}) as stream:
        events = list(stream)
        final = stream.get_final_response()
    types = _check_sequence(events)
    assert types.index("response.reasoning_summary_part.added") < types.index("response.output_text.delta")
    summary = "".join(e.delta for e in events if e.type == "response.reasoning_summary_text.delta")
    assert summary == "Adding two and two."
    assert final.output[0].type == "reasoning" and final.output_text == "Four."


def test_length_stop_ends_with_response_incomplete(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(content="partial", finish_reason="length"))
    events = list(_client(fake, creds).responses.create(model=MODEL, input="x", stream=True))
    assert events[-1].type == "response.incomplete"
    assert events[-1].response.incomplete_details.reason == "max_output_tokens"


def test_out_of_band_stream_error_raises_and_never_completes(fake: FakeVertex, creds: FakeCredentials) -> None:
    error = [{"error": {"code": 499, "message": "The operation was cancelled.", "status": "CANCELLED"}}]
    fake.fail_next(Fault(action="stream_then_raw", chunks=2, body=error))
    seen: list[str] = []
    with pytest.raises(openai.APIError, match="CANCELLED"):
        for event in _client(fake, creds).responses.create(model=MODEL, input="x", stream=True):
            seen.append(event.type)
    assert "response.output_text.delta" in seen and "response.completed" not in seen


def test_streamed_response_is_stored_for_previous_response_id(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = _client(fake, creds)
    events = list(client.responses.create(model=MODEL, input="first", stream=True))
    response_id = events[-1].response.id
    assert client.responses.retrieve(response_id).output_text == "You said: first"
    client.responses.create(model=MODEL, input="second", previous_response_id=response_id)
    assert [m["role"] for m in fake.chat_requests[-1].json["messages"]] == ["user", "assistant", "user"]


def test_async_create_stream_and_input_items(fake: FakeVertex, creds: FakeCredentials) -> None:
    async def run() -> tuple[str, str, list[str]]:
        client = async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
        created = await client.responses.create(model=MODEL, input="async one")
        async with client.responses.stream(model=MODEL, input="async two",
                                           previous_response_id=created.id) as stream:
            async for _ in stream:
                pass
            final = await stream.get_final_response()
        ids = [item.id async for item in client.responses.input_items.list(created.id)]
        return created.output_text, final.output_text, ids

    first, second, ids = asyncio.run(run())
    assert (first, second) == ("You said: async one", "You said: async two") and len(ids) == 1
    assert len(fake.chat_requests[-1].json["messages"]) == 3


def test_every_create_parameter_of_this_sdk_is_in_the_table_and_the_docs() -> None:
    create = inspect.signature(openai.resources.responses.Responses.create).parameters
    names = set(create) - {"self", "extra_headers", "extra_query", "extra_body", "timeout"}
    assert names <= set(PARAMETERS), sorted(names - set(PARAMETERS))
    doc = (Path(__file__).resolve().parents[1] / "docs" / "responses.md").read_text(encoding="utf-8")
    documented = dict(re.findall(r"^\| `(\w+)` \| (mapped|ignored|refused) \|", doc, re.MULTILINE))
    assert documented == {name: treatment for name, (treatment, _) in PARAMETERS.items()}
