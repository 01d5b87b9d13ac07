"""The batch engine: chat requests as Gemini batch lines, and whole job flows against the constructed FakeBatch
(shuffled, missing and failed output rows; splitting; cancel, detach and resume; the host rule for the token)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from vertex_openai import OpenAI
from vertex_openai.bulk import BulkInputError, extract
from vertex_openai.bulk._batch_job import BatchApi, BatchApiError, allowed_url, endpoints_for
from vertex_openai.bulk._batch_request import ROW_LABEL, response_schema, to_gemini_request
from vertex_openai.testing import FakeBatch, FakeCredentials

MODEL = "google/gemini-2.5-flash"


class Row(BaseModel):
    text: str
    n: int


def _items(n: int) -> list[dict[str, Any]]:
    return [{"id": f"doc-{i}", "body": f"document number {i}"} for i in range(n)]


def _client(fake: FakeBatch) -> OpenAI:
    return OpenAI(project=fake.project, location=fake.location, base_url=fake.base_url, credentials=FakeCredentials())


def _echo(request: dict[str, Any]) -> str:
    """A model that reads its prompt: the row says which document it came from, so a mix-up shows."""
    prompt = request["contents"][0]["parts"][0]["text"]
    return json.dumps({"text": prompt, "n": int(prompt.rsplit(" ", 1)[1])})


def _run(fake: FakeBatch, out: Path, items: list[dict[str, Any]] | None = None, **options: Any) -> Any:
    options.setdefault("gcs", "gs://fake-bucket/jobs")
    return extract(_client(fake), items if items is not None else _items(20), prompt="Read {body}",
                   response_format=Row, model=MODEL, output=out, engine="batch", poll_interval=0.01,
                   progress=False, **options)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _inputs(fake: FakeBatch) -> list[list[dict[str, Any]]]:
    names = sorted(name for (_, name) in fake.objects if re.search(r"/input-\d+\.jsonl$", name))
    return [[json.loads(line) for line in fake.object_text("fake-bucket", name).splitlines()] for name in names]


# -- conversion -------------------------------------------------------------------------------------------
def test_chat_request_becomes_a_gemini_request_line() -> None:
    field, schema = response_schema(Row, "jsonschema")
    messages = [
        {"role": "system", "content": "You read documents."},
        {"role": "user", "content": [
            {"type": "text", "text": "Read these"},
            {"type": "image_url", "image_url": {"url": "gs://bucket/scan.pdf"}},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            {"type": "input_audio", "input_audio": {"data": "gs://bucket/call.mp3", "format": "audio/mpeg"}},
        ]},
        {"role": "assistant", "content": "Earlier answer"},
    ]
    options = {"temperature": 0.2, "max_tokens": 300,
               "extra_body": {"extra_body": {"google": {"thinking_config": {"thinking_budget": 0}}}}}
    request = to_gemini_request(messages, schema_field=field, schema=schema, options=options, row_key="r7")

    assert request["systemInstruction"] == {"parts": [{"text": "You read documents."}]}
    assert request["contents"] == [
        {"role": "user", "parts": [
            {"text": "Read these"},
            {"fileData": {"fileUri": "gs://bucket/scan.pdf", "mimeType": "application/pdf"}},
            {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
            {"fileData": {"fileUri": "gs://bucket/call.mp3", "mimeType": "audio/mpeg"}},
        ]},
        {"role": "model", "parts": [{"text": "Earlier answer"}]},
    ]
    config = request["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["responseJsonSchema"]["required"] == ["text", "n"]
    assert (config["temperature"], config["maxOutputTokens"]) == (0.2, 300)
    assert config["thinkingConfig"] == {"thinkingBudget": 0}
    assert request["labels"] == {ROW_LABEL: "r7"}


def test_openapi_profile_uses_response_schema() -> None:
    field, schema = response_schema(Row, "openapi")
    assert field == "responseSchema" and "$defs" not in schema


def test_a_part_with_no_batch_equivalent_is_refused() -> None:
    with pytest.raises(ValueError, match="'file' content part has no batch equivalent"):
        to_gemini_request([{"role": "user", "content": [{"type": "file", "file": {}}]}], schema_field="x",
                          schema={}, options={}, row_key="r0")


# -- the token's destinations --------------------------------------------------------------------------------
@pytest.mark.parametrize(("url", "allowed"), [
    ("https://aiplatform.googleapis.com/v1/x", True),
    ("https://us-central1-aiplatform.googleapis.com/v1/x", True),
    ("https://storage.googleapis.com/storage/v1/b/x", True),
    ("http://127.0.0.1:8080/v1/x", True),
    ("http://aiplatform.googleapis.com/v1/x", False),
    ("https://evil.example/aiplatform.googleapis.com", False),
    ("https://aiplatform.googleapis.com.evil.example/", False),
    ("https://x.us-central1-aiplatform.googleapis.com/", False),
    ("https://generativelanguage.googleapis.com/", False),
])
def test_google_credentials_go_only_to_vertex_storage_or_loopback(url: str, allowed: bool) -> None:
    assert allowed_url(url) is allowed


def test_endpoints_follow_the_location_or_a_loopback_fake() -> None:
    assert endpoints_for("global", None) == ("https://aiplatform.googleapis.com", "https://storage.googleapis.com")
    assert endpoints_for("europe-west4", "https://europe-west4-aiplatform.googleapis.com/v1/projects/p") == (
        "https://europe-west4-aiplatform.googleapis.com", "https://storage.googleapis.com")
    assert endpoints_for("us-central1", "http://127.0.0.1:9/v1/x") == ("http://127.0.0.1:9", "http://127.0.0.1:9")
    with pytest.raises(ValueError, match=r"refusing to send Google credentials to https://proxy\.example"):
        BatchApi(FakeCredentials(), "https://proxy.example", "https://storage.googleapis.com", "p", "l")


# -- job flows ---------------------------------------------------------------------------------------------------
def test_shuffled_missing_and_failed_rows_are_tied_by_key_not_order(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with FakeBatch(shuffle=True, drop=3, errors=2, shards=3, responder=_echo) as fake:
        summary = _run(fake, out)
        lines = _lines(out)
        ids = [line["id"] for line in lines]
        assert len(ids) == len(set(ids)) == 17
        for line in lines:
            if line["ok"]:  # the row's content came from this id's own request
                assert line["result"] == {"text": f"Read document number {line['id'][4:]}", "n": int(line["id"][4:])}
                assert line["usage"]["total_tokens"] > 0
            else:
                assert "Please use a valid role" in line["error"]["message"]
        assert (summary.succeeded, summary.failed, summary.missing) == (15, 2, 3)
        assert not summary.ok and len(summary.jobs) == 1
        assert all(call.token for call in fake.calls)

        fake.drop = fake.errors = 0
        first_run = {name for (_, name) in fake.objects}
        again = _run(fake, out)  # the rows that never came back are sent again, and only those
        (new_input,) = [name for (_, name) in fake.objects if name not in first_run and "/input-" in name]
        resent = [json.loads(line)["request"]["contents"][0]["parts"][0]["text"]
                  for line in fake.object_text("fake-bucket", new_input).splitlines()]
        assert sorted(resent) == sorted(f"Read document number {i}" for i in range(20) if f"doc-{i}" not in ids)
        assert (again.skipped, again.succeeded, again.missing) == (17, 3, 0)
    final = [line["id"] for line in _lines(out)]
    assert sorted(final) == sorted(f"doc-{i}" for i in range(20))


def test_rows_are_tied_by_request_digest_when_labels_are_not_echoed(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with FakeBatch(shuffle=True, echo_labels=False, responder=_echo) as fake:
        summary = _run(fake, out)
    assert summary.succeeded == 20
    for line in _lines(out):
        assert line["result"]["n"] == int(line["id"][4:])


def test_inputs_over_the_per_job_limits_are_split(tmp_path: Path) -> None:
    with FakeBatch() as fake:
        summary = _run(fake, tmp_path / "a.jsonl", max_rows_per_job=8)
        assert [len(part) for part in _inputs(fake)] == [8, 8, 4] and len(summary.jobs) == 3
    with FakeBatch() as fake:
        summary = _run(fake, tmp_path / "b.jsonl", max_bytes_per_job=1200)
        parts = _inputs(fake)
        assert len(parts) > 2 and sum(len(p) for p in parts) == 20
        assert summary.succeeded == 20


def test_an_unreachable_bucket_names_the_service_agent(tmp_path: Path) -> None:
    with FakeBatch() as fake, pytest.raises(BatchApiError, match=r"gcp-sa-aiplatform\.iam\.gserviceaccount\.com"):
        _run(fake, tmp_path / "o.jsonl", gcs="gs://no-such-bucket/x")
    assert fake.jobs == {}


def test_gcs_is_required_and_maas_models_need_a_region(tmp_path: Path) -> None:
    with FakeBatch() as fake:
        with pytest.raises(BulkInputError, match="needs gcs="):
            _run(fake, tmp_path / "o.jsonl", gcs=None)
        with pytest.raises(BulkInputError, match="not served on the global endpoint"):
            extract(_client(fake), _items(2), prompt="{body}", response_format=Row,
                    model="meta/llama-3.3-70b-instruct-maas", output=tmp_path / "m.jsonl", engine="batch",
                    gcs="gs://fake-bucket/x", location="global", progress=False)
        extract(_client(fake), _items(2), prompt="{body}", response_format=Row,
                model="meta/llama-3.3-70b-instruct-maas", output=tmp_path / "m.jsonl", engine="batch",
                gcs="gs://fake-bucket/x", poll_interval=0.01, progress=False)
        (line, _) = _inputs(fake)[0]
        assert line["method"] == "POST" and line["url"] == "/v1/chat/completions"
        assert line["body"]["model"] == "meta/llama-3.3-70b-instruct-maas"
        assert line["body"]["messages"] == [{"role": "user", "content": "document number 0"}]
        job = next(iter(fake.jobs.values()))
        assert job.body["model"] == "publishers/meta/models/llama-3.3-70b-instruct-maas"


class _Interrupt:
    """time.sleep for the poll loop: the first call is a Ctrl-C."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, seconds: float) -> None:
        self.calls += 1
        if self.calls == 1:
            raise KeyboardInterrupt


