"""Text the CLI did not write (server errors, loader values, thoughts) reaches a terminal without control
characters, colour or not; the model's answer on stdout stays byte for byte what the model said.

The hostile strings are constructed: an OSC window-title sequence, a CSI clear-screen, a bell, an 8-bit CSI
(U+009B), a carriage return that would overwrite the line, and a NUL.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from test_cli_support import clean_env, run_cli, run_in_process, token_endpoint, write_service_account_key
from vertex_openai.cli import _output
from vertex_openai.testing import FakeVertex, Fault, Reply, google_error_body

HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x1b[0m\x9b1;1H\rover\x00written\x08\x7f"
CONTROL = [chr(c) for c in range(0x20) if chr(c) not in "\n"] + [chr(c) for c in range(0x7F, 0xA0)]


def assert_no_control(text: str) -> None:
    found = sorted({repr(ch) for ch in text if ch in CONTROL})
    assert not found, f"control characters reached the terminal: {found}"


def test_clean_strips_sequences_and_controls_and_keeps_newlines_tabs_and_unicode() -> None:
    clean = _output.clean
    assert clean(f"a{HOSTILE}b") == "aredoverwrittenb"
    assert clean("line 1\r\nline 2\tü ✓") == "line 1\nline 2\tü ✓"
    assert clean("plain text") == "plain text"


def _env(tmp_path: Path, tokens_url: str, **extra: str) -> dict[str, str]:
    key = write_service_account_key(tmp_path / "key.json", tokens_url)
    return clean_env(tmp_path, GOOGLE_APPLICATION_CREDENTIALS=str(key), NO_COLOR="1", **extra)


def test_chat_error_from_the_server_is_cleaned_even_with_no_color(fake: FakeVertex, tmp_path: Path) -> None:
    fake.fail_next(Fault(status=400, body=google_error_body(400, "INVALID_ARGUMENT", f"bad {HOSTILE} input")))
    with token_endpoint(fake) as tokens:
        result = run_cli(["chat", "hi", "--base-url", fake.base_url], _env(tmp_path, tokens.url))
    assert result.returncode == 1
    assert "INVALID_ARGUMENT: bad redoverwritten input" in result.stderr
    assert_no_control(result.stdout + result.stderr)


def test_the_answer_is_verbatim_but_thoughts_on_stderr_are_cleaned(
    fake: FakeVertex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = "\x1b[1mbold\x1b[0m\tand a bell\x07"
    fake.reply_next(Reply(content=f"<think>deep{HOSTILE}thought</think>{answer}"))
    with token_endpoint(fake) as tokens:
        result = run_in_process(["chat", "hi", "--show-thoughts", "--base-url", fake.base_url],
                                _env(tmp_path, tokens.url), monkeypatch, capsys)
    assert result.returncode == 0, result.stderr
    assert result.stdout == answer + "\n"  # the model's answer: untouched
    assert "deepredoverwrittenthought" in result.stderr
    assert_no_control(result.stderr)


def test_doctor_cleans_loader_values_and_server_errors(
    fake: FakeVertex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.fail_next(Fault(status=403, body=google_error_body(403, "PERMISSION_DENIED", f"denied {HOSTILE}")))
    with token_endpoint(fake) as tokens:
        key = write_service_account_key(tmp_path / "key.json", tokens.url,
                                        email=f"sa{HOSTILE}@fake-project.iam.gserviceaccount.com")
        env = clean_env(tmp_path, GOOGLE_APPLICATION_CREDENTIALS=str(key), NO_COLOR="1")
        result = run_in_process(["doctor", "--live", "--base-url", fake.base_url], env, monkeypatch, capsys)
    assert "identity: saredoverwritten@fake-project.iam.gserviceaccount.com" in result.stdout
    assert "PERMISSION_DENIED: denied redoverwritten" in result.stdout
    assert_no_control(result.stdout + result.stderr)


def test_verbose_log_lines_are_cleaned() -> None:
    from vertex_openai.cli._verbose import _RedactingFormatter

    record = logging.LogRecord("vertex_openai.cli", logging.DEBUG, __file__, 1, "< body: %s", (HOSTILE,), None)
    line = _RedactingFormatter("%(message)s").format(record)
    assert line == "< body: redoverwritten"
