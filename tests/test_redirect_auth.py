"""Only a 401 from the Vertex origin means our token was refused: a 401 from wherever a redirect led keeps
the token and causes no refresh. Two loopback servers: the Vertex fake redirects (307) to another one."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai.testing import FakeVertex, Fault

MESSAGES: Any = [{"role": "user", "content": "hi"}]
MODEL = "gemini-2.5-flash"


@pytest.fixture
def other() -> Iterator[FakeVertex]:
    """A second loopback server on another port (another origin); it accepts none of our tokens."""
    with FakeVertex() as server:
        yield server


def _redirect_to(target: FakeVertex) -> Fault:
    return Fault(status=307, body=b"", headers={"Location": f"{target.base_url}/chat/completions"})


def test_401_from_another_origin_after_a_redirect_keeps_the_token(fake: FakeVertex, other: FakeVertex) -> None:
    creds = fake.credentials()
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds, max_retries=0)
    assert client.chat.completions.create(model=MODEL, messages=MESSAGES).choices[0].message.content
    token = fake.chat_requests[-1].token
    assert creds.refresh_count == 1

    fake.fail_next(_redirect_to(other))
    with pytest.raises(openai.AuthenticationError) as info:
        client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert info.value.status_code == 401
    assert f"answered by {other.origin} after a redirect" in str(info.value)
    assert "hint" not in str(info.value)  # Google's hints are about Vertex, which did not answer
    assert [r.token for r in other.chat_requests] == [None]  # the token never crossed to the other origin
    assert creds.refresh_count == 1  # no refresh: Vertex did not refuse the token
    assert len(fake.chat_requests) == 2  # and no replay to Vertex

    assert client.chat.completions.create(model=MODEL, messages=MESSAGES).choices[0].message.content
    assert fake.chat_requests[-1].token == token
    assert creds.refresh_count == 1


def test_async_401_from_another_origin_after_a_redirect_keeps_the_token(fake: FakeVertex, other: FakeVertex) -> None:
    creds = fake.credentials()
    client = async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds, max_retries=0)

    async def main() -> None:
        await client.chat.completions.create(model=MODEL, messages=MESSAGES)
        fake.fail_next(_redirect_to(other))
        with pytest.raises(openai.AuthenticationError):
            await client.chat.completions.create(model=MODEL, messages=MESSAGES)
        await client.chat.completions.create(model=MODEL, messages=MESSAGES)
        await client.close()

    asyncio.run(main())
    assert creds.refresh_count == 1
    assert len({r.token for r in fake.chat_requests}) == 1
    assert len(other.chat_requests) == 1


def test_401_from_vertex_after_a_same_origin_redirect_still_refreshes(fake: FakeVertex) -> None:
    creds = fake.credentials()
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds, max_retries=0)
    client.chat.completions.create(model=MODEL, messages=MESSAGES)
    fake.revoke_tokens()
    fake.fail_next(_redirect_to(fake))
    out = client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert out.choices[0].message.content == "You said: hi"
    assert creds.refresh_count == 2  # the 401 came from Vertex itself: refreshed once, replayed
    assert fake.chat_requests[-1].token_valid
