"""`vertex-openai chat` exit codes as documented: 0 answered, 1 the request failed, 2 bad input.

Bad --project / --location / --base-url (or the environment variable behind them) is bad input: 2, with the
message, and no request is sent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from test_cli_support import clean_env, run_in_process
from vertex_openai.testing import FakeVertex, Fault, google_error_body


@pytest.mark.parametrize(("args", "words"), [
    (["--project", "my proj"], "project"),
    (["--project", "my-project", "--location", "not a location!"], "location"),
    (["--base-url", "http://vertex.example.com/v1"], "plain http to a non-loopback host"),
    (["--base-url", "ftp://127.0.0.1/v1"], "base_url"),
])
def test_bad_input_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    result = run_in_process(["chat", "hi", *args], clean_env(tmp_path), monkeypatch, capsys)
    assert result.returncode == 2, result.stderr
    assert words in result.stderr
    assert result.stdout == ""


def test_a_failed_request_exits_1_and_an_answer_0(
    tmp_path: Path, fake: FakeVertex, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env = clean_env(tmp_path)
    fake.fail_next(Fault(status=403, body=google_error_body(403, "PERMISSION_DENIED", "Permission denied.")))
    failed = run_in_process(["chat", "hi", "--fake"], env, monkeypatch, capsys)
    assert failed.returncode == 0  # --fake without a served fake starts its own: this one answers
    token = "t-exit-codes"
    fake.accept_token(token)
    env.update(VERTEX_OPENAI_FAKE_BASE_URL=fake.base_url, VERTEX_OPENAI_FAKE_TOKEN=token)
    failed = run_in_process(["chat", "hi"], env, monkeypatch, capsys)
    assert failed.returncode == 1 and "PERMISSION_DENIED" in failed.stderr
    answered = run_in_process(["chat", "hi"], env, monkeypatch, capsys)
    assert (answered.returncode, answered.stdout) == (0, "You said: hi\n")
