"""`vertex-openai extract` against the loopback fake: exit 0/1/2, one line per item, one-line input errors."""

from __future__ import annotations

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
from vertex_openai.testing import FakeBatch, FakeVertex, Fault, google_error_body

SCHEMA = '''
from pydantic import BaseModel

class Ticket(BaseModel):
    category: str
    urgent: bool
'''


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
            handle.write(json.dumps({"ticket": f"T{n}", "body": f"printer {n} is on fire"}) + "\n")
    (tmp_path / "prompt.txt").write_text("Classify this ticket:\n{body}", encoding="utf-8")
    return tmp_path


def _args(work: Path, fake: FakeVertex, *extra: str) -> list[str]:
    return ["extract", str(work / "tickets.jsonl"), "--schema", f"{work / 'rows.py'}:Ticket",
            "--prompt", f"@{work / 'prompt.txt'}", "--output", str(work / "out.jsonl"), "--id-field", "ticket",
            "--base-url", fake.base_url, *extra]


def test_extract_writes_every_row_and_exits_0(fake: FakeVertex, env: dict[str, str], work: Path,
                                                tokens: TokenEndpoint) -> None:
    result = run_cli(_args(work, fake, "--prices", "0.30,2.50"), env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    lines = [json.loads(line) for line in (work / "out.jsonl").read_text().splitlines()]
    assert sorted(line["id"] for line in lines) == [f"T{n}" for n in range(6)]
    assert all(line["ok"] and set(line["result"]) == {"category", "urgent"} for line in lines)
    assert "6 succeeded, 0 failed" in result.stderr and "estimated cost: $" in result.stderr
    assert "\r" not in result.stderr  # not a terminal: no redraws
    assert tokens.token not in result.stderr
    sent = fake.chat_requests[0].json
    assert sent["model"] == "google/gemini-2.5-flash"
    assert sent["messages"][0]["content"].startswith("Classify this ticket:\nprinter")


def test_some_failed_exits_1_with_a_summary(fake: FakeVertex, env: dict[str, str], work: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    fake.fail_next(Fault(status=400, body=google_error_body(400, "INVALID_ARGUMENT", "Bad ticket.")))
    result = run_in_process(_args(work, fake, "--concurrency", "1"), env, monkeypatch, capsys)
    assert result.returncode == 1
    assert "5 succeeded, 1 failed" in result.stderr and '"ok": false' in result.stderr
    again = run_in_process(_args(work, fake), env, monkeypatch, capsys)
    assert again.returncode == 0 and "6 already done" in again.stderr  # exactly once: the failure stays recorded


@pytest.mark.parametrize(("change", "message"), [
    (("--schema", "nowhere_module_xyz:Ticket"), "--schema 'nowhere_module_xyz:Ticket': importing nowhere_module_xyz"),
    (("--schema", "Ticket"), "write MODULE:MODEL"),
    (("--prompt", "Classify {missing}"), "has no field 'missing', which the prompt template uses"),
    (("--prompt", "@/nonexistent/prompt.txt"), "cannot read /nonexistent/prompt.txt"),
    (("--id-field", "nope"), "no 'nope' field to use as the item id"),
    (("--prices", "cheap"), "write two numbers"),
])
def test_bad_input_is_one_line_and_exit_2(fake: FakeVertex, env: dict[str, str], work: Path,
                                          monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                          change: tuple[str, str], message: str) -> None:
    args = _args(work, fake)
    flag, value = change
    if flag in args:
        args[args.index(flag) + 1] = value
    else:
        args += [flag, value]
    result = run_in_process(args, env, monkeypatch, capsys)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert fake.chat_requests == []


def test_duplicate_ids_exit_2(fake: FakeVertex, env: dict[str, str], work: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    with (work / "tickets.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"ticket": "T2", "body": "again"}) + "\n")
    result = run_in_process(_args(work, fake), env, monkeypatch, capsys)
    assert result.returncode == 2 and "duplicate id 'T2'" in result.stderr and "tickets.jsonl:7" in result.stderr


def test_csv_input(fake: FakeVertex, env: dict[str, str], work: Path, monkeypatch: pytest.MonkeyPatch,
                   capsys: pytest.CaptureFixture[str]) -> None:
    (work / "t.csv").write_text("id,body\n1,hello\n2,world\n", encoding="utf-8")
    args = ["extract", str(work / "t.csv"), "--schema", f"{work / 'rows.py'}:Ticket", "--prompt", "{body}",
            "--output", str(work / "csv.jsonl"), "--base-url", fake.base_url, "--limit", "1"]
    result = run_in_process(args, env, monkeypatch, capsys)
    assert result.returncode == 0, result.stderr
    assert len((work / "csv.jsonl").read_text().splitlines()) == 1


def test_batch_engine_from_the_command_line(env: dict[str, str], work: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str], tokens: TokenEndpoint) -> None:
    with FakeBatch(shuffle=True) as batch:
        tokens.fake.accept_token(tokens.token)
        args = ["extract", str(work / "tickets.jsonl"), "--schema", f"{work / 'rows.py'}:Ticket",
                "--prompt", "{body}", "--output", str(work / "batch.jsonl"), "--id-field", "ticket",
                "--base-url", batch.base_url, "--engine", "batch", "--project", "fake-project",
                "--gcs", "gs://fake-bucket/cli", "--poll-interval", "0.01"]
        result = run_in_process(args, env, monkeypatch, capsys)
        assert result.returncode == 0, result.stderr
        assert "6 succeeded, 0 failed" in result.stderr
        assert {call.token for call in batch.calls} == {tokens.token}
        assert tokens.token not in result.stderr
        no_bucket = run_in_process([*args[:-4], "--gcs", "gs://no-such-bucket/x", "--output", str(work / "b3.jsonl")],
                                   env, monkeypatch, capsys)
        assert no_bucket.returncode == 1 and "stopped:" in no_bucket.stderr and "Traceback" not in no_bucket.stderr
        assert "service agent" in no_bucket.stderr
        missing_gcs = run_in_process([*args[:-4], "--output", str(work / "b2.jsonl")], env, monkeypatch, capsys)
        assert missing_gcs.returncode == 2 and "needs gcs=" in missing_gcs.stderr
    lines = [json.loads(line) for line in (work / "batch.jsonl").read_text().splitlines()]
    assert sorted(line["id"] for line in lines) == [f"T{n}" for n in range(6)]
