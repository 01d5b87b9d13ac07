"""Application Default Credentials, found through one path (`_adc`): every failure of google-auth's loader is a
`VertexAuthError` in our words, the metadata-server probe is bounded, and a bad quota project is refused once.

The "metadata server" here is a loopback socket that accepts connections and never answers (constructed: the
real one is a link-local HTTP server that answers with `Metadata-Flavor: Google`). google-auth reads some of
its settings at import, so the probe is exercised in fresh subprocesses.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import google.auth
import pytest

from test_cli_support import clean_env, run_cli, run_in_process, token_endpoint, write_user_adc
from vertex_openai import VertexAuthError, vertex_openai_client
from vertex_openai.testing import FakeVertex

MESSAGES: Any = [{"role": "user", "content": "hi"}]


# -- ADC files that are JSON but not an object ------------------------------------------------------------
@pytest.fixture(params=['"just a string"', "[1, 2, 3]", "not json at all {", "[" * 100_000],
                ids=["json-string", "json-array", "not-json", "deeply-nested"])
def odd_adc(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    path = tmp_path / "adc.json"
    path.write_text(request.param)
    env = clean_env(tmp_path, GOOGLE_APPLICATION_CREDENTIALS=str(path))
    for name in ("GOOGLE_APPLICATION_CREDENTIALS", "CLOUDSDK_CONFIG", "NO_GCE_CHECK"):
        monkeypatch.setenv(name, env[name])
    return env


def _expected_words(env: dict[str, str]) -> str:
    text = Path(env["GOOGLE_APPLICATION_CREDENTIALS"]).read_text()
    if text.startswith('"'):
        return "holds a JSON string, not the JSON object a credentials file is"
    if text == "[1, 2, 3]":
        return "holds a JSON array, not the JSON object a credentials file is"
    return "is not valid JSON"


def test_adc_file_that_is_not_a_json_object_is_a_vertex_auth_error(odd_adc: dict[str, str], fake: FakeVertex) -> None:
    with pytest.raises(VertexAuthError) as info:
        vertex_openai_client()
    text = str(info.value)
    assert odd_adc["GOOGLE_APPLICATION_CREDENTIALS"] in text and "from GOOGLE_APPLICATION_CREDENTIALS" in text
    assert _expected_words(odd_adc) in text and "google-auth raised" in text
    assert info.value.__cause__ is None and info.value.__context__ is None

    client = vertex_openai_client("p", base_url=fake.base_url, max_retries=0)  # loaded at the first request
    with pytest.raises(VertexAuthError, match="could not be loaded"):
        client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
    assert fake.requests == []


@pytest.mark.parametrize("content", ['"just a string"', "[1, 2, 3]"], ids=["json-string", "json-array"])
def test_chat_and_doctor_explain_a_non_object_adc_file_without_a_traceback(tmp_path: Path, content: str) -> None:
    config = tmp_path / "gcloud"
    config.mkdir()
    (config / "application_default_credentials.json").write_text(content)  # where gcloud writes ADC
    env = clean_env(tmp_path)
    kind = "string" if content.startswith('"') else "array"

    chat = run_cli(["chat", "hi"], env)
    assert chat.returncode == 1 and chat.stdout == ""
    assert "Traceback" not in chat.stderr and "AttributeError:" not in chat.stderr
    assert f"holds a JSON {kind}, not the JSON object" in chat.stderr
    assert "gcloud application-default credentials" in chat.stderr

    doctor = run_cli(["doctor"], env)
    (line,) = [line for line in doctor.stdout.splitlines() if line.startswith("✗ credentials:")]
    assert f"holds a JSON {kind}, not the JSON object" in line and "google-auth raised AttributeError" in line


def test_any_failure_of_google_auth_default_is_wrapped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("NO_GCE_CHECK", "true")

    def broken(**_: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded while decoding a JSON object")

    monkeypatch.setattr(google.auth, "default", broken)
    with pytest.raises(VertexAuthError) as info:
        vertex_openai_client()
    assert "No Google credentials found" in str(info.value)
    assert "metadata server not checked (NO_GCE_CHECK is set)" in str(info.value)
    assert info.value.__cause__ is None and info.value.__context__ is None


# -- the metadata-server probe is bounded ----------------------------------------------------------------
@pytest.fixture
def silent_metadata() -> Iterator[str]:
    """A loopback listener that accepts TCP connections and never says a word."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield f"127.0.0.1:{sock.getsockname()[1]}"


