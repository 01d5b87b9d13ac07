"""Input items are checked before anything is sent: one error class naming the item's position, the field and
what was expected; `arguments` dicts are JSON-encoded; a `function_call_output` must answer a call."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from vertex_openai import vertex_openai_client
from vertex_openai.responses import InvalidInputError
from vertex_openai.testing import FakeCredentials, FakeVertex

MODEL = "gemini-2.5-flash"
CALL = {"type": "function_call", "call_id": "call_1", "name": "add", "arguments": '{"a": 1}'}


def _client(fake: FakeVertex, creds: FakeCredentials) -> Any:
    return vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds, max_retries=0)


def test_dict_arguments_are_sent_as_json(fake: FakeVertex, creds: FakeCredentials) -> None:
    items = [{"role": "user", "content": "add"}, {**CALL, "arguments": {"a": 1}},
             {"type": "function_call_output", "call_id": "call_1", "output": "1"}]
    _client(fake, creds).responses.create(model=MODEL, input=items)
    sent = fake.chat_requests[-1].json["messages"][1]["tool_calls"][0]["function"]["arguments"]
    assert json.loads(sent) == {"a": 1}


@pytest.mark.parametrize(
    ("given", "where", "expected"),
    [
        ({"input": {"role": "user", "content": "hi"}}, "input", "got dict"),
        ({"input": [{"role": "user", "content": 5}]}, "input[0].content", "got int"),
        ({"input": [{"role": "user", "content": "add"}, CALL,
                    {"type": "function_call_output", "call_id": "call_1", "output": {"sum": 1}}]},
         "input[2].output", "got dict"),
        ({"input": [{"role": "user", "content": "add"}, {**CALL, "arguments": ["a"]}]}, "input[1].arguments",
         "got list"),
        ({"input": [{"role": "user", "content": "add"}, {**CALL, "name": None}]}, "input[1].name", "got None"),
        ({"input": [{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}]},
         "input[0].content[0].input_audio.data", "base64"),
        ({"input": [{"role": "user", "content": [{"type": "input_text", "text": 3}]}]},
         "input[0].content[0].text", "got int"),
        ({"input": [{"role": "user", "content": "add"}, CALL, {"type": "function_call_output", "output": "1"}]},
         "input[2].call_id", "missing"),
        ({"input": ["hello"]}, "input[0]", "got str"),
        ({"input": "hi", "instructions": [{"role": "system", "content": 1}]}, "instructions[0].content", "got int"),
    ],
)
def test_malformed_items_are_refused_before_sending(fake: FakeVertex, creds: FakeCredentials,
                                                    given: dict[str, Any], where: str, expected: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        _client(fake, creds).responses.create(model=MODEL, **given)
    error = info.value
    assert isinstance(error, openai.OpenAIError)
    assert str(error).startswith(where + ":"), str(error)
    assert expected in str(error) and "nothing was sent" in str(error)
    assert error.where == where
    assert fake.requests == []


def test_an_output_for_an_unknown_call_id_is_refused_naming_it(fake: FakeVertex, creds: FakeCredentials) -> None:
    items = [{"role": "user", "content": "add"}, CALL, {"type": "function_call_output", "call_id": "nope",
                                                        "output": "1"}]
    with pytest.raises(InvalidInputError, match="'nope'") as info:
        _client(fake, creds).responses.create(model=MODEL, input=items)
    assert info.value.where == "input[2].call_id" and "call_1" in str(info.value)
    assert fake.requests == []


def test_an_output_may_answer_a_call_from_the_stored_conversation(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = _client(fake, creds)
    first = client.responses.create(model=MODEL, input=[{"role": "user", "content": "add"}, CALL,
                                                         {"type": "function_call_output", "call_id": "call_1",
                                                          "output": "1"}])
    with pytest.raises(InvalidInputError, match="'call_2'"):
        client.responses.create(model=MODEL, previous_response_id=first.id,
                                input=[{"type": "function_call_output", "call_id": "call_2", "output": "2"}])
    # A second output for a call of the stored conversation is accepted.
    client.responses.create(model=MODEL, previous_response_id=first.id,
                            input=[{"type": "function_call_output", "call_id": "call_1", "output": "again"}])
    assert fake.chat_requests[-1].json["messages"][-1] == {"role": "tool", "tool_call_id": "call_1",
                                                           "content": "again"}
