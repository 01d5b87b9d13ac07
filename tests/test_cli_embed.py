"""`vertex-openai embed` against the loopback fakes (fake mode): exit codes 0/1/2/130, one line per id, the lock,
progress on a terminal, and exactly-once lines after SIGKILL at random moments."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import random
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any

import pytest

from test_cli_support import clean_env, command, run_cli, run_in_process
from vertex_openai.testing import FakeBatch, QuotaFakeVertex
from vertex_openai.testing._fake_embeddings import fake_vector

MODEL = "text-embedding-005"
TOKEN = "fake-token-for-embed-tests"


def _write_items(path: Path, count: int, *, id_field: str = "id", text_field: str = "text") -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for n in range(count):
            handle.write(json.dumps({id_field: f"c{n}", text_field: f"chunk {n} of the corpus"}) + "\n")
    return path


def _env(tmp_path: Path, base_url: str) -> dict[str, str]:
    return clean_env(tmp_path, VERTEX_OPENAI_FAKE_BASE_URL=base_url, VERTEX_OPENAI_FAKE_TOKEN=TOKEN)


def _batch_args(items: Path, out: Path, *extra: str) -> list[str]:
    return ["embed", str(items), "--model", MODEL, "--output", str(out), "--engine", "batch",
            "--gcs", "gs://fake-bucket/cli", "--poll-interval", "0.01", "--dimensions", "8",
            "--project", "fake-project", *extra]


def _vector(text: str, dimensions: int, task_type: str = "RETRIEVAL_QUERY") -> list[float]:
    """The fake's vector for this text (the same online and in a batch job)."""
    return fake_vector(MODEL, task_type, text, dimensions, 768)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_batch_engine_writes_every_vector_and_exits_0(tmp_path: Path) -> None:
    items = _write_items(tmp_path / "chunks.jsonl", 12, id_field="doc", text_field="body")
    out = tmp_path / "vectors.jsonl"
    fields = ["--id-field", "doc", "--text-field", "body", "--task-type", "RETRIEVAL_DOCUMENT", "--no-progress"]
    with FakeBatch(shuffle=True) as fake:
        result = run_cli(_batch_args(items, out, *fields), _env(tmp_path, fake.base_url))
        assert {call.token for call in fake.calls} == {TOKEN}
        assert result.returncode == 0, result.stderr
        again = run_cli(_batch_args(items, out, *fields), _env(tmp_path, fake.base_url))
        assert len(fake.jobs) == 1  # nothing left to do: no second job
    assert "12 embedded, 0 failed, 0 already done" in result.stderr
    assert sorted(line["id"] for line in _lines(out)) == sorted(f"c{n}" for n in range(12))
    for line in _lines(out):
        n = int(line["id"][1:])
        assert line["embedding"] == _vector(f"chunk {n} of the corpus", 8, "RETRIEVAL_DOCUMENT")
    assert again.returncode == 0, again.stderr
    assert "0 embedded, 0 failed, 12 already done" in again.stderr
    assert len(_lines(out)) == 12


def test_failed_rows_exit_1_with_a_summary(tmp_path: Path) -> None:
    items = _write_items(tmp_path / "chunks.jsonl", 6)
    out = tmp_path / "vectors.jsonl"
    with FakeBatch(errors=2) as fake:
        result = run_cli(_batch_args(items, out, "--no-progress"), _env(tmp_path, fake.base_url))
    assert result.returncode == 1
    assert "4 embedded, 2 failed" in result.stderr and 'with an "error" instead of an "embedding"' in result.stderr
    assert sum("error" in line for line in _lines(out)) == 2 and len(_lines(out)) == 6


@pytest.mark.parametrize(("extra", "message"), [
    (["--task-type", "RETRIEVAL"], "task types: RETRIEVAL_QUERY, RETRIEVAL_DOCUMENT"),
    (["--text-field", "body"], "has no 'body' field"),
    (["--dimensions", "1000"], "at most 768"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str], extra: list[str], message: str) -> None:
    items = _write_items(tmp_path / "chunks.jsonl", 3)
    with FakeBatch() as fake:
        result = run_in_process(_batch_args(items, tmp_path / "out.jsonl", *extra), _env(tmp_path, fake.base_url),
                                monkeypatch, capsys)
        assert not [call for call in fake.calls if call.method == "POST"]
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.startswith("vertex-openai embed:")]) == 1


def test_gcs_without_the_batch_engine_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    items = _write_items(tmp_path / "chunks.jsonl", 3)
    with FakeBatch() as fake:
        result = run_in_process(["embed", str(items), "--model", MODEL, "--output", str(tmp_path / "o.jsonl"),
                                 "--gcs", "gs://fake-bucket/x"], _env(tmp_path, fake.base_url), monkeypatch, capsys)
    assert result.returncode == 2 and "--gcs and --resume-job are for --engine batch" in result.stderr


def test_a_second_run_on_the_same_output_is_refused_by_the_lock(tmp_path: Path) -> None:
    items = _write_items(tmp_path / "chunks.jsonl", 3)
    out = tmp_path / "vectors.jsonl"
    code = (f"from vertex_openai.bulk._output import ResultWriter; w = ResultWriter({str(out)!r}); "
            "print('held', flush=True); input()")
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with FakeBatch() as fake:
            result = run_cli(_batch_args(items, out, "--no-progress"), _env(tmp_path, fake.base_url))
            assert not [call for call in fake.calls if call.method == "POST"]
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 2
    assert "another run is writing" in result.stderr and "choose another --output" in result.stderr


