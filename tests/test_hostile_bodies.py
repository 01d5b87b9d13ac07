"""Bytes we cannot parse (deep nesting, malformed RetryInfo) are "not a Google error": no raw exception, and
the SDK's own retries still happen. All bodies here are constructed: the error shape follows Google's
`google.rpc.Status` JSON and `google.rpc.RetryInfo` (retryDelay is a `google.protobuf.Duration`)."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import openai
import pytest

from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai.testing import FakeCredentials, FakeVertex, Fault, google_error_body
from vertex_openai.wire._errors import google_error, retry_delay_seconds

MESSAGES: Any = [{"role": "user", "content": "hi"}]
MODEL = "gemini-2.5-flash"
DEEP = 100_000
DEEP_LIST = b"[" * DEEP + b"]" * DEEP
DEEP_OBJECT = b'{"error":' * DEEP + b"1" + b"}" * DEEP
RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo"
# A short server-directed wait, so the SDK's retries run fast; our RetryInfo parse still runs (it only
# steps aside for a `retry-after-ms` header).
FAST_RETRY = {"retry-after": "0.01"}


def _client(fake: FakeVertex, creds: FakeCredentials, **kwargs: Any) -> Any:
    return vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds, **kwargs)


def _retry_info(delay: object) -> list[Any]:
    return [{"@type": RETRY_INFO, "retryDelay": delay}]


# -- deeply nested JSON --------------------------------------------------------------------------


@pytest.mark.parametrize("body", [DEEP_LIST, DEEP_OBJECT], ids=["list", "object"])
def test_google_error_of_deeply_nested_text_is_none(body: bytes) -> None:
    assert google_error(body) is None
    assert google_error(body.decode()) is None


@pytest.mark.parametrize("status, cls", [(429, openai.RateLimitError), (503, openai.InternalServerError)])
@pytest.mark.parametrize("body", [DEEP_LIST, DEEP_OBJECT], ids=["list", "object"])
def test_deeply_nested_error_body_is_retried_then_raised_as_the_sdk_class(
    fake: FakeVertex, creds: FakeCredentials, status: int, cls: type[Exception], body: bytes
) -> None:
    fake.fail_next(*(Fault(status=status, body=body, headers=dict(FAST_RETRY)) for _ in range(3)))
    client = _client(fake, creds, max_retries=2)
    with pytest.raises(cls) as info:
        client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert len(fake.chat_requests) == 3  # the first attempt and both retries
    assert info.value.status_code == status  # type: ignore[attr-defined]
    assert info.value.code is None  # type: ignore[attr-defined]
    assert getattr(info.value, "retry_delay", None) is None


def test_deeply_nested_error_body_then_success(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.fail_next(Fault(status=503, body=DEEP_LIST, headers=dict(FAST_RETRY)))
    out = _client(fake, creds, max_retries=1).chat.completions.create(model=MODEL, messages=MESSAGES)
    assert out.choices[0].message.content == "You said: hi"
    assert len(fake.chat_requests) == 2


def test_deeply_nested_error_body_async(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.fail_next(*(Fault(status=429, body=DEEP_OBJECT, headers=dict(FAST_RETRY)) for _ in range(2)))
    client = async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds, max_retries=1)

    async def main() -> None:
        with pytest.raises(openai.RateLimitError):
            await client.chat.completions.create(model=MODEL, messages=MESSAGES)
        await client.close()

    asyncio.run(main())
    assert len(fake.chat_requests) == 2


def test_deeply_nested_400_is_a_plain_bad_request(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.fail_next(Fault(status=400, body=DEEP_LIST))
    with pytest.raises(openai.BadRequestError) as info:
        _client(fake, creds, max_retries=0).chat.completions.create(model=MODEL, messages=MESSAGES)
    assert info.value.code is None
    assert len(str(info.value)) < 1000  # a snippet of the raw text, not all of it


def test_deeply_nested_bare_sse_line_is_not_a_google_error(fake: FakeVertex, creds: FakeCredentials) -> None:
    """A bare line that is not an SSE field is dropped (as the SDK drops it) unless it is a Google error."""
    fake.fail_next(Fault(action="stream_then_raw", chunks=2, body=DEEP_LIST))
    stream = _client(fake, creds).chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert text == ("partial answer " * 8)[: 2 * fake.stream_chunk_chars]


def test_deeply_nested_sse_data_is_a_malformed_event_error(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.fail_next(Fault(action="stream_then_raw", chunks=1, body=b"data: " + DEEP_LIST + b"\n"))
    stream = _client(fake, creds).chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
    seen: list[str] = []
    with pytest.raises(openai.APIError, match="malformed stream event"):
        for chunk in stream:
            seen.append(chunk.choices[0].delta.content or "")
    assert "".join(seen) == ("partial answer " * 8)[: fake.stream_chunk_chars]


# -- RetryInfo -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "delay",
    [
        {"seconds": "abc"},
        {"seconds": [1]},
        {"seconds": {"x": 1}},
        {"seconds": 1, "nanos": "soon"},
        {"seconds": True},
        [1, 2],
        "abcs",
        "1e3s",
        "-5s",
        {"seconds": -5},
        {"seconds": float("nan")},
        {"seconds": 10**400},  # JSON allows it; float() of it overflows
        {"seconds": 315_576_000_001},  # beyond google.protobuf.Duration's range
        {"seconds": 1, "nanos": 1_000_000_000},  # nanos outside 0..999,999,999
        "9" * 400 + "s",
        12,
        None,
    ],
)
def test_malformed_retry_delay_is_ignored(delay: object) -> None:
    assert retry_delay_seconds({"details": _retry_info(delay)}) is None


@pytest.mark.parametrize(
    "delay, seconds",
    [("30s", 30.0), ("1.5s", 1.5), ("0.000000001s", 1e-9), ({"seconds": 2, "nanos": 500_000_000}, 2.5),
     ({"seconds": "7"}, 7.0), ({"nanos": 250_000_000}, 0.25), ("315576000000s", 315_576_000_000.0)],
)
def test_well_formed_retry_delay(delay: object, seconds: float) -> None:
    assert retry_delay_seconds({"details": _retry_info(delay)}) == pytest.approx(seconds)


@pytest.mark.parametrize("delay", [{"seconds": "abc"}, [1, 2], {"seconds": 10**400}, "9" * 400 + "s"])
def test_malformed_retry_delay_still_retries(fake: FakeVertex, creds: FakeCredentials, delay: object) -> None:
    body = google_error_body(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", details=_retry_info(delay))
    fake.fail_next(*(Fault(status=429, body=body, headers=dict(FAST_RETRY)) for _ in range(3)))
    with pytest.raises(openai.RateLimitError) as info:
        _client(fake, creds, max_retries=2).chat.completions.create(model=MODEL, messages=MESSAGES)
    assert len(fake.chat_requests) == 3
    assert info.value.code == "RESOURCE_EXHAUSTED"
    assert info.value.retry_delay is None  # type: ignore[attr-defined]


def test_huge_valid_delay_is_capped_without_overflow(fake: FakeVertex, creds: FakeCredentials) -> None:
    body = google_error_body(503, "UNAVAILABLE", "Try later.", details=_retry_info("315576000000s"))
    fake.fail_next(Fault(status=503, body=body), Fault(status=503, body=body))
    client = _client(fake, creds, max_retries=1, max_retry_delay=0.01)
    with pytest.raises(openai.InternalServerError) as info:
        client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert len(fake.chat_requests) == 2
    assert info.value.retry_delay == 315_576_000_000.0  # type: ignore[attr-defined]


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, -1.0])
def test_non_finite_or_negative_max_retry_delay_is_refused(fake: FakeVertex, creds: FakeCredentials,
                                                           value: float) -> None:
    with pytest.raises(ValueError, match="max_retry_delay") as info:
        _client(fake, creds, max_retry_delay=value)
    assert "seconds" in str(info.value)


def test_deeply_nested_success_body_is_a_validation_error(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.fail_next(Fault(status=200, body=DEEP_OBJECT))
    with pytest.raises(openai.APIResponseValidationError, match="malformed"):
        _client(fake, creds, max_retries=0).chat.completions.create(model=MODEL, messages=MESSAGES)
