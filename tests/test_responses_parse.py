"""`responses.parse` / `responses.stream(text_format=...)` are as tolerant as `chat.completions.parse`: one
Markdown fence around the JSON is removed, and an answer that does not validate is a `StructuredOutputError`.
The fenced answers are constructed (Gemini adds such fences at times)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import BaseModel

from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai.structured import StructuredOutputError
from vertex_openai.testing import FakeCredentials, FakeVertex, Reply

MODEL = "gemini-2.5-flash"
FENCED = '```json\n{"city": "Paris", "population": 2100000}\n```'
WRONG = '{"city": "Paris", "population": "many"}'


class City(BaseModel):
    city: str
    population: int


def _client(fake: FakeVertex, creds: FakeCredentials) -> Any:
    return vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)


def _async_client(fake: FakeVertex, creds: FakeCredentials) -> Any:
    return async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)


def test_parse_unwraps_a_fenced_answer(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(content=FENCED))
    parsed = _client(fake, creds).responses.parse(model=MODEL, input="biggest city?", text_format=City)
    assert parsed.output_parsed == City(city="Paris", population=2100000)


def test_parse_of_an_invalid_answer_is_a_structured_output_error(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(content=WRONG))
    with pytest.raises(StructuredOutputError, match="population") as info:
        _client(fake, creds).responses.parse(model=MODEL, input="biggest city?", text_format=City)
    assert info.value.raw == WRONG and info.value.errors


def test_async_parse_is_as_tolerant(fake: FakeVertex, creds: FakeCredentials) -> None:
    async def run() -> Any:
        client = _async_client(fake, creds)
        fake.reply_next(Reply(content=FENCED))
        parsed = await client.responses.parse(model=MODEL, input="city?", text_format=City)
        fake.reply_next(Reply(content=WRONG))
        with pytest.raises(StructuredOutputError):
            await client.responses.parse(model=MODEL, input="city?", text_format=City)
        return parsed.output_parsed

    assert asyncio.run(run()) == City(city="Paris", population=2100000)


def test_stream_with_text_format_unwraps_a_fenced_answer(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(content=FENCED))
    with _client(fake, creds).responses.stream(model=MODEL, input="city?", text_format=City) as stream:
        events = list(stream)
        final = stream.get_final_response()
    assert final.output_parsed == City(city="Paris", population=2100000)
    deltas = "".join(event.delta for event in events if event.type == "response.output_text.delta")
    assert deltas == final.output_text == '{"city": "Paris", "population": 2100000}'


def test_stream_with_text_format_raises_a_structured_output_error(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(content=WRONG))
    with pytest.raises(StructuredOutputError), \
            _client(fake, creds).responses.stream(model=MODEL, input="city?", text_format=City) as stream:
        for _ in stream:
            pass


def test_async_stream_with_text_format(fake: FakeVertex, creds: FakeCredentials) -> None:
    async def run() -> Any:
        client = _async_client(fake, creds)
        fake.reply_next(Reply(content=FENCED))
        async with client.responses.stream(model=MODEL, input="city?", text_format=City) as stream:
            async for _ in stream:
                pass
            final = await stream.get_final_response()
        fake.reply_next(Reply(content=WRONG))
        with pytest.raises(StructuredOutputError):
            async with client.responses.stream(model=MODEL, input="city?", text_format=City) as stream:
                async for _ in stream:
                    pass
        return final.output_parsed

    assert asyncio.run(run()) == City(city="Paris", population=2100000)


def test_a_fence_in_plain_text_answers_is_kept(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(content="```python\nprint(1)\n```"))
    response = _client(fake, creds).responses.create(model=MODEL, input="code?")
    assert response.output_text == "```python\nprint(1)\n```"


@pytest.mark.parametrize("text", [FENCED, "  " + FENCED + "\n", '{"a": "```"}', '{"a": 1}', "```\n[1, 2]\n```"])
@pytest.mark.parametrize("size", [1, 2, 3, 5, 100])
def test_the_stream_fence_stripper_gives_the_whole_text_result_for_any_split(text: str, size: int) -> None:
    from vertex_openai.responses._parsing import FenceStripper, strip_fence

    stripper = FenceStripper()
    out = "".join(stripper.feed(text[i:i + size]) for i in range(0, len(text), size)) + stripper.flush()
    assert out == strip_fence(text)
