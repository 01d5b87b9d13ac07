"""google_extra_body / extra_content helpers: what the server receives, merging, and rejected combinations."""

from __future__ import annotations

from typing import Any

import pytest

from vertex_openai import vertex_openai_client
from vertex_openai.gemini import (
    DEPLOYED_MODEL,
    assistant_tool_call,
    google_extra_body,
    google_extra_content,
    merge_extra_body,
    safety_setting,
    text_message,
    tool_message,
    with_extra_content,
)
from vertex_openai.testing import FakeCredentials, FakeVertex

USER = [{"role": "user", "content": "hi"}]


def _send(fake: FakeVertex, creds: FakeCredentials, **kwargs: Any) -> dict[str, Any]:
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
    kwargs.setdefault("messages", USER)
    client.chat.completions.create(model="gemini-2.5-flash", **kwargs)
    body: dict[str, Any] = fake.chat_requests[-1].json
    return body


def test_every_documented_field_reaches_the_wire_once_nested(fake: FakeVertex, creds: FakeCredentials) -> None:
    extra = google_extra_body(
        thinking_config={"include_thoughts": True, "thinking_budget": 1024},
        thought_tag_marker="think",
        safety_settings=[safety_setting("HARM_CATEGORY_HATE_SPEECH", "BLOCK_LOW_AND_ABOVE")],
        cached_content="projects/p/locations/us-central1/cachedContents/123",
        media_resolution="MEDIA_RESOLUTION_LOW",
        stream_function_call_arguments=True,
        tools=[{"google_search": {}}, {"code_execution": {}}],
        labels={"team": "a"},
    )
    body = _send(fake, creds, extra_body=extra)
    assert body["extra_body"] == {
        "google": {
            "thinking_config": {"include_thoughts": True, "thinking_budget": 1024},
            "thought_tag_marker": "think",
            "safety_settings": [{"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "BLOCK_LOW_AND_ABOVE"}],
            "cached_content": "projects/p/locations/us-central1/cachedContents/123",
            "media_resolution": "MEDIA_RESOLUTION_LOW",
            "stream_function_call_arguments": True,
            "tools": [{"google_search": {}}, {"code_execution": {}}],
            "labels": {"team": "a"},
        }
    }
    assert set(body) == {"model", "messages", "extra_body"}


def test_merge_keeps_other_keys_and_never_double_nests(fake: FakeVertex, creds: FakeCredentials) -> None:
    mine = {"top_k": 3, "extra_body": {"google": {"cached_content": "projects/p/locations/l/cachedContents/1"}}}
    extra = google_extra_body(thinking_config={"thinking_budget": 0}, merge=mine)
    body = _send(fake, creds, extra_body=extra)
    assert body["top_k"] == 3
    assert body["extra_body"] == {
        "google": {
            "cached_content": "projects/p/locations/l/cachedContents/1",
            "thinking_config": {"thinking_budget": 0},
        }
    }


def test_single_nested_google_is_moved_under_extra_body() -> None:
    merged = merge_extra_body({"google": {"thought_tag_marker": "t"}}, google_extra_body(cached_content=None))
    assert merged == {"extra_body": {"google": {"thought_tag_marker": "t"}}}


def test_thinking_configs_merge_key_by_key() -> None:
    merged = merge_extra_body(
        google_extra_body(thinking_config={"include_thoughts": True}),
        google_extra_body(thinking_config={"thinking_budget": 512}),
    )
    assert merged["extra_body"]["google"]["thinking_config"] == {"include_thoughts": True, "thinking_budget": 512}


def test_triple_nesting_is_rejected_before_sending(fake: FakeVertex, creds: FakeCredentials) -> None:
    with pytest.raises(ValueError, match="nested once too often"):
        _send(fake, creds, extra_body={"extra_body": {"extra_body": {"google": {}}}})
    with pytest.raises(ValueError, match="nested three times"):
        merge_extra_body({"extra_body": {"extra_body": {}}})
    assert fake.chat_requests == []


def test_reasoning_effort_with_thinking_config_is_rejected(fake: FakeVertex, creds: FakeCredentials) -> None:
    with pytest.raises(ValueError, match="only one of them"):
        _send(fake, creds, reasoning_effort="low", extra_body=google_extra_body(thinking_config={"thinking_budget": 9}))
    assert fake.chat_requests == []
    body = _send(fake, creds, reasoning_effort="low")
    assert body["reasoning_effort"] == "low"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"thinking_config": {"thinking_budget": "high"}}, "must be int"),
        ({"thinking_config": {"include_thoughts": 1}}, "must be bool"),
        ({"thinking_config": {"thinking_budget": 5, "thinking_level": "low"}}, "both thinking_budget"),
        ({"thinking_config": {"thinking_budget": -5}}, "-1 \\(dynamic\\)"),
        ({"safety_settings": [{"category": "hate", "threshold": "BLOCK_NONE"}]}, "upper-case enum"),
        ({"safety_settings": {"category": "X", "threshold": "Y"}}, "list of settings"),
        ({"cached_content": "123"}, "cachedContents"),
        ({"thought_tag_marker": "<think>"}, "tag name"),
    ],
)
def test_bad_values_fail_with_the_fix(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        google_extra_body(**kwargs)


def test_extra_content_shapes_on_the_wire(fake: FakeVertex, creds: FakeCredentials) -> None:
    messages = [
        text_message("user", "hello", thought=False),
        {"role": "user", "content": [with_extra_content({"type": "text", "text": "part"}, thought=True)]},
        {"role": "assistant", "content": None, "tool_calls": [
            assistant_tool_call("c1", "get_weather", {"city": "Paris"}, thought_signature=b"\x01\x02"),
        ]},
        tool_message("c1", '{"temp": 20}', parts=[{"inline_data": {"mime_type": "image/png", "data": "AA=="}}]),
    ]
    body = _send(fake, creds, messages=messages)
    sent = body["messages"]
    assert sent[0] == {"role": "user", "content": "hello", "extra_content": {"google": {"thought": False}}}
    assert sent[1]["content"][0] == {"type": "text", "text": "part", "extra_content": {"google": {"thought": True}}}
    assert sent[2]["tool_calls"][0] == {
        "id": "c1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        "extra_content": {"google": {"thought_signature": "AQI="}},
    }
    assert sent[3]["extra_content"] == {
        "google": {"parts": [{"inline_data": {"mime_type": "image/png", "data": "AA=="}}]}
    }


def test_with_extra_content_merges_into_existing_namespaces() -> None:
    part = {"type": "text", "text": "x", "extra_content": {"google": {"thought": True}, "other": {"k": 1}}}
    merged = with_extra_content(part, thought_signature="sig")
    assert merged["extra_content"] == {"google": {"thought": True, "thought_signature": "sig"}, "other": {"k": 1}}
    assert part["extra_content"] == {"google": {"thought": True}, "other": {"k": 1}}
    assert google_extra_content() == {"google": {}}


def test_deployed_endpoint_sends_no_model(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = vertex_openai_client(
        "fake-project", base_url=fake.url_for(endpoint="1234567890"), credentials=creds, endpoint="1234567890"
    )
    client.chat.completions.create(model=DEPLOYED_MODEL, messages=[{"role": "user", "content": "hi"}])
    sent = fake.chat_requests[-1]
    assert "model" not in sent.json
    assert sent.path.endswith("/endpoints/1234567890/chat/completions")
    client.chat.completions.create(model="gemma-2-9b-it", messages=[{"role": "user", "content": "hi"}])
    assert fake.chat_requests[-1].json["model"] == "gemma-2-9b-it"


def test_deployed_endpoint_url_on_the_global_host() -> None:
    client = vertex_openai_client("my-project", "global", endpoint="1234567890", credentials=lambda: "t")
    assert str(client.base_url).rstrip("/") == (
        "https://aiplatform.googleapis.com/v1/projects/my-project/locations/global/endpoints/1234567890"
    )
