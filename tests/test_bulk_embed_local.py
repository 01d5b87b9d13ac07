"""`bulk.embed` on the local engine against FakeVertex's native `:predict` (constructed from Google's documents):
one `{"id", "embedding"}` line per item, grouped within Google's per-request limits, retries under the AIMD
limit, an error line only for the item at fault, resume, and the same vectors as the batch engine."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vertex_openai import AsyncOpenAI, OpenAI
from vertex_openai.bulk import BulkAbortedError, BulkInputError, ResumeMismatchError, aembed, embed
from vertex_openai.testing import FakeBatch, FakeCredentials, FakeVertex, Fault
from vertex_openai.testing._fake_embeddings import fake_vector


def _items(n: int, text: str = "passage {i} about topic {t}") -> list[dict[str, Any]]:
    return [{"id": f"p{i}", "text": text.format(i=i, t=i % 5)} for i in range(n)]


def _vector(model: str, text: str, dimensions: int, task_type: str = "RETRIEVAL_QUERY") -> list[float]:
    return fake_vector(model, task_type, text, dimensions, 3072 if model == "gemini-embedding-001" else 768)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _native_error(code: int, status: str, message: str, details: list[Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details is not None:
        error["details"] = details
    return {"error": error}


@pytest.fixture(params=["sync", "async"])
def client(request: pytest.FixtureRequest, fake: FakeVertex) -> Any:
    cls = OpenAI if request.param == "sync" else AsyncOpenAI
    return cls(project="fake-project", base_url=fake.base_url, credentials=fake.credentials())


@pytest.mark.parametrize("model", ["gemini-embedding-001", "google/text-embedding-005"])
def test_every_item_gets_its_vector_in_one_line(client: Any, fake: FakeVertex, tmp_path: Path, model: str) -> None:
    out = tmp_path / "vectors.jsonl"
    items = _items(30)
    summary = embed(client, items, model=model, output=out, dimensions=16, task_type="retrieval_document",
                    progress=False)
    assert summary.ok and summary.succeeded == 30 and summary.total == 30 and summary.prompt_tokens > 0
    name = model.removeprefix("google/")
    by_id = {line["id"]: line for line in _lines(out)}
    assert len(by_id) == len(_lines(out)) == 30
    for item in items:  # float32 on the way (the SDK's default encoding), written with 8 significant digits
        assert by_id[item["id"]]["embedding"] == pytest.approx(_vector(name, item["text"], 16, "RETRIEVAL_DOCUMENT"),
                                                               abs=1e-7)
        assert all(len(repr(value)) <= 16 for value in by_id[item["id"]]["embedding"])
    bodies = [request.json for request in fake.embed_requests]
    assert all(body["parameters"]["outputDimensionality"] == 16 for body in bodies)
    assert {i["task_type"] for body in bodies for i in body["instances"]} == {"RETRIEVAL_DOCUMENT"}
    if name == "gemini-embedding-001":  # Google's limit: one text per request
        assert len(bodies) == 30 and summary.requests == 30
    else:  # 30 short texts fit one request of text-embedding-005
        assert len(bodies) == 1 and summary.requests == 1


def test_groups_respect_250_texts_and_the_token_limit_per_request(fake: FakeVertex, tmp_path: Path) -> None:
    client = OpenAI(project="fake-project", base_url=fake.base_url, credentials=fake.credentials())
    long_text = "word " * 3000  # ~5,000 estimated tokens: four fit under 20,000
    items = [*_items(600), *({"id": f"long{i}", "text": long_text + str(i)} for i in range(10))]
    summary = embed(client, items, model="text-embedding-005", output=tmp_path / "o.jsonl", dimensions=4,
                    progress=False)
    sizes = [len(request.json["instances"]) for request in fake.embed_requests]
    assert summary.succeeded == 610 and summary.ok
    assert max(sizes) == 250 and sum(sizes) == 610
    assert len(fake.embed_requests) == summary.requests  # one create call is one HTTP exchange


def test_rerun_skips_done_ids_and_limit_caps_new_items(fake: FakeVertex, tmp_path: Path) -> None:
    out = tmp_path / "vectors.jsonl"
    client = OpenAI(project="fake-project", base_url=fake.base_url, credentials=fake.credentials())
    first = embed(client, _items(10), model="gemini-embedding-001", output=out, dimensions=4, limit=4,
                  progress=False)
    assert first.succeeded == 4 and len(_lines(out)) == 4
    second = embed(client, _items(10), model="gemini-embedding-001", output=out, dimensions=4, progress=False)
    assert (second.succeeded, second.skipped) == (6, 4)
    assert len(fake.embed_requests) == 10  # nothing embedded twice
    assert sorted(line["id"] for line in _lines(out)) == sorted(f"p{i}" for i in range(10))


def test_a_429_with_retry_info_is_retried_and_counted(client: Any, fake: FakeVertex, tmp_path: Path) -> None:
    detail = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.2s"}
    fake.play(Fault(status=429, body=_native_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", [detail])),
              Fault(status=503, body=_native_error(503, "UNAVAILABLE", "Try again.")))
    out = tmp_path / "vectors.jsonl"
    summary = embed(client, _items(5), model="gemini-embedding-001", output=out, dimensions=4, progress=False,
                    concurrency=1)
    assert summary.ok and summary.succeeded == 5
    assert summary.throttled == 1 and summary.retries == 2
    assert len(fake.embed_requests) == 7


def test_a_refused_group_is_split_so_only_the_bad_item_fails(fake: FakeVertex, tmp_path: Path) -> None:
    client = OpenAI(project="fake-project", base_url=fake.base_url, credentials=fake.credentials())
    bad = _native_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument: unsupported characters.")
    # The whole group is refused once; the runner tries each item alone, and those succeed.
    fake.play(Fault(status=400, body=bad))
    out = tmp_path / "vectors.jsonl"
    items = _items(5)
    summary = embed(client, items, model="text-embedding-005", output=out, dimensions=4, progress=False,
                    concurrency=1)
    sizes = [len(request.json["instances"]) for request in fake.embed_requests]
    assert sizes == [5, 1, 1, 1, 1, 1]
    assert summary.succeeded == 5 and summary.failed == 0  # the fault was on the group only
    fake.play(Fault(status=400, body=bad))
    single = embed(client, [{"id": "x", "text": "alone"}], model="text-embedding-005",
                   output=tmp_path / "single.jsonl", progress=False)
    (line,) = _lines(tmp_path / "single.jsonl")
    assert single.failed == 1 and line["id"] == "x" and "embedding" not in line
    assert line["error"]["type"] == "bad_request" and line["error"]["status"] == 400
    assert "unsupported characters" in line["error"]["message"]


def test_permission_denied_stops_the_run_and_writes_nothing_for_the_group(fake: FakeVertex, tmp_path: Path) -> None:
    client = OpenAI(project="fake-project", base_url=fake.base_url, credentials=fake.credentials())
    fake.play(Fault(status=403, body=_native_error(403, "PERMISSION_DENIED", "Permission denied on resource.")))
    out = tmp_path / "vectors.jsonl"
    with pytest.raises(BulkAbortedError, match="Permission denied"):
        embed(client, _items(3), model="text-embedding-005", output=out, progress=False)
    assert out.read_text() == ""
    again = embed(client, _items(3), model="text-embedding-005", output=out, dimensions=4, progress=False)
    assert again.succeeded == 3


def test_an_item_without_text_in_a_generator_gets_an_input_error_line(client: Any, fake: FakeVertex,
                                                                      tmp_path: Path) -> None:
    def items() -> Any:
        yield {"id": "a", "text": "fine"}
        yield {"id": "b", "text": "   "}
        yield {"id": "c", "text": "also fine"}

    out = tmp_path / "vectors.jsonl"
    summary = embed(client, items(), model="text-embedding-005", output=out, dimensions=4, progress=False)
    by_id = {line["id"]: line for line in _lines(out)}
    assert summary.succeeded == 2 and summary.failed == 1 and not summary.ok
    assert by_id["b"]["error"]["type"] == "input" and "is empty" in by_id["b"]["error"]["message"]
    assert [len(r.json["instances"]) for r in fake.embed_requests] == [2]


@pytest.mark.parametrize(("options", "message"), [
    ({"task_type": "SEARCH"}, "RETRIEVAL_QUERY, RETRIEVAL_DOCUMENT"),
    ({"dimensions": 4000, "model": "gemini-embedding-001"}, "at most 3072"),
    ({"dimensions": 0}, "1 or more"),
    ({"gcs": "gs://b/p"}, "are for engine='batch'"),
])
def test_bad_options_are_refused_before_anything_is_sent(client: Any, fake: FakeVertex, tmp_path: Path,
                                                         options: dict[str, Any], message: str) -> None:
    options.setdefault("model", "text-embedding-005")
    with pytest.raises(BulkInputError, match=message):
        embed(client, _items(3), output=tmp_path / "o.jsonl", progress=False, **options)
    assert not fake.embed_requests


def test_duplicate_ids_are_refused_before_any_request(client: Any, fake: FakeVertex, tmp_path: Path) -> None:
    with pytest.raises(BulkInputError, match="duplicate id 'p1'"):
        embed(client, [*_items(3), {"id": "p1", "text": "again"}], model="text-embedding-005",
              output=tmp_path / "o.jsonl", progress=False)
    assert not fake.embed_requests


def test_aembed_runs_on_a_running_loop(fake: FakeVertex, tmp_path: Path) -> None:
    async def main() -> Any:
        async with AsyncOpenAI(project="fake-project", base_url=fake.base_url, credentials=fake.credentials()) as c:
            return await aembed(c, _items(7), model="gemini-embedding-001", output=tmp_path / "o.jsonl",
                                dimensions=4, progress=False)

    summary = asyncio.run(main())
    assert summary.succeeded == 7 and len(_lines(tmp_path / "o.jsonl")) == 7


def test_local_and_batch_engines_write_the_same_lines(fake: FakeVertex, tmp_path: Path) -> None:
    items = _items(12)
    local = OpenAI(project="fake-project", base_url=fake.base_url, credentials=fake.credentials())
    embed(local, items, model="text-embedding-005", output=tmp_path / "local.jsonl", dimensions=8,
          task_type="CLUSTERING", progress=False)
    with FakeBatch(shuffle=True) as batch:
        remote = OpenAI(project=batch.project, location=batch.location, base_url=batch.base_url,
                        credentials=FakeCredentials())
        embed(remote, items, model="text-embedding-005", output=tmp_path / "batch.jsonl", dimensions=8,
              task_type="CLUSTERING", progress=False, engine="batch", gcs="gs://fake-bucket/x", poll_interval=0.01)

    def by_id(name: str) -> dict[str, list[float]]:
        return {line["id"]: line["embedding"] for line in _lines(tmp_path / name)}

    local_lines, batch_lines = by_id("local.jsonl"), by_id("batch.jsonl")
    assert local_lines.keys() == batch_lines.keys()
    for item_id, vector in local_lines.items():  # the local path carries float32 values
        assert vector == pytest.approx(batch_lines[item_id], abs=1e-7)


def test_a_resume_with_other_dimensions_or_model_is_refused_unless_allowed(fake: FakeVertex, tmp_path: Path) -> None:
    client = OpenAI(project="fake-project", base_url=fake.base_url, credentials=fake.credentials())
    out = tmp_path / "vectors.jsonl"
    embed(client, _items(4), model="text-embedding-005", output=out, dimensions=8, limit=2, progress=False)
    for other in ({"dimensions": 16}, {"model": "text-multilingual-embedding-002"}, {"task_type": "CLUSTERING"}):
        options = {"model": "text-embedding-005", "dimensions": 8, **other}
        with pytest.raises(ResumeMismatchError):  # vectors of two settings cannot be compared in one file
            embed(client, _items(4), output=out, progress=False, **options)
    assert len(fake.embed_requests) == 1
    mixed = embed(client, _items(4), model="text-embedding-005", output=out, dimensions=16, allow_mismatch=True,
                  progress=False)
    assert mixed.succeeded == 2 and len(_lines(out)) == 4


def test_the_input_file_is_never_taken_as_the_output(client: Any, fake: FakeVertex, tmp_path: Path) -> None:
    source = tmp_path / "chunks.jsonl"
    source.write_text("".join(json.dumps(item) + "\n" for item in _items(3)), encoding="utf-8")
    with pytest.raises(BulkInputError, match="same file as the input"):
        embed(client, str(source), model="text-embedding-005", output=source, progress=False)
    other = tmp_path / "other.jsonl"
    other.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ValueError, match="not a result line"):  # an input-shaped file is not appended to
        embed(client, str(source), model="text-embedding-005", output=other, progress=False)
    assert not fake.embed_requests


def test_a_rate_quota_is_learned_and_every_item_still_gets_one_line(tmp_path: Path) -> None:
    from vertex_openai.bulk import format_embed_summary
    from vertex_openai.testing import QuotaFakeVertex

    with QuotaFakeVertex(rate=20, window=0.5, latency=0.02) as fake:
        client = OpenAI(project="fake-project", base_url=fake.base_url, credentials=fake.credentials())
        summary = embed(client, _items(60), model="gemini-embedding-001", output=tmp_path / "o.jsonl", dimensions=4,
                        concurrency=16, initial_concurrency=16, progress=False)
        throttled = fake.throttled
    assert summary.ok and summary.succeeded == 60 and len(_lines(tmp_path / "o.jsonl")) == 60
    assert summary.throttled == throttled > 0  # the runner saw every 429 (the client's own retries are off)
    assert summary.quota_rate is not None  # the capacity control learned the quota's rate from its RetryInfo
    assert "quota learned from its 429s" in format_embed_summary(summary)


# A child process runs the embedding so that a wait at exit is a timeout of the child, never of the test run.
_ABORT_CHILD = """
import sys
from vertex_openai import OpenAI
from vertex_openai.bulk import embed
from vertex_openai.testing import FakeCredentials

client = OpenAI(project="fake-project", base_url=sys.argv[1], credentials=FakeCredentials())
items = [{"id": f"p{i}", "text": f"passage {i}"} for i in range(8)]
try:
    embed(client, items, model="gemini-embedding-001", output=sys.argv[2], dimensions=4, concurrency=4,
          progress=False)
except Exception as err:
    print(f"raised {type(err).__name__}: {err}", flush=True)
    sys.exit(1)
print("finished", flush=True)
"""


def test_a_sync_client_abort_exits_without_joining_requests_in_flight(fake: FakeVertex, tmp_path: Path) -> None:
    slow = Fault(status=503, delay=120, body=_native_error(503, "UNAVAILABLE", "slow"))
    not_found = Fault(status=404, delay=0.3, body=_native_error(404, "NOT_FOUND", "Publisher model not found."))
    fake.play(not_found, slow, slow, slow)
    # The 404 stops the run while three requests wait on their slow answer (120 s) in the sync client's threads:
    # the child must exit then, not when those answers come (the timeout turns such a wait into a failure).
    result = subprocess.run([sys.executable, "-c", _ABORT_CHILD, fake.base_url, str(tmp_path / "out.jsonl")],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("raised BulkAbortedError") and "NOT_FOUND" in result.stdout
