"""Fault injection: what the user sees when the token endpoint, the network or Vertex misbehaves.

Every case asserts the exception class and a useful message, no hang past the configured timeout, no
token in the output, partial stream content delivered before an error, and that the client still works.
Error bodies are constructed from docs/vertex-endpoint.md ("Tool calls", "Streaming", "Errors").
"""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import google.auth.exceptions
import openai
import pytest

from vertex_openai import VertexAuthError, async_vertex_openai_client, vertex_openai_client
from vertex_openai.testing import FakeCredentials, FakeVertex, Fault, Reply, google_error_body

MESSAGES: Any = [{"role": "user", "content": "hi"}]
CANARY = "ya29.CANARY-" + "z" * 40


@pytest.fixture
def canary_fake(fake: FakeVertex) -> FakeVertex:
    fake.accept_token(CANARY)
    return fake


def _client(fake: FakeVertex, **kwargs: Any) -> Any:
    kwargs.setdefault("credentials", lambda: CANARY)
    kwargs.setdefault("max_retries", 0)
    return vertex_openai_client("fake-project", base_url=fake.base_url, **kwargs)


def _ask(client: Any, **kwargs: Any) -> str:
    out = client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES, **kwargs)
    return out.choices[0].message.content


def _still_works(client: Any) -> None:
    assert _ask(client) == "You said: hi"


def _no_canary(*texts: object) -> None:
    for text in texts:
        assert "CANARY" not in str(text)


# -- token endpoint ------------------------------------------------------------------------------
class _GarbageCredentials(FakeCredentials):
    """A token endpoint answering 200 with a body that has no usable token."""

    def refresh(self, request: Any) -> None:
        self.token = None


@pytest.mark.parametrize(
    ("creds", "expected"),
    [
        (FakeCredentials(fail_with=google.auth.exceptions.TransportError("Failed to connect to oauth2.googleapis.com")),
         "could not reach the token endpoint (TransportError"),
        (FakeCredentials(fail_with=google.auth.exceptions.RefreshError("Invalid JSON in token response")),
         "the token endpoint's answer could not be used (RefreshError)"),
        (_GarbageCredentials(), "returned NoneType instead of a non-empty access token"),
    ],
    ids=["down", "error-body", "garbage"],
)
def test_token_endpoint_failures(fake: FakeVertex, creds: FakeCredentials, expected: str) -> None:
    client = _client(fake, credentials=creds)
    started = time.perf_counter()
    with pytest.raises(VertexAuthError) as info:
        _ask(client)
    assert expected in str(info.value) and "gcloud auth application-default login" in str(info.value)
    assert time.perf_counter() - started < 2
    assert fake.requests == []


def test_token_endpoint_recovers(fake: FakeVertex) -> None:
    creds = fake.credentials(fail_with=google.auth.exceptions.TransportError("connection refused"))
    client = _client(fake, credentials=creds)
    with pytest.raises(VertexAuthError):
        _ask(client)
    creds.fail_with = None
    _still_works(client)


def test_slow_token_endpoint_async_does_not_hang(fake: FakeVertex) -> None:
    creds = fake.credentials(latency=3.0)

    async def main() -> None:
        client = async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds,
                                            token_refresh_timeout=0.2, max_retries=0)
        with pytest.raises(VertexAuthError, match="Timed out"):
            await client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
        await client.close()

    started = time.perf_counter()
    asyncio.run(main())
    assert time.perf_counter() - started < 1.5


# -- HTTP status faults ---------------------------------------------------------------------------
def test_429_with_retry_after_header_is_honoured(canary_fake: FakeVertex) -> None:
    canary_fake.fail_next(Fault(status=429, headers={"Retry-After": "1"},
                                body=google_error_body(429, "RESOURCE_EXHAUSTED", "Resource exhausted.")))
    client = _client(canary_fake, max_retries=1)
    started = time.perf_counter()
    assert _ask(client) == "You said: hi"
    assert 0.9 <= time.perf_counter() - started < 3
    assert len(canary_fake.chat_requests) == 2


def test_503_burst_then_success(canary_fake: FakeVertex) -> None:
    quick = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.01s"}]
    body = google_error_body(503, "UNAVAILABLE", "The service is currently unavailable.", quick)
    canary_fake.fail_next(*[Fault(status=503, body=body) for _ in range(3)])
    client = _client(canary_fake, max_retries=3)
    assert _ask(client) == "You said: hi"
    assert len(canary_fake.chat_requests) == 4 and all(r.token_valid for r in canary_fake.chat_requests)


def test_503_burst_longer_than_retries_fails_with_googles_message(canary_fake: FakeVertex) -> None:
    quick = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0s"}]
    body = google_error_body(503, "UNAVAILABLE", "The service is currently unavailable.", quick)
    canary_fake.fail_next(*[Fault(status=503, body=body) for _ in range(3)])
    client = _client(canary_fake, max_retries=2)
    with pytest.raises(openai.InternalServerError, match="UNAVAILABLE: The service is currently unavailable") as info:
        _ask(client)
    _no_canary(info.value, repr(info.value))
    _still_works(client)


# -- network faults --------------------------------------------------------------------------------
def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused(canary_fake: FakeVertex) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1/projects/fake-project/locations/global/endpoints/openapi"
    client = vertex_openai_client("fake-project", base_url=url, credentials=lambda: CANARY, max_retries=0)
    started = time.perf_counter()
    with pytest.raises(openai.APIConnectionError) as info:
        _ask(client)
    assert time.perf_counter() - started < 2
    _no_canary(info.value, repr(info.value), info.value.__cause__)
    _still_works(client.with_options(base_url=canary_fake.base_url))


