"""The translation pieces on their own: request mapping, object building, stream events, signatures, store."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openai._models import construct_type
from openai.types.chat import ChatCompletionChunk
from openai.types.responses import Response, ResponseStreamEvent

from vertex_openai.responses import ResponseStore, UnknownResponseError
from vertex_openai.responses._events import StreamTranslator
from vertex_openai.responses._models import event_model, response_model
from vertex_openai.responses._params import plan_chat_request
from vertex_openai.responses._signatures import PREFIX, decode_carrier, encode_carrier
from vertex_openai.responses._store import StoredResponse

SIG = {"google": {"thought_signature": "Q29uc3RydWN0ZWQ="}}  # constructed, not Google's bytes


def _chunk(delta: dict[str, Any], finish: str | None = None, usage: dict[str, int] | None = None) -> Any:
    data: dict[str, Any] = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "google/gemini-3",
                            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    if usage:
        data["usage"] = usage
    return construct_type(type_=ChatCompletionChunk, value=data)


CHUNKS = [
    {"role": "assistant", "reasoning_content": "Thinking it over."},
    {"content": "Let me add ", "extra_content": SIG},
    {"content": "that."},
    {"tool_calls": [{"index": 0, "id": "call_1", "type": "function", "extra_content": SIG,
                     "function": {"name": "add", "arguments": '{"a": '}}]},
    {"tool_calls": [{"index": 0, "function": {"arguments": "2}"}}]},
]


def _translate(want_summary: bool = True) -> tuple[StreamTranslator, list[dict[str, Any]]]:
    translator = StreamTranslator(response_id="resp_1", model="google/gemini-3", echo={"tools": [],
                                  "tool_choice": "auto", "parallel_tool_calls": True}, want_summary=want_summary)
    events = translator.start()
    for n, delta in enumerate(CHUNKS):
        last = n == len(CHUNKS) - 1
        events += translator.feed(_chunk(delta, "tool_calls" if last else None,
                                         {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 9} if last
                                         else None))
    events += translator.finish()
    return translator, events


def test_stream_events_are_ordered_and_items_never_interleave() -> None:
    translator, events = _translate()
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    types = [e["type"] for e in events]
    assert types[:2] == ["response.created", "response.in_progress"] and types[-1] == "response.completed"
    open_index: int | None = None
    for event in events:
        if event["type"] == "response.output_item.added":
            assert open_index is None
            open_index = event["output_index"]
        elif "output_index" in event:
            assert event["output_index"] == open_index, event
        if event["type"] == "response.output_item.done":
            open_index = None
    final = translator.final
    assert final is not None
    kinds = [item["type"] for item in final["output"]]
    assert kinds == ["reasoning", "reasoning", "message", "reasoning", "function_call"]
    assert final["output"][0]["summary"] == [{"type": "summary_text", "text": "Thinking it over."}]
    message, call = final["output"][2], final["output"][4]
    assert message["content"][0]["text"] == "Let me add that."
    assert call["arguments"] == '{"a": 2}' and call["call_id"] == "call_1"
    assert decode_carrier(final["output"][1]["encrypted_content"]) == {message["id"]: SIG}
    assert decode_carrier(final["output"][3]["encrypted_content"]) == {"call_1": SIG}
    assert final["usage"]["total_tokens"] == 9 and final["usage"]["input_tokens"] == 3
    assert translator.assistant == {
        "role": "assistant", "content": "Let me add that.", "extra_content": SIG,
        "tool_calls": [{"id": "call_1", "type": "function", "extra_content": SIG,
                        "function": {"name": "add", "arguments": '{"a": 2}'}}],
    }


def test_thoughts_stay_out_unless_a_summary_was_asked_for() -> None:
    translator, events = _translate(want_summary=False)
    assert not any("reasoning_summary" in e["type"] for e in events)
    assert translator.final is not None
    assert all(item.get("summary") == [] for item in translator.final["output"] if item["type"] == "reasoning")


def test_fast_objects_equal_what_the_sdks_constructor_builds() -> None:
    translator, events = _translate()
    assert translator.final is not None
    data = {**translator.final, "text": {"format": {"type": "json_schema", "name": "A", "schema": {}}},
            "reasoning": {"effort": "low", "summary": "auto"}, "metadata": {"k": "v"},
            "tools": [{"type": "function", "name": "add", "parameters": {}, "strict": False}]}
    ours, sdks = response_model(data), construct_type(type_=Response, value=data)
    assert type(ours) is type(sdks) and ours.to_dict() == sdks.to_dict()
    assert [type(i) for i in ours.output] == [type(i) for i in sdks.output]  # type: ignore[attr-defined]
    assert ours.output_text == "Let me add that." and ours.tools[0].name == "add"
    for event in events:
        mine, theirs = event_model(event), construct_type(type_=ResponseStreamEvent, value=event)
        assert type(mine) is type(theirs) and mine.to_dict() == theirs.to_dict(), event["type"]
        for nested in ("part", "item", "response"):
            assert type(getattr(mine, nested, None)) is type(getattr(theirs, nested, None)), event["type"]


def test_input_items_map_onto_chat_messages() -> None:
    pdf = "JVBERi0xLjQ="  # constructed bytes
    body = {
        "model": "gemini-2.5-flash",
        "instructions": "Be exact.",
        "input": [
            {"role": "developer", "content": "Use tools."},
            {"role": "user", "content": [
                {"type": "input_text", "text": "Read these"},
                {"type": "input_image", "image_url": "gs://b/cat.png", "detail": "auto"},
                {"type": "input_image", "image_url": "https://x/y.png", "detail": "high"},
                {"type": "input_file", "file_data": pdf, "filename": "a.pdf"},
            ]},
            {"type": "message", "role": "assistant", "id": "msg_1",
             "content": [{"type": "output_text", "text": "Calling.", "annotations": []}]},
            {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": encode_carrier({"call_9": SIG})},
            {"type": "function_call", "call_id": "call_9", "name": "add", "arguments": '{"a":1}'},
            {"type": "function_call", "call_id": "call_10", "name": "add", "arguments": '{"a":2}'},
            {"type": "function_call_output", "call_id": "call_9", "output": "1"},
            {"type": "function_call_output", "call_id": "call_10",
             "output": [{"type": "input_text", "text": "2"}]},
        ],
        "tools": [{"type": "function", "name": "add", "parameters": {"type": "object"}}],
        "tool_choice": {"type": "function", "name": "add"},
        "text": {"format": {"type": "json_object"}},
        "top_p": 0.5,
    }
    plan = plan_chat_request(body, history=None)
    messages = plan.kwargs["messages"]
    assert messages[0] == {"role": "system", "content": "Be exact."}
    assert messages[1] == {"role": "system", "content": "Use tools."}
    assert messages[2]["content"] == [
        {"type": "text", "text": "Read these"},
        {"type": "image_url", "image_url": {"url": "gs://b/cat.png"}},
        {"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "high"}},
        {"type": "image_url", "image_url": {"url": f"data:application/pdf;base64,{pdf}"}},
    ]
    assistant = messages[3]
    assert assistant["content"] == "Calling." and [c["id"] for c in assistant["tool_calls"]] == ["call_9", "call_10"]
    assert assistant["tool_calls"][0]["extra_content"] == SIG and "extra_content" not in assistant["tool_calls"][1]
    assert messages[4:] == [{"role": "tool", "tool_call_id": "call_9", "content": "1"},
                            {"role": "tool", "tool_call_id": "call_10", "content": "2"}]
    assert plan.kwargs["tool_choice"] == {"type": "function", "function": {"name": "add"}}
    assert plan.kwargs["response_format"] == {"type": "json_object"} and plan.kwargs["top_p"] == 0.5
    assert plan.conversation == messages[1:]  # instructions are not part of the stored conversation


def test_summary_with_effort_on_gemini_3_uses_thinking_level_and_keeps_callers_google_fields() -> None:
    extra = {"extra_body": {"google": {"safety_settings": [], "thinking_config": {"include_thoughts": False}}}}
    plan = plan_chat_request({"model": "gemini-3-pro-preview", "input": "x",
                              "reasoning": {"effort": "high", "summary": "detailed"}}, history=None, extra_json=extra)
    google = plan.kwargs["extra_body"]["extra_body"]["google"]
    assert google["thinking_config"] == {"include_thoughts": False, "thinking_level": "high"}  # caller's value wins
    assert google["safety_settings"] == [] and google["thought_tag_marker"]
    assert plan.want_summary and "reasoning_effort" not in plan.kwargs


def test_carrier_round_trip_and_foreign_content_is_ignored() -> None:
    text = encode_carrier({"call_1": SIG})
    assert text.startswith(PREFIX) and json.dumps(SIG) not in text
    assert decode_carrier(text) == {"call_1": SIG}
    assert decode_carrier("gAAAAABopenai-encrypted") == {}  # another provider's encrypted reasoning
    assert decode_carrier(None) == {}


def test_store_is_bounded_least_recently_used_first() -> None:
    store = ResponseStore(max_responses=2)
    for name in ("a", "b"):
        store.put(name, StoredResponse(response=name, input_items=(), lineage=[], length=0))
    store.get("a")  # a is now the most recently used
    store.put("c", StoredResponse(response="c", input_items=(), lineage=[], length=0))
    assert "a" in store and "c" in store and "b" not in store
    with pytest.raises(UnknownResponseError, match="2 most recent"):
        store.get("b")
    with pytest.raises(ValueError, match="max_responses"):
        ResponseStore(max_responses=0)


def test_usage_is_zero_when_google_sends_none() -> None:
    translator = StreamTranslator(response_id="resp_2", model="m", echo={}, want_summary=False)
    translator.start()
    translator.feed(_chunk({"role": "assistant", "content": "hi"}, "stop"))
    translator.finish()
    assert translator.final is not None
    assert translator.final["usage"] == {"input_tokens": 0, "input_tokens_details": {"cached_tokens": 0},
                                         "output_tokens": 0, "output_tokens_details": {"reasoning_tokens": 0},
                                         "total_tokens": 0}