def test_ctrl_c_on_a_terminal_can_cancel_and_collects_completed_rows(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vertex_openai.bulk._batch.time.sleep", _Interrupt())
    monkeypatch.setattr("sys.stdin", io.StringIO("c\n"))
    out = tmp_path / "out.jsonl"
    with FakeBatch(steps=5) as fake:
        summary = _run(fake, out, interactive=True)
        assert next(iter(fake.jobs.values())).state == "JOB_STATE_CANCELLED"
    assert summary.succeeded == 10 and summary.missing == 10  # a cancelled job exports its completed rows
    assert not (tmp_path / "out.jsonl.batch.json").exists()


def test_ctrl_c_without_a_terminal_detaches_and_a_rerun_collects(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.jsonl"
    with FakeBatch(steps=3) as fake:
        with monkeypatch.context() as patch:
            patch.setattr("vertex_openai.bulk._batch.time.sleep", _Interrupt())
            summary = _run(fake, out, interactive=False)
        assert summary.detached and not summary.ok and summary.jobs == list(fake.jobs)
        assert json.loads((tmp_path / "out.jsonl.batch.json").read_text())["jobs"][0]["name"] == summary.jobs[0]
        assert next(iter(fake.jobs.values())).state != "JOB_STATE_CANCELLED"
        again = _run(fake, out)
        assert again.succeeded == 20 and len(fake.jobs) == 1  # no new job: the detached one was picked up
    assert sorted(line["id"] for line in _lines(out)) == sorted(f"doc-{i}" for i in range(20))


def test_resume_job_by_name_from_another_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeBatch(steps=3) as fake:
        with monkeypatch.context() as patch:
            patch.setattr("vertex_openai.bulk._batch.time.sleep", _Interrupt())
            first = _run(fake, tmp_path / "first.jsonl", interactive=False)
        other = tmp_path / "other.jsonl"
        summary = _run(fake, other, resume_job=first.jobs[0])
        assert summary.succeeded == 20
        with pytest.raises(BulkInputError, match="was not started by vertex-openai"):
            name = fake._create("fake-project", "us-central1", {
                "inputConfig": {"gcsSource": {"uris": ["gs://fake-bucket/elsewhere.jsonl"]}}})["name"]
            _run(fake, tmp_path / "third.jsonl", resume_job=name)
    assert len(_lines(other)) == 20
