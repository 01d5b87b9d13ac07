"""`vertex-openai doctor` run as the installed command against the loopback fake and a loopback token endpoint."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from test_cli_support import (
    TokenEndpoint,
    clean_env,
    run_cli,
    run_in_process,
    token_endpoint,
    write_service_account_key,
    write_user_adc,
)
from vertex_openai.testing import FakeVertex, Fault, google_error_body


@pytest.fixture
def tokens(fake: FakeVertex) -> Iterator[TokenEndpoint]:
    with token_endpoint(fake) as endpoint:
        yield endpoint


@pytest.fixture
def adc_env(tmp_path: Path, tokens: TokenEndpoint) -> dict[str, str]:
    """GOOGLE_APPLICATION_CREDENTIALS names a service-account key (its token_uri is the loopback endpoint)."""
    key = write_service_account_key(tmp_path / "key.json", tokens.url)
    return clean_env(tmp_path, GOOGLE_APPLICATION_CREDENTIALS=str(key))


def _lines(output: str, name: str) -> list[str]:
    return [line for line in output.splitlines() if line[2:].startswith(f"{name}:")]


def test_doctor_all_checks_pass_live_and_verbose_without_showing_the_token(
    fake: FakeVertex, tokens: TokenEndpoint, adc_env: dict[str, str]
) -> None:
    result = run_cli(["doctor", "--live", "--verbose", "--base-url", fake.base_url], adc_env)

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "\x1b[" not in out + result.stderr  # piped: plain text, no colour codes
    assert _lines(out, "credentials")[0].startswith("✓ credentials: service-account key, ")
    assert "key.json (from GOOGLE_APPLICATION_CREDENTIALS)" in _lines(out, "credentials")[0]
    assert _lines(out, "identity") == ["✓ identity: doctor-test@fake-project.iam.gserviceaccount.com"]
    assert _lines(out, "project")[0].startswith("✓ project: fake-project (from the credentials file ")
    assert _lines(out, "location") == ["✓ location: global (from --base-url)"]
    assert _lines(out, "access token")[0].startswith("✓ access token: obtained")
    assert "expires in 59 min" in _lines(out, "access token")[0]
    assert _lines(out, "quota project") == ["✓ quota project: not needed (the project in the URL is billed)"]
    assert _lines(out, "live request")[0].startswith("✓ live request: google/gemini-2.5-flash answered")
    assert "✗" not in out
    assert "Ready" in out.splitlines()[-1]
    # The tiny request really went through the client: a token from the key, the google/ prefix added.
    (sent,) = fake.chat_requests
    assert sent.token == tokens.token and sent.token_valid
    assert sent.json["model"] == "google/gemini-2.5-flash"
    # --verbose logged the request on stderr, and the canary token is nowhere in what the user sees.
    assert tokens.token not in out + result.stderr
    assert "authorization: Bearer <redacted>" in result.stderr
    assert f"> POST {fake.base_url}/chat/completions" in result.stderr
    assert "< 200 OK" in result.stderr


def test_doctor_with_gcloud_user_credentials_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """The usual laptop set-up, offline: file found, project from gcloud config, quota project missing."""
    env = clean_env(tmp_path)
    config = Path(env["CLOUDSDK_CONFIG"])
    write_user_adc(config / "application_default_credentials.json", "https://oauth2.googleapis.com/token",
                   quota_project=None)
    (config / "configurations").mkdir()
    (config / "configurations" / "config_default").write_text("[core]\nproject = from-gcloud\n")
    started = time.monotonic()
    result = run_in_process(["doctor", "--location", "europe-west4", "--timeout", "5"], env, monkeypatch, capsys)

    assert time.monotonic() - started < 15
    out = result.stdout
    assert _lines(out, "credentials")[0].startswith("✓ credentials: user credentials (gcloud auth application-default")
    assert _lines(out, "identity") == ["✓ identity: user credentials"]
    assert _lines(out, "project") == ["✓ project: from-gcloud (from gcloud config (configuration 'default'))"]
    assert _lines(out, "base URL") == ["✓ base URL: https://europe-west4-aiplatform.googleapis.com/v1/projects/"
                                       "from-gcloud/locations/europe-west4/endpoints/openapi"]
    assert _lines(out, "quota project")[0].startswith("! quota project: not set for user credentials")
    assert "fix: `gcloud auth application-default set-quota-project from-gcloud`" in out
    # No network here: the token check says it needs one, and is the only failure.
    (token_line,) = _lines(out, "access token")
    assert token_line.startswith("✗ access token: could not reach Google's token endpoint (network)")
    assert result.returncode == 1 and "1 problem(s): access token" in out


def test_doctor_without_credentials_says_how_to_log_in_and_does_not_hang(tmp_path: Path) -> None:
    # No ADC file, no GOOGLE_APPLICATION_CREDENTIALS; the metadata probe is allowed but hits a closed port.
    env = clean_env(tmp_path, GOOGLE_CLOUD_PROJECT="my-project")
    del env["NO_GCE_CHECK"]
    started = time.monotonic()
    result = run_cli(["doctor"], env)

    assert time.monotonic() - started < 15
    assert result.returncode == 1
    (line,) = _lines(result.stdout, "credentials")
    assert line.startswith("✗ credentials: no Google credentials found")
    assert "GOOGLE_APPLICATION_CREDENTIALS is not set" in line
    assert "metadata server" in line and "not reachable" in line
    assert "fix: Run `gcloud auth application-default login`" in result.stdout
    assert _lines(result.stdout, "project") == ["✓ project: my-project (from GOOGLE_CLOUD_PROJECT)"]
    assert _lines(result.stdout, "access token") == ["- access token: needs credentials"]
    assert "1 problem(s): credentials" in result.stdout


def test_doctor_without_project_names_the_three_ways_to_set_one(tmp_path: Path, tokens: TokenEndpoint) -> None:
    key = write_service_account_key(tmp_path / "key.json", tokens.url, project_id=None)
    result = run_cli(["doctor"], clean_env(tmp_path, GOOGLE_APPLICATION_CREDENTIALS=str(key)))

    assert result.returncode == 1
    assert _lines(result.stdout, "project")[0].startswith("✗ project: no Google Cloud project found")
    assert "--project my-project" in result.stdout and "GOOGLE_CLOUD_PROJECT" in result.stdout
    assert "gcloud config set project" in result.stdout
    assert _lines(result.stdout, "base URL") == ["- base URL: needs a project"]
    # Everything that does not need a project still ran and passed.
    assert _lines(result.stdout, "access token")[0].startswith("✓ access token")
    assert "1 problem(s): project" in result.stdout


def test_doctor_turns_a_403_into_the_role_to_grant(fake: FakeVertex, adc_env: dict[str, str]) -> None:
    fake.fail_next(Fault(status=403, body=google_error_body(
        403, "PERMISSION_DENIED",
        "Permission 'aiplatform.endpoints.predict' denied on resource '//aiplatform.googleapis.com/projects/"
        "fake-project/locations/global/endpoints/openapi' (or it may not exist).",
    )))
    result = run_cli(["doctor", "--live", "--base-url", fake.base_url], adc_env)

    assert result.returncode == 1
    (line,) = _lines(result.stdout, "live request")
    assert line.startswith("✗ live request: HTTP 403 PERMISSION_DENIED: Permission 'aiplatform.endpoints.predict'")
    assert ("fix: Grant the role: `gcloud projects add-iam-policy-binding fake-project "
            "--member=serviceAccount:doctor-test@fake-project.iam.gserviceaccount.com "
            "--role=roles/aiplatform.user`") in result.stdout


def test_doctor_turns_service_disabled_into_enabling_the_api(
    fake: FakeVertex, adc_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    fake.fail_next(Fault(status=403, body=google_error_body(
        403, "PERMISSION_DENIED", "Vertex AI API has not been used in project fake-project before or it is disabled.",
        [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED"}],
    )))
    result = run_in_process(["doctor", "--live", "--base-url", fake.base_url], adc_env, monkeypatch, capsys)

    assert result.returncode == 1
    assert "fix: Enable the Vertex AI API: `gcloud services enable aiplatform.googleapis.com --project fake-project`" \
        in result.stdout


def test_doctor_turns_a_regional_404_into_use_global(fake: FakeVertex, adc_env: dict[str, str]) -> None:
    url = fake.url_for(location="us-central1")
    fake.fail_next(Fault(status=404, body=google_error_body(
        404, "NOT_FOUND", "Publisher model `projects/fake-project/locations/us-central1/publishers/google/models/"
        "gemini-3-pro-preview` was not found or your project does not have access to it.",
    )))
    result = run_cli(["doctor", "--live", "--base-url", url, "--model", "gemini-3-pro-preview"], adc_env)

    assert result.returncode == 1
    assert _lines(result.stdout, "model location")[0].startswith("! model location: Gemini 3 models are served on")
    (line,) = _lines(result.stdout, "live request")
    assert line.startswith("✗ live request: HTTP 404 NOT_FOUND: Publisher model")
    assert 'fix: Gemini 3 models are served on the global endpoint: use --location global' in result.stdout


def test_doctor_turns_an_unprefixed_model_404_into_add_the_publisher(
    fake: FakeVertex, adc_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    # The fake answers 404 "Publisher model ... not found" for a model without publisher, as Vertex does.
    result = run_in_process(["doctor", "--live", "--base-url", fake.base_url, "--model", "llama-3.3-70b-instruct-maas"],
                     adc_env, monkeypatch, capsys)

    assert result.returncode == 1
    assert _lines(result.stdout, "model")[0].startswith("! model: 'llama-3.3-70b-instruct-maas' has no publisher")
    # a Llama id is Meta's: never the google/ prefix
    assert "fix: 'llama-3.3-70b-instruct-maas' is a partner model in Model Garden: name it with its publisher, " \
        "'meta/llama-3.3-70b-instruct-maas'" in result.stdout
    assert "google/llama" not in result.stdout


def test_doctor_reports_refused_credentials_and_skips_the_live_request(
    fake: FakeVertex, tokens: TokenEndpoint, adc_env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tokens.refuse = True
    result = run_in_process(["doctor", "--live", "--base-url", fake.base_url], adc_env, monkeypatch, capsys)

    assert result.returncode == 1
    (line,) = _lines(result.stdout, "access token")
    assert line.startswith("✗ access token: the credentials were refused") and "invalid_grant" in line
    assert "fix: Log in again: `gcloud auth application-default login`" in result.stdout
    assert _lines(result.stdout, "live request")[0].startswith("- live request: needs credentials")
    assert fake.chat_requests == []


def test_stray_api_keys_are_flagged_but_do_not_fail(
    tokens: TokenEndpoint, adc_env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = {**adc_env, "GOOGLE_API_KEY": "AIzaSECRETSECRET", "OPENAI_API_KEY": "ya29.SECRETTOKEN",
           "OPENAI_BASE_URL": "https://api.openai.com/v1"}
    result = run_in_process(["doctor"], env, monkeypatch, capsys)

    assert result.returncode == 0, result.stdout
    assert _lines(result.stdout, "API key")[0].startswith("! API key: GOOGLE_API_KEY is set but not used")
    assert _lines(result.stdout, "API key")[1].startswith("! API key: OPENAI_API_KEY holds a Google token")
    assert "! base URL: OPENAI_BASE_URL is set and ignored" in result.stdout
    assert "SECRET" not in result.stdout + result.stderr
    assert "2 note(s)" not in result.stdout and "3 note(s) marked ! above" in result.stdout


def test_bad_location_and_plain_http_base_url_are_explained(
    tokens: TokenEndpoint, adc_env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["doctor", "--location", "US Central", "--base-url", "http://vertex.example.com/v1"]
    result = run_in_process(args, adc_env, monkeypatch, capsys)

    assert result.returncode == 1
    assert _lines(result.stdout, "location")[0].startswith(
        "✗ location: --location='US Central' is not a Vertex AI location; did you mean 'us-central1'?")
    assert "fix: Use --location us-central1." in result.stdout
    assert _lines(result.stdout, "base URL")[0].startswith("✗ base URL: base_url 'http://vertex.example.com/v1' uses "
                                                           "plain http to a non-loopback host")
    assert "2 problem(s): location, base URL" in result.stdout


def test_metadata_server_is_found_when_it_answers_like_google(monkeypatch: pytest.MonkeyPatch) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    from vertex_openai._adc import discover_credentials

    class Metadata(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            ok = self.headers.get("Metadata-Flavor") == "Google" and self.path.endswith("/project/project-id")
            body = b"metadata-project" if ok else b""
            self.send_response(200 if ok else 403)
            self.send_header("Metadata-Flavor", "Google")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Metadata)
    Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        for name in ("GOOGLE_APPLICATION_CREDENTIALS", "NO_GCE_CHECK", "GCE_METADATA_ROOT"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("CLOUDSDK_CONFIG", "/nonexistent-vertex-openai-test")
        monkeypatch.setenv("GCE_METADATA_HOST", f"127.0.0.1:{server.server_address[1]}")
        discovery = discover_credentials(metadata_timeout=2)
    finally:
        server.shutdown()
        server.server_close()
    assert discovery.found is not None
    assert discovery.found.kind.startswith("metadata server")
    assert (discovery.found.project, discovery.found.project_source) == ("metadata-project", "the metadata server")
