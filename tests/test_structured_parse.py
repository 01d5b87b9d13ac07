"""parse / stream / tools, sync and async, against the strict fake: adapted schemas out, the caller's models back."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import jsonschema
import openai
import pydantic
import pytest

from schema_corpus import CORPUS, Constrained, TreeNode
from test_structured_meaning import as_json_schema
from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai.structured import (
    StructuredOutputError,
    UnsupportedRequestError,
    aparse_with_reask,
    parse_with_reask,
    strict_schema_for,
)
from vertex_openai.structured import _wire as _schema_wire
from vertex_openai.testing import FakeVertex, Reply

MODEL = "gemini-2.5-flash"
MESSAGES = [{"role": "user", "content": "extract"}]
OBJECT_CASES = sorted(n for n, c in CORPUS.items() if strict_schema_for(c.model).get("type") == "object")


@pytest.fixture(scope="module", params=["jsonschema", "openapi"])
def profile(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def strict_server(profile: str) -> Any:
    with FakeVertex(strict_schemas=profile) as server:
        yield server


@pytest.fixture
def strict(strict_server: FakeVertex) -> FakeVertex:
    strict_server.reset()
    return strict_server


def client_for(fake: FakeVertex, **kw: Any) -> Any:
    return vertex_openai_client("fake-project", base_url=fake.base_url, credentials=fake.credentials(), **kw)


def aclient_for(fake: FakeVertex, **kw: Any) -> Any:
    return async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=fake.credentials(), **kw)


def sample_json(case: Any, sample: Any) -> str:
    adapter = pydantic.TypeAdapter(case.model)
    return adapter.dump_json(adapter.validate_python(sample), by_alias=True).decode()


def sent_schema(fake: FakeVertex) -> dict[str, Any]:
    return dict(fake.chat_requests[-1].json["response_format"]["json_schema"]["schema"])


def expected(case: Any, sample: Any) -> Any:
    return pydantic.TypeAdapter(case.model).validate_python(sample)


# -- every corpus model round-trips through parse --------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_round_trips_through_parse(strict: FakeVertex, profile: str, name: str) -> None:
    case = CORPUS[name]
    client = client_for(strict, schema_adaptation=profile)
    for sample in case.samples:
        text = sample_json(case, sample)
        strict.reply_next(Reply(content=text))
        completion = client.beta.chat.completions.parse(model=MODEL, messages=MESSAGES, response_format=case.model)
        assert completion.choices[0].message.parsed == expected(case, sample)
        if not (profile == "openapi" and "R13" in case.lossy and sample is case.samples[0]):
            jsonschema.validate(json.loads(text), as_json_schema(sent_schema(strict)))
    if profile == "jsonschema" and not case.lossy & {"R9", "R10"}:
        # the fake's own answer, generated from the adapted schema it received, parses too
        completion = client.chat.completions.parse(model=MODEL, messages=MESSAGES, response_format=case.model)
        assert isinstance(completion.choices[0].message.parsed, case.model)


def test_the_strict_fake_rejects_what_the_sdk_sends_unadapted() -> None:
    """Control: without adaptation, the known-bad constructs in the corpus are refused with Google's errors."""
    rejected: dict[str, str] = {}
    with FakeVertex(strict_schemas=True) as fake:
        client = client_for(fake, schema_adaptation="off", max_retries=0)
        for name, case in CORPUS.items():
            try:
                client.chat.completions.parse(model=MODEL, messages=MESSAGES, response_format=case.model)
            except openai.APIStatusError as err:
                rejected[name] = str(err)
    assert {"TreeNode", "LinkedNode", "Department", "Directory", "Comment", "Settings", "Constrained"} <= set(rejected)
    assert 'Unknown name "const"' in rejected["Settings"]
    assert "min_length" in rejected["Constrained"]


@pytest.mark.parametrize("name", OBJECT_CASES)
def test_pydantic_function_tools_round_trip(strict: FakeVertex, profile: str, name: str) -> None:
    case = CORPUS[name]
    client = client_for(strict, schema_adaptation=profile)
    tool = openai.pydantic_function_tool(case.model, name="extract")
    sample = case.samples[-1]
    call = {"id": "", "type": "function", "function": {"name": "extract", "arguments": sample_json(case, sample)}}
    strict.reply_next(Reply(content=None, tool_calls=[call]))
    completion = client.chat.completions.parse(model=MODEL, messages=MESSAGES, tools=[tool])
    parsed = completion.choices[0].message.tool_calls[0].function.parsed_arguments
    assert parsed == expected(case, sample)
    sent = strict.chat_requests[-1].json["tools"][0]["function"]
    assert sent["strict"] is True and '"title": "' not in json.dumps(sent["parameters"])  # no annotation titles


