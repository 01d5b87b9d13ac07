"""`client.responses` answered through Chat Completions: create, parse, state, refusals, thoughts, tool loops."""

from __future__ import annotations

import asyncio
import inspect
import json
from typing import Any

import openai
import pytest
from pydantic import BaseModel

from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai.responses import ResponsesNotSupportedError, UnknownResponseError
from vertex_openai.testing import FakeCredentials, FakeVertex, Fault, Reply, google_error_body

MODEL = "gemini-2.5-flash"
GEMINI_3 = "gemini-3-flash-preview"
ADD_TOOL = {"type": "function", "name": "add", "description": "Add two numbers", "strict": False,
            "parameters": {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}}


def _client(fake: FakeVertex, creds: FakeCredentials, **kwargs: Any) -> Any:
    return vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds, **kwargs)


def _add_call(args: dict[str, Any]) -> dict[str, Any]:
    return {"function": {"arguments": json.dumps(args), "name": "add"}, "id": "", "type": "function"}


def _assert_only_chat(fake: FakeVertex) -> None:
    assert fake.requests, "expected the bridge to call chat completions"
    assert all(r.path.endswith("/chat/completions") for r in fake.requests), [r.path for r in fake.requests]


def test_create_returns_the_sdks_response_built_from_a_chat_completion(fake: FakeVertex,
                                                                     creds: FakeCredentials) -> None:
    response = _client(fake, creds).responses.create(model=MODEL, input="hi there", instructions="Be brief.",
                                                     temperature=0.2, max_output_tokens=64, metadata={"k": "v"})
    assert isinstance(response, openai.types.responses.Response)
    assert response.output_text == "You said: hi there"
    assert response.status == "completed" and response.id.startswith("resp_")
    sent = fake.chat_requests[-1].json
    assert sent["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi there"}]
    assert sent["temperature"] == 0.2 and sent["max_completion_tokens"] == 64 and "metadata" not in sent
    assert response.metadata == {"k": "v"} and response.instructions == "Be brief."
    usage = response.usage
    assert usage is not None and usage.total_tokens == usage.input_tokens + usage.output_tokens > 0
    _assert_only_chat(fake)


def test_parse_with_text_format_goes_through_schema_adaptation(fake: FakeVertex, creds: FakeCredentials) -> None:
    class Answer(BaseModel):
        city: str
        population: int

    parsed = _client(fake, creds).responses.parse(model=MODEL, input="biggest city?", text_format=Answer)
    assert isinstance(parsed.output_parsed, Answer)
    response_format = fake.chat_requests[-1].json["response_format"]
    assert response_format["type"] == "json_schema" and response_format["json_schema"]["name"] == "Answer"
    assert set(response_format["json_schema"]["schema"]["properties"]) == {"city", "population"}


def test_previous_response_id_replays_the_conversation_from_the_store(fake: FakeVertex,
                                                                       creds: FakeCredentials) -> None:
    client = _client(fake, creds)
    first = client.responses.create(model=MODEL, input="one", instructions="first instructions")
    copy = client.with_options(timeout=30)  # copies share the store
    copy.responses.create(model=MODEL, input="two", previous_response_id=first.id)
    assert fake.chat_requests[-1].json["messages"] == [
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "You said: one"},
        {"role": "user", "content": "two"},
    ]
    assert copy.responses.retrieve(first.id).output_text == first.output_text


