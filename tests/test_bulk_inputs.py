"""Input files as people have them: BOMs, short CSV rows, wrong encodings (named by file and line), pipes, and
folders whose links point out of the folder."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from vertex_openai import AsyncOpenAI
from vertex_openai.bulk import BulkInputError, extract
from vertex_openai.bulk._items import iter_items
from vertex_openai.testing import FakeVertex

MODEL = "google/gemini-2.5-flash"


class Doc(BaseModel):
    title: str


def _ids(source: Any, **options: Any) -> list[str]:
    return [item.id for item in iter_items(source, **options)]


def test_a_csv_with_a_byte_order_mark_has_its_id_column(tmp_path: Path) -> None:
    data = tmp_path / "excel.csv"
    data.write_bytes("id,text\r\n1,caf\u00e9\r\n2,b\r\n".encode("utf-8-sig"))
    items = list(iter_items(data))
    assert [item.id for item in items] == ["1", "2"]
    assert items[0].fields == {"id": "1", "text": "caf\u00e9"}


def test_a_jsonl_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    data = tmp_path / "bom.jsonl"
    data.write_bytes(b"\xef\xbb\xbf" + b'{"id": "a"}\n{"id": "b"}\n')
    assert _ids(data) == ["a", "b"]


def test_a_short_csv_row_is_refused_with_its_line(tmp_path: Path) -> None:
    data = tmp_path / "short.csv"
    data.write_text("id,text\n1,hello\n2\n3,bye\n", encoding="utf-8")
    with pytest.raises(BulkInputError, match=r"short\.csv:3: the row has 1 field\(s\), fewer than the header's 2"):
        _ids(data)


def test_a_long_csv_row_is_refused_too(tmp_path: Path) -> None:
    data = tmp_path / "long.csv"
    data.write_text("id,text\n1,hello,extra\n", encoding="utf-8")
    with pytest.raises(BulkInputError, match=r"long\.csv:2: the row has 3 field\(s\), more than"):
        _ids(data)


def test_a_quoted_csv_field_over_two_lines_keeps_the_line_count(tmp_path: Path) -> None:
    data = tmp_path / "multi.csv"
    data.write_text('id,text\n1,"two\nlines"\n2\n', encoding="utf-8")
    with pytest.raises(BulkInputError, match=r"multi\.csv:4:"):
        _ids(data)


def test_a_short_csv_row_never_reaches_the_model(fake: FakeVertex, tmp_path: Path) -> None:
    data = tmp_path / "short.csv"
    data.write_text("id,text\n1,hello\n2\n", encoding="utf-8")
    client = AsyncOpenAI(project=fake.project, location=fake.location, base_url=fake.base_url,
                         credentials=fake.credentials())
    with pytest.raises(BulkInputError, match=r"short\.csv:3"):
        extract(client, data, prompt="Extract {text}", response_format=Doc, model=MODEL,
                output=tmp_path / "out.jsonl", progress=False)
    assert fake.chat_requests == []


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_utf16_is_named_with_the_fix(tmp_path: Path, suffix: str) -> None:
    data = tmp_path / f"wide{suffix}"
    data.write_bytes("id,text\n1,a\n".encode("utf-16"))
    with pytest.raises(BulkInputError, match=rf"wide\{suffix}: the file is UTF-16 text.*save it as UTF-8"):
        _ids(data)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_invalid_utf8_names_file_and_line(tmp_path: Path, suffix: str) -> None:
    data = tmp_path / f"latin{suffix}"
    rows = ["id,text", "1,ok", "2,caf\xe9"] if suffix == ".csv" else [
        json.dumps({"id": "1"}), json.dumps({"id": "2"}), '{"id": "3", "text": "caf\xe9"}']
    data.write_bytes("\n".join(rows).encode("latin-1") + b"\n")
    with pytest.raises(BulkInputError, match=rf"latin\{suffix}:3: not UTF-8 text \(byte 0xe9 at column"):
        _ids(data)


def test_a_pipe_as_input_is_named_as_a_pipe(tmp_path: Path) -> None:
    fifo = tmp_path / "items.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(BulkInputError, match=r"items\.jsonl: is a pipe, not a file"):
        _ids(fifo)


def test_a_dangling_link_as_input_says_so(tmp_path: Path) -> None:
    link = tmp_path / "items.jsonl"
    link.symlink_to(tmp_path / "gone.jsonl")
    with pytest.raises(BulkInputError, match=r"no such file or folder \(a link whose target does not exist\)"):
        _ids(link)


def test_a_folder_link_out_of_the_folder_is_refused_unless_asked(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the model", encoding="utf-8")
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "a.txt").write_text("a", encoding="utf-8")
    (docs / "sub" / "b.txt").write_text("b", encoding="utf-8")
    (docs / "inner-link.txt").symlink_to(docs / "a.txt")
    (docs / "sub" / "leak.txt").symlink_to(secret)
    with pytest.raises(BulkInputError, match=r"leak\.txt: a link to .*secret\.txt, outside the input folder"):
        _ids(docs)
    assert _ids(docs, follow_links=True) == ["a.txt", "inner-link.txt", "sub/b.txt", "sub/leak.txt"]


def test_a_folder_link_inside_the_folder_is_kept(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("a", encoding="utf-8")
    (docs / "b.txt").symlink_to("a.txt")
    (docs / ".hidden").write_text("h", encoding="utf-8")
    assert _ids(docs) == ["a.txt", "b.txt"]


def test_a_folder_with_a_link_out_sends_nothing(fake: FakeVertex, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("a", encoding="utf-8")
    (docs / "hostname.txt").symlink_to("/etc/hostname")
    client = AsyncOpenAI(project=fake.project, location=fake.location, base_url=fake.base_url,
                         credentials=fake.credentials())
    with pytest.raises(BulkInputError, match="outside the input folder"):
        extract(client, docs, prompt="Title of {name}", response_format=Doc, model=MODEL,
                output=tmp_path / "out.jsonl", progress=False)
    assert fake.chat_requests == []