def test_progress_is_drawn_on_a_terminal(tmp_path: Path) -> None:
    items = _write_items(tmp_path / "chunks.jsonl", 30)
    out = tmp_path / "vectors.jsonl"
    with FakeBatch(steps=4) as fake:
        leader, follower = pty.openpty()
        # A terminal of 120 columns: tqdm (which openai 1.x and 2.x install) draws nothing on a 0-column one.
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        try:
            child = subprocess.Popen([*command(), *_batch_args(items, out)], env=_env(tmp_path, fake.base_url),
                                     stdout=subprocess.DEVNULL, stderr=follower, stdin=subprocess.DEVNULL)
            os.close(follower)
            seen = b""
            while True:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
            assert child.wait(timeout=60) == 0
        finally:
            os.close(leader)
    text = seen.decode("utf-8", "replace")
    assert "jobs finished" in text  # the live status of the job(s), redrawn on the terminal
    assert "30 embedded, 0 failed" in text


def _count_lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


@pytest.mark.once  # a stress run of many processes: `make test` runs it, the other jobs skip it
def test_sigkill_at_random_moments_then_resume_gives_every_id_exactly_once(tmp_path: Path) -> None:
    count = 3000
    items = _write_items(tmp_path / "chunks.jsonl", count)
    out, errors = tmp_path / "vectors.jsonl", tmp_path / "stderr.txt"
    rng = random.Random(4321)
    kills = 0
    with FakeBatch(shuffle=True, shards=4) as fake:
        env = _env(tmp_path, fake.base_url)
        for _ in range(40):
            kill_after = _count_lines(out) + rng.randint(200, 1200)  # each start costs seconds on a busy machine
            with errors.open("wb") as stderr:
                child = subprocess.Popen([*command(), *_batch_args(items, out, "--no-progress")], env=env,
                                         stdout=subprocess.DEVNULL, stderr=stderr)
                deadline = time.monotonic() + 60
                while child.poll() is None and _count_lines(out) < kill_after and time.monotonic() < deadline:
                    time.sleep(rng.uniform(0.0, 0.003))
                if child.poll() is None:
                    child.send_signal(signal.SIGKILL)
                    child.wait()
                    kills += 1
                    continue
            assert child.returncode == 0, errors.read_text()
            break
        else:
            pytest.fail("the run never finished")
        jobs = len(fake.jobs)
    records = _lines(out)  # every line is whole JSON
    ids = [record["id"] for record in records]
    assert sorted(ids) == sorted(f"c{n}" for n in range(count)) and len(ids) == len(set(ids))
    assert all(len(record["embedding"]) == 8 for record in records)
    assert kills >= 2, "the test must kill the run several times"
    assert jobs <= kills + 1  # a killed run's job is collected by the next run, at most one new job per run


def _local_args(items: Path, out: Path, *extra: str) -> list[str]:
    return ["embed", str(items), "--model", "gemini-embedding-001", "--output", str(out), "--dimensions", "8",
            "--no-progress", *extra]


@pytest.mark.once  # a stress run of many processes: `make test` runs it, the other jobs skip it
def test_local_engine_sigkill_at_random_moments_then_resume_gives_every_id_exactly_once(tmp_path: Path) -> None:
    count = 300
    items = _write_items(tmp_path / "chunks.jsonl", count)
    out, errors = tmp_path / "vectors.jsonl", tmp_path / "stderr.txt"
    rng = random.Random(2468)
    kills = 0
    with QuotaFakeVertex(latency=0.02, require_auth=False, keep_requests=False) as fake:
        env = _env(tmp_path, fake.base_url)
        for _ in range(40):
            kill_after = _count_lines(out) + rng.randint(20, 120)
            with errors.open("wb") as stderr:
                child = subprocess.Popen([*command(), *_local_args(items, out, "--concurrency", "8")], env=env,
                                         stdout=subprocess.DEVNULL, stderr=stderr)
                deadline = time.monotonic() + 60
                while child.poll() is None and _count_lines(out) < kill_after and time.monotonic() < deadline:
                    time.sleep(rng.uniform(0.0, 0.005))
                if child.poll() is None:
                    child.send_signal(signal.SIGKILL)
                    child.wait()
                    kills += 1
                    continue
            assert child.returncode == 0, errors.read_text()
            break
        else:
            pytest.fail("the run never finished")
        admitted = fake.admitted
    records = _lines(out)
    ids = [record["id"] for record in records]
    assert sorted(ids) == sorted(f"c{n}" for n in range(count)) and len(ids) == len(set(ids))
    for record in records[:20]:
        n = int(record["id"][1:])
        assert record["embedding"] == pytest.approx(fake_vector("gemini-embedding-001", "RETRIEVAL_QUERY",
                                                                f"chunk {n} of the corpus", 8, 3072), abs=1e-7)
    assert kills >= 2, "the test must kill the run several times"
    assert admitted >= count  # at-least-once requests: items in flight at a kill are asked again


def test_ctrl_c_prints_one_line_with_the_count_and_exits_130_then_resumes(tmp_path: Path) -> None:
    items = _write_items(tmp_path / "chunks.jsonl", 200)
    out = tmp_path / "vectors.jsonl"
    with QuotaFakeVertex(latency=0.05, require_auth=False, keep_requests=False) as fake:
        env = _env(tmp_path, fake.base_url)
        child = subprocess.Popen([*command(), *_local_args(items, out, "--concurrency", "2")], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while _count_lines(out) < 10 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate(timeout=60)
        assert child.returncode == 130, stderr
        written = _count_lines(out)
        assert 10 <= written < 200
        assert stderr.strip().splitlines()[-1] == f"interrupted: {written} written, run the same command to resume"
        assert "Traceback" not in stderr
        resumed = run_cli(_local_args(items, out), env)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{200 - written} embedded, 0 failed, {written} already done" in resumed.stderr
    ids = [line["id"] for line in _lines(out)]
    assert len(ids) == len(set(ids)) == 200
