"""Google's stream and response quirks are invisible: tool calls, ids, finish reasons, content, thoughts."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai.gemini import google_extra_body, thoughts, to_message_param
from vertex_openai.testing import FakeCredentials, FakeVertex, Reply
from vertex_openai.wire._response import normalize_response_data, original_tool_call_id

MODEL = "gemini-2.5-flash"
USER = [{"role": "user", "content": "What is 2+2 and 3+3?"}]
SIG = "CrICAdHtim827fQ=="


def _call(name: str, args: dict[str, Any], call_id: str = "", signature: str | None = SIG) -> dict[str, Any]:
    function = {"arguments": json.dumps(args), "name": name}
    call: dict[str, Any] = {"function": function, "id": call_id, "type": "function"}
    if signature:
        call["extra_content"] = {"google": {"thought_signature": signature}}
    return call


def _client(fake: FakeVertex, creds: FakeCredentials) -> Any:
    return vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)


def test_stream_helper_accumulates_whole_tool_calls_without_index(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(content=None, tool_calls=[_call("add", {"a": 2, "b": 2}), _call("add", {"a": 3, "b": 3})]))
    with _client(fake, creds).chat.completions.stream(model=MODEL, messages=USER) as stream:
        events = [event.type for event in stream]
        final = stream.get_final_completion()
    message = final.choices[0].message
    assert final.choices[0].finish_reason == "tool_calls"
    assert message.role == "assistant"
    calls = message.tool_calls or []
    assert [c.function.arguments for c in calls] == ['{"a": 2, "b": 2}', '{"a": 3, "b": 3}']
    assert len({c.id for c in calls}) == 2 and all(c.id for c in calls)
    assert all(c.model_extra and c.model_extra["extra_content"]["google"]["thought_signature"] == SIG for c in calls)
    assert "tool_calls.function.arguments.done" in events


def test_plain_stream_chunks_get_index_and_distinct_ids(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(content=None, tool_calls=[_call("add", {"a": 1}, "add"), _call("add", {"a": 2}, "add")]))
    chunks = list(_client(fake, creds).chat.completions.create(model=MODEL, messages=USER, stream=True))
    deltas = [tc for ch in chunks for tc in (ch.choices[0].delta.tool_calls or [])]
    assert [tc.index for tc in deltas] == [0, 1]
    ids = [tc.id or "" for tc in deltas]
    assert ids[0] == "add" and ids[1] != "add" and original_tool_call_id(ids[1]) == "add"
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_arguments_streamed_in_pieces_without_index(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(raw_chunks=[
        {"delta": {"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": '{"a"'}, "id": ""}]}},
        {"delta": {"role": "assistant", "tool_calls": [{"function": {"arguments": ": 1}"}, "id": ""}]}},
        {"delta": {"role": "assistant", "tool_calls": [
            {"function": {"name": "g", "arguments": "{}"}, "id": "",
             "extra_content": {"google": {"thought_signature": "s"}}}
        ]}},
        {"delta": {"role": "assistant", "tool_calls": [
            {"function": {"arguments": ""}, "id": "", "extra_content": {"google": {"thought_signature": "s"}}}
        ]}, "finish_reason": "stop"},
    ]))
    with _client(fake, creds).chat.completions.stream(model=MODEL, messages=USER) as stream:
        final = stream.get_final_completion()
    calls = final.choices[0].message.tool_calls or []
    assert [(c.function.name, c.function.arguments) for c in calls] == [("f", '{"a": 1}'), ("g", "{}")]
    assert (calls[1].model_extra or {})["extra_content"] == {"google": {"thought_signature": "s"}}
    assert "extra_content" not in (calls[0].model_extra or {})
    assert final.choices[0].finish_reason == "tool_calls"


def test_openai_shaped_streams_pass_unchanged() -> None:
    chunk = {"id": "x", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {
        "role": "assistant", "tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                             "function": {"name": "f", "arguments": ""}}]}, "finish_reason": None}]}
    more = {"id": "x", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {
        "tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]}, "finish_reason": "tool_calls"}]}

    class _Resp:
        def __init__(self) -> None:
            self.extensions: dict[str, Any] = {}

    resp = _Resp()
    first = json.loads(json.dumps(chunk))
    second = json.loads(json.dumps(more))
    assert normalize_response_data(first, object, resp) == chunk
    assert normalize_response_data(second, object, resp) == more


def test_non_stream_duplicate_and_empty_ids_are_distinct_and_restored(
    fake: FakeVertex, creds: FakeCredentials
) -> None:
    calls_sent = [_call("add", {"a": 1}, "add"), _call("add", {"a": 2}, "add"), _call("mul", {}, "")]
    fake.reply_next(Reply(content=None, finish_reason="stop", tool_calls=calls_sent))
    client = _client(fake, creds)
    first = client.chat.completions.create(model=MODEL, messages=USER)
    calls = first.choices[0].message.tool_calls or []
    ids = [c.id for c in calls]
    assert len(set(ids)) == 3 and ids[0] == "add"
    assert first.choices[0].finish_reason == "tool_calls"
    again = _client(fake, creds)
    fake.reply_next(Reply(content=None, tool_calls=[_call("add", {"a": 1}, "add"), _call("add", {"a": 2}, "add"),
                                                    _call("mul", {}, "")]))
    assert [c.id for c in again.chat.completions.create(model=MODEL, messages=USER).choices[0].message.tool_calls
            or []] == [i.replace("fake-1", "fake-2") for i in ids]  # deterministic: response id + position
    messages = [*USER, to_message_param(first.choices[0].message)]
    messages += [{"role": "tool", "tool_call_id": i, "content": "4"} for i in ids]
    client.chat.completions.create(model=MODEL, messages=messages)
    sent = fake.chat_requests[-1].json["messages"]
    assert [c["id"] for c in sent[1]["tool_calls"]] == ["add", "add", ""]
    assert [m["tool_call_id"] for m in sent[2:]] == ["add", "add", ""]
    assert all(c["extra_content"] == {"google": {"thought_signature": SIG}} for c in sent[1]["tool_calls"])


def test_content_as_list_of_text_parts(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(raw_message={"role": "assistant", "content": [
        {"text": "think first", "type": "text", "extra_content": {"google": {"thought": True}}},
        {"text": "Hello", "type": "text", "extra_content": {"google": {"thought_signature": "sig1"}}},
        {"text": " world", "type": "text"},
    ]}))
    message = _client(fake, creds).chat.completions.create(model=MODEL, messages=USER).choices[0].message
    assert message.content == "Hello world"
    assert thoughts(message) == "think first"
    assert to_message_param(message) == {
        "role": "assistant", "content": "Hello world", "extra_content": {"google": {"thought_signature": "sig1"}}
    }


def test_content_list_in_a_stream_and_thought_deltas(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(raw_chunks=[
        {"delta": {"role": "assistant", "content": "pondering", "extra_content": {"google": {"thought": True}}}},
        {"delta": {"role": "assistant", "content": [{"type": "text", "text": "Hel"}],
                   "extra_content": {"google": {"thought_signature": "sig"}}}},
        {"delta": {"role": "assistant", "content": "lo", "extra_content": {"google": {"thought_signature": "sig"}}},
         "finish_reason": "stop"},
    ]))
    with _client(fake, creds).chat.completions.stream(model=MODEL, messages=USER) as stream:
        final = stream.get_final_completion()
    message = final.choices[0].message
    assert message.content == "Hello"
    assert message.role == "assistant"
    assert thoughts(message) == "pondering"
    assert message.model_extra is not None and message.model_extra["extra_content"] == {
        "google": {"thought_signature": "sig"}
    }
    assert final.choices[0].finish_reason == "stop"


@pytest.mark.parametrize("stream", [False, True])
def test_tagged_thoughts_are_separated(fake: FakeVertex, creds: FakeCredentials, stream: bool) -> None:
    fake.stream_chunk_chars = 5  # cuts the <think> tags across chunks
    fake.reply_next(Reply(content="The answer is 4.", thoughts="Two plus two is four."))
    extra = google_extra_body(thinking_config={"include_thoughts": True}, thought_tag_marker="think")
    client = _client(fake, creds)
    if stream:
        with client.chat.completions.stream(model=MODEL, messages=USER, extra_body=extra) as s:
            message: Any = s.get_final_completion().choices[0].message
    else:
        message = client.chat.completions.create(model=MODEL, messages=USER, extra_body=extra).choices[0].message
    assert message.content == "The answer is 4."
    assert thoughts(message) == "Two plus two is four."
    client.chat.completions.create(model=MODEL, messages=[*USER, to_message_param(message)])
    assert "reasoning_content" not in fake.chat_requests[-1].json["messages"][1]


def test_untagged_thoughts_stay_in_content(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(content="Answer.", thoughts="Thinking. "))
    extra = google_extra_body(thinking_config={"include_thoughts": True})
    message = _client(fake, creds).chat.completions.create(model=MODEL, messages=USER, extra_body=extra)
    assert message.choices[0].message.content == "Thinking. Answer."
    assert thoughts(message.choices[0].message) is None


def _loop_replies(fake: FakeVertex) -> None:
    fake.reply_next(
        Reply(content=None, tool_calls=[_call("get_weather", {"city": "Paris"})]),
        Reply(content="It is sunny in Paris."),
    )


def _check_second_request(fake: FakeVertex) -> None:
    sent = fake.chat_requests[-1].json["messages"]
    assistant, tool = sent[1], sent[2]
    assert assistant["tool_calls"][0]["extra_content"] == {"google": {"thought_signature": SIG}}
    assert assistant["tool_calls"][0]["id"] == ""  # Google's own id goes back
    assert tool == {"role": "tool", "tool_call_id": "", "content": "sunny"}


def test_tool_loop_keeps_signatures_sync(fake: FakeVertex, creds: FakeCredentials) -> None:
    _loop_replies(fake)
    client = _client(fake, creds)
    first = client.chat.completions.create(model=MODEL, messages=USER)
    message = first.choices[0].message
    call = (message.tool_calls or [])[0]
    messages = [*USER, to_message_param(message), {"role": "tool", "tool_call_id": call.id, "content": "sunny"}]
    second = client.chat.completions.create(model=MODEL, messages=messages)
    assert second.choices[0].message.content == "It is sunny in Paris."
    _check_second_request(fake)


def test_tool_loop_keeps_signatures_when_the_message_object_goes_back(fake: FakeVertex, creds: FakeCredentials) -> None:
    _loop_replies(fake)
    client = _client(fake, creds)
    message = client.chat.completions.create(model=MODEL, messages=USER).choices[0].message
    call = (message.tool_calls or [])[0]
    client.chat.completions.create(
        model=MODEL, messages=[*USER, message, {"role": "tool", "tool_call_id": call.id, "content": "sunny"}]
    )
    _check_second_request(fake)


def test_tool_loop_keeps_signatures_async(fake: FakeVertex, creds: FakeCredentials) -> None:
    _loop_replies(fake)

    async def main() -> None:
        client = async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
        message = (await client.chat.completions.create(model=MODEL, messages=USER)).choices[0].message
        call = (message.tool_calls or [])[0]
        tool = {"role": "tool", "tool_call_id": call.id, "content": "sunny"}
        await client.chat.completions.create(model=MODEL, messages=[*USER, to_message_param(message), tool])
        await client.close()

    asyncio.run(main())
    _check_second_request(fake)


def test_tool_loop_keeps_signatures_stream(fake: FakeVertex, creds: FakeCredentials) -> None:
    _loop_replies(fake)
    client = _client(fake, creds)
    with client.chat.completions.stream(model=MODEL, messages=USER) as stream:
        message = stream.get_final_completion().choices[0].message
    call = (message.tool_calls or [])[0]
    tool = {"role": "tool", "tool_call_id": call.id, "content": "sunny"}
    with client.chat.completions.stream(model=MODEL, messages=[*USER, to_message_param(message), tool]) as stream:
        assert stream.get_final_completion().choices[0].message.content == "It is sunny in Paris."
    _check_second_request(fake)


def test_async_stream_helper(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(content=None, tool_calls=[_call("a", {}), _call("b", {})]))

    async def main() -> Any:
        client = async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
        async with client.chat.completions.stream(model=MODEL, messages=USER) as stream:
            final = await stream.get_final_completion()
        await client.close()
        return final

    final = asyncio.run(main())
    assert [c.function.name for c in final.choices[0].message.tool_calls or []] == ["a", "b"]
    assert final.choices[0].finish_reason == "tool_calls"


def test_any_extra_content_namespace_round_trips(fake: FakeVertex, creds: FakeCredentials) -> None:
    call = _call("f", {}, "id-1", signature=None)
    call["extra_content"] = {"vertex": {"thought_signature": "v-sig"}, "google": {"other": 1}}
    fake.reply_next(Reply(content=None, tool_calls=[call], extra_content={"vertex": {"thought_signature": "m"}}))
    client = _client(fake, creds)
    message = client.chat.completions.create(model=MODEL, messages=USER).choices[0].message
    param = to_message_param(message)
    assert param["extra_content"] == {"vertex": {"thought_signature": "m"}}
    assert param["tool_calls"][0]["extra_content"] == call["extra_content"]
    client.chat.completions.create(
        model=MODEL, messages=[*USER, param, {"role": "tool", "tool_call_id": "id-1", "content": "ok"}]
    )
    sent = fake.chat_requests[-1].json["messages"][1]
    assert sent["tool_calls"][0] == call
    assert sent["extra_content"] == {"vertex": {"thought_signature": "m"}}


def test_parse_message_round_trips(fake: FakeVertex, creds: FakeCredentials) -> None:
    from pydantic import BaseModel

    class Answer(BaseModel):
        value: int

    fake.reply_next(Reply(raw_message={"role": "assistant", "content": [{"type": "text", "text": '{"value": 4}'}],
                                       "extra_content": {"google": {"thought_signature": "p"}}}))
    client = _client(fake, creds)
    parse = getattr(client.chat.completions, "parse", None) or client.beta.chat.completions.parse
    message = parse(model=MODEL, messages=USER, response_format=Answer).choices[0].message
    assert message.parsed == Answer(value=4)
    assert to_message_param(message) == {
        "role": "assistant", "content": '{"value": 4}', "extra_content": {"google": {"thought_signature": "p"}}
    }
