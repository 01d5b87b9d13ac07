"""What a user sees: colours and marks in a real pseudo-terminal, plain text in a pipe, help, version, demo."""

from __future__ import annotations

import io
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_cli_support import clean_env, command, run_in_process

pty = pytest.importorskip("pty", reason="pseudo-terminals are POSIX only")


def _run_in_pty(args: list[str], env: dict[str, str], timeout: float = 30) -> tuple[int, str]:
    """Run the command with stdin/stdout/stderr on a fresh pseudo-terminal, as in an interactive shell."""
    master, slave = pty.openpty()
    process = subprocess.Popen([*command(), *args], stdin=slave, stdout=slave, stderr=slave, env=env,
                               close_fds=True)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    return code, b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(not sys.platform.startswith(("linux", "darwin")), reason="needs a POSIX pty")
def test_doctor_in_a_real_terminal_has_coloured_marks(tmp_path: Path) -> None:
    env = clean_env(tmp_path, GOOGLE_CLOUD_PROJECT="my-project", TERM="xterm-256color")

    code, screen = _run_in_pty(["doctor"], env)
    assert code == 1
    assert "\x1b[31m✗\x1b[0m \x1b[1mcredentials\x1b[0m: no Google credentials found" in screen
    assert "\x1b[32m✓\x1b[0m \x1b[1mproject\x1b[0m: my-project (from GOOGLE_CLOUD_PROJECT)" in screen
    assert "→ fix: Run `gcloud auth application-default login`" in screen



def test_no_colour_when_piped_or_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    from vertex_openai.cli._output import Style

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert Style(Terminal()).colour and not Style(io.StringIO()).colour
    monkeypatch.setenv("NO_COLOR", "1")
    assert not Style(Terminal()).colour
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not Style(Terminal()).colour
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert Style(io.StringIO()).colour


def test_ascii_marks_when_the_output_cannot_encode_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from vertex_openai.cli._output import Check, Style, render_check

    class Latin1(list[str]):
        encoding = "latin-1"

        def write(self, text: str) -> None:
            self.append(text)

        def flush(self) -> None:
            return

    stream = Latin1()
    render_check(Style(stream, colour=False), Check("fail", "credentials", "none", "log in"))  # type: ignore[arg-type]
    assert "".join(stream) == "[FAIL] credentials: none\n    -> fix: log in\n"


def test_demo_runs_offline_from_anywhere_without_test_dependencies(tmp_path: Path) -> None:
    # From an empty directory, with vcrpy/pytest made unimportable: only the package itself is needed,
    # as from an installed wheel.
    blocked = "import sys; sys.modules.update(vcr=None, pytest=None, pytest_recording=None, jsonschema=None); "
    script = blocked + "from vertex_openai.cli import main; raise SystemExit(main(['demo']))"
    result = subprocess.run([sys.executable, "-c", script], env=clean_env(tmp_path), cwd=tmp_path,
                            capture_output=True, text=True, encoding="utf-8", timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "1. A plain request: your openai code unchanged" in result.stdout
    assert "NotFoundError code='NOT_FOUND'" in result.stdout
    # the scripted error says it is scripted, and its hint fits the client that made the request
    assert "Scripted: a client on\n   us-central1 asks for a Gemini 3 model" in result.stdout
    assert 'Gemini 3 models are served on the global endpoint: use location="global"' in result.stdout
    for step in ("2. Streaming:", "3. Structured output:", "4. A Google error", "5. The async client:"):
        assert step in result.stdout
    assert "Token refreshes for all of the above: 1" in result.stdout


def test_version_and_help(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import openai

    env = clean_env(tmp_path)
    with pytest.raises(SystemExit) as exited:
        run_in_process(["--version"], env, monkeypatch, capsys)
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith(f"vertex-openai 0.1.0 (openai {openai.__version__}, google-auth ")

    for args, expected in ((["--help"], "doctor"), (["doctor", "--help"], "--live"),
                           (["chat", "--help"], "--show-thoughts"), (["demo", "--help"], "loopback fake")):
        with pytest.raises(SystemExit) as exited:
            run_in_process(args, env, monkeypatch, capsys)
        assert exited.value.code == 0
        out = capsys.readouterr().out
        assert expected in out and "usage: vertex-openai" in out

    result = run_in_process([], env, monkeypatch, capsys)
    assert result.returncode == 2 and "usage: vertex-openai" in result.stderr


def test_bad_arguments_say_what_was_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env = clean_env(tmp_path)
    with pytest.raises(SystemExit) as exited:
        run_in_process(["chat", "hi", "--thinking", "lots"], env, monkeypatch, capsys)
    assert exited.value.code == 2
    assert "'lots' is not a whole number of tokens" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_in_process(["doctor", "--timeout", "0"], env, monkeypatch, capsys)
    assert "must be more than 0 seconds" in capsys.readouterr().err


def test_python_dash_m_runs_the_command() -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "vertex_openai", "--version"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and out.stdout.startswith("vertex-openai ")