# -- every entry point, sync and async -------------------------------------------------------------------------------
def test_every_parse_entry_point_sends_an_adapted_schema(fake: FakeVertex) -> None:
    client = client_for(fake)
    methods = [client.chat.completions.parse, client.beta.chat.completions.parse]
    for method in methods:
        completion = method(model=MODEL, messages=MESSAGES, response_format=TreeNode)
        assert isinstance(completion.choices[0].message.parsed, TreeNode)
        assert "$ref" not in json.dumps(sent_schema(fake))  # recursion unrolled
    for stream in (client.chat.completions.stream, client.beta.chat.completions.stream):
        with stream(model=MODEL, messages=MESSAGES, response_format=TreeNode) as events:
            final = events.get_final_completion()
        assert isinstance(final.choices[0].message.parsed, TreeNode)
        assert "$ref" not in json.dumps(sent_schema(fake))


def test_stream_with_pydantic_tools(strict: FakeVertex) -> None:
    call = {"id": "", "type": "function", "function": {"name": "TreeNode", "arguments": '{"label": "x"}'}}
    strict.reply_next(Reply(content=None, tool_calls=[call]))
    client = client_for(strict)
    with client.chat.completions.stream(model=MODEL, messages=MESSAGES,
                                        tools=[openai.pydantic_function_tool(TreeNode)]) as events:
        final = events.get_final_completion()
    assert final.choices[0].message.tool_calls[0].function.parsed_arguments == TreeNode(label="x")
    assert "$ref" not in json.dumps(strict.chat_requests[-1].json["tools"])


def test_async_parse_stream_and_tools(fake: FakeVertex) -> None:
    async def run() -> None:
        client = aclient_for(fake)
        for method in (client.chat.completions.parse, client.beta.chat.completions.parse):
            completion = await method(model=MODEL, messages=MESSAGES, response_format=TreeNode)
            assert isinstance(completion.choices[0].message.parsed, TreeNode)
        async with client.chat.completions.stream(model=MODEL, messages=MESSAGES,
                                                  response_format=TreeNode) as events:
            final = await events.get_final_completion()
        assert isinstance(final.choices[0].message.parsed, TreeNode)
        fake.reply_next(Reply(content=None, tool_calls=[{"id": "", "type": "function", "function": {
            "name": "TreeNode", "arguments": '{"label": "x", "children": []}'}}]))
        completion = await client.chat.completions.parse(
            model=MODEL, messages=MESSAGES, tools=[openai.pydantic_function_tool(TreeNode)]
        )
        args = completion.choices[0].message.tool_calls[0].function.parsed_arguments
        assert args == TreeNode(label="x", children=[])
        assert "$ref" not in json.dumps(fake.chat_requests[-1].json["tools"])

    asyncio.run(run())


def test_user_response_format_dict_and_strict_tools_are_adapted_without_touching_the_callers(
    fake: FakeVertex,
) -> None:
    client = client_for(fake)
    rf = {"type": "json_schema", "json_schema": {"name": "Tree Node", "strict": True,
                                                  "schema": strict_schema_for(TreeNode)}}
    tools = [{"type": "function", "function": {"name": "lookup", "strict": True,
                                               "parameters": strict_schema_for(Constrained)}}]
    before = copy.deepcopy((rf, tools))
    client.chat.completions.create(model="gemini-3-pro", messages=MESSAGES, response_format=rf, tools=tools)
    assert (rf, tools) == before
    body = fake.chat_requests[-1].json
    assert body["response_format"]["json_schema"]["name"] == "Tree_Node"
    assert "$ref" not in json.dumps(body["response_format"])
    assert "minLength" not in json.dumps(body["tools"]) and body["tools"][0]["function"]["strict"] is True
    # non-strict tools for another publisher's model are left alone (Gemini's are adapted: test_loose_tools.py)
    loose = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "title": "F"}}}]
    client.chat.completions.create(model="meta/llama-3.3-70b-instruct-maas", messages=MESSAGES, tools=loose)
    assert fake.chat_requests[-1].json["tools"] == loose


# -- settings: per client, per call ------------------------------------------------------------------------------------
def test_profile_per_client_and_per_call(fake: FakeVertex) -> None:
    client = client_for(fake)
    client.chat.completions.parse(model=MODEL, messages=MESSAGES, response_format=CORPUS["Shipment"].model)
    assert "$defs" in sent_schema(fake)
    client.with_options(schema_adaptation="openapi").chat.completions.parse(
        model=MODEL, messages=MESSAGES, response_format=CORPUS["Shipment"].model
    )
    assert "$defs" not in sent_schema(fake) and "propertyOrdering" in sent_schema(fake)
    off = client_for(fake, schema_adaptation="off")
    off.chat.completions.parse(model=MODEL, messages=MESSAGES, response_format=CORPUS["Shipment"].model)
    assert sent_schema(fake) == strict_schema_for(CORPUS["Shipment"].model)
    on_again = off.copy(schema_adaptation="jsonschema")
    on_again.chat.completions.parse(model=MODEL, messages=MESSAGES, response_format=CORPUS["Shipment"].model)
    assert "title" not in json.dumps(sent_schema(fake))
    with pytest.raises(ValueError, match="schema_adaptation must be one of"):
        client.with_options(schema_adaptation="proto")
    with pytest.raises(ValueError, match="schema_adaptation must be one of"):
        client_for(fake, schema_adaptation=True)


