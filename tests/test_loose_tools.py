"""Non-strict function tools for Gemini: adapted for what Gemini rejects, never made stricter than sent."""

from __future__ import annotations

import copy
import json
from typing import Annotated, Any, Literal

import openai
import pydantic
import pytest

from vertex_openai import vertex_openai_client
from vertex_openai.structured import _wire as _schema_wire
from vertex_openai.testing import FakeVertex

MESSAGES = [{"role": "user", "content": "ship it"}]


class Parcel(pydantic.BaseModel):
    kind: Literal["parcel"]
    weight_kg: float


class Letter(pydantic.BaseModel):
    kind: Literal["letter"]
    pages: int | list[int]


class Send(pydantic.BaseModel):
    item: Annotated[Parcel | Letter, pydantic.Field(discriminator="kind")]
    note: str | None = None


def loose_tool(model: type[pydantic.BaseModel] = Send, name: str = "send") -> dict[str, Any]:
    """A non-strict tool as frameworks send it: pydantic's own schema (const tags, oneOf, $defs), no strict."""
    return {"type": "function", "function": {"name": name, "description": "send an item",
                                             "parameters": model.model_json_schema()}}


def client_for(fake: FakeVertex, **kw: Any) -> Any:
    return vertex_openai_client("fake-project", base_url=fake.base_url, credentials=fake.credentials(), **kw)


@pytest.fixture
def strict() -> Any:
    with FakeVertex(strict_schemas=True) as server:
        yield server


def test_the_discriminated_union_tool_has_what_gemini_rejects() -> None:
    text = json.dumps(loose_tool())
    assert '"const"' in text and '"oneOf"' in text and '"$ref"' in text


def test_rejected_when_sent_as_given_accepted_after_adaptation(strict: FakeVertex) -> None:
    tools = [loose_tool()]
    before = copy.deepcopy(tools)
    off = client_for(strict, schema_adaptation="off")
    with pytest.raises(openai.BadRequestError, match="const"):
        off.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES, tools=tools)

    client_for(strict).chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES, tools=tools)
    assert tools == before  # the caller's dicts are not touched
    sent = strict.chat_requests[-1].json["tools"][0]
    text = json.dumps(sent)
    assert '"const"' not in text and '"oneOf"' not in text
    assert '"enum": ["parcel"]' in text and '"anyOf"' in text
    assert "strict" not in sent["function"]  # strictness is not added
    assert sent["function"]["description"] == "send an item"


def test_required_kept_as_sent_and_no_additional_properties_added(fake: FakeVertex) -> None:
    client_for(fake).chat.completions.create(model="gemini-3-pro", messages=MESSAGES, tools=[loose_tool()])
    params = fake.chat_requests[-1].json["tools"][0]["function"]["parameters"]
    assert params["required"] == Send.model_json_schema()["required"] == ["item"]  # `note` stays optional
    assert "additionalProperties" not in json.dumps(params)
    parcel = json.dumps(params)
    assert '"required": ["kind", "weight_kg"]' in parcel


def test_list_valued_type_and_recursion(fake: FakeVertex) -> None:
    params = {
        "type": "object",
        "properties": {"value": {"type": ["string", "integer"]}, "tree": {"$ref": "#/$defs/Node"}},
        "$defs": {"Node": {"type": "object", "properties": {"children": {"type": "array",
                                                                         "items": {"$ref": "#/$defs/Node"}}}}},
    }
    tools = [{"type": "function", "function": {"name": "walk", "parameters": params}}]
    client_for(fake).chat.completions.create(model="google/gemini-2.5-pro", messages=MESSAGES, tools=tools)
    sent = fake.chat_requests[-1].json["tools"][0]["function"]["parameters"]
    assert sent["properties"]["value"] == {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert "$ref" not in json.dumps(sent)  # the cycle is unrolled
    assert sent["required"] == []  # nothing was required, nothing is


@pytest.mark.parametrize("model", ["meta/llama-3.3-70b-instruct-maas", "openai/gpt-oss-120b-maas"])
def test_other_publishers_get_tools_as_sent(fake: FakeVertex, model: str) -> None:
    tools = [loose_tool()]
    client_for(fake).chat.completions.create(model=model, messages=MESSAGES, tools=tools)
    assert fake.chat_requests[-1].json["tools"] == json.loads(json.dumps(tools))


def test_self_deployed_endpoint_gets_tools_as_sent(fake: FakeVertex) -> None:
    client = vertex_openai_client("fake-project", base_url=fake.url_for(endpoint="1234567890"),
                                  endpoint="1234567890", credentials=fake.credentials())
    tools = [loose_tool()]
    client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES, tools=tools)
    assert fake.chat_requests[-1].json["tools"] == json.loads(json.dumps(tools))


def test_off_sends_non_strict_tools_unchanged(fake: FakeVertex) -> None:
    tools = [loose_tool()]
    client_for(fake, schema_adaptation="off").chat.completions.create(
        model="gemini-2.5-flash", messages=MESSAGES, tools=tools)
    assert fake.chat_requests[-1].json["tools"] == json.loads(json.dumps(tools))


def test_unexpressible_non_strict_schema_is_sent_as_given(fake: FakeVertex) -> None:
    # A root that is not an object cannot become Gemini function parameters: sent as before, not refused.
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "string"}}}]
    client_for(fake).chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES, tools=tools)
    assert fake.chat_requests[-1].json["tools"] == tools


def test_each_non_strict_schema_is_adapted_once(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> None:
    _schema_wire.clear_cache()
    calls: list[Any] = []
    real = _schema_wire.adapt_schema
    monkeypatch.setattr(_schema_wire, "adapt_schema", lambda *a, **k: calls.append(a) or real(*a, **k))
    client = client_for(fake)
    bad = {"type": "function", "function": {"name": "g", "parameters": {"type": "string"}}}
    for _ in range(3):
        client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES, tools=[loose_tool(), bad])
    assert len(calls) == 2  # one success and one failure, each remembered