def test_unknown_or_deleted_ids_fail_before_sending(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = _client(fake, creds)
    first = client.responses.create(model=MODEL, input="one")
    assert [item.type for item in client.responses.input_items.list(first.id)] == ["message"]
    client.responses.delete(first.id)
    count = fake.request_count
    with pytest.raises(UnknownResponseError, match="response store"):
        client.responses.create(model=MODEL, input="two", previous_response_id=first.id)
    with pytest.raises(UnknownResponseError):
        client.responses.retrieve(first.id)
    assert fake.request_count == count


def test_store_false_keeps_nothing_but_items_passed_back_work(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = _client(fake, creds)
    first = client.responses.create(model=MODEL, input="one", store=False)
    with pytest.raises(UnknownResponseError):
        client.responses.retrieve(first.id)
    client.responses.create(model=MODEL, input=[{"role": "user", "content": "one"}, *first.output,
                                                {"role": "user", "content": "two"}], store=False)
    assert [m["content"] for m in fake.chat_requests[-1].json["messages"]] == ["one", "You said: one", "two"]


def test_input_items_list_orders_and_pages(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = _client(fake, creds)
    items = [{"role": "user", "content": f"m{i}"} for i in range(3)]
    response = client.responses.create(model=MODEL, input=items)
    newest_first = client.responses.input_items.list(response.id)
    assert [item.content[0].text for item in newest_first.data] == ["m2", "m1", "m0"]
    page = client.responses.input_items.list(response.id, order="asc", limit=2)
    assert [item.content[0].text for item in page.data] == ["m0", "m1"] and page.has_more


@pytest.mark.parametrize(
    ("kwargs", "feature"),
    [
        ({"background": True}, "background"),
        ({"conversation": "conv_123"}, "conversation"),
        ({"tools": [{"type": "file_search", "vector_store_ids": ["vs_1"]}]}, "file_search"),
        ({"tools": [{"type": "web_search", "search_context_size": "high"}]}, "web_search options"),
        ({"input": [{"type": "item_reference", "id": "msg_1"}]}, "item_reference"),
        ({"input": [{"role": "user", "content": [{"type": "input_file", "file_id": "file-1"}]}]}, "file_id"),
    ],
)
def test_unsupported_features_are_refused_before_sending(fake: FakeVertex, creds: FakeCredentials,
                                                         kwargs: dict[str, Any], feature: str) -> None:
    client = _client(fake, creds)
    params = {"model": MODEL, "input": "hi", **kwargs}
    if "conversation" in kwargs and "conversation" not in inspect.signature(client.responses.create).parameters:
        pytest.skip("this openai release has no conversation parameter")
    with pytest.raises(ResponsesNotSupportedError, match=feature) as info:
        client.responses.create(**params)
    assert isinstance(info.value, openai.OpenAIError) and "nothing was sent" in str(info.value)
    assert fake.requests == []


def test_cancel_compact_and_token_counting_are_refused(fake: FakeVertex,
                                                                      creds: FakeCredentials) -> None:
    responses = _client(fake, creds).responses
    with pytest.raises(ResponsesNotSupportedError, match="cancel"):
        responses.cancel("resp_1")
    with pytest.raises(ResponsesNotSupportedError, match="input_tokens"):
        responses.input_tokens.count(model=MODEL, input="hi")
    with pytest.raises(ResponsesNotSupportedError, match="stream=True"), \
            responses.stream(response_id="resp_1"):  # type: ignore[call-overload]
        pass
    with pytest.raises(ResponsesNotSupportedError, match="client-side store"):
        responses.with_raw_response.retrieve("resp_1")
    if hasattr(responses, "compact"):
        with pytest.raises(ResponsesNotSupportedError, match="compact"):
            responses.compact(model=MODEL, input="hi")
    assert fake.requests == []


def test_web_search_maps_to_google_search(fake: FakeVertex, creds: FakeCredentials) -> None:
    _client(fake, creds).responses.create(model=MODEL, input="news?", tools=[{"type": "web_search"}])
    sent = fake.chat_requests[-1].json
    assert sent["web_search_options"] == {} and "tools" not in sent


def test_what_agents_frameworks_always_send_is_accepted(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = _client(fake, creds)
    accepted = {"include": [], "truncation": "disabled", "store": False, "parallel_tool_calls": True,
                "prompt_cache_retention": "24h", "text": {"verbosity": "low"}, "user": "u1",
                "service_tier": "auto", "top_logprobs": 2, "stream_options": {"include_obfuscation": False}}
    names = inspect.signature(client.responses.create).parameters
    kwargs = {k: v for k, v in accepted.items() if k in names}
    response = client.responses.create(model=MODEL, input="hi", tools=[ADD_TOOL], tool_choice="auto", **kwargs)
    assert response.output_text == "You said: hi"
    sent = fake.chat_requests[-1].json
    assert sent["tools"][0]["function"]["name"] == "add" and sent["tool_choice"] == "auto"
    assert not {"include", "truncation", "store", "user", "service_tier"} & set(sent)


def test_reasoning_summary_asks_for_thoughts_and_returns_them_as_reasoning_items(
        fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(content="4", thoughts="Two plus two is four."))
    response = _client(fake, creds).responses.create(
        model=MODEL, input="2+2?", reasoning={"effort": "low", "summary": "auto"})
    google = fake.chat_requests[-1].json["extra_body"]["google"]
    assert google["thinking_config"] == {"include_thoughts": True, "thinking_budget": 1024}
    assert "reasoning_effort" not in fake.chat_requests[-1].json  # Vertex refuses it beside thinking_config
    reasoning = [item for item in response.output if item.type == "reasoning"]
    assert [part.text for part in reasoning[0].summary] == ["Two plus two is four."]
    assert response.output_text == "4"


def test_reasoning_effort_alone_is_sent_as_reasoning_effort(fake: FakeVertex, creds: FakeCredentials) -> None:
    response = _client(fake, creds).responses.create(model=MODEL, input="hi", reasoning={"effort": "high"})
    assert fake.chat_requests[-1].json["reasoning_effort"] == "high"
    assert [item.type for item in response.output] == ["message"]


def test_length_stop_is_an_incomplete_response(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(content="cut", finish_reason="length"))
    response = _client(fake, creds).responses.create(model=MODEL, input="long story", max_output_tokens=1)
    assert response.status == "incomplete"
    assert response.incomplete_details is not None and response.incomplete_details.reason == "max_output_tokens"


def _tool_turn(client: Any, **kwargs: Any) -> Any:
    return client.responses.create(model=GEMINI_3, input="add 2 and 3", tools=[ADD_TOOL], **kwargs)


def test_gemini_3_tool_loop_keeps_thought_signatures_in_reasoning_items(fake: FakeVertex,
                                                                         creds: FakeCredentials) -> None:
    client = _client(fake, creds)
    fake.reply_next(Reply(content=None, tool_calls=[_add_call({"a": 2, "b": 3})]))
    first = _tool_turn(client, store=False)
    carrier, call = first.output
    assert carrier.type == "reasoning" and carrier.encrypted_content and call.type == "function_call"
    # A fresh client (empty store): only the items passed back can supply the signature.
    other = _client(fake, creds)
    items = [{"role": "user", "content": "add 2 and 3"}, *first.output,
             {"type": "function_call_output", "call_id": call.call_id, "output": "5"}]
    follow = other.responses.create(model=GEMINI_3, input=items, tools=[ADD_TOOL])
    assert follow.status == "completed"
    sent_call = fake.chat_requests[-1].json["messages"][1]["tool_calls"][0]
    assert sent_call["extra_content"]["google"]["thought_signature"]


def test_gemini_3_follow_up_without_the_signature_gets_googles_400(fake: FakeVertex,
                                                                    creds: FakeCredentials) -> None:
    fake.reply_next(Reply(content=None, tool_calls=[_add_call({"a": 2, "b": 3})]))
    first = _tool_turn(_client(fake, creds), store=False)
    call = next(item for item in first.output if item.type == "function_call")
    items = [{"role": "user", "content": "add 2 and 3"}, call,  # reasoning item dropped, fresh client
             {"type": "function_call_output", "call_id": call.call_id, "output": "5"}]
    with pytest.raises(openai.BadRequestError, match="missing a `thought_signature`"):
        _client(fake, creds, max_retries=0).responses.create(model=GEMINI_3, input=items, tools=[ADD_TOOL])


def test_gemini_3_tool_loop_with_previous_response_id(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = _client(fake, creds)
    fake.reply_next(Reply(content=None, tool_calls=[_add_call({"a": 2, "b": 3})]))
    first = _tool_turn(client)
    call = next(item for item in first.output if item.type == "function_call")
    follow = client.responses.create(model=GEMINI_3, previous_response_id=first.id, tools=[ADD_TOOL],
                                     input=[{"type": "function_call_output", "call_id": call.call_id, "output": "5"}])
    assert follow.output_text.startswith("You said")


def test_google_list_wrapped_429_is_a_rate_limit_error(fake: FakeVertex, creds: FakeCredentials) -> None:
    message = "Resource exhausted. Please try again later."
    fake.fail_next(Fault(status=429, body=google_error_body(429, "RESOURCE_EXHAUSTED", message)))
    with pytest.raises(openai.RateLimitError, match="Resource exhausted"):
        _client(fake, creds, max_retries=0).responses.create(model=MODEL, input="hi")


def test_raw_and_streaming_response_wrappers_expose_the_chat_exchange(fake: FakeVertex,
                                                                       creds: FakeCredentials) -> None:
    responses = _client(fake, creds).responses
    raw = responses.with_raw_response.create(model=MODEL, input="raw please")
    assert raw.http_response.status_code == 200 and raw.http_request.url.path.endswith("/chat/completions")
    parsed = raw.parse()
    assert isinstance(parsed, openai.types.responses.Response) and parsed.output_text == "You said: raw please"
    assert raw.parse() is parsed and responses.retrieve(parsed.id).id == parsed.id  # translated and stored once
    with responses.with_streaming_response.create(model=MODEL, input="stream raw", stream=True) as streamed:
        events = [event.type for event in streamed.parse()]
    assert events[0] == "response.created" and events[-1] == "response.completed"
    _assert_only_chat(fake)


def test_async_streaming_response_wrapper_as_openai_agents_uses_it(fake: FakeVertex,
                                                                    creds: FakeCredentials) -> None:
    async def run() -> list[str]:
        client = async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
        manager = client.responses.with_streaming_response.create(model=MODEL, input="agents", stream=True)
        response = await manager.__aenter__()
        try:
            return [event.type async for event in await response.parse()]
        finally:
            await manager.__aexit__(None, None, None)

    types = asyncio.run(run())
    assert types[:2] == ["response.created", "response.in_progress"] and types[-1] == "response.completed"


def test_same_client_restores_signatures_even_without_the_reasoning_items(fake: FakeVertex,
                                                                         creds: FakeCredentials) -> None:
    client = _client(fake, creds)
    fake.reply_next(Reply(content=None, tool_calls=[_add_call({"a": 2, "b": 3})]))
    call = next(item for item in _tool_turn(client, store=False).output if item.type == "function_call")
    items = [{"role": "user", "content": "add 2 and 3"},
             {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
             {"type": "function_call_output", "call_id": call.call_id, "output": "5"}]
    assert client.responses.create(model=GEMINI_3, input=items, tools=[ADD_TOOL]).status == "completed"


def test_async_raw_response_parses_to_a_response(fake: FakeVertex, creds: FakeCredentials) -> None:
    async def run() -> Any:
        client = async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
        raw = await client.responses.with_raw_response.create(model=MODEL, input="async raw")
        return raw.parse()

    assert asyncio.run(run()).output_text == "You said: async raw"
