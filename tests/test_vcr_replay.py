"""Token traffic is told by host, path and form content type, never by words in a body; replay never
reaches the network, whatever the request."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml
from vcr.request import Request

from vertex_openai import vertex_openai_client
from vertex_openai.testing import CassetteReplayError, FakeVertex, replay_credentials, use_cassette, vcr_config
from vertex_openai.testing._vcr import describe_mismatch, scrubber_of

CHAT = ("https://us-central1-aiplatform.googleapis.com/v1/projects/acme-prod-4821/locations/us-central1"
        "/endpoints/openapi/chat/completions")
WORDS = "Explain refresh_token, grant_type=refresh_token, client_secret and subject_token in OAuth."
MESSAGES: Any = [{"role": "user", "content": WORDS}]
FORM = {"content-type": "application/x-www-form-urlencoded"}
TOKEN_BODY = b"grant_type=refresh_token&refresh_token=1//0gRefreshSecret&client_secret=GOCSPX-secret"


def test_a_prompt_about_tokens_is_an_ordinary_chat_request() -> None:
    hook = vcr_config()["before_record_request"]
    body = json.dumps({"model": "google/gemini-2.5-flash", "messages": MESSAGES}).encode()
    request = hook(Request("POST", CHAT, body, {"content-type": "application/json"}))
    assert request is not None and request.path.endswith("/chat/completions")
    assert json.loads(request.body)["messages"][0]["content"] == WORDS


def test_an_answer_that_mentions_token_fields_is_recorded() -> None:
    content = 'A token answer looks like {"access_token": "...", "refresh_token": "...", "id_token": "..."}.'
    body = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}).encode()
    response = {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": body}}
    stored = vcr_config()["before_record_response"](response)
    assert stored is not None and json.loads(stored["body"]["string"])["choices"][0]["message"]["content"] == content


@pytest.mark.parametrize(("uri", "headers"), [
    ("http://127.0.0.1:8123/token", {"content-type": "application/json"}),  # a loopback fake's token path
    ("http://localhost:8123/oauth2/v4/token", {}),
    ("https://proxy.internal.example/v1/token/", {}),
    ("https://auth.example.com/anything", {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}),
    ("http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/identity", {}),
])
def test_token_traffic_by_host_path_or_form_content_type(uri: str, headers: dict[str, str]) -> None:
    config = vcr_config()
    scrubber = config["before_record_request"].scrubber
    recording = type("Recording", (), {"write_protected": False})()
    scrubber.bind(recording)
    assert config["before_record_request"](Request("POST", uri, b'{"note": "hello"}', headers)) is None


def test_a_prompt_about_tokens_records_and_replays(tmp_path: Path) -> None:
    path = tmp_path / "words.yaml"
    with FakeVertex(project="acme-prod-4821") as fake:
        client = vertex_openai_client("acme-prod-4821", base_url=fake.base_url, credentials=fake.credentials(),
                                      max_retries=0)
        with use_cassette(path, record_mode="once"):
            recorded = client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
    stored = yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"]
    assert len(stored) == 1 and WORDS in stored[0]["request"]["body"]
    replay = vertex_openai_client("other-project", credentials=replay_credentials(), max_retries=0)
    with use_cassette(path) as cassette:
        replayed = replay.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
        assert cassette.all_played
    assert replayed.choices[0].message.content == recorded.choices[0].message.content


class CountingServer:
    """A loopback server that answers everything with 200 and counts the requests that reached it."""

    def __init__(self) -> None:
        self.hits = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                server.hits += 1
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = b'{"access_token": "ya29.counted", "expires_in": 3600}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def counting() -> Iterator[CountingServer]:
    server = CountingServer()
    yield server
    server.close()


@pytest.fixture
def cassette_file(tmp_path: Path) -> Path:
    """A cassette with one recorded chat answer (none of the requests below match it)."""
    path = tmp_path / "one.yaml"
    with FakeVertex(project="acme-prod-4821") as fake:
        client = vertex_openai_client("acme-prod-4821", base_url=fake.base_url, credentials=fake.credentials(),
                                      max_retries=0)
        with use_cassette(path, record_mode="once"):
            client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "hi"}])
    return path


@pytest.fixture
def no_dns(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Lookups of anything but 127.0.0.1 are recorded and refused: a request that tries a non-loopback host
    shows up here (the counting loopback server stays reachable, so its hit count means something)."""
    looked_up: list[Any] = []
    real = socket.getaddrinfo

    def refuse(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host in ("127.0.0.1", b"127.0.0.1"):
            return real(host, *args, **kwargs)
        looked_up.append(host)
        raise socket.gaierror(f"test: no lookups allowed ({host})")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return looked_up


def _replay_attempts(counting: CountingServer) -> list[Any]:
    """What a replayed test might send that the cassette cannot answer."""
    client = vertex_openai_client("acme-prod-4821", base_url=f"{counting.url}/v1/projects/acme-prod-4821/"
                                  "locations/global/endpoints/openapi", credentials=replay_credentials(), max_retries=0)
    return [
        lambda: client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES),
        lambda: httpx.post(f"{counting.url}/token", content=TOKEN_BODY, headers=FORM),
        lambda: httpx.post(f"{counting.url}/custom-token-uri", content=TOKEN_BODY, headers=FORM),
        lambda: httpx.post("https://oauth2.googleapis.com/token", content=TOKEN_BODY, headers=FORM),
        lambda: httpx.post("https://us-central1-aiplatform.googleapis.com/v1/x", json={"q": WORDS}),
    ]


