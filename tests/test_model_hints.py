"""The 404 hint is decided from the model id the client sent and the client's location, not Google's wording.

Google's 404 says "Publisher model `projects/…/publishers/google/models/<id>` was not found" whatever was asked
for (constructed here from that documented shape), so the hint must come from the request.
"""

from __future__ import annotations

from typing import Any

import openai
import pytest

from vertex_openai import vertex_openai_client
from vertex_openai._endpoints import vertex_model_name
from vertex_openai.testing import FakeCredentials, FakeVertex, Fault, google_error_body
from vertex_openai.wire._hints import model_hint


def _not_found(model: str, location: str) -> Fault:
    return Fault(status=404, body=google_error_body(
        404, "NOT_FOUND", f"Publisher model `projects/fake-project/locations/{location}/publishers/google/models/"
        f"{model}` was not found or your project does not have access to it."))


def _hint(fake: FakeVertex, creds: FakeCredentials, model: str, location: str = "global") -> str:
    fake.fail_next(_not_found(model.split("/")[-1], location))
    client = vertex_openai_client("fake-project", base_url=fake.url_for(location=location), credentials=creds,
                                  max_retries=0)
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
    text = str(info.value)
    assert "(hint: " in text, text
    return text[text.index("(hint: "):]


@pytest.mark.parametrize("model", ["gpt-4o", "o3-mini", "o1", "chatgpt-4o-latest"])
def test_an_openai_model_is_named_as_such(fake: FakeVertex, creds: FakeCredentials, model: str) -> None:
    hint = _hint(fake, creds, model)
    assert f"'{model}' is an OpenAI model" in hint
    assert "location" not in hint and "google/" not in hint


@pytest.mark.parametrize(("model", "publisher"), [("llama-3.3-70b-instruct-maas", "meta"),
                                                  ("gpt-oss-120b-maas", "openai"),
                                                  ("mistral-medium-3", "mistralai"),
                                                  ("deepseek-v3.1-maas", "deepseek-ai")])
def test_an_unprefixed_partner_model_gets_its_publisher(
    fake: FakeVertex, creds: FakeCredentials, model: str, publisher: str
) -> None:
    hint = _hint(fake, creds, model)
    assert f"'{publisher}/{model}'" in hint
    assert "location" not in hint and "google/" not in hint


def test_wrong_case_is_recognised_as_gemini_and_named(fake: FakeVertex, creds: FakeCredentials) -> None:
    assert vertex_model_name("Gemini-2.5-Flash") == "google/Gemini-2.5-Flash"
    hint = _hint(fake, creds, "Gemini-2.5-Flash")
    assert "lower-case" in hint and "'google/gemini-2.5-flash'" in hint
    assert fake.chat_requests[-1].json["model"] == "google/Gemini-2.5-Flash"


def test_a_prefixed_partner_id_never_gets_the_google_hint(fake: FakeVertex, creds: FakeCredentials) -> None:
    hint = _hint(fake, creds, "meta/llama-4-maverick-17b-128e-instruct-maas")
    assert "google/" not in hint and "location" not in hint
    assert "'meta/llama-4-maverick-17b-128e-instruct-maas'" in hint


def test_a_client_on_global_is_never_told_to_try_global(fake: FakeVertex, creds: FakeCredentials) -> None:
    # Google's text names a regional location; the client is on global: no "try location=global".
    fake.fail_next(_not_found("gemini-3-pro-preview", "us-central1"))
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds, max_retries=0)
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(model="gemini-3-pro-preview", messages=[{"role": "user", "content": "hi"}])
    assert "global" not in str(info.value).split("(hint: ")[1]


def test_gemini_3_off_global_is_sent_to_global(fake: FakeVertex, creds: FakeCredentials) -> None:
    assert 'use location="global"' in _hint(fake, creds, "gemini-3-pro-preview", location="us-central1")


def test_a_regional_client_may_try_global(fake: FakeVertex, creds: FakeCredentials) -> None:
    hint = _hint(fake, creds, "gemini-2.0-flash-lite", location="europe-west4")
    assert "'europe-west4'" in hint and 'try location="global"' in hint


@pytest.mark.parametrize("model", ["text-bison", "imagen-3"])
def test_other_unprefixed_ids_are_told_to_name_the_publisher(model: str) -> None:
    assert model_hint(model, "global").startswith(f"On this endpoint a model id names its publisher: 'google/{model}'")


def test_async_client_gets_the_same_hint(fake: FakeVertex, creds: FakeCredentials) -> None:
    import asyncio

    from vertex_openai import async_vertex_openai_client

    fake.fail_next(_not_found("gpt-4o", "global"))

    async def ask() -> Any:
        client = async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds, max_retries=0)
        return await client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])

    with pytest.raises(openai.NotFoundError, match="'gpt-4o' is an OpenAI model"):
        asyncio.run(ask())
