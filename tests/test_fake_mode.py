"""Fake mode: the fake started from the shell, and clients (library and CLI) pointed at it by two variables.

`python -m vertex_openai.testing serve` prints the two `export` lines; with both variables set and a loopback
URL, `vertex_openai_client()` sends only the fake token and never loads Google credentials; one of the two
alone, or a URL that leaves the machine, is refused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from test_cli_support import clean_env, run_cli
from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai._fake_mode import FAKE_BASE_URL_ENV, FAKE_TOKEN_ENV, fake_mode_from_env
from vertex_openai.testing import FakeVertex, Fault, Reply, load_script

EXAMPLE_SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "fake_script.json"
TOKEN = "fake-canary-token-123"


# -- the two variables ------------------------------------------------------------------------------------
def test_neither_variable_means_no_fake_mode() -> None:
    assert fake_mode_from_env({}) is None


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/v1", "http://localhost:9/x", "http://[::1]:9/x",
                                 "http://127.0.0.2:1/", "https://127.0.0.1:443/v1"])
def test_loopback_urls_are_accepted(url: str) -> None:
    mode = fake_mode_from_env({FAKE_BASE_URL_ENV: url, FAKE_TOKEN_ENV: TOKEN})
    assert mode is not None and mode.base_url == url.rstrip("/") and mode.token == TOKEN


@pytest.mark.parametrize("url", ["http://example.com/v1", "https://aiplatform.googleapis.com/v1",
                                 "http://x.localhost:9/", "http://localhost.example.com/", "http://127.0.0.1.nip.io/",
                                 "http://user:pw@127.0.0.1:9/", "ftp://127.0.0.1/", "http://10.0.0.1/"])
def test_urls_that_leave_the_machine_are_refused_without_showing_the_token(url: str) -> None:
    with pytest.raises(ValueError) as caught:
        fake_mode_from_env({FAKE_BASE_URL_ENV: url, FAKE_TOKEN_ENV: TOKEN})
    assert FAKE_BASE_URL_ENV in str(caught.value)
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize(("present", "missing"), [(FAKE_BASE_URL_ENV, FAKE_TOKEN_ENV),
                                                   (FAKE_TOKEN_ENV, FAKE_BASE_URL_ENV)])
def test_one_variable_alone_is_refused_naming_the_missing_one(present: str, missing: str) -> None:
    value = "http://127.0.0.1:1/v1" if present == FAKE_BASE_URL_ENV else TOKEN
    with pytest.raises(ValueError, match=f"{present} is set but {missing} is not"):
        fake_mode_from_env({present: value})


# -- the library in fake mode ---------------------------------------------------------------------------------
@pytest.fixture
def fake_env(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeVertex]:
    fake.accept_token(TOKEN)
    monkeypatch.setenv(FAKE_BASE_URL_ENV, fake.base_url)
    monkeypatch.setenv(FAKE_TOKEN_ENV, TOKEN)

    def no_google(*args: object, **kwargs: object) -> None:
        raise AssertionError("fake mode must never load Google credentials")

    monkeypatch.setattr("google.auth.default", no_google)
    yield fake


def test_client_in_fake_mode_sends_only_the_fake_token_and_warns_once(fake_env: FakeVertex) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = vertex_openai_client()
    assert [str(w.message) for w in caught if "fake mode" in str(w.message)] == [
        f"vertex-openai fake mode: {FAKE_BASE_URL_ENV} and {FAKE_TOKEN_ENV} are set, so this client talks to the "
        f"loopback fake at {fake_env.base_url} with the fake token; Google credentials are not loaded."
    ]
    with warnings.catch_warnings(record=True) as later:
        warnings.simplefilter("always")
        reply = client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "hi"}])
        client.with_options(timeout=5).chat.completions.create(
            model="gemini-2.5-flash", messages=[{"role": "user", "content": "again"}])
    assert not later, "the warning comes once, when the client is made, not per request or copy"
    assert reply.choices[0].message.content == "You said: hi"
    assert [r.token for r in fake_env.chat_requests] == [TOKEN, TOKEN]
    assert all(r.token_valid for r in fake_env.chat_requests)


async def _async_round_trip() -> str | None:
    client = async_vertex_openai_client()
    reply = await client.chat.completions.create(model="gemini-2.5-flash",
                                                 messages=[{"role": "user", "content": "async"}])
    return reply.choices[0].message.content


def test_async_client_in_fake_mode(fake_env: FakeVertex) -> None:
    import asyncio

    with pytest.warns(UserWarning, match="fake mode"):
        assert asyncio.run(_async_round_trip()) == "You said: async"
    assert fake_env.chat_requests[0].token == TOKEN


def test_explicit_base_url_or_credentials_win_over_fake_mode(fake_env: FakeVertex) -> None:
    other = fake_env.credentials()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fake-mode warning: the caller chose where requests go
        client = vertex_openai_client("p", base_url=fake_env.base_url, credentials=other)
    client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "x"}])
    assert fake_env.chat_requests[0].token != TOKEN


def test_client_refuses_a_non_loopback_fake_url(monkeypatch: pytest.MonkeyPatch, fake: FakeVertex) -> None:
    monkeypatch.setenv(FAKE_BASE_URL_ENV, "https://aiplatform.googleapis.com/v1/projects/p/locations/global"
                       "/endpoints/openapi")
    monkeypatch.setenv(FAKE_TOKEN_ENV, TOKEN)
    with pytest.raises(ValueError, match=f"{FAKE_BASE_URL_ENV}=.* does not point at this machine"):
        vertex_openai_client("p")
    assert fake.requests == []


# -- the script file ---------------------------------------------------------------------------------------------
def test_example_script_loads_in_order() -> None:
    steps = load_script(EXAMPLE_SCRIPT)
    assert [type(s).__name__ for s in steps] == ["Reply", "Fault", "Reply", "Reply", "Fault"]
    fault = steps[1]
    assert isinstance(fault, Fault) and fault.status == 503
    assert fault.body == [{"error": {"code": 503, "message": "The service is currently unavailable.",
                                     "status": "UNAVAILABLE"}}]


@pytest.mark.parametrize(("data", "message"), [
    ({"reply": {}}, "expected a JSON list"),
    ([{"answer": {}}], 'step 1: expected {"reply"'),
    ([{"reply": {"text": "hi"}}], "step 1: unknown key(s) text"),
    ([{"reply": {}}, {"fault": {"action": "explode"}}], "step 2: action must be one of"),
    ([{"fault": {"status": 404, "error": "nope"}}], 'step 1: "error" must be'),
])
def test_bad_scripts_name_the_file_and_step(tmp_path: Path, data: object, message: str) -> None:
    path = tmp_path / "script.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError) as caught:
        load_script(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_play_keeps_the_order_of_replies_and_faults(fake: FakeVertex) -> None:
    fake.play(Reply(content="one"), Fault(status=400, body={"error": {"message": "two"}}), Reply(content="three"))
    client = vertex_openai_client("p", base_url=fake.base_url, credentials=fake.credentials(), max_retries=0)
    ask = lambda: client.chat.completions.create(  # noqa: E731
        model="gemini-2.5-flash", messages=[{"role": "user", "content": "x"}])
    assert ask().choices[0].message.content == "one"
    with pytest.raises(Exception, match="two"):
        ask()
    assert ask().choices[0].message.content == "three"
    assert ask().choices[0].message.content == "You said: x"


# -- the shell: serve in one process, the CLI in another -----------------------------------------------------
@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[dict[str, str], subprocess.Popen[str]]]:
    script = tmp_path / "script.json"
    script.write_text(json.dumps([
        {"reply": {"content": "scripted answer"}},
        {"fault": {"status": 404, "error": {"status": "NOT_FOUND", "message": "Publisher model x was not found."}}},
    ]))
    env = clean_env(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "vertex_openai.testing", "serve", "--script", str(script)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    exports: dict[str, str] = {}
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("export "):
                name, _, value = line[len("export "):].strip().partition("=")
                exports[name] = value
            if len(exports) == 2:
                break
        assert set(exports) == {FAKE_BASE_URL_ENV, FAKE_TOKEN_ENV}, "serve prints the two export lines"
        yield {**env, **exports}, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_then_chat_fake_from_the_shell(served: tuple[dict[str, str], subprocess.Popen[str]]) -> None:
    env, process = served
    assert env[FAKE_BASE_URL_ENV].startswith("http://127.0.0.1:")
    first = run_cli(["chat", "--fake", "hello"], env)
    assert first.returncode == 0, first.stderr
    assert first.stdout == "scripted answer\n"
    assert "fake mode: talking to the loopback fake" in first.stderr
    assert "No Google credentials" not in first.stderr
    second = run_cli(["chat", "hello again"], env)  # the variables alone are enough
    assert second.returncode == 1
    assert "NOT_FOUND: Publisher model x was not found." in second.stderr
    third = run_cli(["chat", "--fake", "and again"], env)
    assert (third.returncode, third.stdout) == (0, "You said: and again\n")
    process.terminate()
    _, log = process.communicate(timeout=10)
    assert log.count("/chat/completions model=google/gemini-2.5-flash") == 3
    assert "token refused" not in log


def test_the_fake_mode_warning_is_one_line_of_ours_in_every_subcommand(
    served: tuple[dict[str, str], subprocess.Popen[str]], tmp_path: Path
) -> None:
    env, _ = served
    items = tmp_path / "items.jsonl"
    items.write_text('{"id": "a", "text": "x"}\n')
    (tmp_path / "shapes.py").write_text("from pydantic import BaseModel\nclass Row(BaseModel):\n    text: str\n")
    result = run_cli(["extract", str(items), "--schema", "shapes:Row", "--prompt", "{text}", "--model",
                      "gemini-2.5-flash", "--output", str(tmp_path / "out.jsonl"), "--no-progress"],
                     {**env, "PYTHONPATH": str(tmp_path)})
    # the script's first answer is plain text, not a Row: the item fails (exit 1), after the warning
    assert result.returncode == 1, result.stderr
    assert "vertex-openai: warning: vertex-openai fake mode:" in result.stderr
    assert "UserWarning" not in result.stderr and ".py:" not in result.stderr


def test_chat_fake_without_a_server_starts_one_for_the_request(tmp_path: Path) -> None:
    result = run_cli(["chat", "--fake", "hi"], clean_env(tmp_path))
    assert (result.returncode, result.stdout) == (0, "You said: hi\n"), result.stderr
    assert "started a loopback fake for this request" in result.stderr


def test_chat_refuses_a_non_loopback_fake_url_with_exit_2(tmp_path: Path) -> None:
    env = clean_env(tmp_path, **{FAKE_BASE_URL_ENV: "http://vertex.example.com/v1", FAKE_TOKEN_ENV: TOKEN})
    result = run_cli(["chat", "--fake", "hi"], env)
    assert result.returncode == 2
    assert f"{FAKE_BASE_URL_ENV}='http://vertex.example.com/v1' does not point at this machine" in result.stderr
    assert TOKEN not in result.stderr + result.stdout


def test_chat_fake_and_base_url_do_not_go_together(tmp_path: Path, fake: FakeVertex) -> None:
    result = run_cli(["chat", "--fake", "--base-url", fake.base_url, "hi"], clean_env(tmp_path))
    assert result.returncode == 2 and "--fake and --base-url" in result.stderr
    assert fake.requests == []


def test_serve_rejects_a_bad_script_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[{")
    result = subprocess.run([sys.executable, "-m", "vertex_openai.testing", "serve", "--script", str(bad)],
                            capture_output=True, text=True, timeout=30, env={**os.environ})
    assert result.returncode == 2 and f"--script {bad}: not valid JSON" in result.stderr
