"""URL rules and input validation: every bad input fails before any network call, saying what to do."""

from __future__ import annotations

import pytest

from vertex_openai import OpenAI, build_base_url, vertex_openai_client
from vertex_openai._endpoints import validate_base_url, vertex_model_name


def _token() -> str:
    return "t"


@pytest.mark.parametrize(
    ("location", "endpoint", "api_version", "expected"),
    [
        ("global", "openapi", "v1",
         "https://aiplatform.googleapis.com/v1/projects/p/locations/global/endpoints/openapi"),
        ("us-central1", "openapi", "v1",
         "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/endpoints/openapi"),
        ("europe-west4", "openapi", "v1beta1",
         "https://europe-west4-aiplatform.googleapis.com/v1beta1/projects/p/locations/europe-west4/endpoints/openapi"),
        ("us", "openapi", "v1", "https://aiplatform.us.rep.googleapis.com/v1/projects/p/locations/us/endpoints/openapi"),
        ("eu", "openapi", "v1", "https://aiplatform.eu.rep.googleapis.com/v1/projects/p/locations/eu/endpoints/openapi"),
        ("us-east5", "1234567890", "v1",
         "https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/endpoints/1234567890"),
        ("global", "my-endpoint-1", "v1",
         "https://aiplatform.googleapis.com/v1/projects/p/locations/global/endpoints/my-endpoint-1"),
    ],
)
def test_url_table(location: str, endpoint: str, api_version: str, expected: str) -> None:
    assert build_base_url("p", location, endpoint, api_version) == expected
    client = vertex_openai_client("p", location, endpoint=endpoint, api_version=api_version, credentials=_token)
    assert str(client.base_url) == expected + "/"
    assert client.project == "p" and client.location == location and client.endpoint == endpoint


def test_domain_scoped_project_is_valid() -> None:
    client = OpenAI("example.com:my-proj", "us-central1", credentials=_token)
    assert "/projects/example.com:my-proj/locations/us-central1/" in str(client.base_url)


def test_base_url_override_wins_and_is_used_verbatim() -> None:
    url = "https://aiplatform-genai1.p.googleapis.com/v1/projects/p/locations/us-central1/endpoints/openapi"
    client = vertex_openai_client("p", "us-central1", base_url=url, credentials=_token)
    assert str(client.base_url) == url + "/"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"project": ""}, "project is empty"),
        ({"project": "a/b"}, "'/'"),
        ({"project": "my proj"}, "whitespace"),
        ({"project": "p?x=1"}, "'?'"),
        ({"project": "p#frag"}, "'#'"),
        ({"project": "p", "location": "US-CENTRAL1"}, "not a Vertex AI location"),
        ({"project": "p", "location": "us central1"}, "not a Vertex AI location"),
        ({"project": "p", "location": ""}, "not a Vertex AI location"),
        ({"project": "p", "endpoint": "Open_API"}, "endpoint 'Open_API' is not valid"),
        ({"project": "p", "endpoint": "1x"}, "is not valid"),
        ({"project": "p", "api_version": "v2"}, "use 'v1' or 'v1beta1'"),
        ({"project": "p", "base_url": "http://aiplatform.googleapis.com/v1"}, "plain http to a non-loopback"),
        ({"project": "p", "base_url": "ftp://example.com"}, "not an absolute http(s) URL"),
        ({"project": "p", "base_url": "https://user:pw@example.com"}, "user:password"),
        ({"project": "p", "base_url": "https://example.com/x?key=1"}, "query or fragment"),
        ({"project": "p", "base_url": "example.com/v1"}, "not an absolute"),
    ],
)
def test_bad_input_raises_value_error_with_the_fix(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=None) as info:
        vertex_openai_client(credentials=_token, **kwargs)  # type: ignore[arg-type]
    assert message in str(info.value)


@pytest.mark.parametrize("value", [123, None.__class__, ["p"]])
def test_non_string_project_is_a_type_error(value: object) -> None:
    with pytest.raises(TypeError, match="project must be a str"):
        vertex_openai_client(value, credentials=_token)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/v1", "http://localhost:1/x", "http://[::1]:9/x", "http://127.5.6.7/x"]
)
def test_plain_http_is_allowed_for_loopback_only(url: str) -> None:
    assert validate_base_url(url) == url


@pytest.mark.parametrize(
    ("model", "sent"),
    [
        ("gemini-2.5-flash", "google/gemini-2.5-flash"),
        ("gemini-3-pro-preview", "google/gemini-3-pro-preview"),
        ("google/gemini-2.5-flash", "google/gemini-2.5-flash"),
        ("meta/llama-3.3-70b-instruct-maas", "meta/llama-3.3-70b-instruct-maas"),
        ("gemma-2-9b-it", "gemma-2-9b-it"),
    ],
)
def test_model_names(model: str, sent: str) -> None:
    assert vertex_model_name(model) == sent


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.localhost:8080/v1",  # a name under .localhost: what it resolves to is up to DNS
        "http://a.b.localhost/x",
        "http://LOCALHOST.attacker.example/x",
        "http://localhost./x",
        "http://127.0.0.1.nip.io/x",
        "http://127.1/x",  # not an IP literal to us, though some resolvers expand it
        "http://0x7f000001/x",
    ],
)
def test_plain_http_to_names_that_only_look_local_is_refused(url: str) -> None:
    from vertex_openai._endpoints import is_loopback_host

    with pytest.raises(ValueError, match="plain http to a non-loopback host"):
        vertex_openai_client("p", base_url=url, credentials=_token)
    client = vertex_openai_client("p", base_url="http://127.0.0.1:9/v1", credentials=_token)
    with pytest.raises(ValueError, match="plain http to a non-loopback host"):
        client.with_options(base_url=url)
    from urllib.parse import urlsplit

    assert not is_loopback_host(urlsplit(url).hostname or "")
    assert validate_base_url(url.replace("http://", "https://", 1))  # https to the same name is fine
