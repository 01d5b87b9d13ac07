"""The local bulk engine against the loopback fake: one line per id, retries owned by the runner, clear errors."""

from __future__ import annotations

import asyncio
import csv
import json
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from vertex_openai import AsyncOpenAI, OpenAI
from vertex_openai.bulk import BulkAbortedError, BulkInputError, Prices, aextract, extract, read_results
from vertex_openai.testing import FakeVertex, Fault, Reply, google_error_body

MODEL = "google/gemini-2.5-flash"


class Invoice(BaseModel):
    vendor: str
    total: int


def _client(fake: FakeVertex, cls: Any = AsyncOpenAI) -> Any:
    return cls(project=fake.project, location=fake.location, base_url=fake.base_url,
               credentials=fake.credentials())


def _items(n: int) -> list[dict[str, Any]]:
    return [{"id": f"inv-{i}", "text": f"Invoice {i} from ACME, total {i} EUR"} for i in range(n)]


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("cls", [AsyncOpenAI, OpenAI])
def test_every_item_gets_one_validated_line(fake: FakeVertex, tmp_path: Path, cls: Any) -> None:
    out = tmp_path / "out.jsonl"
    summary = extract(_client(fake, cls), _items(25), prompt="Extract the invoice:\n{text}",
                      response_format=Invoice, model=MODEL, output=out, progress=False,
                      prices=Prices(0.30, 2.50))

    lines = _lines(out)
    assert sorted(line["id"] for line in lines) == sorted(f"inv-{i}" for i in range(25))
    assert all(line["ok"] for line in lines)
    for line in lines:
        Invoice.model_validate(line["result"])
        assert line["usage"]["total_tokens"] == line["usage"]["prompt_tokens"] + line["usage"]["completion_tokens"]
    assert (summary.succeeded, summary.failed, summary.skipped, summary.total) == (25, 0, 0, 25)
    assert summary.prompt_tokens == sum(line["usage"]["prompt_tokens"] for line in lines)
    assert summary.cost == pytest.approx((summary.prompt_tokens * 0.30 + summary.completion_tokens * 2.50) / 1e6)
    sent = [r.json for r in fake.chat_requests]
    assert len(sent) == 25
    assert {s["messages"][0]["content"] for s in sent} == {f"Extract the invoice:\n{i['text']}" for i in _items(25)}
    assert all(s["response_format"]["type"] == "json_schema" for s in sent)