def _no_adc_env(tmp_path: Path, metadata: str, **extra: str) -> dict[str, str]:
    env = clean_env(tmp_path, GCE_METADATA_HOST=metadata, GCE_METADATA_IP=metadata, **extra)
    del env["NO_GCE_CHECK"]
    return env


_TIMED = """
import json, time
import vertex_openai
started = time.monotonic()
try:
    vertex_openai.vertex_openai_client()
except vertex_openai.VertexAuthError as err:
    print(json.dumps({"elapsed": time.monotonic() - started, "message": str(err)}))
"""


@pytest.mark.parametrize(("extra", "probe"), [({}, "1s"), ({"GCE_METADATA_TIMEOUT": "0.3"}, "0.3s")],
                         ids=["default-1s", "GCE_METADATA_TIMEOUT"])
def test_no_project_no_adc_waits_for_the_metadata_server_at_most_the_probe_time(
    tmp_path: Path, silent_metadata: str, extra: dict[str, str], probe: str
) -> None:
    env = _no_adc_env(tmp_path, silent_metadata, **extra)
    done = subprocess.run([sys.executable, "-c", _TIMED], env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["elapsed"] < 3.0  # google-auth alone waits 3 attempts x 3 s plus back-off here
    message = result["message"]
    assert f"no answer from the metadata server at {silent_metadata} within {probe}" in message
    assert "NO_GCE_CHECK" in message
    assert "GOOGLE_APPLICATION_CREDENTIALS is not set" in message and "no gcloud application-default" in message
    assert "No Google credentials found (Application Default Credentials) after " in message


def test_chat_without_credentials_does_not_wait_on_the_metadata_server(tmp_path: Path, silent_metadata: str) -> None:
    baseline_env = clean_env(tmp_path)  # NO_GCE_CHECK=true: no probe at all
    started = time.monotonic()
    baseline = run_cli(["chat", "hi"], baseline_env)
    baseline_took = time.monotonic() - started

    started = time.monotonic()
    probed = run_cli(["chat", "hi"], _no_adc_env(tmp_path, silent_metadata))
    probed_took = time.monotonic() - started

    assert baseline.returncode == probed.returncode == 1
    assert "metadata server not checked (NO_GCE_CHECK is set)" in baseline.stderr
    # The probe waits 1 s, once; google-auth on its own waits about 12 s here (3 attempts x 3 s plus back-off).
    # The bound sits between the two, with room for two subprocess starts on a busy 2-core machine under xdist
    # (5.2 s against 1.7 s was seen there).
    assert probed_took - baseline_took < 6.0, (baseline_took, probed_took)
    assert f"no answer from the metadata server at {silent_metadata} within 1s" in probed.stderr
    assert "Set NO_GCE_CHECK=true" in probed.stderr and "Traceback" not in probed.stderr


# -- the quota project is checked once, and named -----------------------------------------------------
@pytest.mark.parametrize(
    ("quota", "what"),
    [("billing\r\nX-Evil: 1", "CR/LF/NUL"), ("bill\x00ing", "CR/LF/NUL"), ("bïlling-project", "non-ASCII")],
    ids=["crlf", "nul", "non-ascii"],
)
def test_bad_quota_project_on_given_credentials_is_refused_at_construction(fake: FakeVertex, quota: str,
                                                                           what: str) -> None:
    creds = fake.credentials(quota_project_id=quota)
    with pytest.raises(Exception) as info:
        client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds, max_retries=0)
        client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
    formatted = "".join(traceback.format_exception(type(info.value), info.value, info.value.__traceback__))
    if creds.token:  # no token may sit in a frame's locals of the error (a header list, a request)
        assert creds.token not in formatted + _strings_in_frames(info.value)
    assert isinstance(info.value, VertexAuthError), formatted[-1500:]
    text = str(info.value)
    assert ascii(quota) in text and what in text and "x-goog-user-project" in text
    assert "from the quota_project_id of the credentials (FakeCredentials)" in text
    assert "\r" not in text and "\n" not in text and "\x00" not in text
    assert fake.requests == [] and creds.refresh_count == 0


def _strings_in_frames(exc: BaseException) -> str:
    seen: list[str] = []
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename != __file__:
            seen += [repr(value) for value in tb.tb_frame.f_locals.values()]
        tb = tb.tb_next
    return "\n".join(seen)


