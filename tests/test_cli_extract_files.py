"""`vertex-openai extract` at the edges: untrusted text cleaned on the terminal, file-system trouble as one line
and exit 2, schema modules that are not what they claim, batch in fake mode, and Ctrl-C with a resume hint."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from test_cli_support import (
    TokenEndpoint,
    clean_env,
    command,
    run_cli,
    run_in_process,
    token_endpoint,
    write_service_account_key,
)
from vertex_openai.testing import FakeBatch, FakeVertex, Fault, QuotaFakeVertex, google_error_body

SCHEMA = '''
from pydantic import BaseModel

class Ticket(BaseModel):
    category: str
    urgent: bool
'''
ESCAPES = "\x1b]0;owned\x07\x1b[31mred\x1b[0m\x9b2J"


@pytest.fixture
def tokens(fake: FakeVertex) -> Iterator[TokenEndpoint]:
    with token_endpoint(fake) as endpoint:
        yield endpoint


@pytest.fixture
def env(tmp_path: Path, tokens: TokenEndpoint) -> dict[str, str]:
    key = write_service_account_key(tmp_path / "key.json", tokens.url)
    return clean_env(tmp_path, GOOGLE_APPLICATION_CREDENTIALS=str(key))


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "rows.py").write_text(SCHEMA, encoding="utf-8")
    with (tmp_path / "tickets.jsonl").open("w", encoding="utf-8") as handle:
        for n in range(6):
            handle.write(json.dumps({"id": f"T{n}", "body": f"printer {n} is on fire"}) + "\n")
    return tmp_path


def _args(work: Path, base_url: str, *extra: str, output: str | None = None) -> list[str]:
    return ["extract", str(work / "tickets.jsonl"), "--schema", f"{work / 'rows.py'}:Ticket", "--prompt", "{body}",
            "--output", output or str(work / "out.jsonl"), "--base-url", base_url, "--no-progress", *extra]


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if not line.startswith("vertex-openai: warning:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


# -- untrusted text is cleaned -------------------------------------------------------------------------------
def test_googles_message_after_stopped_is_cleaned(fake: FakeVertex, env: dict[str, str], work: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    fake.fail_next(Fault(status=403, body=google_error_body(403, "PERMISSION_DENIED", f"Denied {ESCAPES} here")))
    result = run_in_process(_args(work, fake.base_url, "--concurrency", "1"), env, monkeypatch, capsys)
    assert result.returncode == 1
    assert "stopped:" in result.stderr and "Denied" in result.stderr and "red" in result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr and "\x9b" not in result.stderr


def test_a_batch_jobs_error_message_is_cleaned(env: dict[str, str], work: Path, tokens: TokenEndpoint,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    with FakeBatch() as batch:
        tokens.fake.accept_token(tokens.token)
        view = batch._view

        def failed_view(job: Any) -> dict[str, Any]:
            shown = view(job)
            if shown["state"] == "JOB_STATE_SUCCEEDED":
                shown.update(state="JOB_STATE_FAILED", error={"code": 13, "message": f"Internal {ESCAPES} error"})
            return shown

        monkeypatch.setattr(batch, "_view", failed_view)
        result = run_in_process(_args(work, batch.base_url, "--engine", "batch", "--gcs", "gs://fake-bucket/x",
                                      "--poll-interval", "0.01", "--project", "fake-project"), env, monkeypatch, capsys)
    assert "ended JOB_STATE_FAILED: Internal" in result.stderr and "red" in result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr and "\x9b" not in result.stderr


# -- file-system trouble: one line, exit 2 -------------------------------------------------------------------
def test_output_that_is_a_directory(fake: FakeVertex, env: dict[str, str], work: Path,
                                    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_in_process(_args(work, fake.base_url, output=str(work)), env, monkeypatch, capsys)
    assert result.returncode == 2 and "is a directory" in _one_line(result.stderr)


def test_output_that_is_dev_null(fake: FakeVertex, env: dict[str, str], work: Path,
                                 monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_in_process(_args(work, fake.base_url, output="/dev/null"), env, monkeypatch, capsys)
    assert result.returncode == 2 and "not a regular file" in _one_line(result.stderr)
    assert fake.chat_requests == []


def test_output_through_a_dangling_link_into_a_missing_folder(fake: FakeVertex, env: dict[str, str], work: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    link = work / "out.jsonl"
    link.symlink_to(work / "no-such-dir" / "out.jsonl")
    result = run_in_process(_args(work, fake.base_url, output=str(link)), env, monkeypatch, capsys)
    assert result.returncode == 2 and "No such file or directory" in _one_line(result.stderr)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_output_in_a_read_only_folder(fake: FakeVertex, env: dict[str, str], work: Path,
                                      monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    locked = work / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = run_in_process(_args(work, fake.base_url, output=str(locked / "out.jsonl")), env, monkeypatch,
                                capsys)
    finally:
        locked.chmod(0o700)
    assert result.returncode == 2 and "Permission denied" in _one_line(result.stderr)


def test_an_unwritable_output_is_one_line(fake: FakeVertex, env: dict[str, str], work: Path,
                                         monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """As the read-only folder above, for runs as root (which may write anywhere): the open itself is refused."""
    real_open = os.open

    def refuse(path: Any, flags: int, *args: Any) -> int:
        if str(path).endswith("out.jsonl"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr("vertex_openai.bulk._output.os.open", refuse)
    result = run_in_process(_args(work, fake.base_url), env, monkeypatch, capsys)
    line = _one_line(result.stderr)
    assert result.returncode == 2 and line.endswith("file error: " + str(work / "out.jsonl") + ": Permission denied")


def test_output_to_dev_stdout_in_a_pipe_neither_hangs_nor_makes_a_lock_file(fake: FakeVertex, env: dict[str, str],
                                                                            work: Path) -> None:
    existed = Path("/dev/stdout.lock").exists()
    result = run_cli(_args(work, fake.base_url, output="/dev/stdout"), env, timeout=60)
    assert result.returncode == 2 and "not a regular file" in _one_line(result.stderr)
    assert Path("/dev/stdout.lock").exists() == existed
    assert fake.chat_requests == []


def test_a_full_disk_is_one_line(fake: FakeVertex, env: dict[str, str], work: Path) -> None:
    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))

    big = work / "tickets.jsonl"
    big.write_text("".join(json.dumps({"id": f"T{n}", "body": f"printer {n}"}) + "\n" for n in range(60)),
                   encoding="utf-8")
    result = subprocess.run([*command(), *_args(work, fake.base_url)], env=env, capture_output=True, text=True,
                            timeout=120, preexec_fn=small_files, check=False)
    assert result.returncode == 2, result.stderr
    line = _one_line(result.stderr)
    assert "File too large" in line and "file-size limit" in line and "run the same command" in line


def test_a_pipe_as_input_is_named(fake: FakeVertex, env: dict[str, str], work: Path,
                                  monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = work / "pipe.jsonl"
    os.mkfifo(fifo)
    args = _args(work, fake.base_url)
    args[1] = str(fifo)
    result = run_in_process(args, env, monkeypatch, capsys)
    assert result.returncode == 2 and "is a pipe, not a file" in _one_line(result.stderr)


# -- schema modules --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("source", "attr", "message"), [
    (None, "pydantic:BaseModel", "is pydantic's own class"),
    ("class Fake:\n    @classmethod\n    def model_json_schema(cls):\n        return {}\n", "Fake",
     "not a pydantic model class"),
    ("from pydantic import BaseModel\nclass Odd(BaseModel):\n    x: object = object()\n"
     "    @classmethod\n    def model_json_schema(cls, *a, **k):\n        raise TypeError('no schema')\n", "Odd",
     "the JSON schema of Odd cannot be built: TypeError: no schema"),
    ("Ticket = 42\n", "Ticket", "is a int, not a pydantic model class"),
])
def test_schemas_that_are_not_row_models_are_refused(fake: FakeVertex, env: dict[str, str], work: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str], source: str | None,
                                                     attr: str, message: str) -> None:
    args = _args(work, fake.base_url)
    if source is None:
        args[args.index("--schema") + 1] = attr
    else:
        (work / "odd_schema.py").write_text(source, encoding="utf-8")
        args[args.index("--schema") + 1] = f"{work / 'odd_schema.py'}:{attr}"
    result = run_in_process(args, env, monkeypatch, capsys)
    assert result.returncode == 2 and message in _one_line(result.stderr)
    assert fake.chat_requests == []


def test_a_schema_module_that_exits_0_is_an_error(fake: FakeVertex, env: dict[str, str], work: Path) -> None:
    (work / "script_schema.py").write_text("import sys\nsys.exit(0)\n", encoding="utf-8")
    args = _args(work, fake.base_url)
    args[args.index("--schema") + 1] = f"{work / 'script_schema.py'}:Ticket"
    result = run_cli(args, env)
    assert result.returncode == 2 and "called sys.exit(0)" in _one_line(result.stderr)


# -- batch in fake mode ------------------------------------------------------------------------------------------
def test_batch_in_fake_mode_needs_a_project_not_projects_none(work: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    with FakeBatch() as batch:
        env = clean_env(tmp_path, VERTEX_OPENAI_FAKE_BASE_URL=batch.base_url, VERTEX_OPENAI_FAKE_TOKEN="fake-token")
        args = ["extract", str(work / "tickets.jsonl"), "--schema", f"{work / 'rows.py'}:Ticket", "--prompt",
                "{body}", "--output", str(work / "out.jsonl"), "--no-progress", "--engine", "batch",
                "--gcs", "gs://fake-bucket/x", "--poll-interval", "0.01"]
        result = run_in_process(args, env, monkeypatch, capsys)
        assert result.returncode == 2 and "needs a Google Cloud project" in _one_line(result.stderr)
        assert not any("None" in call.path for call in batch.calls)
        named = run_in_process([*args, "--project", "fake-project"], env, monkeypatch, capsys)
        assert named.returncode == 0, named.stderr
        assert next(iter(batch.jobs)).startswith("projects/fake-project/")


def test_resume_job_empty_is_refused(env: dict[str, str], work: Path, tokens: TokenEndpoint,
                                     monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeBatch() as batch:
        result = run_in_process(_args(work, batch.base_url, "--engine", "batch", "--gcs", "gs://fake-bucket/x",
                                      "--resume-job", "", "--project", "fake-project"), env, monkeypatch, capsys)
        assert result.returncode == 2 and "not a batch prediction job name" in _one_line(result.stderr)
        assert batch.jobs == {}


# -- Ctrl-C ------------------------------------------------------------------------------------------------------
def test_ctrl_c_says_how_many_were_written_and_how_to_resume(work: Path, tmp_path: Path) -> None:
    items = work / "tickets.jsonl"
    items.write_text("".join(json.dumps({"id": f"T{n}", "body": f"printer {n}"}) + "\n" for n in range(400)),
                     encoding="utf-8")
    out = work / "out.jsonl"
    out.write_text("", encoding="utf-8")
    with QuotaFakeVertex(latency=0.05, require_auth=False, keep_requests=False) as fake:
        env = clean_env(tmp_path, VERTEX_OPENAI_FAKE_BASE_URL=fake.base_url, VERTEX_OPENAI_FAKE_TOKEN="fake-token")
        args = ["extract", str(items), "--schema", f"{work / 'rows.py'}:Ticket", "--prompt", "{body}",
                "--output", str(out), "--no-progress", "--concurrency", "2"]
        child = subprocess.Popen([*command(), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        deadline = time.monotonic() + 60
        while out.read_bytes().count(b"\n") < 3 and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.02)
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate(timeout=60)
    written = out.read_bytes().count(b"\n")
    assert child.returncode == 130, stderr
    line = _one_line(stderr)
    assert line == (f"vertex-openai extract: interrupted: {written} written ({written} in {out} in all), "
                    "run the same command to resume")
    assert 3 <= written < 400
