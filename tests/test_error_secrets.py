"""No SDK exception keeps the Google token, on every openai major: not in `err.request`, not in
`err.response.request`, not in any response of `err.response.history` (a same-origin redirect keeps the
token on each hop). openai >= 3.60 strips its own key headers from the requests an `APIError` keeps; we do the
same for the Authorization header and Google's key headers on every release we support.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import openai
import pytest

from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai.testing import FakeVertex, Fault, google_error_body

MESSAGES: Any = [{"role": "user", "content": "hi"}]
MODEL = "gemini-2.5-flash"
CANARY = "ya29.CANARY-" + "k" * 40
SECRET_NAMES = {"authorization", "x-goog-api-key"}


@pytest.fixture
def canary_fake(fake: FakeVertex) -> FakeVertex:
    fake.accept_token(CANARY)
    return fake


def _client(base_url: str, **kwargs: Any) -> Any:
    return vertex_openai_client("fake-project", base_url=base_url, credentials=lambda: CANARY, max_retries=0,
                                **kwargs)


def _requests_of(err: Any) -> list[Any]:
    """Every request an exception holds: its own, its response's, each redirect hop's and next_request."""
    found = [err.request]
    response = getattr(err, "response", None)
    if response is not None:
        for hop in [*response.history, response]:
            found.append(hop.request)
            if hop.next_request is not None:
                found.append(hop.next_request)
    return found


def _assert_no_token(err: Any) -> None:
    for request in _requests_of(err):
        names = {name.lower() for name in request.headers}
        assert not names & SECRET_NAMES, f"{type(err).__name__} keeps {sorted(names & SECRET_NAMES)}"
        assert CANARY not in str(dict(request.headers))
    assert CANARY not in repr(err) and CANARY not in str(err)


def _rate_limited() -> Fault:
    return Fault(status=429, body=google_error_body(429, "RESOURCE_EXHAUSTED", "Resource exhausted."))


def test_429_keeps_no_token(canary_fake: FakeVertex) -> None:
    canary_fake.fail_next(_rate_limited())
    client = _client(canary_fake.base_url, default_headers={"x-goog-api-key": "AIza" + "K" * 35})
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert info.value.code == "RESOURCE_EXHAUSTED" and info.value.status_code == 429
    assert canary_fake.chat_requests[-1].token == CANARY  # the token was sent, only the error forgets it
    _assert_no_token(info.value)
    assert "AIza" not in str(dict(info.value.request.headers))
    # what the caller reads from the error still works on the copy
    assert info.value.response.status_code == 429 and info.value.response.json()[0]["error"]["code"] == 429
    assert str(info.value.request.url) == f"{canary_fake.base_url}/chat/completions"


def test_429_after_a_same_origin_redirect_keeps_no_token_in_history(canary_fake: FakeVertex) -> None:
    hop = Fault(status=307, body=b"", headers={"Location": f"{canary_fake.base_url}/chat/completions"})
    canary_fake.fail_next(hop, _rate_limited())
    client = _client(canary_fake.base_url)
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert len(info.value.response.history) == 1 and info.value.response.history[0].status_code == 307
    assert [r.token for r in canary_fake.chat_requests] == [CANARY, CANARY]  # both hops were sent with it
    _assert_no_token(info.value)


def test_async_429_keeps_no_token(canary_fake: FakeVertex) -> None:
    canary_fake.fail_next(_rate_limited())

    async def main() -> None:
        client = async_vertex_openai_client("fake-project", base_url=canary_fake.base_url,
                                            credentials=lambda: CANARY, max_retries=0)
        try:
            await client.chat.completions.create(model=MODEL, messages=MESSAGES)
        finally:
            await client.close()

    with pytest.raises(openai.RateLimitError) as info:
        asyncio.run(main())
    _assert_no_token(info.value)


def test_streamed_429_keeps_no_token(canary_fake: FakeVertex) -> None:
    canary_fake.fail_next(_rate_limited())
    client = _client(canary_fake.base_url)
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
    _assert_no_token(info.value)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_error_keeps_no_token() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1/projects/fake-project/locations/global/endpoints/openapi"
    with pytest.raises(openai.APIConnectionError) as info:
        _client(url).chat.completions.create(model=MODEL, messages=MESSAGES)
    _assert_no_token(info.value)


def test_timeout_keeps_no_token(canary_fake: FakeVertex) -> None:
    canary_fake.fail_next(Fault(status=200, delay=3.0))
    with pytest.raises(openai.APITimeoutError) as info:
        _client(canary_fake.base_url, timeout=0.3).chat.completions.create(model=MODEL, messages=MESSAGES)
    _assert_no_token(info.value)


def test_mid_stream_error_keeps_no_token(canary_fake: FakeVertex) -> None:
    body = google_error_body(499, "CANCELLED", "The operation was cancelled.")
    canary_fake.fail_next(Fault(action="stream_then_raw", chunks=1, body=body))
    with pytest.raises(openai.APIError) as info:
        list(_client(canary_fake.base_url).chat.completions.create(model=MODEL, messages=MESSAGES, stream=True))
    _assert_no_token(info.value)


def test_connection_lost_mid_stream_keeps_no_token(canary_fake: FakeVertex) -> None:
    canary_fake.fail_next(Fault(action="stream_then_close", chunks=1))
    with pytest.raises(openai.APIConnectionError) as info:
        list(_client(canary_fake.base_url).chat.completions.create(model=MODEL, messages=MESSAGES, stream=True))
    _assert_no_token(info.value)
