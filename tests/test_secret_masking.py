"""No key, JWT or token from a credentials loader or a server is ever echoed: not in exception text, not in a
formatted traceback (causes and contexts included), not in `doctor` or `chat` output, not in `-v` logs.

The canary is a service-account key file whose `private_key` is a list of PEM lines instead of one string:
google-auth's error for it quotes the whole key. The key is freshly generated for the test session.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import google.auth.exceptions
import openai
import pytest

from test_cli_support import _private_key_pem, clean_env, run_cli
from vertex_openai import VertexAuthError, vertex_openai_client
from vertex_openai._redact import redact
from vertex_openai.testing import FakeCredentials, FakeVertex, Fault, Reply, google_error_body

MESSAGES: Any = [{"role": "user", "content": "hi"}]
# A JWT in the shape of the assertion a service account signs (header.payload.signature), constructed here.
JWT = ("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJjYW5hcnlAZXhhbXBsZS5jb20iLCJhdWQiOiJ0b2tlbiJ9"
       ".c2lnbmF0dXJlLWNhbmFyeS1jYW5hcnktY2FuYXJ5LWNhbmFyeS1jYW5hcnk")


def key_body_lines() -> list[str]:
    return [line for line in _private_key_pem().splitlines() if line and not line.startswith("-----")]


def assert_no_secret(text: str) -> None:
    assert "PRIVATE KEY" not in text
    assert JWT[:30] not in text and JWT.split(".")[2][:20] not in text
    for line in key_body_lines():
        assert line[:16] not in text, f"key material {line[:16]!r}… echoed"


def chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        todo += [item.__cause__, item.__context__]
    return seen


def assert_exception_clean(exc: BaseException) -> None:
    """The message, every linked exception, the whole formatted traceback and every frame's locals."""
    assert_no_secret("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    for linked in chain(exc):
        assert_no_secret(str(linked) + repr(linked) + repr(linked.args))
    tb = exc.__traceback__
    while tb is not None:  # every frame but the test's own (whose locals hold the canary on purpose)
        if tb.tb_frame.f_code.co_filename == __file__:
            tb = tb.tb_next
            continue
        for value in tb.tb_frame.f_locals.values():
            if isinstance(value, (str, bytes, list, tuple, dict, BaseException)):
                assert_no_secret(repr(value))
        tb = tb.tb_next


@pytest.fixture
def list_key(tmp_path: Path) -> Path:
    """A key file like the console's download, except `private_key` is a JSON array of the PEM's lines."""
    info = {"type": "service_account", "project_id": "canary-project", "private_key_id": "0" * 40,
            "private_key": _private_key_pem().splitlines(keepends=True),
            "client_email": "canary@canary-project.iam.gserviceaccount.com", "client_id": "1" * 21,
            "token_uri": "http://127.0.0.1:9/token"}
    path = tmp_path / "list-key.json"
    path.write_text(json.dumps(info))
    return path


@pytest.fixture
def adc_env(tmp_path: Path, list_key: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    env = clean_env(tmp_path, GOOGLE_APPLICATION_CREDENTIALS=str(list_key))
    for name in ("GOOGLE_APPLICATION_CREDENTIALS", "CLOUDSDK_CONFIG", "NO_GCE_CHECK"):
        monkeypatch.setenv(name, env[name])
    yield env


def _says_what_is_wrong(text: str, list_key: Path) -> None:
    assert str(list_key) in text
    assert '"private_key" is a JSON array, not a string' in text
    assert "DefaultCredentialsError" in text  # the original type is named, its text is not


def test_key_file_error_from_the_factory_is_masked_with_no_cause(adc_env: dict[str, str], list_key: Path) -> None:
    with pytest.raises(VertexAuthError) as info:
        vertex_openai_client()
    _says_what_is_wrong(str(info.value), list_key)
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert_exception_clean(info.value)


def test_key_file_error_at_the_first_request_is_masked_with_no_cause(
    adc_env: dict[str, str], list_key: Path, fake: FakeVertex
) -> None:
    client = vertex_openai_client("p", base_url=fake.base_url, max_retries=0)  # ADC loads lazily here
    with pytest.raises(VertexAuthError) as info:
        client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
    _says_what_is_wrong(str(info.value), list_key)
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert_exception_clean(info.value)
    assert fake.requests == []


def test_doctor_and_chat_never_print_the_key(adc_env: dict[str, str], list_key: Path) -> None:
    doctor = run_cli(["doctor"], adc_env)
    chat = run_cli(["chat", "hi", "-v"], adc_env)

    for result in (doctor, chat):
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert_no_secret(result.stdout + result.stderr)
    (line,) = [line for line in doctor.stdout.splitlines() if line.startswith("✗ credentials:")]
    _says_what_is_wrong(line, list_key)
    _says_what_is_wrong(chat.stderr, list_key)
    assert chat.stdout == ""


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (google.auth.exceptions.RefreshError(
            f"invalid_grant: bad assertion {JWT} for {_private_key_pem()}",
            {"error": "invalid_grant", "error_description": f"bad assertion {JWT}"}),
         "refused the credentials (invalid_grant"),
        (google.auth.exceptions.RefreshError(f"Invalid response {JWT}"), "answer could not be used (RefreshError)"),
        (ValueError(repr(_private_key_pem().splitlines(keepends=True))), "the credentials raised ValueError"),
        (google.auth.exceptions.TransportError(f"cannot sign {_private_key_pem()}"), "TransportError"),
    ],
    ids=["oauth-code", "refresh-text", "value-error", "transport"],
)
def test_refresh_failures_name_the_type_never_the_text(fake: FakeVertex, error: Exception, words: str) -> None:
    creds = fake.credentials(fail_with=error)
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds, max_retries=0)
    with pytest.raises(VertexAuthError) as info:
        client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
    assert words in str(info.value) and "FakeCredentials" in str(info.value)
    assert info.value.__cause__ is None
    assert_exception_clean(info.value)


