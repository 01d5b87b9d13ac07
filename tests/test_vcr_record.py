"""Record -> scrub -> replay round trips against the loopback FakeVertex, with real google-auth credentials.

A loopback OAuth token endpoint answers google-auth's refresh-token grant like oauth2.googleapis.com does
and tells the FakeVertex to accept the token it hands out, so the recording path is the one a user with
real credentials takes: token exchange (dropped), Bearer header (dropped), quota-project header (dropped),
project id / number / emails in URLs and bodies (scrubbed). Then the file replays with no server at all.
"""

from __future__ import annotations

import gzip
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import google.oauth2.credentials
import openai
import yaml

from vertex_openai import vertex_openai_client
from vertex_openai.testing import FakeVertex, Fault, Reply, google_error_body, replay_credentials, use_cassette

REFRESH_TOKEN = "1//0gRefreshTokenThatMustNeverBeCommitted"
CLIENT_SECRET = "GOCSPX-client-secret-never-commit"
QUOTA_PROJECT = "billing-proj-77"


class TokenServer:
    def __init__(self, fake: FakeVertex) -> None:
        self.fake = fake
        self.issued: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                token = f"ya29.a0Local{secrets.token_hex(8)}"
                server.issued.append(token)
                server.fake.accept_token(token)
                body = json.dumps({"access_token": token, "expires_in": 3599, "token_type": "Bearer",
                                   "scope": "https://www.googleapis.com/auth/cloud-platform"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def token_uri(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/token"

    def service_account_info(self, key_pem: str) -> dict[str, str]:
        """A service-account key file (what GOOGLE_APPLICATION_CREDENTIALS points at), using this server."""
        return {"type": "service_account", "project_id": PROJECT, "private_key_id": "0123abcd",
                "private_key": key_pem, "client_email": SA_EMAIL, "client_id": "1234567890",
                "token_uri": self.token_uri}

    def __enter__(self) -> TokenServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


PROJECT = "acme-prod-4821"
PROJECT_NUMBER = "987654321098"
EMAIL = "alice.smith@acme-corp.example"
SA_EMAIL = f"ci-bot@{PROJECT}.iam.gserviceaccount.com"
MESSAGES: Any = [{"role": "user", "content": "Who owns this project?"}]


def _responder(body: dict[str, Any]) -> Reply:
    return Reply(content=f"Project {PROJECT} (number {PROJECT_NUMBER}) is owned by {EMAIL}.")


def _denied() -> Fault:
    return Fault(status=403, body=google_error_body(
        403, "PERMISSION_DENIED",
        f"Permission 'aiplatform.endpoints.predict' denied on resource '//aiplatform.googleapis.com/projects/"
        f"{PROJECT_NUMBER}/locations/global/endpoints/openapi' for {SA_EMAIL} (or it may not exist)."))


def _gzipped_reply() -> Fault:
    body = json.dumps({"choices": [{"finish_reason": "stop", "index": 0, "message": {
        "content": f"gzip ok for {EMAIL}", "role": "assistant"}}], "created": 1, "id": "g", "model": "m",
        "object": "chat.completion"}).encode()
    return Fault(status=200, body=gzip.compress(body), headers={"Content-Encoding": "gzip"})


def _calls(client: Any) -> list[str]:
    """The same three calls at record and at replay time: a plain answer, a stream, a Google error."""
    out = [client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES).choices[0].message.content]
    stream = client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES, stream=True)
    out.append("".join(chunk.choices[0].delta.content or "" for chunk in stream))
    try:
        client.chat.completions.create(model="gemini-2.5-pro", messages=MESSAGES)
    except openai.PermissionDeniedError as err:
        out.append(f"{err.code}: {err}")
    gz = client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "gzip"}])
    out.append(gz.choices[0].message.content)
    return out


def test_record_scrub_replay_round_trip(tmp_path: Path) -> None:
    cassette_path = tmp_path / "roundtrip.yaml"
    with FakeVertex(project=PROJECT, responder=_responder) as fake, TokenServer(fake) as tokens:
        credentials = google.oauth2.credentials.Credentials(
            None, refresh_token=REFRESH_TOKEN, client_id="764086051850-fake.apps.googleusercontent.com",
            client_secret=CLIENT_SECRET, token_uri=tokens.token_uri, quota_project_id=QUOTA_PROJECT)
        client = vertex_openai_client(PROJECT, base_url=fake.base_url, credentials=credentials, max_retries=0)
        with use_cassette(cassette_path, record_mode="once"):
            recorded_answers = _calls_with_faults(client, fake)
        assert tokens.issued, "google-auth really refreshed through the token endpoint"
        sent = fake.chat_requests
        assert sent[0].headers["authorization"] == f"Bearer {tokens.issued[0]}"
        assert sent[0].headers["x-goog-user-project"] == QUOTA_PROJECT

    text = cassette_path.read_text(encoding="utf-8")
    leaks = [*tokens.issued, "Bearer", "uthorization", REFRESH_TOKEN, CLIENT_SECRET, QUOTA_PROJECT, PROJECT,
             PROJECT_NUMBER, EMAIL, SA_EMAIL, "ci-bot", "x-goog", "ya29", "/token", "grant_type"]
    assert [leak for leak in leaks if leak.lower() in text.lower()] == []
    stored = yaml.safe_load(text)["interactions"]
    assert len(stored) == 4  # the token exchange was dropped, the four Vertex calls kept
    assert {i["request"]["uri"].split("/v1/", 1)[1] for i in stored} == {
        "projects/PROJECT_ID/locations/LOCATION/endpoints/openapi/chat/completions"}
    assert all(set(i["request"]["headers"]) <= {"accept", "content-type"} for i in stored)
    assert "gzip ok for user@example.com" in text  # stored decoded and readable

    # Replay: the fake and the token server are gone; another project, region and host; fake credentials.
    replay = vertex_openai_client("someone-else", "us-central1", credentials=replay_credentials(), max_retries=0)
    with use_cassette(cassette_path) as cassette:
        replayed_answers = _calls(replay)
        assert cassette.all_played
    assert replayed_answers == [_scrubbed(answer) for answer in recorded_answers]
    assert "PROJECT_ID" in replayed_answers[0] and "user@example.com" in replayed_answers[0]


def _calls_with_faults(client: Any, fake: FakeVertex) -> list[str]:
    # Script the fake so the third call is a 403 and the fourth a gzip-compressed answer.
    out = [client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES).choices[0].message.content]
    stream = client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES, stream=True)
    out.append("".join(chunk.choices[0].delta.content or "" for chunk in stream))
    fake.fail_next(_denied())
    try:
        client.chat.completions.create(model="gemini-2.5-pro", messages=MESSAGES)
    except openai.PermissionDeniedError as err:
        out.append(f"{err.code}: {err}")
    fake.fail_next(_gzipped_reply())
    gz = client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "gzip"}])
    out.append(gz.choices[0].message.content)
    return out


def _scrubbed(text: str | None) -> str:
    return (text or "").replace(SA_EMAIL, "user@example.com").replace(EMAIL, "user@example.com").replace(
        f"projects/{PROJECT_NUMBER}", "projects/PROJECT_ID").replace(PROJECT_NUMBER, "PROJECT_ID").replace(
        PROJECT, "PROJECT_ID")