def _assert_fails_without_network(attempt: Any, path: Path) -> str:
    with pytest.raises(Exception) as caught:  # the SDK wraps the replay error, httpx does not
        attempt()
    assert not isinstance(caught.value, (httpx.ConnectError, socket.gaierror)), "tried the network"
    if isinstance(caught.value, openai.APIConnectionError):
        assert not isinstance(caught.value.__cause__, (httpx.ConnectError, socket.gaierror))
    message = describe_mismatch(caught.value)
    assert message is not None, f"not a cassette error: {caught.value!r}"
    assert str(path) in message  # names the cassette
    for secret in ("1//0gRefreshSecret", "GOCSPX-secret"):
        assert secret not in message
    return message


def test_replay_through_use_cassette_never_reaches_the_network(
        cassette_file: Path, counting: CountingServer, no_dns: list[Any]) -> None:
    for attempt in _replay_attempts(counting):
        with use_cassette(cassette_file):
            message = _assert_fails_without_network(attempt, cassette_file)
            assert "POST " in message  # names the request
    assert counting.hits == 0 and no_dns == []


def test_token_traffic_while_replaying_says_what_to_do(cassette_file: Path, counting: CountingServer) -> None:
    with use_cassette(cassette_file), pytest.raises(CassetteReplayError) as caught:
        httpx.post(f"{counting.url}/token", content=TOKEN_BODY, headers=FORM)
    message = str(caught.value)
    assert f"POST {counting.url}/token" in message and "replay_credentials()" in message
    assert "1//0g" not in message and counting.hits == 0


def test_replay_with_a_plain_vcrpy_cassette_also_fails_closed(
        cassette_file: Path, counting: CountingServer, no_dns: list[Any]) -> None:
    """`vcr.use_cassette(path, **vcr_config())`, with a cassette file or none at: still nothing is sent."""
    import vcr

    for path in (cassette_file, cassette_file.with_name("missing.yaml")):
        for attempt in _replay_attempts(counting):
            with vcr.VCR().use_cassette(str(path), record_mode="none", **vcr_config()):
                _assert_fails_without_network(attempt, path)
    assert counting.hits == 0 and no_dns == []


def test_without_a_cassette_in_sight_token_traffic_becomes_a_stand_in_that_matches_nothing() -> None:
    """Called outside vcrpy (nothing tells replay from recording), the hook returns a request that no
    recorded interaction can match and that `before_save_interaction` leaves out of the file."""
    config = vcr_config()
    first = config["before_record_request"](Request("POST", "https://oauth2.googleapis.com/token", TOKEN_BODY, FORM))
    second = config["before_record_request"](Request("POST", "https://oauth2.googleapis.com/token", TOKEN_BODY, FORM))
    assert first.host == second.host == "token-traffic.vertex-openai.invalid" and first.uri != second.uri
    assert first.body == b"" and not first.headers
    assert scrubber_of(config).before_save(first, {"body": {"string": b"{}"}}) is None


def test_token_traffic_is_left_out_of_a_plain_vcrpy_recording(tmp_path: Path, counting: CountingServer) -> None:
    import vcr

    path = tmp_path / "plain.yaml"
    with FakeVertex(project="acme-prod-4821") as fake:
        client = vertex_openai_client("acme-prod-4821", base_url=fake.base_url, credentials=fake.credentials(),
                                      max_retries=0)
        with vcr.VCR().use_cassette(str(path), record_mode="once", **vcr_config()):
            httpx.post(f"{counting.url}/token", content=TOKEN_BODY, headers=FORM)
            httpx.post(f"{counting.url}/token", content=TOKEN_BODY, headers=FORM)  # never answered from memory
            client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
    assert counting.hits == 2
    text = path.read_text(encoding="utf-8")
    for leak in ("/token", "1//0g", "GOCSPX", "ya29", "grant_type=refresh_token&", "not-recorded"):
        assert leak not in text
    assert len(yaml.safe_load(text)["interactions"]) == 1


@pytest.mark.parametrize("vcrpy_words_it", [True, False], ids=["as-installed", "as-vcrpy-8"])
def test_a_changed_body_is_described_by_the_kit_when_vcrpy_does_not(
        cassette_file: Path, monkeypatch: pytest.MonkeyPatch, vcrpy_words_it: bool) -> None:
    """vcrpy before 9 name neither the body nor how it differs; the kit then builds that account itself."""
    import vertex_openai.testing._vcr as kit

    if not vcrpy_words_it:
        monkeypatch.setattr(kit, "vcrpy_details_it", lambda error: False)
    client = vertex_openai_client("acme-prod-4821", credentials=replay_credentials(), max_retries=0)
    with use_cassette(cassette_file), pytest.raises(Exception) as caught:
        client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "bye"}])
    message = describe_mismatch(caught.value)
    assert message is not None and message.startswith("vertex-openai cassette replay failed")
    assert str(cassette_file) in message and "POST http" in message and "/chat/completions" in message
    assert '"bye"' in message and '"hi"' in message  # the request's body and the recorded one it differs from
    if not vcrpy_words_it:
        assert "acme-prod-4821" not in message  # the kit shows the request as the cassette compares it: scrubbed
        assert 'messages[0].content: recorded "hi", sent "bye"' in message and "How to fix:" in message
