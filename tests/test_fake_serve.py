"""The fake as others use it: `serve --script` checks every value when the file loads, `serve --latency` delays
answers, a client that hangs up is not a traceback, and `accept_token` is documented public API."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vertex_openai import vertex_openai_client
from vertex_openai.testing import FakeVertex, Fault, load_script
from vertex_openai.testing._serve import serve


@pytest.mark.parametrize(("data", "where", "message"), [
    ([{"fault": {"status": "abc"}}], "step 1", "status must be a whole number from 100 to 599"),
    ([{"fault": {"status": 99999}}], "step 1", "status must be a whole number from 100 to 599"),
    ([{"fault": {"status": True}}], "step 1", "status must be a whole number"),
    ([{"reply": {}}, {"fault": {"delay": -1}}], "step 2", "delay must be a number of seconds, 0 or more"),
    ([{"fault": {"body_delay": "soon"}}], "step 1", "body_delay must be a number of seconds"),
    ([{"reply": {"content": 123}}], "step 1", "content must be a string or null"),
    ([{"fault": {"headers": "x"}}], "step 1", "headers must be an object of strings"),
    ([{"fault": {"headers": {"Retry-After": 1}}}], "step 1", "headers must be an object of strings"),
    ([{"fault": {"headers": {"X-Bad": "a\r\nInjected: 1"}}}], "step 1", "headers"),
    ([{"fault": {"chunks": -2}}], "step 1", "chunks must be a whole number"),
    ([{"reply": {"tool_calls": "call it"}}], "step 1", "tool_calls must be a list of objects"),
    ([{"reply": {"finish_reason": 5}}], "step 1", "finish_reason must be a string or null"),
    ([{"reply": {"raw_chunks": [1]}}], "step 1", "raw_chunks must be a list of objects"),
    ([{"fault": {"status": 404, "error": {"status": 4, "message": "x"}}}], "step 1", '"error"'),
])
def test_script_values_are_checked_on_load(tmp_path: Path, data: object, where: str, message: str) -> None:
    path = tmp_path / "script.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError) as caught:
        load_script(path)
    text = str(caught.value)
    assert str(path) in text and where in text and message in text, text


def _serve_exit(tmp_path: Path, content: bytes) -> tuple[int, str]:
    path = tmp_path / "script.json"
    path.write_bytes(content)
    done = subprocess.run([sys.executable, "-m", "vertex_openai.testing", "serve", "--script", str(path)],
                          capture_output=True, text=True, timeout=60, env={**os.environ})
    return done.returncode, done.stderr


@pytest.mark.parametrize(("content", "message"), [
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b'[{"reply": {"content": "caf\xe9"}}]', "not UTF-8"),
    (b'[{"fault": {"status": "abc"}}]', "step 1: status must be"),
    (b'[{"reply": {"content": 123}}]', "step 1: content must be"),
])
def test_serve_exits_2_for_any_bad_script_without_a_traceback(tmp_path: Path, content: bytes, message: str) -> None:
    code, stderr = _serve_exit(tmp_path, content)
    assert code == 2, stderr[-2000:]
    assert "Traceback" not in stderr
    assert str(tmp_path / "script.json") in stderr and message in stderr, stderr[-2000:]
    assert len(stderr.splitlines()) == 1


def test_serve_latency_delays_every_answer(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-m", "vertex_openai.testing", "serve", "--latency", "0.5"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ})
    try:
        assert process.stdout is not None
        exports = {}
        for line in process.stdout:
            if line.startswith("export "):
                name, _, value = line[len("export "):].strip().partition("=")
                exports[name] = value
            if len(exports) == 2:
                break
        url, token = exports["VERTEX_OPENAI_FAKE_BASE_URL"], exports["VERTEX_OPENAI_FAKE_TOKEN"]
        client = vertex_openai_client(base_url=url, credentials=lambda: token, max_retries=0)
        started = time.monotonic()
        reply = client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "x"}])
        assert time.monotonic() - started >= 0.5
        assert reply.choices[0].message.content == "You said: x"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_refuses_a_negative_latency(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        serve(["serve", "--latency", "-1"])
    assert caught.value.code == 2
    assert "--latency" in capsys.readouterr().err


def test_fake_latency_keyword_delays_answers() -> None:
    with FakeVertex(latency=0.3) as fake:
        client = vertex_openai_client("p", base_url=fake.base_url, credentials=fake.credentials(), max_retries=0)
        started = time.monotonic()
        client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "x"}])
        assert time.monotonic() - started >= 0.3


def test_a_client_that_hangs_up_is_not_a_traceback(capfd: pytest.CaptureFixture[str]) -> None:
    with FakeVertex() as fake:
        fake.accept_token("t")
        # Each answer waits, then writes a large body into a connection the client has already reset.
        fake.fail_next(*[Fault(status=200, body="x" * 1_000_000, delay=0.3) for _ in range(3)])
        body = json.dumps({"model": "google/gemini-2.5-flash", "messages": [{"role": "user", "content": "x"}]}).encode()
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", fake.port)) as sock:
                sock.sendall(b"POST " + fake.base_url.split(str(fake.port), 1)[1].encode() + b"/chat/completions "
                             b"HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\n"
                             b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        time.sleep(1.0)  # the handler threads write into the closed connections
        assert len(fake.chat_requests) == 3
    err = capfd.readouterr().err
    assert "Traceback" not in err and "BrokenPipeError" not in err and "ConnectionResetError" not in err, err


def test_accept_token_is_documented() -> None:
    doc = FakeVertex.accept_token.__doc__ or ""
    assert "token" in doc and "lifetime" in doc and "fake mode" in doc
    page = (Path(__file__).resolve().parents[1] / "docs" / "testing.md").read_text(encoding="utf-8")
    assert "accept_token(" in page and "--latency" in page and "latency=" in page
