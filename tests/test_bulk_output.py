"""The output file: torn-line repair, the lock, and resume after SIGKILL at random moments."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from vertex_openai.bulk import OutputLockedError
from vertex_openai.bulk._output import ResultWriter
from vertex_openai.testing import FakeVertex, QuotaFakeVertex


def test_torn_last_line_is_cut_and_the_rest_kept(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text('{"id":"a","ok":true}\n{"id":"b","ok":false}\n{"id":"c","ok":tr', encoding="utf-8")
    with ResultWriter(out) as writer:
        assert writer.repaired_bytes == len('{"id":"c","ok":tr')
        assert "a" in writer.done and "b" in writer.done and "c" not in writer.done
        assert (writer.done.ok, writer.done.failed) == (1, 1)
        writer.write({"id": "c", "ok": True})
        writer.write({"id": "a", "ok": True})  # already done: not written twice
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["a", "b", "c"]


def test_a_file_of_one_torn_line_becomes_empty(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_bytes(b'{"id": "x", "ok": tr')
    with ResultWriter(out) as writer:
        assert writer.repaired_bytes == 20 and len(writer.done) == 0
    assert out.read_bytes() == b""


def test_garbage_in_the_middle_is_reported_not_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text('{"id":"a","ok":true}\nnot json\n{"id":"b","ok":true}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"out.jsonl:2: not a JSON line"):
        ResultWriter(out)
    assert out.read_text().count("\n") == 3


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with ResultWriter(out), pytest.raises(OutputLockedError, match="another run is writing"):
        ResultWriter(out)
    with ResultWriter(out):  # released on close
        pass


def test_the_lock_of_a_killed_process_is_free(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    code = (f"from vertex_openai.bulk._output import ResultWriter; w = ResultWriter({str(out)!r}); "
            "print('held', flush=True); input()")
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        with pytest.raises(OutputLockedError):
            ResultWriter(out)
    finally:
        child.kill()
        child.wait()
    with ResultWriter(out):
        pass


_RUNNER = textwrap.dedent("""
    import sys
    from pydantic import BaseModel
    from vertex_openai import AsyncOpenAI
    from vertex_openai.bulk import extract
    from vertex_openai.testing import FakeCredentials

    class Row(BaseModel):
        name: str
        n: int

    base_url, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    client = AsyncOpenAI(project="fake-project", location="global", base_url=base_url,
                         credentials=FakeCredentials())
    items = [{"id": f"row-{i}", "text": f"item {i}"} for i in range(count)]
    extract(client, items, prompt="{text}", response_format=Row, model="google/gemini-2.5-flash", output=out,
            concurrency=8, progress=False, fsync_interval=0.05)
""")


def _line_count(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


@pytest.mark.once  # a stress run of many processes: `make test` runs it, the other jobs skip it
def test_sigkill_at_random_moments_then_resume_gives_every_id_exactly_once(tmp_path: Path) -> None:
    count, out, errors = 150, tmp_path / "out.jsonl", tmp_path / "stderr.txt"
    rng = random.Random(1234)
    kills = 0
    with QuotaFakeVertex(latency=0.02, require_auth=False, keep_requests=False) as fake:
        for _ in range(60):
            before = _line_count(out)
            kill_after = before + rng.randint(1, 40)  # a random point in the run: after this many lines
            with errors.open("wb") as stderr:
                child = subprocess.Popen([sys.executable, "-c", _RUNNER, fake.base_url, str(out), str(count)],
                                         stdout=subprocess.DEVNULL, stderr=stderr)
                deadline = time.monotonic() + 60
                while child.poll() is None and _line_count(out) < kill_after and time.monotonic() < deadline:
                    time.sleep(rng.uniform(0.0, 0.01))
                if child.poll() is None:
                    child.send_signal(signal.SIGKILL)
                    child.wait()
                    kills += 1
                    continue
            assert child.returncode == 0, errors.read_text()
            break
        else:
            pytest.fail("the run never finished")
    lines = out.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]  # every line is whole JSON
    ids = [r["id"] for r in records]
    assert sorted(ids) == sorted(f"row-{i}" for i in range(count))
    assert len(ids) == len(set(ids))
    assert all(r["ok"] for r in records)
    assert kills >= 3, "the test must kill the run several times"
    assert fake.admitted >= count  # at-least-once calls: killed in-flight items are asked again


def test_many_threads_of_ids_stay_unique_under_rewrite(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with ResultWriter(out, fsync_interval=0) as writer:
        for n in range(200):
            writer.write({"id": str(n % 150), "ok": True, "n": n})
    assert len(out.read_text().splitlines()) == 150
    start = time.monotonic()
    with ResultWriter(out) as writer:
        assert len(writer.done) == 150
    assert time.monotonic() - start < 5


def test_fake_vertex_is_used_for_loopback_only() -> None:
    with FakeVertex() as fake:
        assert fake.base_url.startswith("http://127.0.0.1:")
