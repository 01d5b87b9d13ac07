"""Google's error bodies (list- or dict-wrapped) become the SDK's exceptions with Google's message.

Bodies are constructed from the documented error shapes (docs/vertex-endpoint.md, "Errors"), not recorded.
"""

from __future__ import annotations

import asyncio
from typing import Any

import openai
import pytest

from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai.testing import FakeCredentials, FakeVertex, Fault, google_error_body

MESSAGES: Any = [{"role": "user", "content": "hi"}]

CASES = [
    (400, "INVALID_ARGUMENT", "Request payload size exceeds the limit: 20971520 bytes.", openai.BadRequestError,
     None),
    (401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token, "
     "login cookie or other valid authentication credential.", openai.AuthenticationError, "gcloud auth"),
    (403, "PERMISSION_DENIED", "Permission 'aiplatform.endpoints.predict' denied on resource "
     "'//aiplatform.googleapis.com/projects/p1/locations/global/endpoints/openapi' (or it may not exist).",
     openai.PermissionDeniedError, "roles/aiplatform.user"),
    (404, "NOT_FOUND", "Publisher model `projects/p1/locations/us-central1/publishers/google/models/"
     "gemini-3-pro-preview` was not found or your project does not have access to it.", openai.NotFoundError,
     # the hint follows what the client sent (google/gemini-2.5-flash, on global), not Google's text
     "Check the model id 'google/gemini-2.5-flash'"),
    (429, "RESOURCE_EXHAUSTED", "Resource exhausted. Please try again later. Please refer to "
     "https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.",
     openai.RateLimitError, "retry later"),
    (500, "INTERNAL", "Internal error encountered.", openai.InternalServerError, None),
    (503, "UNAVAILABLE", "The service is currently unavailable.", openai.InternalServerError, None),
]


def _client(fake: FakeVertex, creds: Any) -> Any:
    return vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds, max_retries=0)


@pytest.mark.parametrize("wrapping", ["list", "dict"])
@pytest.mark.parametrize(("code", "status", "message", "cls", "hint"), CASES)
def test_google_errors_become_readable_sdk_exceptions(
    fake: FakeVertex, creds: FakeCredentials, wrapping: str, code: int, status: str, message: str,
    cls: type[openai.APIStatusError], hint: str | None,
) -> None:
    body: Any = google_error_body(code, status, message)
    if wrapping == "dict":
        body = body[0]
    # a 401 is replayed once after a refresh: script it twice so the error surfaces
    fake.fail_next(*[Fault(status=code, body=body)] * (2 if code == 401 else 1))
    with pytest.raises(cls) as info:
        _client(fake, creds).chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
    err = info.value
    assert err.status_code == code
    assert err.code == status
    assert err.body == {"code": code, "message": message, "status": status}
    assert str(err).startswith(f"Error code: {code} - {status}: {message}")
    assert err.message == str(err)
    if hint:
        assert "(hint: " in str(err) and hint in str(err)


def test_retry_info_is_exposed_and_honoured(fake: FakeVertex, creds: FakeCredentials) -> None:
    details = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.3s"}]
    fake.fail_next(Fault(status=429, body=google_error_body(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", details)))
    with pytest.raises(openai.RateLimitError) as info:
        _client(fake, creds).chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
    assert info.value.retry_delay == pytest.approx(0.3)  # type: ignore[attr-defined]
    assert info.value.response.headers["retry-after-ms"] == "300"


def test_retry_info_delay_is_capped(fake: FakeVertex, creds: FakeCredentials) -> None:
    details = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "3600s"}]
    fake.fail_next(Fault(status=429, body=google_error_body(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", details)))
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds, max_retries=0,
                                  max_retry_delay=2.5)
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
    assert info.value.retry_delay == 3600  # type: ignore[attr-defined]  # what Google asked for
    assert info.value.response.headers["retry-after-ms"] == "2500"  # what the SDK will wait


def test_html_from_a_proxy_is_shown_briefly(fake: FakeVertex, creds: FakeCredentials) -> None:
    html = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
    fake.fail_next(Fault(status=502, body=html, headers={"Content-Type": "text/html"}))
    with pytest.raises(openai.InternalServerError) as info:
        _client(fake, creds).chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
    assert "Error code: 502" in str(info.value) and "Bad Gateway" in str(info.value)
    assert info.value.code is None


def test_async_errors_are_normalised_too(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.fail_next(Fault(status=404, body=google_error_body(404, "NOT_FOUND", "Publisher model `x` was not found.")))

    async def main() -> openai.NotFoundError:
        client = async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds,
                                            max_retries=0)
        try:
            await client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
        except openai.NotFoundError as err:
            return err
        finally:
            await client.close()
        raise AssertionError("expected NotFoundError")

    err = asyncio.run(main())
    assert err.code == "NOT_FOUND" and "Publisher model `x` was not found." in str(err)


def test_exception_text_never_contains_the_token(fake: FakeVertex) -> None:
    canary = "ya29.CANARY-" + "y" * 40
    fake.fail_next(Fault(status=403, body=google_error_body(403, "PERMISSION_DENIED", "denied")))
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=lambda: canary, max_retries=0)
    with pytest.raises(openai.PermissionDeniedError) as info:
        client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
    assert fake.chat_requests[-1].token == canary
    assert "CANARY" not in str(info.value) + repr(info.value) + repr(info.value.body)