def test_each_distinct_schema_is_adapted_once(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> None:
    _schema_wire.clear_cache()
    calls: list[Any] = []
    real = _schema_wire.adapt_schema

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("profile"))
        return real(*args, **kwargs)

    monkeypatch.setattr(_schema_wire, "adapt_schema", counting)
    client = client_for(fake)
    for _ in range(3):
        client.chat.completions.parse(model=MODEL, messages=MESSAGES, response_format=TreeNode)
    client.with_options(schema_adaptation="openapi").chat.completions.parse(
        model=MODEL, messages=MESSAGES, response_format=TreeNode
    )
    assert calls == ["jsonschema", "openapi"]


def test_unexpressible_schema_fails_before_sending(fake: FakeVertex) -> None:
    class Bad(pydantic.BaseModel):
        me: Bad

    with pytest.raises(Exception, match="no finite terminal") as err:
        client_for(fake).chat.completions.parse(model=MODEL, messages=MESSAGES, response_format=Bad)
    assert err.value.pointer.endswith("/properties/me")  # type: ignore[attr-defined]
    assert fake.chat_requests == []


# -- response side ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("wrapping", ["\n\n\n{}\n", "```json\n{}\n```", "```\n{}\n```", "  ```JSON\n{}```  "])
def test_fenced_or_padded_json_still_parses(fake: FakeVertex, wrapping: str) -> None:
    text = wrapping.replace("{}", '{"label": "a", "children": []}')
    fake.reply_next(Reply(content=text))
    completion = client_for(fake).chat.completions.parse(model=MODEL, messages=MESSAGES, response_format=TreeNode)
    assert completion.choices[0].message.parsed == TreeNode(label="a", children=[])
    assert completion.choices[0].message.content == text  # the raw text is left as Google sent it


def test_validation_failure_shows_raw_text_and_pydantic_errors(fake: FakeVertex) -> None:
    bad = '{"rating": 5, "ratio": 0.5, "step": 10, "code": "abc", "bounded": 0}'
    fake.reply_next(Reply(content=bad))
    with pytest.raises(StructuredOutputError) as err:
        client_for(fake).chat.completions.parse(model=MODEL, messages=MESSAGES, response_format=Constrained)
    assert err.value.raw == bad
    assert err.value.errors[0]["loc"] == ("code",)
    assert "code" in str(err.value) and bad in str(err.value)
    fake.reply_next(Reply(content="not json at all"))
    with pytest.raises(StructuredOutputError, match="not json at all"):
        client_for(fake).chat.completions.parse(model=MODEL, messages=MESSAGES, response_format=Constrained)


def test_opt_in_reask_sends_the_errors_back_once(fake: FakeVertex) -> None:
    bad = '{"rating": 5, "ratio": 0.5, "step": 10, "code": "abc", "bounded": 0}'
    good = '{"rating": 5, "ratio": 0.5, "step": 10, "code": "ABC", "bounded": 0}'
    fake.reply_next(Reply(content=bad), Reply(content=good))
    completion = parse_with_reask(client_for(fake), model=MODEL, messages=MESSAGES, response_format=Constrained)
    assert completion.choices[0].message.parsed.code == "ABC"
    retry = fake.chat_requests[-1].json["messages"]
    assert retry[-2] == {"role": "assistant", "content": bad}
    assert "code" in retry[-1]["content"] and "pattern" in retry[-1]["content"]
    fake.reply_next(Reply(content=bad), Reply(content=bad))

    async def run() -> None:
        with pytest.raises(StructuredOutputError):
            await aparse_with_reask(aclient_for(fake), model=MODEL, messages=MESSAGES, response_format=Constrained)

    asyncio.run(run())
    assert len(fake.chat_requests) == 4  # exactly one re-ask each


@pytest.mark.parametrize("finish,error", [("length", openai.LengthFinishReasonError),
                                          ("content_filter", openai.ContentFilterFinishReasonError)])
def test_length_and_content_filter_keep_the_sdk_exceptions(fake: FakeVertex, finish: str, error: Any) -> None:
    fake.reply_next(Reply(content='{"label": "a', finish_reason=finish))
    with pytest.raises(error):
        client_for(fake).chat.completions.parse(model=MODEL, messages=MESSAGES, response_format=TreeNode)


def test_tools_with_json_format_refused_on_gemini_2_allowed_on_3() -> None:
    with FakeVertex(strict_schemas=True) as fake:
        client = client_for(fake)
        tools = [openai.pydantic_function_tool(Constrained)]
        with pytest.raises(UnsupportedRequestError, match="Gemini 3"):
            client.chat.completions.parse(model=MODEL, messages=MESSAGES, response_format=TreeNode, tools=tools)
        assert fake.chat_requests == []
        client.chat.completions.parse(model="gemini-3-pro-preview", messages=MESSAGES, response_format=TreeNode,
                                      tools=tools)
        with pytest.raises(openai.BadRequestError, match="response mime type"):
            client.with_options(schema_adaptation="off").chat.completions.create(
                model=MODEL, messages=MESSAGES, response_format={"type": "json_object"},
                tools=[{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
            )