def test_rerun_skips_done_ids_and_limit_caps_new_items(fake: FakeVertex, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    first = extract(_client(fake), _items(30), prompt="{text}", response_format=Invoice, model=MODEL,
                    output=out, limit=12, progress=False)
    assert first.succeeded == 12 and len(_lines(out)) == 12
    second = extract(_client(fake), _items(30), prompt="{text}", response_format=Invoice, model=MODEL,
                     output=out, progress=False)
    assert (second.skipped, second.succeeded) == (12, 18)
    ids = [line["id"] for line in _lines(out)]
    assert len(ids) == len(set(ids)) == 30
    assert len(fake.chat_requests) == 30  # nothing was asked twice


def test_duplicate_ids_are_refused_before_any_request(fake: FakeVertex, tmp_path: Path) -> None:
    items = [*_items(3), {"id": "inv-1", "text": "again"}]
    expected = r"item 4 of the input: duplicate id 'inv-1' \(first seen at item 2 of the input\)"
    with pytest.raises(BulkInputError, match=expected):
        extract(_client(fake), items, prompt="{text}", response_format=Invoice, model=MODEL,
                output=tmp_path / "o.jsonl", progress=False)
    assert fake.chat_requests == []


def test_duplicate_ids_in_a_generator_stop_the_run_at_the_duplicate(fake: FakeVertex, tmp_path: Path) -> None:
    items = (item for item in [*_items(3), {"id": "inv-0", "text": "again"}])
    with pytest.raises(BulkInputError, match="duplicate id 'inv-0'"):
        extract(_client(fake), items, prompt="{text}", response_format=Invoice, model=MODEL,
                output=tmp_path / "o.jsonl", progress=False)


def test_template_field_missing_from_an_item_is_refused_up_front(fake: FakeVertex, tmp_path: Path) -> None:
    items = [*_items(2), {"id": "odd", "body": "no text field"}]
    with pytest.raises(BulkInputError, match="item 3 of the input: item 'odd' has no field 'text'"):
        extract(_client(fake), items, prompt="{text}", response_format=Invoice, model=MODEL,
                output=tmp_path / "o.jsonl", progress=False)
    assert fake.chat_requests == []


def test_missing_id_field_names_the_fix(fake: FakeVertex, tmp_path: Path) -> None:
    with pytest.raises(BulkInputError, match=r"no 'id' field .*--id-field"):
        extract(_client(fake), [{"key": 1, "text": "x"}], prompt="{text}", response_format=Invoice, model=MODEL,
                output=tmp_path / "o.jsonl", progress=False)


def test_bad_request_is_recorded_once_and_not_retried(fake: FakeVertex, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    fake.fail_next(Fault(status=400, body=google_error_body(400, "INVALID_ARGUMENT", "Unable to process input image.")))
    summary = extract(_client(fake), _items(5), prompt="{text}", response_format=Invoice, model=MODEL, output=out,
                      concurrency=1, progress=False)
    lines = _lines(out)
    failed = [line for line in lines if not line["ok"]]
    assert len(failed) == 1 and failed[0]["error"]["status"] == 400
    assert failed[0]["error"]["type"] == "bad_request"
    assert "Unable to process input image" in failed[0]["error"]["message"]
    assert (summary.succeeded, summary.failed) == (4, 1)
    assert len(fake.chat_requests) == 5


def test_transient_errors_are_retried_with_backoff(fake: FakeVertex, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    fake.fail_next(Fault(status=503, body=google_error_body(503, "UNAVAILABLE", "The service is unavailable.")),
                   Fault(action="close"))
    summary = extract(_client(fake), _items(3), prompt="{text}", response_format=Invoice, model=MODEL, output=out,
                      concurrency=1, progress=False)
    assert summary.succeeded == 3 and summary.retries == 2
    assert len(fake.chat_requests) == 5
    assert sum(line.get("attempts", 1) for line in _lines(out)) == 5  # each retry is counted on its item


def test_429_retry_info_pauses_new_requests_and_cuts_concurrency(fake: FakeVertex, tmp_path: Path) -> None:
    retry = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.4s"}
    fake.fail_next(Fault(status=429, body=google_error_body(429, "RESOURCE_EXHAUSTED", "Resource exhausted.", [retry])))
    start = time.monotonic()
    summary = extract(_client(fake), _items(2), prompt="{text}", response_format=Invoice, model=MODEL,
                      output=tmp_path / "o.jsonl", concurrency=1, progress=False)
    assert time.monotonic() - start >= 0.4
    assert summary.throttled == 1 and summary.succeeded == 2
    gap = fake.chat_requests  # the retried request came no sooner than the RetryInfo delay
    assert len(gap) == 3


def test_validation_failure_keeps_the_raw_text(fake: FakeVertex, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    fake.reply_next(Reply(content='{"vendor": "ACME", "total": "lots"}'))
    summary = extract(_client(fake), _items(1), prompt="{text}", response_format=Invoice, model=MODEL, output=out,
                      progress=False)
    (line,) = _lines(out)
    assert line["ok"] is False and line["error"]["type"] == "validation"
    assert line["error"]["raw"] == '{"vendor": "ACME", "total": "lots"}'
    assert "total" in line["error"]["message"]
    assert summary.failed == 1 and len(fake.chat_requests) == 1


def test_reask_sends_the_errors_back_once(fake: FakeVertex, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    fake.reply_next(Reply(content='{"vendor": "ACME", "total": "lots"}'),
                    Reply(content='{"vendor": "ACME", "total": 7}'))
    summary = extract(_client(fake), _items(1), prompt="{text}", response_format=Invoice, model=MODEL, output=out,
                      reask=True, progress=False)
    (line,) = _lines(out)
    assert line["ok"] and line["result"] == {"vendor": "ACME", "total": 7}
    second = fake.chat_requests[1].json["messages"]
    assert second[1] == {"role": "assistant", "content": '{"vendor": "ACME", "total": "lots"}'}
    assert "total" in second[2]["content"]
    assert summary.succeeded == 1


def test_permission_denied_stops_the_run_and_records_nothing_for_it(fake: FakeVertex, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    extract(_client(fake), _items(2), prompt="{text}", response_format=Invoice, model=MODEL, output=out,
            progress=False)
    fake.fail_next(Fault(status=403, body=google_error_body(403, "PERMISSION_DENIED", "Permission denied.")))
    with pytest.raises(BulkAbortedError, match="PERMISSION_DENIED"):
        extract(_client(fake), _items(6), prompt="{text}", response_format=Invoice, model=MODEL, output=out,
                concurrency=1, progress=False)
    assert all(line["ok"] for line in _lines(out))
    summary = extract(_client(fake), _items(6), prompt="{text}", response_format=Invoice, model=MODEL, output=out,
                      progress=False)
    assert len(_lines(out)) == 6 and summary.failed == 0


def test_csv_input_with_an_id_column(fake: FakeVertex, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ticket", "body"])
        writer.writerows([["T1", "printer broken"], ["T2", "password reset"]])
    out = tmp_path / "out.jsonl"
    summary = extract(_client(fake), source, prompt="Ticket: {body}", response_format=Invoice, model=MODEL,
                      output=out, id_field="ticket", progress=False)
    assert summary.total == 2 and sorted(line["id"] for line in _lines(out)) == ["T1", "T2"]


def test_folder_input_sends_each_file_as_a_part(fake: FakeVertex, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.pdf").write_bytes(b"%PDF-1.4 constructed")
    (folder / "sub" / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n constructed")
    (folder / ".hidden").write_text("skip me")
    out = tmp_path / "out.jsonl"
    extract(_client(fake), folder, prompt="Extract the invoice in {name}", response_format=Invoice, model=MODEL,
            output=out, progress=False)
    assert sorted(line["id"] for line in _lines(out)) == ["a.pdf", "sub/b.png"]
    contents = [r.json["messages"][0]["content"] for r in fake.chat_requests]
    parts = {content[0]["text"]: content[1] for content in contents}
    assert parts["Extract the invoice in a.pdf"]["image_url"]["url"].startswith("data:application/pdf;base64,")
    assert parts["Extract the invoice in b.png"]["image_url"]["url"].startswith("data:image/png;base64,")


def test_callable_prompt_and_gs_media(fake: FakeVertex, tmp_path: Path) -> None:
    items = [{"id": 1, "uri": "gs://bucket/scan-1.pdf", "media": "gs://bucket/scan-1.pdf"}]
    extract(_client(fake), items, prompt=lambda item: f"Read {item['uri']}", response_format=Invoice, model=MODEL,
            output=tmp_path / "o.jsonl", media_field="media", system="You extract invoices.", progress=False)
    messages = fake.chat_requests[0].json["messages"]
    assert messages[0] == {"role": "system", "content": "You extract invoices."}
    assert messages[1]["content"][1]["image_url"]["url"] == "gs://bucket/scan-1.pdf"


def test_progress_on_a_pipe_prints_no_redraws(fake: FakeVertex, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(aextract(_client(fake), _items(5), prompt="{text}", response_format=Invoice, model=MODEL,
                         output=tmp_path / "o.jsonl"))
    assert "\r" not in capsys.readouterr().err


def test_results_reader_round_trips(fake: FakeVertex, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    extract(_client(fake), _items(4), prompt="{text}", response_format=Invoice, model=MODEL, output=out,
            progress=False)
    assert sorted(r["id"] for r in read_results(out)) == [f"inv-{i}" for i in range(4)]


def test_a_request_refused_before_sending_fails_that_item_only(fake: FakeVertex, tmp_path: Path) -> None:
    from vertex_openai.gemini import limit_request_size

    client = limit_request_size(_client(fake), 400)
    items = [*_items(2), {"id": "huge", "text": "x" * 2000}]
    out = tmp_path / "out.jsonl"
    summary = extract(client, items, prompt="{text}", response_format=Invoice, model=MODEL, output=out,
                      progress=False)
    failed = [line for line in _lines(out) if not line["ok"]]
    assert summary.succeeded == 2 and [line["id"] for line in failed] == ["huge"]
    assert failed[0]["error"]["type"] == "request"


def test_a_malformed_body_is_retried(fake: FakeVertex, tmp_path: Path) -> None:
    fake.fail_next(Fault(status=200, body='{"choices": [', headers={"Content-Type": "application/json"}))
    summary = extract(_client(fake), _items(1), prompt="{text}", response_format=Invoice, model=MODEL,
                      output=tmp_path / "o.jsonl", progress=False)
    assert summary.succeeded == 1 and summary.retries == 1