@pytest.mark.parametrize("use_async", [False, True])
def test_connection_reset_mid_stream_delivers_partial_content(canary_fake: FakeVertex, use_async: bool) -> None:
    canary_fake.fail_next(Fault(action="stream_then_close", chunks=2))
    got: list[str] = []
    if use_async:
        async def main() -> None:
            client = async_vertex_openai_client("fake-project", base_url=canary_fake.base_url,
                                                credentials=lambda: CANARY, max_retries=0)
            stream = await client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES, stream=True)
            async for chunk in stream:
                got.append(chunk.choices[0].delta.content or "")
            await client.close()

        with pytest.raises(openai.APIConnectionError, match="Connection lost while streaming") as info:
            asyncio.run(main())
    else:
        client = _client(canary_fake)
        with pytest.raises(openai.APIConnectionError, match="Connection lost while streaming") as info:
            for chunk in client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES, stream=True):
                got.append(chunk.choices[0].delta.content or "")
        _still_works(client)
    assert "".join(got) == ("partial answer " * 8)[:24]  # the two chunks sent before the reset
    _no_canary(info.value)


def test_google_error_object_outside_data_line_ends_the_stream_loudly(canary_fake: FakeVertex) -> None:
    cancelled = google_error_body(499, "CANCELLED", "The operation was cancelled.")
    canary_fake.fail_next(Fault(action="stream_then_raw", chunks=2, body=cancelled))
    client = _client(canary_fake)
    got: list[str] = []
    with pytest.raises(openai.APIError) as info:
        for chunk in client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES, stream=True):
            got.append(chunk.choices[0].delta.content or "")
    assert len(got) == 2
    assert info.value.code == "CANCELLED" and "The operation was cancelled." in str(info.value)
    _still_works(client)


def test_list_wrapped_error_inside_a_data_line(canary_fake: FakeVertex) -> None:
    error = google_error_body(500, "INTERNAL", "Internal error encountered.")
    canary_fake.fail_next(Fault(action="stream_then_raw", chunks=1,
                                body=b"data: " + str(error).replace("'", '"').encode() + b"\n"))
    client = _client(canary_fake)
    with pytest.raises(openai.APIError, match="INTERNAL: Internal error encountered") as info:
        list(client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES, stream=True))
    assert info.value.code == "INTERNAL"


def test_malformed_sse_line(canary_fake: FakeVertex) -> None:
    canary_fake.fail_next(Fault(action="stream_then_raw", chunks=1, body=b'data: {"choices": [{"delta": \n'))
    client = _client(canary_fake)
    got: list[str] = []
    with pytest.raises(openai.APIError, match="malformed stream event"):
        for chunk in client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES, stream=True):
            got.append(chunk.choices[0].delta.content or "")
    assert got == ["partial answ"]
    _still_works(client)


def test_truncated_json_body(canary_fake: FakeVertex) -> None:
    truncated = b'{"choices": [{"finish_reason": "stop", "index": 0, "message": {"con'
    canary_fake.fail_next(Fault(status=200, body=truncated))
    client = _client(canary_fake)
    with pytest.raises(openai.APIResponseValidationError, match="malformed or truncated JSON") as info:
        _ask(client)
    _no_canary(info.value)
    _still_works(client)


def test_html_502_from_a_proxy(canary_fake: FakeVertex) -> None:
    canary_fake.fail_next(Fault(status=502, headers={"Content-Type": "text/html"},
                                body="<html><body><h1>502 Bad Gateway</h1></body></html>"))
    client = _client(canary_fake)
    with pytest.raises(openai.InternalServerError, match=r"Error code: 502 - .*Bad Gateway"):
        _ask(client)
    _still_works(client)


@pytest.mark.parametrize("where", ["before-headers", "mid-body"])
def test_response_past_the_timeout(canary_fake: FakeVertex, where: str) -> None:
    fault = Fault(status=200, delay=3.0) if where == "before-headers" else Fault(
        status=200, body_delay=3.0, body=b'{"choices": []}')
    canary_fake.fail_next(fault)
    client = _client(canary_fake, timeout=0.3)
    started = time.perf_counter()
    with pytest.raises(openai.APITimeoutError):
        _ask(client)
    assert time.perf_counter() - started < 1.5


def test_very_large_response(canary_fake: FakeVertex) -> None:
    big = "x" * 6_000_000
    canary_fake.reply_next(Reply(content=big))
    client = _client(canary_fake)
    assert _ask(client) == big


def test_very_large_stream() -> None:
    with FakeVertex(stream_chunk_chars=65536) as fake:
        fake.accept_token(CANARY)
        fake.reply_next(Reply(content="y" * 3_000_000))
        client = _client(fake)
        stream = client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES, stream=True)
        assert sum(len(c.choices[0].delta.content or "") for c in stream) == 3_000_000


def test_token_wait_is_bounded_by_the_request_timeout(fake: FakeVertex) -> None:
    creds = fake.credentials(latency=3.0)
    client = _client(fake, credentials=creds, timeout=0.3)  # token_refresh_timeout stays at its 30 s default
    started = time.perf_counter()
    with pytest.raises(VertexAuthError, match=r"Timed out after 0\.3s"):
        _ask(client)
    assert time.perf_counter() - started < 1.5
