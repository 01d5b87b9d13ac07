"""Project ids go into the URL path: path-unsafe ones are refused (naming where the value came from), while
domain-scoped ids and numeric project numbers reach Vertex at the right path."""

from __future__ import annotations

from typing import Any

import google.auth
import httpx
import pytest

from vertex_openai import build_base_url, vertex_openai_client
from vertex_openai.testing import FakeCredentials, FakeVertex

MESSAGES: Any = [{"role": "user", "content": "hi"}]
UNSAFE = [
    ".", "..", "%2E%2E", "a%2Fb", "p%", "p;x=1", "user@proj", "a\\b", "a/b", "a?b", "a#b", "a b", "a\tb",
    "a\nb", "a\rb", "a\x00b", "a\x7fb", "proj\u00e9",
]


def _token() -> str:
    return "t0ken"


@pytest.mark.parametrize("project", UNSAFE)
def test_unsafe_project_argument_is_refused(project: str) -> None:
    with pytest.raises(ValueError) as info:
        vertex_openai_client(project, credentials=_token)
    text = str(info.value)
    assert repr(project) in text
    assert "project argument" in text
    assert "example.com:my-project" in text  # says what a valid id looks like


@pytest.mark.parametrize("project", [".", "..", "a%2Fb", "a@b"])
def test_build_base_url_refuses_unsafe_projects(project: str) -> None:
    with pytest.raises(ValueError, match="project"):
        build_base_url(project, "global")


def test_unsafe_project_from_the_environment_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "..")
    with pytest.raises(ValueError, match="GOOGLE_CLOUD_PROJECT"):
        vertex_openai_client(credentials=_token)


def test_unsafe_project_from_credentials_names_them() -> None:
    with pytest.raises(ValueError) as info:
        vertex_openai_client(credentials=FakeCredentials(project_id="me@proj"))
    assert "'me@proj'" in str(info.value) and "project_id of the credentials" in str(info.value)


def test_unsafe_project_from_adc_names_adc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(google.auth, "default", lambda *args, **kwargs: (FakeCredentials(), "a;b"))
    with pytest.raises(ValueError) as info:
        vertex_openai_client()
    assert "'a;b'" in str(info.value) and "Application Default Credentials" in str(info.value)


def test_unsafe_project_in_copy_is_refused() -> None:
    client = vertex_openai_client("good-project", credentials=_token)
    with pytest.raises(ValueError, match=r"'\.\.'.*project argument"):
        client.with_options(project="..")


class _ToLoopback(httpx.HTTPTransport):
    """Sends every request to the fake on 127.0.0.1, keeping the path and query the client built."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self._port = port

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self._port)
        moved = httpx.Request(request.method, url, headers=request.headers, content=request.read(),
                              extensions=request.extensions)
        return super().handle_request(moved)


@pytest.mark.parametrize(
    "project, path_project",
    [("example.com:my-proj", "example.com:my-proj"), ("123456789012", "123456789012"),
     ("my-project-123", "my-project-123")],
)
def test_valid_project_ids_reach_vertex_at_the_right_path(fake: FakeVertex, project: str, path_project: str) -> None:
    client = vertex_openai_client(
        project, "us-central1", credentials=fake.credentials(), max_retries=0,
        http_client=httpx.Client(transport=_ToLoopback(fake.port)),
    )
    expected = f"https://us-central1-aiplatform.googleapis.com/v1/projects/{path_project}/locations/us-central1" \
               "/endpoints/openapi"
    assert str(client.base_url).rstrip("/") == expected
    assert build_base_url(project, "us-central1") == expected
    out = client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
    assert out.choices[0].message.content == "You said: hi"
    (request,) = fake.chat_requests
    assert request.path == f"/v1/projects/{path_project}/locations/us-central1/endpoints/openapi/chat/completions"
    assert request.token_valid