@pytest.mark.parametrize("quota", ["bïlling-project", "billing\nproject"], ids=["non-ascii", "newline"])
def test_bad_quota_project_from_the_environment_fails_the_first_request_clearly(
    fake: FakeVertex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quota: str
) -> None:
    with token_endpoint(fake) as tokens:
        adc = write_user_adc(tmp_path / "adc.json", tokens.url, quota_project=None)
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(adc))
        monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))
        monkeypatch.setenv("GOOGLE_CLOUD_QUOTA_PROJECT", quota)
        client = vertex_openai_client("fake-project", base_url=fake.base_url, max_retries=0)
        with pytest.raises(Exception) as info:
            client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
    formatted = "".join(traceback.format_exception(type(info.value), info.value, info.value.__traceback__))
    assert tokens.token not in formatted + _strings_in_frames(info.value)
    assert isinstance(info.value, VertexAuthError), formatted[-1500:]
    assert "GOOGLE_CLOUD_QUOTA_PROJECT" in str(info.value) and ascii(quota) in str(info.value)
    assert "UnicodeEncodeError" not in formatted
    assert fake.requests == []


def test_doctor_fails_the_quota_project_check_and_skips_the_token(
    fake: FakeVertex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with token_endpoint(fake) as tokens:
        adc = write_user_adc(tmp_path / "adc.json", tokens.url, quota_project="bill\x1b[2Jing")
        env = clean_env(tmp_path, GOOGLE_APPLICATION_CREDENTIALS=str(adc), GOOGLE_CLOUD_PROJECT="p")
        result = run_in_process(["doctor"], env, monkeypatch, capsys)
    assert result.returncode == 1
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("✗ quota project:")]
    assert "'bill\\x1b[2Jing'" in line and f"the quota_project_id in {adc}" in line
    assert "- access token: needs a quota project that can be sent" in result.stdout
    assert "\x1b" not in result.stdout
    assert tokens.calls == 0


_FOUND = """
import vertex_openai
client = vertex_openai.vertex_openai_client()
print(client.project, type(client.token_source.credentials).__module__)
"""


def test_a_metadata_server_that_answers_like_google_is_still_used(tmp_path: Path) -> None:
    """The bounded probe must not get in the way on Google Cloud: credentials and project come from the server."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    class Metadata(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            body = b"metadata-project" if self.path.endswith("/project/project-id") else b""
            self.send_response(200 if self.headers.get("Metadata-Flavor") == "Google" else 403)
            self.send_header("Metadata-Flavor", "Google")
            self.send_header("Content-Type", "application/text")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Metadata)
    Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        env = _no_adc_env(tmp_path, f"127.0.0.1:{server.server_address[1]}")
        done = subprocess.run([sys.executable, "-c", _FOUND], env=env, capture_output=True, text=True, timeout=60,
                              check=False)
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["metadata-project", "google.auth.compute_engine.credentials"]


# A PEM frame around four bytes of nothing, no key (split so secret scanners don't take it for one).
EMPTY_PEM_FRAME = "-----BEGIN " "PRIVATE KEY-----\nAAAA\n-----END " "PRIVATE KEY-----\n"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ({"client_email": "x"}, 'has no "type" field'),
        ({"type": "\x1b[31mmystery"}, "has an unknown \"type\" '\\x1b[31mmystery'"),  # escaped, not raw
        ({"type": "authorized_user", "client_id": "c", "client_secret": "s"}, 'has type authorized_user but no '
         '"refresh_token" field'),
        ({"type": "service_account", "client_email": "x", "token_uri": "u", "private_key": {"k": 1}},
         '"private_key" is a JSON object, not a string'),
        ({"type": "service_account", "client_email": "x", "token_uri": "u", "private_key": "not a key"},
         '"private_key" is not a PEM key'),
        ({"type": "service_account", "client_email": "x", "token_uri": "u",
          "private_key": EMPTY_PEM_FRAME},
         "has type service_account, but google-auth could not load it"),
    ],
)
def test_file_problem_says_what_is_wrong_without_the_content(tmp_path: Path, content: dict[str, Any],
                                                             words: str) -> None:
    from vertex_openai._adc import file_problem

    path = tmp_path / "creds.json"
    path.write_text(json.dumps(content))
    problem = file_problem(str(path))
    assert words in problem
    assert "AAAA" not in problem and "\x1b" not in problem
