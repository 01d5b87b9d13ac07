"""Models Vertex serves on its native Responses endpoint (xAI Grok on `global`) go to
`endpoints/openapi/responses` as the SDK sends them, with the Google token and Google's error mapping; Gemini
keeps the bridge. The fake answers that endpoint for `xai/grok-*` only (its bodies are constructed)."""

from __future__ import annotations

import asyncio
from typing import Any

import openai
import pytest

from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai.testing import FakeCredentials, FakeVertex, Fault, google_error_body

GROK = "xai/grok-4.1-fast-reasoning"


def _client(fake: FakeVertex, creds: FakeCredentials, **kwargs: Any) -> Any:
    return vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds, **kwargs)


def test_a_grok_model_is_sent_to_the_native_responses_endpoint(fake: FakeVertex, creds: FakeCredentials) -> None:
    response = _client(fake, creds).responses.create(model=GROK, input="hi there", instructions="Be brief.")
    assert isinstance(response, openai.types.responses.Response)
    assert response.output_text == "You said: hi there" and response.status == "completed"
    sent = fake.requests[-1]
    assert sent.path.endswith("/endpoints/openapi/responses") and sent.token_valid
    assert sent.json["input"] == "hi there" and sent.json["instructions"] == "Be brief."
    assert fake.chat_requests == []


def test_gemini_keeps_the_bridge(fake: FakeVertex, creds: FakeCredentials) -> None:
    _client(fake, creds).responses.create(model="gemini-2.5-flash", input="hi")
    assert [r.path.rsplit("/", 2)[-2:] for r in fake.requests] == [["chat", "completions"]]


def test_a_native_stream_is_the_sdks_own_event_stream(fake: FakeVertex, creds: FakeCredentials) -> None:
    with _client(fake, creds).responses.stream(model=GROK, input="stream me") as stream:
        types = [event.type for event in stream]
        final = stream.get_final_response()
    assert types[0] == "response.created" and types[-1] == "response.completed"
    assert final.output_text == "You said: stream me"
    assert fake.requests[-1].path.endswith("/responses") and fake.requests[-1].json["stream"] is True


def test_googles_errors_on_the_native_endpoint_are_mapped(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.fail_next(Fault(status=429, body=google_error_body(429, "RESOURCE_EXHAUSTED", "Resource exhausted.")))
    with pytest.raises(openai.RateLimitError, match="Resource exhausted") as info:
        _client(fake, creds, max_retries=0).responses.create(model=GROK, input="hi")
    assert info.value.code == "RESOURCE_EXHAUSTED"


def test_async_native_create(fake: FakeVertex, creds: FakeCredentials) -> None:
    async def run() -> str:
        client = async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
        return (await client.responses.create(model=GROK, input="async")).output_text

    assert asyncio.run(run()) == "You said: async"
    assert fake.requests[-1].path.endswith("/responses")


def test_the_fake_answers_404_on_the_responses_endpoint_for_gemini(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = _client(fake, creds, max_retries=0)
    with pytest.raises(openai.NotFoundError):
        client.post("/responses", body={"model": "google/gemini-2.5-flash", "input": "hi"}, cast_to=object)
