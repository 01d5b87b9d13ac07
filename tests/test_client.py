"""The client as users drive it: copies, user HTTP clients, 401 replay, SDK retries, origins, parse."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import openai
import pytest
from openai._types import Omit
from pydantic import BaseModel

from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai.testing import FakeCredentials, FakeVertex, Fault, google_error_body

MESSAGES: Any = [{"role": "user", "content": "hi"}]
OPENAI_MAJOR = int(openai.__version__.split(".")[0])


def _client(fake: FakeVertex, creds: Any, **kwargs: Any) -> Any:
    return vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds, **kwargs)


def _ask(client: Any, **kwargs: Any) -> str:
    out = client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES, **kwargs)
    return out.choices[0].message.content


def _unauthenticated() -> Fault:
    return Fault(status=401, body=google_error_body(401, "UNAUTHENTICATED", "Request had invalid authentication "
                                                    "credentials. Expected OAuth 2 access token."))


# -- copies ---------------------------------------------------------------------------------------
def test_with_options_and_copy_keep_project_url_and_token(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = _client(fake, creds, default_headers={"X-Team": "a"})
    _ask(client)
    for copy in (client.with_options(timeout=5, max_retries=1), client.copy(default_headers={"X-Extra": "b"})):
        assert isinstance(copy, type(client))
        assert copy.project == "fake-project" and str(copy.base_url) == str(client.base_url)
        assert copy.token_source is client.token_source
        assert _ask(copy) == "You said: hi"
    assert creds.refresh_count == 1  # no extra refresh for copies
    assert fake.chat_requests[-1].headers["x-team"] == "a" and fake.chat_requests[-1].headers["x-extra"] == "b"
    assert client.with_options(timeout=5).timeout == 5


def test_copy_can_move_to_another_location_keeping_the_token_source() -> None:
    client = vertex_openai_client("p", "us-central1", credentials=lambda: "t")
    moved = client.with_options(location="global")
    assert str(moved.base_url).startswith("https://aiplatform.googleapis.com/v1/projects/p/locations/global/")
    assert moved.token_source is client.token_source


def test_copy_refuses_openai_only_options(fake: FakeVertex, creds: FakeCredentials) -> None:
    with pytest.raises(TypeError, match="credentials="):
        _client(fake, creds).with_options(api_key="sk-x")


def test_async_with_options(fake: FakeVertex, creds: FakeCredentials) -> None:
    async def main() -> str:
        client = async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
        out = await client.with_options(max_retries=0).chat.completions.create(
            model="gemini-2.5-flash", messages=MESSAGES
        )
        await client.close()
        return out.choices[0].message.content or ""

    assert asyncio.run(main()) == "You said: hi"


# -- user HTTP clients ----------------------------------------------------------------------------
def test_user_httpx_client_is_used_and_not_mutated(fake: FakeVertex, creds: FakeCredentials) -> None:
    """On openai 3.x this is a plain `httpx.Client` next to the SDK's httpx2; on 1.x/2.x it is the native one."""
    seen: list[str] = []
    user_client = httpx.Client(event_hooks={"request": [lambda r: seen.append(str(r.url))]})
    before = (user_client.auth, dict(user_client.headers))
    client = _client(fake, creds, http_client=user_client)
    assert _ask(client) == "You said: hi"
    assert seen and seen[0].startswith(fake.origin)
    assert (user_client.auth, dict(user_client.headers)) == before
    assert fake.chat_requests[-1].token_valid
    user_client.close()


def test_user_async_httpx_client(fake: FakeVertex, creds: FakeCredentials) -> None:
    async def main() -> str:
        async with httpx.AsyncClient() as http:
            client = async_vertex_openai_client(
                "fake-project", base_url=fake.base_url, credentials=creds, http_client=http
            )
            out = await client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
            assert http.auth is None or not hasattr(http.auth, "_source")
            return out.choices[0].message.content or ""

    assert asyncio.run(main()) == "You said: hi"


# -- 401: refresh once, replay once ---------------------------------------------------------------
def test_401_refreshes_and_replays_non_stream(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = _client(fake, creds)
    _ask(client)
    fake.revoke_tokens()  # the server stops accepting the cached token
    assert _ask(client) == "You said: hi"
    assert creds.refresh_count == 2
    assert [r.token_valid for r in fake.chat_requests] == [True, False, True]


def test_401_refreshes_and_replays_stream(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = _client(fake, creds)
    _ask(client)
    fake.revoke_tokens()
    stream = client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES, stream=True)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream)
    assert text == "You said: hi"
    assert creds.refresh_count == 2


def test_async_401_refreshes_and_replays(fake: FakeVertex, creds: FakeCredentials) -> None:
    async def main() -> str:
        client = async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
        await client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
        fake.revoke_tokens()
        stream = await client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES, stream=True)
        text = "".join([chunk.choices[0].delta.content or "" async for chunk in stream])
        await client.close()
        return text

    assert asyncio.run(main()) == "You said: hi"
    assert creds.refresh_count == 2