def test_server_error_text_is_masked_in_the_exception_but_the_body_is_untouched(fake: FakeVertex,
                                                                                 creds: FakeCredentials) -> None:
    message = f"Bad request: assertion {JWT} rejected; key {key_body_lines()[3]} unknown"
    fake.fail_next(Fault(status=400, body=google_error_body(400, "INVALID_ARGUMENT", message)))
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds, max_retries=0)
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
    assert "INVALID_ARGUMENT: Bad request: assertion <redacted> rejected; key <redacted> unknown" in str(info.value)
    assert_no_secret(str(info.value))
    assert isinstance(info.value.body, dict) and info.value.body["message"] == message  # the response object


def test_the_models_answer_is_never_masked_but_the_verbose_log_is(fake: FakeVertex, tmp_path: Path) -> None:
    from test_cli_support import token_endpoint, write_service_account_key

    answer = f"Here is a JWT: {JWT}"
    fake.reply_next(Reply(content=answer))
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=fake.credentials())
    assert client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES).choices[0].message.content \
        == answer

    fake.reply_next(Reply(content=answer))
    with token_endpoint(fake) as tokens:
        key = write_service_account_key(tmp_path / "key.json", tokens.url)
        result = run_cli(["chat", "hi", "-v", "--base-url", fake.base_url],
                         clean_env(tmp_path, GOOGLE_APPLICATION_CREDENTIALS=str(key)))
    assert result.returncode == 0, result.stderr
    assert result.stdout == answer + "\n"  # stdout: the answer, verbatim
    assert "< body:" in result.stderr and JWT[:30] not in result.stderr  # the -v log: masked


@pytest.mark.parametrize(
    "secret",
    [
        _private_key_pem(),
        _private_key_pem()[:300],  # cut short (a truncated message)
        repr(_private_key_pem().splitlines(keepends=True)),
        JWT,
        "ya29.a0AfB_byC-canary-token",
        "Bearer abc.def-ghi",
        "0123456789abcdef" * 3,  # a hex run (a key id, a digest)
        key_body_lines()[5],  # one base64 line of a key, alone
    ],
    ids=["pem", "pem-cut", "pem-lines", "jwt", "ya29", "bearer", "hex", "base64-line"],
)
def test_redact_masks_keys_jwts_tokens_and_random_runs(secret: str) -> None:
    masked = redact(f"loader said: {secret} (end)")
    assert masked.startswith("loader said: ") and "<redacted>" in masked
    assert_no_secret(masked)
    assert secret.strip()[8:40] not in masked


@pytest.mark.parametrize(
    "text",
    [
        "https://aiplatform.googleapis.com/v1/projects/my-project-123/locations/us-central1/endpoints/openapi",
        "/home/user/.config/gcloud/application_default_credentials.json",
        "doctor-test@fake-project.iam.gserviceaccount.com",
        "example.com:my-project",
        "Quota exceeded for aiplatform.googleapis.com/generate_content_requests_per_minute_per_project",
        "123e4567-e89b-12d3-a456-426614174000",
        "google/gemini-2.5-flash-preview-09-2025",
    ],
)
def test_redact_leaves_ordinary_text_alone(text: str) -> None:
    assert redact(text) == text


def test_a_token_providers_error_is_masked_and_not_chained(fake: FakeVertex) -> None:
    def provider() -> str:
        raise RuntimeError(f"could not sign with {_private_key_pem()} / {JWT}")

    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=provider, max_retries=0)
    with pytest.raises(VertexAuthError) as info:
        client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
    assert "the token provider" in str(info.value) and "RuntimeError: could not sign with <redacted>" in str(info.value)
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert_exception_clean(info.value)
