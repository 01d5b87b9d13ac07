"""Tokens: reused, refreshed ahead of expiry, one refresh at a time across threads, coroutines and loops."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from typing import Any

import openai
import pytest

from vertex_openai import (
    CallableTokenSource,
    CredentialsTokenSource,
    VertexAuthError,
    async_vertex_openai_client,
    vertex_openai_client,
)
from vertex_openai.testing import FakeCredentials, FakeVertex

MESSAGES: Any = [{"role": "user", "content": "hi"}]


def _ask(client: Any) -> str:
    return client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES).choices[0].message.content


class Clock:
    """An injectable clock so expiry can be tested without waiting."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 1, 1, 12, 0, 0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def test_token_is_reused_across_requests(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
    for _ in range(5):
        _ask(client)
    assert creds.refresh_count == 1
    assert len({r.token for r in fake.chat_requests}) == 1
    assert all(r.token_valid for r in fake.chat_requests)


def test_refresh_ahead_of_expiry_with_margin() -> None:
    clock = Clock()
    creds = FakeCredentials(lifetime=3600, clock=clock)
    source = CredentialsTokenSource(creds, refresh_margin=300, clock=clock)
    first = source.token()
    clock.advance(3600 - 301)
    assert source.token() == first and creds.refresh_count == 1  # still outside the margin
    clock.advance(2)
    second = source.token()  # inside the 300 s margin: refreshed before it expires
    assert second != first and creds.refresh_count == 2


def test_short_lived_tokens_are_used_for_half_their_life_at_least() -> None:
    """A token endpoint that hands out 60 s tokens must not cause a refresh on every request."""
    clock = Clock()
    creds = FakeCredentials(lifetime=60, clock=clock)
    source = CredentialsTokenSource(creds, refresh_margin=300, clock=clock)
    token = source.token()
    clock.advance(29)
    assert source.token() == token
    clock.advance(2)
    assert source.token() != token
    assert creds.refresh_count == 2


def test_shared_credentials_already_fresh_are_adopted_without_refresh() -> None:
    creds = FakeCredentials()
    CredentialsTokenSource(creds).token()
    other = CredentialsTokenSource(creds)  # e.g. a fresh client on another event loop
    assert other.token() == creds.token
    assert creds.refresh_count == 1


def test_invalidate_forces_one_refresh_and_ignores_stale_reports() -> None:
    creds = FakeCredentials()
    source = CredentialsTokenSource(creds)
    old = source.token()
    source.invalidate(old)
    new = source.token()
    assert new != old and creds.refresh_count == 2
    source.invalidate(old)  # a late 401 for the old token must not throw away the new one
    assert source.token() == new and creds.refresh_count == 2


def test_one_refresh_for_100_threads(fake: FakeVertex) -> None:
    creds = fake.credentials(latency=0.2)
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
    barrier = threading.Barrier(100)
    errors: list[BaseException] = []

    def worker() -> None:
        barrier.wait()
        try:
            _ask(client)
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=worker) for _ in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert creds.refresh_count == 1
    assert len(fake.chat_requests) == 100 and all(r.token_valid for r in fake.chat_requests)


def test_one_refresh_for_100_coroutines_and_the_loop_keeps_running(fake: FakeVertex) -> None:
    creds = fake.credentials(latency=1.0)
    gaps: list[tuple[float, float]] = []

    async def main() -> float:
        client = async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
        done = False

        async def ticker() -> None:
            last = time.perf_counter()
            while not done:
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                gaps.append((now, now - last - 0.005))
                last = now

        tick = asyncio.create_task(ticker())
        await asyncio.sleep(0.02)
        started = time.perf_counter()
        results = await asyncio.gather(
            *(client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES) for _ in range(100))
        )
        done = True
        await tick
        assert all(r.choices[0].message.content == "You said: hi" for r in results)
        await client.close()
        return started

    started = asyncio.run(main())
    assert creds.refresh_count == 1
    assert len(fake.chat_requests) == 100
    # While the 1 s refresh runs (after the 100 requests were built and are waiting for the token), the loop
    # must keep ticking. A refresh run on the loop's thread would stall it for the whole second; the bound
    # separates that from scheduling noise on a loaded 2-core machine (300 ms seen with 7 busy processes).
    # How short the stall really is, is measured by the expiry-storm benchmark (0.3 ms on a quiet machine).
    # A stalled loop gives no tick at all in this window; a loaded machine still gives dozens (37 of an ideal 130
    # were seen beside eight other test runs), so "more than 10" tells the two apart without timing the machine.
    during_refresh = [gap for at, gap in gaps if started + 0.25 <= at <= started + 0.9]
    assert len(during_refresh) > 10, "the ticker hardly ran while the refresh was in flight"
    worst = max(during_refresh)
    assert worst < 0.5, f"event loop stalled {worst * 1000:.1f} ms during a 1 s refresh"