def test_concurrent_401s_cause_one_refresh(fake: FakeVertex, creds: FakeCredentials) -> None:
    async def main() -> None:
        client = async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
        await client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
        fake.revoke_tokens()
        await asyncio.gather(
            *(client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES) for _ in range(20))
        )
        await client.close()

    asyncio.run(main())
    assert creds.refresh_count == 2


def test_second_401_is_an_authentication_error_with_googles_message(fake: FakeVertex,
                                                                     creds: FakeCredentials) -> None:
    client = _client(fake, creds, max_retries=0)
    fake.fail_next(_unauthenticated(), _unauthenticated())
    with pytest.raises(openai.AuthenticationError) as info:
        _ask(client)
    err = info.value
    assert err.code == "UNAUTHENTICATED" and err.status_code == 401
    assert "Expected OAuth 2 access token" in str(err)
    assert len(fake.chat_requests) == 2  # the original and exactly one replay
    assert creds.refresh_count == 2


def test_401_whose_refresh_fails_surfaces_the_401_with_the_reason(fake: FakeVertex) -> None:
    creds = fake.credentials()
    client = _client(fake, creds, max_retries=0)
    _ask(client)
    creds.fail_with = FakeCredentials.refresh_error()
    fake.revoke_tokens()
    with pytest.raises(openai.AuthenticationError) as info:
        _ask(client)
    assert "invalid_grant" in str(info.value)


# -- SDK retries --------------------------------------------------------------------------------
def test_sdk_retries_each_carry_a_valid_token(fake: FakeVertex, creds: FakeCredentials) -> None:
    retry_fast = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.01s"}]
    fake.fail_next(
        Fault(status=429, body=google_error_body(429, "RESOURCE_EXHAUSTED", "Resource exhausted.", retry_fast)),
        Fault(status=503, body=google_error_body(503, "UNAVAILABLE", "The service is currently unavailable.",
                                                 retry_fast)),
    )
    client = _client(fake, creds, max_retries=2)
    assert _ask(client) == "You said: hi"
    assert len(fake.chat_requests) == 3
    assert all(r.token_valid for r in fake.chat_requests)
    assert [r.headers["x-stainless-retry-count"] for r in fake.chat_requests] == ["0", "1", "2"]


def test_each_sdk_retry_asks_the_token_source_again(fake: FakeVertex) -> None:
    """Tokens are fetched per attempt, so a retry after a long back-off never reuses an expired token."""
    issued: list[str] = []

    def provider() -> str:
        token = f"attempt-token-{len(issued)}"
        issued.append(token)
        fake.accept_token(token)
        return token

    retry_fast = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0s"}]
    fake.fail_next(Fault(status=503, body=google_error_body(503, "UNAVAILABLE", "busy", retry_fast)))
    client = _client(fake, provider, max_retries=1)
    assert _ask(client) == "You said: hi"
    assert [r.token for r in fake.chat_requests] == ["attempt-token-0", "attempt-token-1"]


# -- origins -------------------------------------------------------------------------------------
def test_token_goes_only_to_the_configured_origin(fake: FakeVertex, creds: FakeCredentials) -> None:
    with FakeVertex(require_auth=False) as other:
        client = _client(fake, creds)
        client.post(f"{other.base_url}/chat/completions", body={"model": "google/gemini-2.5-flash",
                                                                "messages": MESSAGES}, cast_to=object)
        assert "authorization" not in other.requests[-1].headers
    _ask(client)
    assert fake.chat_requests[-1].token_valid


# -- parse -------------------------------------------------------------------------------------
class CalendarEvent(BaseModel):
    name: str
    date: str
    participants: list[str]


def test_parse_through_beta_and_non_beta(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = _client(fake, creds)
    calls = [client.beta.chat.completions.parse, client.chat.completions.parse]
    for parse in calls:
        out = parse(model="gemini-2.5-flash", messages=MESSAGES, response_format=CalendarEvent)
        event = out.choices[0].message.parsed
        assert isinstance(event, CalendarEvent) and event.participants
    sent = fake.chat_requests[-1].json
    assert sent["model"] == "google/gemini-2.5-flash"
    assert sent["response_format"]["type"] == "json_schema"


def test_extra_body_merges_exactly_as_the_sdk_does(fake: FakeVertex, creds: FakeCredentials) -> None:
    """Our early merge (so Gemini checks see extra_body) keeps the SDK's semantics, `omit` included."""
    client = _client(fake, creds)
    client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES, temperature=0.5,
                                   extra_body={"temperature": Omit(), "top_k": 3})
    sent = fake.chat_requests[-1].json
    assert "temperature" not in sent and sent["top_k"] == 3
