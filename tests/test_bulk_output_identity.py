"""The output file by identity: one lock per file (symlinks and hard links included), only regular files, only
files of our own line shape, never the input itself, and a resume that checks it is the same job."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from vertex_openai import AsyncOpenAI
from vertex_openai.bulk import BulkInputError, OutputLockedError, ResumeMismatchError, extract
from vertex_openai.bulk._output import OutputFileError, ResultWriter
from vertex_openai.testing import FakeVertex

MODEL = "google/gemini-2.5-flash"


class Invoice(BaseModel):
    vendor: str
    total: int


class Receipt(BaseModel):
    shop: str


def _client(fake: FakeVertex) -> Any:
    return AsyncOpenAI(project=fake.project, location=fake.location, base_url=fake.base_url,
                       credentials=fake.credentials())


def _items(n: int) -> list[dict[str, Any]]:
    return [{"id": f"inv-{i}", "text": f"Invoice {i} from ACME, total {i} EUR"} for i in range(n)]


def _extract(fake: FakeVertex, items: Any, out: Path, **options: Any) -> Any:
    options.setdefault("prompt", "Extract the invoice:\n{text}")
    options.setdefault("response_format", Invoice)
    options.setdefault("model", MODEL)
    return extract(_client(fake), items, output=out, progress=False, **options)


# -- one lock per file ---------------------------------------------------------------------------------------
def test_a_symlink_to_the_output_shares_its_lock(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    link = tmp_path / "link.jsonl"
    out.touch()
    link.symlink_to(out)
    with ResultWriter(out), pytest.raises(OutputLockedError, match="another run is writing"):
        ResultWriter(link)


def test_a_hard_link_to_the_output_shares_its_lock(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    other = tmp_path / "sub" / "hard.jsonl"
    other.parent.mkdir()
    out.touch()
    os.link(out, other)
    with ResultWriter(other), pytest.raises(OutputLockedError):
        ResultWriter(out)
    with ResultWriter(out):  # released on close
        pass


def test_no_lock_file_is_left_beside_the_output(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with ResultWriter(out) as writer:
        writer.write({"id": "a", "ok": True, "result": {}})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


# -- only regular files --------------------------------------------------------------------------------------
def test_a_directory_or_device_as_output_is_refused(tmp_path: Path) -> None:
    existed = Path("/dev/null.lock").exists()  # a run of older code may have left one: compare, do not assume
    with pytest.raises(OutputFileError, match="is a directory"):
        ResultWriter(tmp_path)
    with pytest.raises(OutputFileError, match="not a regular file"):
        ResultWriter("/dev/null")
    assert Path("/dev/null.lock").exists() == existed


def test_a_pipe_as_output_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    code = f"from vertex_openai.bulk._output import ResultWriter; ResultWriter({str(fifo)!r})"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert result.returncode != 0 and "not a regular file" in result.stderr
    piped = subprocess.run([sys.executable, "-c", "from vertex_openai.bulk._output import ResultWriter; "
                            "ResultWriter('/dev/stdout')"], capture_output=True, text=True, timeout=30)
    assert piped.returncode != 0 and "not a regular file" in piped.stderr


# -- our own line shape ----------------------------------------------------------------------------------------
def test_a_jsonl_with_ids_that_is_not_an_output_is_refused_and_left_alone(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    text = '{"id": "a", "text": "x"}\n{"id": "b", "text": "y"}\n{"id": "c", "text": "z"}'
    data.write_text(text, encoding="utf-8")
    with pytest.raises(OutputFileError, match=r"data\.jsonl:1: not a result line"):
        ResultWriter(data)
    assert data.read_text(encoding="utf-8") == text  # not even the last line without newline is cut


def test_output_equal_to_input_is_refused(fake: FakeVertex, tmp_path: Path) -> None:
    data = tmp_path / "items.jsonl"
    data.write_text("".join(json.dumps(item) + "\n" for item in _items(5)), encoding="utf-8")
    before = data.read_bytes()
    with pytest.raises(BulkInputError, match="the same file as the input"):
        _extract(fake, data, data)
    os.link(data, tmp_path / "again.jsonl")
    with pytest.raises(BulkInputError, match="the same file as the input"):
        _extract(fake, str(data), tmp_path / "again.jsonl")
    assert data.read_bytes() == before and fake.chat_requests == []


def test_output_inside_a_folder_input_is_refused(fake: FakeVertex, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(BulkInputError, match="inside the input folder"):
        _extract(fake, docs, docs / "out.jsonl", prompt="Read {name}")
    assert fake.chat_requests == []


# -- resume checks it is the same job --------------------------------------------------------------------------
def test_a_resume_with_another_prompt_schema_or_model_is_refused(fake: FakeVertex, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    _extract(fake, _items(3), out)
    sent = len(fake.chat_requests)
    with pytest.raises(ResumeMismatchError, match="prompt"):
        _extract(fake, _items(5), out, prompt="Something else: {text}")
    with pytest.raises(ResumeMismatchError, match="response_format"):
        _extract(fake, _items(5), out, response_format=Receipt)
    with pytest.raises(ResumeMismatchError, match=r"model .*gemini-2\.0-flash"):
        _extract(fake, _items(5), out, model="google/gemini-2.0-flash")
    with pytest.raises(ResumeMismatchError, match="system"):
        _extract(fake, _items(5), out, system="Be brief.")
    assert len(fake.chat_requests) == sent
    summary = _extract(fake, _items(5), out)  # the same job: resumes
    assert (summary.skipped, summary.succeeded) == (3, 2)


def test_allow_mismatch_adds_to_the_output_anyway(fake: FakeVertex, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    _extract(fake, _items(3), out)
    summary = _extract(fake, _items(5), out, prompt="Another: {text}", allow_mismatch=True)
    assert summary.succeeded == 2
    with pytest.raises(ResumeMismatchError):  # the record now names the new prompt, not the first one
        _extract(fake, _items(6), out)


def test_an_output_without_a_record_is_adopted(fake: FakeVertex, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text('{"id":"inv-0","ok":true,"result":{"vendor":"A","total":0}}\n', encoding="utf-8")
    summary = _extract(fake, _items(2), out)
    assert (summary.skipped, summary.succeeded) == (1, 1)
    with pytest.raises(ResumeMismatchError):
        _extract(fake, _items(3), out, model="google/gemini-2.0-flash")
