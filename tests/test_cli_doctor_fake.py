"""`vertex-openai doctor` in fake mode, and the words it uses about the token endpoint.

In fake mode (`VERTEX_OPENAI_FAKE_BASE_URL` / `_TOKEN`, as `python -m vertex_openai.testing serve` prints them)
doctor checks the fake, not Google: it must never load Application Default Credentials (a service-account key
would send a signed JWT grant to its token_uri), and it names the host it actually tried.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from test_cli_support import (
    TokenEndpoint,
    clean_env,
    closed_port,
    run_cli,
    run_in_process,
    token_endpoint,
    write_service_account_key,
    write_user_adc,
)
from vertex_openai._fake_mode import FAKE_BASE_URL_ENV, FAKE_TOKEN_ENV
from vertex_openai.testing import FakeVertex


@pytest.fixture
def tokens(fake: FakeVertex) -> Iterator[TokenEndpoint]:
    with token_endpoint(fake) as endpoint:
        yield endpoint


def _lines(output: str, name: str) -> list[str]:
    return [line for line in output.splitlines() if line[2:].startswith(f"{name}:")]


def _fake_env(tmp_path: Path, fake: FakeVertex, tokens: TokenEndpoint, **extra: str) -> dict[str, str]:
    """Fake mode exported as `serve` says, next to a service-account key whose token_uri counts its calls."""
    fake.accept_token("doctor-fake-token")
    key = write_service_account_key(tmp_path / "key.json", tokens.url)
    return clean_env(tmp_path, GOOGLE_APPLICATION_CREDENTIALS=str(key), GOOGLE_CLOUD_PROJECT="real-project",
                     **{FAKE_BASE_URL_ENV: fake.base_url, FAKE_TOKEN_ENV: "doctor-fake-token"}, **extra)


def test_doctor_in_fake_mode_checks_the_fake_and_never_loads_adc(
    tmp_path: Path, fake: FakeVertex, tokens: TokenEndpoint
) -> None:
    result = run_cli(["doctor"], _fake_env(tmp_path, fake, tokens))

    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert tokens.calls == 0  # no JWT grant went to the key's token_uri
    (mode,) = _lines(out, "fake mode")
    assert mode.startswith("✓ fake mode: ") and fake.base_url in mode
    assert "Google credentials are not loaded" in mode
    assert _lines(out, "credentials")[0].startswith("- credentials: not used in fake mode")
    assert _lines(out, "access token")[0].startswith("- access token: not used in fake mode")
    assert "✗" not in out
    # The fake answered one tiny request, with the fake token.
    (sent,) = fake.chat_requests
    assert sent.token == "doctor-fake-token" and sent.token_valid
    assert _lines(out, "fake request")[0].startswith("✓ fake request: ")
    ready = out.splitlines()[-1]
    assert "Ready" in ready and fake.origin in ready and "not to Vertex AI" in ready
    assert "googleapis.com" not in ready


def test_doctor_in_fake_mode_fails_when_the_fake_is_not_there(tmp_path: Path, tokens: TokenEndpoint) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1/projects/fake-project/locations/global/endpoints/openapi"
    key = write_service_account_key(tmp_path / "key.json", tokens.url)
    env = clean_env(tmp_path, GOOGLE_APPLICATION_CREDENTIALS=str(key),
                    **{FAKE_BASE_URL_ENV: url, FAKE_TOKEN_ENV: "gone"})
    result = run_cli(["doctor"], env)

    assert result.returncode == 1
    assert tokens.calls == 0
    (line,) = _lines(result.stdout, "fake request")
    assert line.startswith("✗ fake request: ") and "127.0.0.1" in line
    assert "python -m vertex_openai.testing serve" in result.stdout
    assert "Ready" not in result.stdout


def test_doctor_in_fake_mode_says_when_the_fake_refuses_the_token(
    tmp_path: Path, fake: FakeVertex, tokens: TokenEndpoint, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = _fake_env(tmp_path, fake, tokens)
    env[FAKE_TOKEN_ENV] = "not-the-fakes-token"
    result = run_in_process(["doctor"], env, monkeypatch, capsys)

    assert result.returncode == 1
    (line,) = _lines(result.stdout, "fake request")
    assert line.startswith("✗ fake request: HTTP 401")
    assert FAKE_TOKEN_ENV in result.stdout
    assert tokens.calls == 0


def test_half_set_fake_mode_is_a_failure_and_still_loads_no_adc(
    tmp_path: Path, fake: FakeVertex, tokens: TokenEndpoint, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = _fake_env(tmp_path, fake, tokens)
    del env[FAKE_TOKEN_ENV]
    result = run_in_process(["doctor"], env, monkeypatch, capsys)

    assert result.returncode == 1
    (line,) = _lines(result.stdout, "fake mode")
    assert line.startswith("✗ fake mode: ") and FAKE_TOKEN_ENV in line
    assert tokens.calls == 0
    assert fake.chat_requests == []


def test_doctor_fake_flag_starts_a_fake_like_chat(
    tmp_path: Path, tokens: TokenEndpoint, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    key = write_service_account_key(tmp_path / "key.json", tokens.url)
    result = run_in_process(["doctor", "--fake"], clean_env(tmp_path, GOOGLE_APPLICATION_CREDENTIALS=str(key)),
                            monkeypatch, capsys)

    assert result.returncode == 0, result.stdout
    assert tokens.calls == 0
    (mode,) = _lines(result.stdout, "fake mode")
    assert "started a loopback fake" in mode and "http://127.0.0.1:" in mode
    assert _lines(result.stdout, "fake request")[0].startswith("✓ fake request: ")
    assert "http://127.0.0.1:" in result.stdout.splitlines()[-1]


def test_doctor_fake_flag_and_base_url_do_not_go_together(
    tmp_path: Path, fake: FakeVertex, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    result = run_in_process(["doctor", "--fake", "--base-url", fake.base_url], clean_env(tmp_path),
                            monkeypatch, capsys)

    assert result.returncode == 2
    assert "--fake and --base-url do not go together" in result.stdout + result.stderr


def test_ready_line_names_the_host_requests_go_to(
    tmp_path: Path, fake: FakeVertex, tokens: TokenEndpoint, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = write_service_account_key(tmp_path / "key.json", tokens.url)
    env = clean_env(tmp_path, GOOGLE_APPLICATION_CREDENTIALS=str(key))
    result = run_in_process(["doctor", "--base-url", fake.base_url], env, monkeypatch, capsys)

    assert result.returncode == 0, result.stdout
    ready = result.stdout.splitlines()[-1]
    assert "Ready" in ready and fake.origin in ready


def _token_check(stdout: str) -> tuple[str, str]:
    (line,) = _lines(stdout, "access token")
    return line, stdout.split(line, 1)[1].splitlines()[1]


def test_unreachable_token_endpoint_names_the_host_the_key_file_sends_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """A service-account key whose token_uri is not oauth2.googleapis.com: google-auth sends there, so say so."""
    key = write_service_account_key(tmp_path / "key.json", f"http://127.0.0.1:{closed_port()}/token")
    env = clean_env(tmp_path, GOOGLE_APPLICATION_CREDENTIALS=str(key))
    result = run_in_process(["doctor", "--timeout", "5"], env, monkeypatch, capsys)

    assert result.returncode == 1
    line, fix = _token_check(result.stdout)
    assert line.startswith("✗ access token: could not reach the token endpoint at 127.0.0.1 (network)")
    assert fix.startswith("    → fix: Check network access to 127.0.0.1 ")
    assert "oauth2.googleapis.com" not in line + fix
    # One check, one story: not "log in again" and "the login itself may be fine" at once.
    assert "run `gcloud auth application-default login`" not in line + fix and "Log in again" not in fix


def test_authorized_user_file_with_another_token_uri_names_the_host_google_auth_really_uses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """google-auth sends user credentials to oauth2.googleapis.com whatever the file's token_uri says."""
    env = clean_env(tmp_path)
    write_user_adc(Path(env["CLOUDSDK_CONFIG"]) / "application_default_credentials.json",
                   f"http://127.0.0.1:{closed_port()}/token")
    result = run_in_process(["doctor", "--project", "my-project", "--timeout", "5"], env, monkeypatch, capsys)

    assert result.returncode == 1
    line, fix = _token_check(result.stdout)
    assert line.startswith("✗ access token: could not reach Google's token endpoint (network)")
    assert "oauth2.googleapis.com" in fix
    assert "token_uri (127.0.0.1) is not used" in fix
    assert "run `gcloud auth application-default login`" not in line + fix and "Log in again" not in fix
