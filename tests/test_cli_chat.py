"""`vertex-openai chat` against the loopback fake: answers on stdout, thoughts and errors on stderr, no token ever."""

from __future__ import annotations

import io
import json
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
)
from vertex_openai.cli._chat import ThoughtSplitter
from vertex_openai.testing import FakeVertex, Fault, Reply, google_error_body


@pytest.fixture
def tokens(fake: FakeVertex) -> Iterator[TokenEndpoint]:
    with token_endpoint(fake) as endpoint:
        yield endpoint


@pytest.fixture
def env(tmp_path: Path, tokens: TokenEndpoint) -> dict[str, str]:
    key = write_service_account_key(tmp_path / "key.json", tokens.url)
    return clean_env(tmp_path, GOOGLE_APPLICATION_CREDENTIALS=str(key))


def test_chat_prints_the_answer_and_nothing_else(fake: FakeVertex, env: dict[str, str]) -> None:
    result = run_cli(["chat", "Why is the sky blue?", "--base-url", fake.base_url], env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "You said: Why is the sky blue?\n"
    assert result.stderr == ""
    (sent,) = fake.chat_requests
    assert sent.token_valid
    assert sent.json == {"model": "google/gemini-2.5-flash",
                         "messages": [{"role": "user", "content": "Why is the sky blue?"}]}


def test_chat_streams_and_verbose_never_shows_the_token(
    fake: FakeVertex, tokens: TokenEndpoint, env: dict[str, str]
) -> None:
    result = run_cli(["chat", "Count to three", "--stream", "--system", "Be brief.", "--verbose",
                      "--base-url", fake.base_url], env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "You said: Count to three\n"
    (sent,) = fake.chat_requests
    assert sent.json["stream"] is True
    assert sent.json["messages"][0] == {"role": "system", "content": "Be brief."}
    assert sent.token == tokens.token  # the canary was on the wire...
    assert tokens.token not in result.stdout + result.stderr  # ...and nowhere in what the user sees
    assert "authorization: Bearer <redacted>" in result.stderr
    assert "< 200 OK" in result.stderr and "server-sent events" in result.stderr


@pytest.fixture
def chunky() -> Iterator[FakeVertex]:
    """A fake that streams 3 characters per chunk, so the <think> tags arrive split."""
    with FakeVertex(stream_chunk_chars=3) as server:
        yield server


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_show_thoughts_puts_thoughts_on_stderr_apart_from_the_answer(
    chunky: FakeVertex, tmp_path: Path, stream: bool, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    chunky.reply_next(Reply(content="<think>Light scatters; blue most.</think>Rayleigh scattering."))
    with token_endpoint(chunky) as tokens:
        key = write_service_account_key(tmp_path / "key.json", tokens.url)
        env = clean_env(tmp_path, GOOGLE_APPLICATION_CREDENTIALS=str(key))
        args = ["chat", "Why blue?", "--thinking", "256", "--show-thoughts", "--base-url", chunky.base_url]
        result = run_in_process([*args, "--stream"] if stream else args, env, monkeypatch, capsys)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "Rayleigh scattering.\n"
    assert "thinking…" in result.stderr and "Light scatters; blue most." in result.stderr
    assert "<think>" not in result.stdout + result.stderr
    assert chunky.chat_requests[0].json["extra_body"] == {"google": {
        "thinking_config": {"thinking_budget": 256, "include_thoughts": True}, "thought_tag_marker": "think",
    }}


def test_json_schema_file_becomes_response_format(
    fake: FakeVertex, env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "guests": {"type": "integer"}},
              "required": ["name", "guests"]}
    path = tmp_path / "party plan.json"
    path.write_text(json.dumps(schema))
    result = run_in_process(["chat", "Plan a party", "--json-schema", str(path), "--base-url", fake.base_url],
                            env, monkeypatch, capsys)

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert isinstance(answer["name"], str) and isinstance(answer["guests"], int)
    assert result.stdout.startswith("{\n  ")  # pretty-printed
    sent = fake.chat_requests[0].json["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["name"] == "party_plan"
    assert sent["json_schema"]["schema"]["required"] == ["name", "guests"]


def test_bad_schema_file_is_a_usage_error(
    fake: FakeVertex, env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    result = run_in_process(["chat", "hi", "--json-schema", str(tmp_path / "bad.json"), "--base-url", fake.base_url],
                            env, monkeypatch, capsys)
    assert result.returncode == 2
    assert "--json-schema" in result.stderr and "not valid JSON" in result.stderr
    assert fake.chat_requests == []


def test_prompt_from_stdin(
    fake: FakeVertex, env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("hello from a pipe\n"))
    result = run_in_process(["chat", "-", "--base-url", fake.base_url], env, monkeypatch, capsys)
    assert result.returncode == 0
    assert result.stdout == "You said: hello from a pipe\n"


def test_empty_prompt_is_a_usage_error(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    result = run_in_process(["chat", "-"], env, monkeypatch, capsys)
    assert result.returncode == 2
    assert "no prompt" in result.stderr


def test_google_error_is_printed_with_its_hint_and_exit_1(
    fake: FakeVertex, env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.fail_next(Fault(status=403, body=google_error_body(
        403, "PERMISSION_DENIED", "Permission 'aiplatform.endpoints.predict' denied on resource (or it may not exist).",
    )))
    result = run_in_process(["chat", "hi", "--base-url", fake.base_url], env, monkeypatch, capsys)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "PERMISSION_DENIED" in result.stderr and "roles/aiplatform.user" in result.stderr


def test_no_credentials_points_at_doctor(tmp_path: Path) -> None:
    # A subprocess: google-auth reads NO_GCE_CHECK once, at import, and must not probe a metadata server here.
    result = run_cli(["chat", "hi", "--project", "my-project"], clean_env(tmp_path))
    assert result.returncode == 1
    assert "No Google credentials found" in result.stderr
    assert "vertex-openai doctor" in result.stderr


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 100])
def test_thought_splitter_handles_tags_split_anywhere(size: int) -> None:
    text = "<think>a<b</think>answer <thin"
    splitter = ThoughtSplitter()
    pieces = []
    for start in range(0, len(text), size):
        pieces += splitter.feed(text[start:start + size])
    pieces += splitter.flush()
    thoughts = "".join(piece for is_thought, piece in pieces if is_thought)
    answer = "".join(piece for is_thought, piece in pieces if not is_thought)
    assert (thoughts, answer) == ("a<b", "answer <thin")


def test_without_show_thoughts_tags_are_plain_answer_text(
    fake: FakeVertex, env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.reply_next(Reply(content="Use <think>…</think> tags."))
    result = run_in_process(["chat", "Which tags?", "--base-url", fake.base_url], env, monkeypatch, capsys)
    assert result.returncode == 0
    assert result.stdout == "Use <think>…</think> tags.\n"
    assert "extra_body" not in fake.chat_requests[0].json


def test_unreachable_token_endpoint_is_a_network_problem_not_a_bad_login(tmp_path: Path) -> None:
    # The key's token endpoint is a closed loopback port: nothing answers, as when offline.
    from test_cli_support import closed_port

    key = write_service_account_key(tmp_path / "key.json", f"http://127.0.0.1:{closed_port()}/token")
    env = clean_env(tmp_path, GOOGLE_APPLICATION_CREDENTIALS=str(key))
    result = run_cli(["chat", "hi", "--project", "my-project", "--timeout", "5"], env)
    assert result.returncode == 1
    # The host named is the one the key file sends its token requests to, not Google's usual one.
    assert "could not reach the token endpoint at 127.0.0.1 (network)" in result.stderr
    assert "Check network access to 127.0.0.1" in result.stderr
    assert "the login itself may be fine" in result.stderr
    assert "gcloud auth application-default login" not in result.stderr


def test_refused_credentials_are_a_login_problem(fake: FakeVertex, tokens: TokenEndpoint, env: dict[str, str]) -> None:
    tokens.refuse = True
    result = run_cli(["chat", "hi", "--base-url", fake.base_url], env)
    assert result.returncode == 1
    assert "the credentials were refused" in result.stderr
    assert "Log in again: `gcloud auth application-default login`" in result.stderr
    assert fake.chat_requests == []


def test_google_error_mid_stream_is_one_line_and_exit_1(
    fake: FakeVertex, tokens: TokenEndpoint, env: dict[str, str]
) -> None:
    # A subprocess: what a user sees, traceback or not. Google's body is constructed (google.rpc.Status shape).
    fake.fail_next(Fault(action="stream_then_raw", chunks=1,
                         body=google_error_body(499, "CANCELLED", "The operation was cancelled.")))
    result = run_cli(["chat", "hi", "--stream", "--base-url", fake.base_url], env)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "CANCELLED" in lines[0] and "The operation was cancelled." in lines[0]
    assert result.stdout == "partial answ\n"  # the text that arrived before the error stays, on its own line
    assert tokens.token not in result.stdout + result.stderr


@pytest.mark.parametrize("body", [
    b"data: " + json.dumps(google_error_body(500, "INTERNAL", "Internal error encountered.")).encode() + b"\n",
    b'data: {"choices": [{"delta": \n',
], ids=["list-wrapped", "malformed"])
def test_other_stream_errors_are_one_line_and_exit_1(
    fake: FakeVertex, env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    body: bytes,
) -> None:
    fake.fail_next(Fault(action="stream_then_raw", chunks=1, body=body))
    result = run_in_process(["chat", "hi", "--stream", "--base-url", fake.base_url], env, monkeypatch, capsys)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Vertex AI" in lines[0]
    assert ("INTERNAL: Internal error encountered." in lines[0]) or ("malformed stream event" in lines[0])
