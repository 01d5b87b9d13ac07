"""Paths Vertex's OpenAI-compatible endpoint does not serve: refused before sending, with what to use instead;
elsewhere passed through, and a 404 (Google's JSON or its front end's HTML page) carries a hint."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import openai
import pytest

from vertex_openai import UnsupportedEndpointError, async_vertex_openai_client, vertex_openai_client
from vertex_openai._config import resolve_config
from vertex_openai.testing import FakeCredentials, FakeVertex
from vertex_openai.wire._paths import check_served

CALLS: dict[str, tuple[Callable[[Any], Any], str, str]] = {
    "models.list": (lambda c: c.models.list(), "/models", "Model Garden"),
    "models.retrieve": (lambda c: c.models.retrieve("gemini-2.5-flash"), "/models/gemini-2.5-flash", "Model Garden"),
    "files.list": (lambda c: c.files.list(), "/files", "batch prediction"),
    "files.create": (lambda c: c.files.create(file=("a.jsonl", io.BytesIO(b"{}")), purpose="batch"), "/files",
                     "batch prediction"),
    "batches.create": (lambda c: c.batches.create(input_file_id="f", endpoint="/v1/chat/completions",
                                                  completion_window="24h"), "/batches", "batch prediction"),
    "images.generate": (lambda c: c.images.generate(prompt="a cat"), "/images/generations", "Imagen"),
    "audio.speech": (lambda c: c.audio.speech.create(model="tts-1", voice="alloy", input="hi"), "/audio/speech",
                     "Text-to-Speech"),
    "audio.transcriptions": (lambda c: c.audio.transcriptions.create(model="whisper-1",
                                                                     file=("a.wav", io.BytesIO(b"RIFF"))),
                             "/audio/transcriptions", "audio input parts"),
    "moderations": (lambda c: c.moderations.create(input="hi"), "/moderations", "safety_settings"),
    "completions": (lambda c: c.completions.create(model="gemini-2.5-flash", prompt="hi"), "/completions",
                    "chat.completions.create"),
    "fine_tuning": (lambda c: c.fine_tuning.jobs.list(), "/fine_tuning/jobs", "tuning"),
    "stored chat completions": (lambda c: c.chat.completions.retrieve("c1"), "/chat/completions/c1", "stores none"),
}


def client_for(fake: FakeVertex, **kw: Any) -> Any:
    return vertex_openai_client("fake-project", base_url=kw.pop("base_url", fake.base_url),
                                credentials=fake.credentials(), **kw)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_refused_before_sending_with_the_alternative(fake: FakeVertex, name: str) -> None:
    call, path, alternative = CALLS[name]
    with pytest.raises(UnsupportedEndpointError) as info:
        call(client_for(fake))
    assert fake.requests == []  # nothing left the client
    err = info.value
    assert isinstance(err, openai.OpenAIError) and not isinstance(err, openai.APIError)
    assert err.path == path and alternative in err.alternative
    assert f" {path} is not served by Vertex AI's OpenAI-compatible endpoint" in str(err)
    assert alternative in str(err)


def test_refused_on_the_async_client_and_with_raw_response(fake: FakeVertex) -> None:
    client = async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=fake.credentials())

    async def run() -> None:
        with pytest.raises(UnsupportedEndpointError, match="/models"):
            await client.models.list()
        with pytest.raises(UnsupportedEndpointError, match="/moderations"):
            await client.with_raw_response.moderations.create(input="hi")

    asyncio.run(run())
    assert fake.requests == []


def test_the_real_vertex_url_is_refused_too() -> None:
    # No server needed: the refusal happens before any token or connection.
    client = vertex_openai_client("my-project", location="us-central1", credentials=FakeCredentials())
    with pytest.raises(UnsupportedEndpointError, match="Model Garden"):
        client.models.list()


def options(url: str, method: str = "post") -> Any:
    return SimpleNamespace(url=url, method=method, json_data=None)


def test_served_paths_and_shapes_of_url() -> None:
    config = resolve_config("p", "global", endpoint="openapi", api_version="v1", credentials=FakeCredentials(),
                            base_url=None, token_refresh_margin=300, token_refresh_timeout=30, max_retry_delay=60)
    for url in ("/chat/completions", "/embeddings", "/responses", "chat/completions", "/embeddings?x=1",
                "https://elsewhere.example/v1/models"):
        check_served(options(url), config)
    for url in ("/models", "/responses/resp_1/cancel", "/completions?x=1", "/v1/chat/completions"):
        with pytest.raises(UnsupportedEndpointError):
            check_served(options(url), config)


# -- passed through: a self-deployed endpoint, a base_url that is not endpoints/openapi ------------------------------
@pytest.mark.parametrize("not_found", ["json", "html"])
def test_self_deployed_endpoint_passes_through_with_a_hint_on_404(not_found: str) -> None:
    with FakeVertex(not_found=not_found) as fake:
        client = client_for(fake, base_url=fake.url_for(endpoint="1234567890"), endpoint="1234567890")
        with pytest.raises(openai.NotFoundError) as info:
            client.models.list()
        assert [r.path for r in fake.requests] == ["/v1/projects/fake-project/locations/global/endpoints/1234567890"
                                                   "/models"]
    text = str(info.value)
    assert "hint: this server does not serve /models" in text and "Model Garden" in text
    assert "was not found on this server" in text
    assert "<" not in text.split("(hint")[0]  # the HTML page's text, not its markup


@pytest.mark.parametrize("not_found", ["json", "html"])
def test_other_base_url_passes_through_with_a_hint_on_404(not_found: str) -> None:
    with FakeVertex(not_found=not_found) as fake:
        client = client_for(fake, base_url=fake.origin + "/proxy/v1")
        with pytest.raises(openai.NotFoundError, match=r"hint: this server does not serve /proxy/v1/completions"):
            client.completions.create(model="m", prompt="hi")
        assert fake.requests[-1].path == "/proxy/v1/completions"


@pytest.mark.parametrize("not_found", ["json", "html"])
def test_embeddings_are_sent_and_a_404_says_which_models_have_them(not_found: str) -> None:
    with FakeVertex(not_found=not_found) as fake:  # the fake serves no MaaS embedding model
        with pytest.raises(openai.NotFoundError) as info:
            client_for(fake).embeddings.create(model="intfloat/multilingual-e5-small-maas", input="hi")
        assert fake.requests[-1].path.endswith("/endpoints/openapi/embeddings")
    text = str(info.value)
    assert "only for some models" in text and "gemini-embedding-001" in text
    if not_found == "html":
        assert "Error code: 404 - Error 404 (Not Found)!!1 404. That’s an error. The requested URL" in text
        assert "<code>" not in text


def test_the_fake_html_404_is_google_front_end_html(fake: FakeVertex) -> None:
    import urllib.error
    import urllib.request

    with FakeVertex(not_found="html") as html_fake:
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(html_fake.base_url + "/models")
        assert info.value.code == 404
        assert info.value.headers["Content-Type"].startswith("text/html")
        assert b"<title>Error 404 (Not Found)!!1</title>" in info.value.read()
    with pytest.raises(ValueError, match="not_found"):
        FakeVertex(not_found="xml")
