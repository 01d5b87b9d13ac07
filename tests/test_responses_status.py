"""Statuses of bridged Responses as OpenAI defines them: a stream cut short never ends as `completed`, and a
streamed refusal is a refusal part (as in the non-streamed path). Google's chunks are constructed by the fake."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai.testing import FakeCredentials, FakeVertex, Reply

MODEL = "gemini-2.5-flash"


def _client(fake: FakeVertex, creds: FakeCredentials) -> Any:
    return vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)


# A stream whose last chunk has no finish_reason: Google closed it before the answer was finished.
_CUT_SHORT = [{"delta": {"role": "assistant", "content": "The answer is"}},
              {"delta": {"content": " partly"}}]


@pytest.mark.parametrize("chunks", [_CUT_SHORT, []], ids=["no-finish-reason", "zero-chunks"])
def test_a_stream_that_ends_without_a_finish_reason_fails_and_is_stored_failed(
        fake: FakeVertex, creds: FakeCredentials, chunks: list[dict[str, Any]]) -> None:
    client = _client(fake, creds)
    fake.reply_next(Reply(raw_chunks=chunks))
    events = list(client.responses.create(model=MODEL, input="x", stream=True))
    types = [event.type for event in events]
    assert "response.completed" not in types and types[-1] == "response.failed"
    final = events[-1].response
    assert final.status == "failed"
    assert final.error is not None and final.error.code == "server_error"
    assert "finish reason" in final.error.message
    assert client.responses.retrieve(final.id).status == "failed"


def test_the_partial_text_of_a_cut_stream_is_kept_on_an_incomplete_message(fake: FakeVertex,
                                                                           creds: FakeCredentials) -> None:
    fake.reply_next(Reply(raw_chunks=_CUT_SHORT))
    events = list(_client(fake, creds).responses.create(model=MODEL, input="x", stream=True))
    message = events[-1].response.output[-1]
    assert message.type == "message" and message.status == "incomplete"
    assert message.content[0].text == "The answer is partly"


def test_async_stream_without_a_finish_reason_fails(fake: FakeVertex, creds: FakeCredentials) -> None:
    async def run() -> list[str]:
        client = async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
        stream = await client.responses.create(model=MODEL, input="x", stream=True)
        return [event.type async for event in stream]

    fake.reply_next(Reply(raw_chunks=_CUT_SHORT))
    types = asyncio.run(run())
    assert types[-1] == "response.failed" and "response.completed" not in types


def test_a_finished_stream_still_completes(fake: FakeVertex, creds: FakeCredentials) -> None:
    events = list(_client(fake, creds).responses.create(model=MODEL, input="x", stream=True))
    assert events[-1].type == "response.completed" and events[-1].response.status == "completed"


def test_a_streamed_refusal_is_a_refusal_part_with_refusal_events(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(raw_chunks=[{"delta": {"role": "assistant", "refusal": "I can't"}},
                                      {"delta": {"refusal": " help with that."}, "finish_reason": "stop"}]))
    client = _client(fake, creds)
    with client.responses.stream(model=MODEL, input="x") as stream:
        events = list(stream)
        final = stream.get_final_response()
    types = [event.type for event in events]
    assert types.count("response.refusal.delta") == 2 and "response.refusal.done" in types
    done = next(event for event in events if event.type == "response.refusal.done")
    assert done.refusal == "I can't help with that."
    added = next(event for event in events if event.type == "response.content_part.added")
    assert added.part.type == "refusal"
    message = final.output[-1]
    assert [part.type for part in message.content] == ["refusal"]
    assert message.content[0].refusal == "I can't help with that."
    # The same answer non-streamed has the same shape.
    fake.reply_next(Reply(raw_message={"role": "assistant", "content": None, "refusal": "I can't help with that."}))
    plain = client.responses.create(model=MODEL, input="x")
    assert [part.model_dump() for part in plain.output[-1].content] == [part.model_dump()
                                                                        for part in message.content]


def test_text_then_refusal_in_a_stream_gives_two_parts_in_order(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(raw_chunks=[{"delta": {"role": "assistant", "content": "Partly: "}},
                                      {"delta": {"refusal": "no more."}, "finish_reason": "stop"}]))
    events = list(_client(fake, creds).responses.create(model=MODEL, input="x", stream=True))
    final = events[-1].response
    assert [part.type for part in final.output[-1].content] == ["output_text", "refusal"]
    indexes = [event.content_index for event in events if event.type == "response.content_part.added"]
    assert indexes == [0, 1]
