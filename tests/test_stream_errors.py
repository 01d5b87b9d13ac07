"""A Google error inside a stream reaches the caller as `openai.APIError` on every openai release we support.

Every way of streaming is covered (sync and async `create(stream=True)`, the `chat.completions.stream()` helper,
`client.responses` streams) for each error shape Google writes mid-stream: an error object outside a `data:`
line, a list-wrapped error inside a data line, and a malformed event. The error carries Google's status as
`.code`, Google's message, and a request of the SDK's own HTTP library: the streamed response's request, without
the token. The bodies are constructed from Google's documented error shape (google.rpc.Status), not recorded.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import openai
import pytest

from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai.testing import FakeVertex, Fault, google_error_body

MESSAGES: Any = [{"role": "user", "content": "hi"}]
MODEL = "gemini-2.5-flash"
CANARY = "ya29.CANARY-" + "s" * 40


def _outside_data_line() -> tuple[Fault, str | None, str]:
    body = google_error_body(499, "CANCELLED", "The operation was cancelled.")
    return Fault(action="stream_then_raw", chunks=2, body=body), "CANCELLED", "The operation was cancelled."


def _list_wrapped() -> tuple[Fault, str | None, str]:
    error = google_error_body(500, "INTERNAL", "Internal error encountered.")  # [{"error": {...}}]
    body = b"data: " + json.dumps(error).encode() + b"\n"
    return Fault(action="stream_then_raw", chunks=1, body=body), "INTERNAL", "Internal error encountered."


def _malformed() -> tuple[Fault, str | None, str]:
    return Fault(action="stream_then_raw", chunks=1, body=b'data: {"choices": [{"delta": \n'), None, "malformed"


SHAPES: dict[str, Callable[[], tuple[Fault, str | None, str]]] = {
    "outside-data-line": _outside_data_line, "list-wrapped": _list_wrapped, "malformed": _malformed,
}


@pytest.fixture
def canary_fake(fake: FakeVertex) -> FakeVertex:
    fake.accept_token(CANARY)
    return fake


def _check(err: BaseException, code: str | None, text: str, fake: FakeVertex) -> None:
    assert isinstance(err, openai.APIError), f"{type(err).__name__}: {err}"
    assert text in str(err)
    if code is not None:
        assert err.code == code
    request = err.request
    # a real request of the SDK's own HTTP library: the streamed one, so its URL is the chat call's
    assert type(request).__name__ == "Request" and type(request).__module__.split(".")[0] in ("httpx", "httpx2")
    assert str(request.url) == f"{fake.base_url}/chat/completions"
    assert request.method == "POST"
    assert "authorization" not in {name.lower() for name in request.headers}
    assert CANARY not in repr(err) and CANARY not in str(err)


def _sync_client(fake: FakeVertex) -> Any:
    return vertex_openai_client("fake-project", base_url=fake.base_url, credentials=lambda: CANARY, max_retries=0)


def _async_client(fake: FakeVertex) -> Any:
    return async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=lambda: CANARY,
                                      max_retries=0)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_sync_create_stream(canary_fake: FakeVertex, shape: str) -> None:
    fault, code, text = SHAPES[shape]()
    canary_fake.fail_next(fault)
    client = _sync_client(canary_fake)
    with pytest.raises(openai.APIError) as info:
        for _ in client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True):
            pass
    _check(info.value, code, text, canary_fake)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_async_create_stream(canary_fake: FakeVertex, shape: str) -> None:
    fault, code, text = SHAPES[shape]()
    canary_fake.fail_next(fault)

    async def main() -> None:
        client = _async_client(canary_fake)
        try:
            stream = await client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
            async for _ in stream:
                pass
        finally:
            await client.close()

    with pytest.raises(openai.APIError) as info:
        asyncio.run(main())
    _check(info.value, code, text, canary_fake)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_stream_helper(canary_fake: FakeVertex, shape: str) -> None:
    fault, code, text = SHAPES[shape]()
    canary_fake.fail_next(fault)
    client = _sync_client(canary_fake)
    completions = getattr(client.chat.completions, "stream", None) or client.beta.chat.completions.stream
    with pytest.raises(openai.APIError) as info, completions(model=MODEL, messages=MESSAGES) as stream:
        for _ in stream:
            pass
    _check(info.value, code, text, canary_fake)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_responses_stream(canary_fake: FakeVertex, shape: str) -> None:
    fault, code, text = SHAPES[shape]()
    canary_fake.fail_next(fault)
    client = _sync_client(canary_fake)
    with pytest.raises(openai.APIError) as info:
        for _ in client.responses.create(model=MODEL, input="hi", stream=True):
            pass
    _check(info.value, code, text, canary_fake)


def test_async_responses_stream(canary_fake: FakeVertex) -> None:
    fault, code, text = _outside_data_line()
    canary_fake.fail_next(fault)

    async def main() -> None:
        client = _async_client(canary_fake)
        try:
            async for _ in await client.responses.create(model=MODEL, input="hi", stream=True):
                pass
        finally:
            await client.close()

    with pytest.raises(openai.APIError) as info:
        asyncio.run(main())
    _check(info.value, code, text, canary_fake)


def test_raw_stream_response_error_carries_the_streamed_request(canary_fake: FakeVertex) -> None:
    fault, code, text = _outside_data_line()
    canary_fake.fail_next(fault)
    client = _sync_client(canary_fake)
    with pytest.raises(openai.APIError) as info, client.chat.completions.with_streaming_response.create(
        model=MODEL, messages=MESSAGES, stream=True
    ) as raw:
        for _ in raw.parse():
            pass
    _check(info.value, code, text, canary_fake)


def test_decoder_made_outside_an_sdk_stream_names_the_chat_call(canary_fake: FakeVertex) -> None:
    # The SDK builds its Stream and then asks the client for a decoder; asked any other way, the client still
    # gives errors a real request: the chat call on its base URL, with no credentials.
    client = _sync_client(canary_fake)
    decoder = client._make_sse_decoder()
    with pytest.raises(openai.APIError) as info:
        decoder.decode(json.dumps(google_error_body(499, "CANCELLED", "The operation was cancelled.")))
    _check(info.value, "CANCELLED", "The operation was cancelled.", canary_fake)


def test_async_stream_helper(canary_fake: FakeVertex) -> None:
    fault, code, text = _outside_data_line()
    canary_fake.fail_next(fault)

    async def main() -> None:
        client = _async_client(canary_fake)
        completions = getattr(client.chat.completions, "stream", None) or client.beta.chat.completions.stream
        try:
            async with completions(model=MODEL, messages=MESSAGES) as stream:
                async for _ in stream:
                    pass
        finally:
            await client.close()

    with pytest.raises(openai.APIError) as info:
        asyncio.run(main())
    _check(info.value, code, text, canary_fake)
