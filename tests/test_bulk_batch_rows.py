"""Batch output rows are read one by one: a bad row is its own item's failure (or an unreadable row), never the end
of the collection; downloads are split into lines in large chunks, each byte searched once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from vertex_openai import OpenAI
from vertex_openai.bulk import extract
from vertex_openai.bulk._batch_job import DOWNLOAD_CHUNK, BatchApi, split_lines
from vertex_openai.testing import FakeBatch, FakeCredentials

MODEL = "google/gemini-2.5-flash"


class Row(BaseModel):
    text: str
    n: int


def _echo(request: dict[str, Any]) -> str:
    prompt = request["contents"][0]["parts"][0]["text"]
    return json.dumps({"text": prompt, "n": int(prompt.rsplit(" ", 1)[1])})


def _run(fake: FakeBatch, out: Path, count: int = 8) -> Any:
    client = OpenAI(project=fake.project, location=fake.location, base_url=fake.base_url,
                    credentials=FakeCredentials())
    items = [{"id": f"doc-{i}", "body": f"document number {i}"} for i in range(count)]
    return extract(client, items, prompt="Read {body}", response_format=Row, model=MODEL, output=out,
                   engine="batch", gcs="gs://fake-bucket/jobs", poll_interval=0.01, progress=False)


def _corrupt_output(fake: FakeBatch, change: Any) -> None:
    """After the job finishes, rewrite its prediction file's lines through `change(index, line) -> bytes`."""
    original = fake._finish

    def finish(job: Any, *, cancelled: bool) -> None:
        original(job, cancelled=cancelled)
        for key, data in list(fake.objects.items()):
            if "/prediction-model-" in key[1]:
                lines = data.decode().splitlines()
                fake.objects[key] = b"".join(change(i, line) + b"\n" for i, line in enumerate(lines))

    fake._finish = finish  # type: ignore[method-assign]


def _lines(path: Path) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def test_a_row_that_is_not_json_fails_its_item_and_later_rows_are_collected(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with FakeBatch(responder=_echo) as fake:
        def change(index: int, line: str) -> bytes:
            return b"{not json " + line.encode()[:-1] if index == 2 else line.encode()

        _corrupt_output(fake, change)
        summary = _run(fake, out)
    lines = _lines(out)
    assert len(lines) == 8
    assert lines["doc-2"]["ok"] is False and "is not JSON" in lines["doc-2"]["error"]["message"]
    assert all(lines[f"doc-{i}"]["ok"] for i in range(8) if i != 2)
    assert (summary.succeeded, summary.failed, summary.unreadable_rows) == (7, 1, 1)


@pytest.mark.parametrize("bad", [
    lambda row: [row],                                                           # a list row
    lambda row: {**row, "response": {**row["response"], "candidates": "oops"}},  # non-list candidates
    lambda row: {**row, "response": {**row["response"], "candidates": [{"content": {"parts": 7}}]}},
    lambda row: {**row, "response": {**row["response"], "usageMetadata": {"promptTokenCount": "many"}}},
    lambda row: "just a string",
])
def test_odd_row_shapes_are_one_items_failure_not_a_traceback(tmp_path: Path, bad: Any) -> None:
    out = tmp_path / "out.jsonl"
    with FakeBatch(responder=_echo) as fake:
        def change(index: int, line: str) -> bytes:
            return json.dumps(bad(json.loads(line))).encode() if index == 3 else line.encode()

        _corrupt_output(fake, change)
        summary = _run(fake, out)
    lines = _lines(out)
    ok = [key for key, line in lines.items() if line["ok"]]
    assert len(ok) == 7 and "doc-3" not in ok
    assert summary.succeeded == 7 and summary.failed + summary.missing == 1
    if "doc-3" in lines:
        assert lines["doc-3"]["error"]["type"] == "batch_error"


def test_non_object_labels_fall_back_to_the_request_digest(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with FakeBatch(responder=_echo, shuffle=True) as fake:
        def change(index: int, line: str) -> bytes:
            row = json.loads(line)
            return json.dumps({**row, "request": {**row["request"], "labels": ["r0"]}}).encode()

        _corrupt_output(fake, change)
        summary = _run(fake, out)
    assert summary.succeeded == 8
    assert all(line["result"]["n"] == int(key[4:]) for key, line in _lines(out).items())


def test_a_rerun_after_a_bad_row_does_not_stop_at_it(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with FakeBatch(responder=_echo) as fake:
        _corrupt_output(fake, lambda index, line: b"[" if index == 0 else line.encode())
        first = _run(fake, out)
        assert first.succeeded == 7 and first.missing == 1  # the key of "[" cannot be known: sent again
        fake._finish = type(fake)._finish.__get__(fake)  # type: ignore[method-assign]
        again = _run(fake, out)
    assert again.succeeded == 1 and len(_lines(out)) == 8


def test_split_lines_joins_lines_across_chunks_and_drops_cr() -> None:
    chunks = [b"ab", b"c\r\nd", b"", b"ef\n\n", b"g" * 5, b"h\r\n", b"tail"]
    assert list(split_lines(chunks)) == [b"abc", b"def", b"", b"gggggh", b"tail"]


def test_a_long_line_is_searched_once_not_per_chunk() -> None:
    class Counting(bytes):
        finds = 0

        def find(self, *args: Any) -> int:  # type: ignore[override]
            Counting.finds += 1
            return super().find(*args)

    size = 64 * 1024
    chunks = [Counting(b"x" * size) for _ in range(200)] + [Counting(b"\n")]
    (line,) = list(split_lines(chunks))
    assert len(line) == 200 * size
    assert Counting.finds == 202  # one search per chunk (and one more after the newline), whatever the line length


def test_downloads_are_read_in_chunks_of_a_megabyte_or_more(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []

    class Response:
        def iter_content(self, chunk_size: int) -> Any:
            asked.append(chunk_size)
            yield b'{"a": 1}\n{"b":'
            yield b" 2}\n"

        def iter_lines(self, *args: Any, **kwargs: Any) -> Any:
            raise AssertionError("iter_lines reads 512-byte chunks and rescans long lines")

        def close(self) -> None:
            pass

    api = BatchApi(FakeCredentials(), "http://127.0.0.1:9", "http://127.0.0.1:9", "p", "us-central1")
    monkeypatch.setattr(api, "_call", lambda *a, **k: Response())
    assert list(api.download_lines("b", "o")) == [b'{"a": 1}', b'{"b": 2}']
    assert asked == [DOWNLOAD_CHUNK] and DOWNLOAD_CHUNK >= 1 << 20