def test_threads_and_coroutines_together_share_one_refresh(fake: FakeVertex) -> None:
    creds = fake.credentials(latency=0.3)
    source = CredentialsTokenSource(creds)
    results: list[str] = []

    def thread_worker() -> None:
        results.append(source.token())

    async def coroutines() -> list[str]:
        return list(await asyncio.gather(*(source.atoken() for _ in range(20))))

    threads = [threading.Thread(target=thread_worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    results.extend(asyncio.run(coroutines()))
    for thread in threads:
        thread.join(10)
    assert len(results) == 40 and len(set(results)) == 1
    assert creds.refresh_count == 1


def test_a_fresh_client_per_event_loop_sharing_one_credentials_object(fake: FakeVertex) -> None:
    creds = fake.credentials()

    async def once() -> str:
        async with async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds) as c:
            out = await c.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
            return out.choices[0].message.content or ""

    assert asyncio.run(once()) == "You said: hi"
    assert asyncio.run(once()) == "You said: hi"
    assert creds.refresh_count == 1


def test_cancelled_waiter_does_not_fail_the_others() -> None:
    creds = FakeCredentials(latency=0.3)
    source = CredentialsTokenSource(creds)

    async def main() -> str:
        first = asyncio.create_task(source.atoken())
        second = asyncio.create_task(source.atoken())
        await asyncio.sleep(0.05)
        first.cancel()
        return await second

    assert asyncio.run(main()) == creds.token
    assert creds.refresh_count == 1


def test_refresh_failure_is_a_clear_openai_error(fake: FakeVertex) -> None:
    creds = fake.credentials(fail_with=FakeCredentials.refresh_error())
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds, max_retries=0)
    with pytest.raises(VertexAuthError) as info:
        _ask(client)
    text = str(info.value)
    assert isinstance(info.value, openai.OpenAIError)
    assert "invalid_grant" in text and "FakeCredentials" in text
    assert "gcloud auth application-default login" in text and "GOOGLE_APPLICATION_CREDENTIALS" in text
    assert fake.requests == []


def test_slow_token_endpoint_times_out_instead_of_hanging(fake: FakeVertex) -> None:
    creds = fake.credentials(latency=2.0)
    client = vertex_openai_client(
        "fake-project", base_url=fake.base_url, credentials=creds, token_refresh_timeout=0.2, max_retries=0
    )
    started = time.perf_counter()
    with pytest.raises(VertexAuthError, match=r"Timed out after 0\.2s"):
        _ask(client)
    assert time.perf_counter() - started < 1.5


def test_callable_provider_is_called_per_attempt_and_after_a_401(fake: FakeVertex) -> None:
    issued: list[str] = []

    def provider() -> str:
        token = f"provided-{len(issued)}"
        issued.append(token)
        if len(issued) > 1:
            fake.accept_token(token)
        return token

    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=provider)
    assert _ask(client) == "You said: hi"  # first token unknown to the server: 401, then replay
    assert issued == ["provided-0", "provided-1"]
    assert [r.token for r in fake.chat_requests] == ["provided-0", "provided-1"]
    _ask(client)
    assert len(issued) == 3  # no caching on our side: the provider owns expiry


def test_async_provider_on_async_client_and_refused_on_sync(fake: FakeVertex) -> None:
    fake.accept_token("async-token")

    async def provider() -> str:
        await asyncio.sleep(0)
        return "async-token"

    async def main() -> str:
        async with async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=provider) as c:
            out = await c.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
            return out.choices[0].message.content or ""

    assert asyncio.run(main()) == "You said: hi"
    sync_client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=provider, max_retries=0)
    with pytest.raises(VertexAuthError, match="is async"):
        _ask(sync_client)


@pytest.mark.parametrize(("value", "message"), [("", "non-empty"), (None, "NoneType"), ("a\nb", "not allowed")])
def test_bad_provider_results_are_refused_without_echoing(value: Any, message: str) -> None:
    with pytest.raises(VertexAuthError, match=message):
        CallableTokenSource(lambda: value).token()


def test_provider_exception_is_wrapped_and_redacted() -> None:
    def provider() -> str:
        raise RuntimeError("token endpoint said ya29.SECRETSECRETSECRET is revoked")

    with pytest.raises(VertexAuthError) as info:
        CallableTokenSource(provider).token()
    assert "SECRETSECRET" not in str(info.value) and "revoked" in str(info.value)


def test_quota_project_header(fake: FakeVertex) -> None:
    creds = fake.credentials(quota_project_id="billing-project")
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
    _ask(client)
    assert fake.chat_requests[-1].headers["x-goog-user-project"] == "billing-project"
    plain = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=fake.credentials())
    _ask(plain)
    assert "x-goog-user-project" not in fake.chat_requests[-1].headers
