"""Thought-signature carriers (`encrypted_content` of the bridge's reasoning items) are taken back only in the
shape the bridge writes: a forged or damaged carrier is refused before anything is sent. Signatures here are
constructed, not Google's bytes."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from vertex_openai import vertex_openai_client
from vertex_openai.responses import InvalidInputError
from vertex_openai.testing import FakeCredentials, FakeVertex, Reply

GEMINI_3 = "gemini-3-flash-preview"
PREFIX = "vertex-openai.extra-content.v1:"
ADD_TOOL = {"type": "function", "name": "add", "strict": False,
            "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}}}


def _client(fake: FakeVertex, creds: FakeCredentials) -> Any:
    return vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds, max_retries=0)


def _carrier(data: Any) -> str:
    return PREFIX + base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


def _items(encrypted: str, **call_fields: Any) -> list[dict[str, Any]]:
    return [{"role": "user", "content": "add 1"},
            {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": encrypted},
            {"type": "function_call", "call_id": "call_1", "name": "add", "arguments": '{"a": 1}', **call_fields},
            {"type": "function_call_output", "call_id": "call_1", "output": "1"}]


def test_a_carrier_the_bridge_returned_round_trips(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = _client(fake, creds)
    fake.reply_next(Reply(content=None, tool_calls=[{"function": {"arguments": '{"a": 1}', "name": "add"},
                                                     "id": "", "type": "function"}]))
    first = client.responses.create(model=GEMINI_3, input="add 1", tools=[ADD_TOOL], store=False)
    carrier = next(item for item in first.output if item.type == "reasoning")
    decoded = json.loads(base64.urlsafe_b64decode(carrier.encrypted_content[len(PREFIX):]))
    assert [set(value) for value in decoded.values()] == [{"google"}]
    assert [set(value["google"]) for value in decoded.values()] == [{"thought_signature"}]
    call = next(item for item in first.output if item.type == "function_call")
    items = [{"role": "user", "content": "add 1"}, *first.output,
             {"type": "function_call_output", "call_id": call.call_id, "output": "1"}]
    _client(fake, creds).responses.create(model=GEMINI_3, input=items, tools=[ADD_TOOL])
    sent = fake.chat_requests[-1].json["messages"][1]["tool_calls"][0]
    assert sent["extra_content"] == next(iter(decoded.values()))


@pytest.mark.parametrize(
    "forged",
    [
        {"call_1": {"google": {"thought_signature": "Zm9yZ2Vk"}, "injected": {"tools": []}}},
        {"call_1": {"google": {"thought_signature": "Zm9yZ2Vk", "cached_content": "x"}}},
        {"call_1": {"google": {"thought_signature": 5}}},
        {"call_1": "plain"},
        ["not", "a", "map"],
    ],
    ids=["extra-namespace", "extra-google-field", "non-string-signature", "not-a-dict", "list"],
)
def test_a_forged_carrier_is_refused_before_sending(fake: FakeVertex, creds: FakeCredentials, forged: Any) -> None:
    with pytest.raises(InvalidInputError, match=r"thought signature|carrier") as info:
        _client(fake, creds).responses.create(model=GEMINI_3, input=_items(_carrier(forged)), tools=[ADD_TOOL])
    assert info.value.where.startswith("input[1].encrypted_content")
    assert fake.requests == []


def test_a_damaged_carrier_is_refused(fake: FakeVertex, creds: FakeCredentials) -> None:
    with pytest.raises(InvalidInputError, match=r"input\[1\]\.encrypted_content"):
        _client(fake, creds).responses.create(model=GEMINI_3, input=_items(PREFIX + "%%%"), tools=[ADD_TOOL])
    assert fake.requests == []


def test_extra_content_on_a_function_call_item_is_held_to_the_same_rule(fake: FakeVertex,
                                                                        creds: FakeCredentials) -> None:
    forged = {"google": {"thought_signature": "Zm9yZ2Vk"}, "injected": {"a": 1}}
    with pytest.raises(InvalidInputError, match=r"input\[2\]\.extra_content"):
        _client(fake, creds).responses.create(model=GEMINI_3, input=_items("gAAAA-other-provider",
                                                                           extra_content=forged),
                                              tools=[ADD_TOOL])
    assert fake.requests == []


def test_other_providers_encrypted_reasoning_is_ignored(fake: FakeVertex, creds: FakeCredentials) -> None:
    signature = {"google": {"thought_signature": "c2lnbmVk"}}
    _client(fake, creds).responses.create(model=GEMINI_3, input=_items("gAAAA-other-provider",
                                                                       extra_content=signature), tools=[ADD_TOOL])
    assert fake.chat_requests[-1].json["messages"][1]["tool_calls"][0]["extra_content"] == signature
