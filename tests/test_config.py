"""Where project, location and credentials come from, and what is never taken from OPENAI_* variables."""

from __future__ import annotations

import logging
from typing import Any

import google.auth
import google.auth.exceptions
import openai
import pytest

from vertex_openai import AsyncOpenAI, OpenAI, VertexAuthError, async_vertex_openai_client, vertex_openai_client
from vertex_openai.testing import FakeCredentials, FakeVertex


def _token() -> str:
    return "t"


def test_factories_return_real_openai_clients() -> None:
    client = vertex_openai_client("p", credentials=_token)
    aclient = async_vertex_openai_client("p", credentials=_token)
    assert isinstance(client, openai.OpenAI) and isinstance(client, OpenAI)
    assert isinstance(aclient, openai.AsyncOpenAI) and isinstance(aclient, AsyncOpenAI)


def test_env_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "env-project")
    monkeypatch.setenv("GOOGLE_CLOUD_LOCATION", "europe-west1")
    client = OpenAI(credentials=_token)
    assert client.project == "env-project" and client.location == "europe-west1"
    assert str(client.base_url).startswith(
        "https://europe-west1-aiplatform.googleapis.com/v1/projects/env-project/locations/europe-west1/"
    )
    explicit = OpenAI("arg-project", "us-central1", credentials=_token)
    assert explicit.project == "arg-project" and explicit.location == "us-central1"


def test_location_defaults_to_global() -> None:
    assert OpenAI("p", credentials=_token).location == "global"


def test_project_from_adc(monkeypatch: pytest.MonkeyPatch) -> None:
    adc = FakeCredentials()
    calls: list[Any] = []

    def fake_default(scopes: Any = None, **_: Any) -> tuple[Any, str]:
        calls.append(scopes)
        return adc, "adc-project"

    monkeypatch.setattr(google.auth, "default", fake_default)
    client = OpenAI()
    assert client.project == "adc-project"
    assert calls == [["https://www.googleapis.com/auth/cloud-platform"]]
    assert client.token_source.credentials is adc  # type: ignore[attr-defined]


def test_project_from_service_account_credentials() -> None:
    assert OpenAI(credentials=FakeCredentials(project_id="sa-project")).project == "sa-project"


def test_no_project_anywhere_names_all_three_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(google.auth, "default", lambda **_: (FakeCredentials(), None))
    with pytest.raises(ValueError) as info:
        OpenAI()
    text = str(info.value)
    assert "project=" in text and "GOOGLE_CLOUD_PROJECT" in text and "Application Default Credentials" in text


def test_no_adc_at_all_is_an_openai_error_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_adc(**_: Any) -> Any:
        raise google.auth.exceptions.DefaultCredentialsError("Your default credentials were not found.")

    monkeypatch.setattr(google.auth, "default", no_adc)
    with pytest.raises(VertexAuthError) as info:
        OpenAI()
    assert isinstance(info.value, openai.OpenAIError)
    assert "gcloud auth application-default login" in str(info.value)
    assert "GOOGLE_APPLICATION_CREDENTIALS" in str(info.value)


def test_missing_adc_with_a_project_fails_at_the_first_request(monkeypatch: pytest.MonkeyPatch,
                                                               fake: FakeVertex) -> None:
    def no_adc(**_: Any) -> Any:
        raise google.auth.exceptions.DefaultCredentialsError("Your default credentials were not found.")

    monkeypatch.setattr(google.auth, "default", no_adc)
    client = OpenAI("p", base_url=fake.base_url, max_retries=0)  # constructing needs no network
    with pytest.raises(VertexAuthError, match="gcloud auth application-default login"):
        client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "x"}])
    assert fake.requests == []  # nothing was sent without a token


@pytest.mark.parametrize(
    ("kwarg", "why"),
    [("api_key", "credentials="), ("organization", "never sent"), ("provider", "project/location")],
)
def test_openai_only_keywords_are_refused(kwarg: str, why: str) -> None:
    with pytest.raises(TypeError, match=why):
        OpenAI("p", credentials=_token, **{kwarg: "x"})


def test_credentials_type_errors() -> None:
    with pytest.raises(TypeError, match="fixed token expires"):
        OpenAI("p", credentials="ya29.static")
    with pytest.raises(TypeError, match="Credentials or a callable"):
        OpenAI("p", credentials=42)


def test_openai_environment_is_ignored(monkeypatch: pytest.MonkeyPatch, fake: FakeVertex,
                                       creds: FakeCredentials) -> None:
    """A stale OPENAI_BASE_URL must never receive a Google token; org/project headers are never sent."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-be-used")
    monkeypatch.setenv("OPENAI_BASE_URL", "https://api.openai.com/v1")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj_openai")
    monkeypatch.setenv("OPENAI_ORG_ID", "org_openai")
    monkeypatch.setenv("OPENAI_CUSTOM_HEADERS", "X-From-Env: 1")
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
    assert str(client.base_url).startswith(fake.origin)
    assert client.project == "fake-project" and client.organization is None
    client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "hi"}])
    headers = fake.chat_requests[-1].headers
    assert "openai-organization" not in headers and "openai-project" not in headers
    assert "x-from-env" not in headers
    assert headers["authorization"] != "Bearer sk-should-not-be-used"
    assert fake.chat_requests[-1].token_valid


def test_drop_in_import_line(fake: FakeVertex, creds: FakeCredentials, monkeypatch: pytest.MonkeyPatch) -> None:
    """`from vertex_openai import OpenAI; client = OpenAI()` works with env configuration only."""
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "fake-project")
    client = OpenAI(base_url=fake.base_url, credentials=creds)
    out = client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "hi"}])
    assert out.choices[0].message.content == "You said: hi"


def test_repr_and_logs_never_show_the_token(fake: FakeVertex, caplog: pytest.LogCaptureFixture,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    canary = "ya29.CANARY-" + "x" * 40
    fake.accept_token(canary)
    caplog.set_level(logging.DEBUG)
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=lambda: canary)
    client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "hi"}])
    stream = client.chat.completions.create(
        model="gemini-2.5-flash", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    list(stream)
    assert fake.chat_requests[-1].token == canary  # it was really used
    seen = caplog.text + repr(client) + str(client) + repr(client.token_source) + capsys.readouterr().err
    seen += repr(client.custom_auth)
    assert "CANARY" not in seen
    assert caplog.records, "DEBUG logging from openai/httpx should have produced records"
