"""A refresh thread that cannot start (thread exhaustion) fails one call clearly and never wedges the source."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from vertex_openai import CredentialsTokenSource, VertexAuthError, async_vertex_openai_client, vertex_openai_client
from vertex_openai.testing import FakeCredentials, FakeVertex

MESSAGES: Any = [{"role": "user", "content": "hi"}]
_REFRESH_THREAD = "vertex-openai-token"


class _StartFailures:
    """`threading.Thread.start` raising as the interpreter does when no thread can be created."""

    def __init__(self, times: int) -> None:
        self.left = times
        self.failed = 0


@pytest.fixture
def thread_start_fails(monkeypatch: pytest.MonkeyPatch) -> Iterator[_StartFailures]:
    """Make the next refresh thread's `start()` raise once (other threads, e.g. the fake's, start normally)."""
    failures = _StartFailures(times=1)
    original = threading.Thread.start

    def start(self: threading.Thread) -> None:
        if self.name == _REFRESH_THREAD and failures.left:
            failures.left -= 1
            failures.failed += 1
            raise RuntimeError("can't start new thread")
        original(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    yield failures


def test_sync_token_fails_once_then_recovers(thread_start_fails: _StartFailures) -> None:
    creds = FakeCredentials()
    source = CredentialsTokenSource(creds, refresh_timeout=1.0)
    with pytest.raises(VertexAuthError) as info:
        source.token()
    assert thread_start_fails.failed == 1
    text = str(info.value)
    assert "thread" in text and "FakeCredentials" in text
    assert "Timed out" not in text  # the token endpoint is not to blame
    started = time.perf_counter()
    assert source.token() == creds.token
    assert time.perf_counter() - started < 0.9  # not a wait on a future nobody will ever complete
    assert creds.refresh_count == 1


def test_async_token_fails_once_then_recovers(thread_start_fails: _StartFailures) -> None:
    creds = FakeCredentials()
    source = CredentialsTokenSource(creds, refresh_timeout=1.0)

    async def main() -> str:
        with pytest.raises(VertexAuthError, match="thread"):
            await source.atoken()
        return await source.atoken()

    assert asyncio.run(main()) == creds.token
    assert thread_start_fails.failed == 1
    assert creds.refresh_count == 1


def test_client_and_its_copy_recover(fake: FakeVertex, thread_start_fails: _StartFailures) -> None:
    creds = fake.credentials()
    client = vertex_openai_client(
        "fake-project", base_url=fake.base_url, credentials=creds, max_retries=0, token_refresh_timeout=1.0
    )
    copy = client.with_options(timeout=5.0)
    assert copy.token_source is client.token_source
    with pytest.raises(VertexAuthError) as info:
        client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
    assert isinstance(info.value, openai.OpenAIError) and "thread" in str(info.value)
    assert fake.requests == []  # nothing was sent without a token
    assert copy.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES).choices[0].message.content
    assert client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES).choices[0].message.content
    assert creds.refresh_count == 1


def test_async_client_recovers(fake: FakeVertex, thread_start_fails: _StartFailures) -> None:
    creds = fake.credentials()
    client = async_vertex_openai_client(
        "fake-project", base_url=fake.base_url, credentials=creds, max_retries=0, token_refresh_timeout=1.0
    )

    async def main() -> str | None:
        with pytest.raises(VertexAuthError, match="thread"):
            await client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
        out = await client.with_options(timeout=5.0).chat.completions.create(
            model="gemini-2.5-flash", messages=MESSAGES
        )
        return out.choices[0].message.content

    assert asyncio.run(main()) == "You said: hi"
    assert creds.refresh_count == 1


def test_waiters_that_joined_the_failed_refresh_get_the_error_too(thread_start_fails: _StartFailures) -> None:
    """A thread that joined the refresh before its start failed must not wait out the timeout."""
    creds = FakeCredentials()
    source = CredentialsTokenSource(creds, refresh_timeout=5.0)
    original = threading.Thread.start
    joined: list[BaseException | str] = []

    def joiner() -> None:
        try:
            joined.append(source.token())
        except BaseException as err:  # recorded for the assertion
            joined.append(err)

    def start_after_a_joiner(self: threading.Thread) -> None:
        if self.name == _REFRESH_THREAD and thread_start_fails.left:
            other = threading.Thread(target=joiner)
            original(other)
            time.sleep(0.2)  # the other caller now waits on the in-flight refresh
            thread_start_fails.left -= 1
            raise RuntimeError("can't start new thread")
        original(self)

    threading.Thread.start = start_after_a_joiner  # type: ignore[method-assign]
    try:
        started = time.perf_counter()
        with pytest.raises(VertexAuthError):
            source.token()
        deadline = time.perf_counter() + 3.0
        while not joined and time.perf_counter() < deadline:
            time.sleep(0.01)
        assert joined and (isinstance(joined[0], VertexAuthError) or joined[0] == creds.token)
        assert time.perf_counter() - started < 3.0
    finally:
        threading.Thread.start = original  # type: ignore[method-assign]
    assert source.token() == creds.token
