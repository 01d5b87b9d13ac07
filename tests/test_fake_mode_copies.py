"""Copies of a fake-mode client keep fake mode's rule (loopback only, the fake token only): a copy that moves
`base_url` off the machine or brings other `credentials` is refused, unless it changes both, which leaves
fake mode explicitly (a client of that URL with those credentials)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai._fake_mode import FAKE_BASE_URL_ENV, FAKE_TOKEN_ENV
from vertex_openai.testing import FakeVertex

TOKEN = "fake-canary-token-456"
REAL = "real-google-token-canary"
MESSAGES = [{"role": "user", "content": "x"}]


@pytest.fixture
def fake_client(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    fake.accept_token(TOKEN)
    monkeypatch.setenv(FAKE_BASE_URL_ENV, fake.base_url)
    monkeypatch.setenv(FAKE_TOKEN_ENV, TOKEN)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield vertex_openai_client()


def _real_credentials() -> str:
    return REAL


def test_a_copy_to_a_host_off_the_machine_is_refused(fake_client: Any, fake: FakeVertex) -> None:
    with pytest.raises(ValueError, match="fake mode") as info:
        fake_client.with_options(base_url="https://elsewhere.example/v1")
    assert "loopback" in str(info.value) and "credentials=" in str(info.value) and TOKEN not in str(info.value)
    assert fake.requests == []


def test_a_copy_with_other_credentials_is_refused(fake_client: Any, fake: FakeVertex) -> None:
    with pytest.raises(ValueError, match="fake mode") as info:
        fake_client.with_options(credentials=_real_credentials)
    assert "base_url=" in str(info.value)
    with pytest.raises(ValueError, match="fake mode"):
        fake_client.copy(credentials=_real_credentials)
    assert fake.requests == []


def test_a_copy_to_another_loopback_url_stays_in_fake_mode(fake_client: Any, fake: FakeVertex) -> None:
    copy = fake_client.with_options(base_url=fake.base_url, timeout=5)
    copy.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
    assert fake.chat_requests[-1].token == TOKEN


def test_changing_both_leaves_fake_mode_explicitly(fake_client: Any, fake: FakeVertex) -> None:
    other = fake.credentials()
    copy = fake_client.with_options(base_url=fake.base_url, credentials=other)
    copy.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
    assert fake.chat_requests[-1].token not in (TOKEN, None)
    # The copy is no longer in fake mode: it may move to another host with its own credentials.
    moved = copy.with_options(base_url="https://elsewhere.example/v1")
    assert "elsewhere.example" in str(moved.base_url)


def test_async_copies_follow_the_same_rule(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FAKE_BASE_URL_ENV, fake.base_url)
    monkeypatch.setenv(FAKE_TOKEN_ENV, TOKEN)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client = async_vertex_openai_client()
    with pytest.raises(ValueError, match="fake mode"):
        client.with_options(base_url="https://elsewhere.example/v1")
    with pytest.raises(ValueError, match="fake mode"):
        client.with_options(credentials=_real_credentials)
