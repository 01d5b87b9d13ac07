"""`bulk.embed(engine="batch")` against the constructed FakeBatch: Google's embeddings batch lines in, one
`{"id", "embedding"}` line per item out, tied by the echoed instance (shuffled, sharded, failed and missing rows),
split at 30,000 prompts per job, resumable."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from vertex_openai import OpenAI
from vertex_openai.bulk import BulkInputError, embed
from vertex_openai.bulk._batch_job import BatchApi
from vertex_openai.bulk._embed_batch import MAX_PROMPTS_PER_EMBEDDING_JOB
from vertex_openai.testing import FakeBatch, FakeCredentials
from vertex_openai.testing._fake_embeddings import fake_vector

MODEL = "text-embedding-005"


def _items(n: int) -> list[dict[str, Any]]:
    return [{"id": f"chunk-{i}", "text": f"passage number {i} about topic {i % 7}"} for i in range(n)]


def _client(fake: FakeBatch) -> OpenAI:
    return OpenAI(project=fake.project, location=fake.location, base_url=fake.base_url, credentials=FakeCredentials())


def _run(fake: FakeBatch, out: Path, items: list[dict[str, Any]] | None = None, **options: Any) -> Any:
    options.setdefault("gcs", "gs://fake-bucket/vectors")
    options.setdefault("model", MODEL)
    return embed(_client(fake), items if items is not None else _items(20), output=out, engine="batch",
                 poll_interval=0.01, progress=False, **options)


def _vector(text: str, dimensions: int, task_type: str = "RETRIEVAL_QUERY") -> list[float]:
    """The fake's vector for this text (the same online and in a batch job)."""
    return fake_vector(MODEL, task_type, text, dimensions, 768)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _inputs(fake: FakeBatch) -> list[list[dict[str, Any]]]:
    names = sorted(name for (_, name) in fake.objects if re.search(r"/input-\d+\.jsonl$", name))
    return [[json.loads(line) for line in fake.object_text("fake-bucket", name).splitlines()] for name in names]


def test_every_item_gets_its_own_vector_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "vectors.jsonl"
    items = _items(20)
    with FakeBatch(shuffle=True, shards=3) as fake:
        summary = _run(fake, out, items, dimensions=16, task_type="RETRIEVAL_DOCUMENT")
        (job,) = fake.jobs.values()
        inputs = _inputs(fake)
    assert summary.ok and summary.succeeded == 20 and summary.engine == "batch"
    assert job.body["model"] == "publishers/google/models/text-embedding-005"
    assert job.body["modelParameters"] == {"outputDimensionality": 16}
    assert inputs == [[{"content": item["text"], "task_type": "RETRIEVAL_DOCUMENT"} for item in items]]
    lines = _lines(out)
    assert [line["id"] for line in lines] != [item["id"] for item in items]  # shuffled: order is the job's
    by_id = {line["id"]: line for line in lines}
    assert len(lines) == len(by_id) == 20
    for item in items:  # a row tied to the wrong item would carry another text's vector
        assert by_id[item["id"]] == {"id": item["id"],
                                     "embedding": _vector(item["text"], 16, "RETRIEVAL_DOCUMENT")}
    assert summary.prompt_tokens > 0
    assert not (tmp_path / "vectors.jsonl.batch.json").exists()  # collected jobs are forgotten


def test_the_same_text_twice_gives_both_items_a_line(tmp_path: Path) -> None:
    out = tmp_path / "vectors.jsonl"
    items = [{"id": "a", "text": "same words"}, {"id": "b", "text": "same words"}, {"id": "c", "text": "other"}]
    with FakeBatch(shuffle=True) as fake:
        summary = _run(fake, out, items, dimensions=8)
    assert summary.succeeded == 3
    by_id = {line["id"]: line["embedding"] for line in _lines(out)}
    assert by_id["a"] == by_id["b"] == _vector("same words", 8)
    assert by_id["c"] == _vector("other", 8)


def test_failed_rows_become_error_lines_and_missing_rows_run_again(tmp_path: Path) -> None:
    out = tmp_path / "vectors.jsonl"
    with FakeBatch(errors=2, drop=3) as fake:
        first = _run(fake, out, dimensions=8)
        assert (first.succeeded, first.failed, first.missing) == (15, 2, 3)
        assert not first.ok
        errors = [line for line in _lines(out) if "error" in line]
        assert len(errors) == 2 and all("Please use a valid role" in e["error"]["message"] for e in errors)
        assert all("embedding" not in e for e in errors)
        fake.drop = fake.errors = 0
        second = _run(fake, out, dimensions=8)
        assert sorted(len(part) for part in _inputs(fake)) == [3, 20]  # only the 3 missing items are sent again
    assert (second.succeeded, second.skipped, second.failed) == (3, 17, 0)
    ids = [line["id"] for line in _lines(out)]
    assert sorted(ids) == sorted(item["id"] for item in _items(20))


def test_jobs_are_split_at_30000_prompts_and_at_max_rows(tmp_path: Path) -> None:
    assert MAX_PROMPTS_PER_EMBEDDING_JOB == 30_000
    out = tmp_path / "vectors.jsonl"
    with FakeBatch() as fake:
        summary = _run(fake, out, dimensions=4, max_rows_per_job=7)
        sizes = [len(part) for part in _inputs(fake)]
        assert len(fake.jobs) == 3
    assert sizes == [7, 7, 6] and summary.succeeded == 20
    with FakeBatch() as fake:  # asking for more rows per job than Google takes is capped
        _run(fake, tmp_path / "capped.jsonl", dimensions=4, max_rows_per_job=10**9)
        assert len(fake.jobs) == 1 and len(_inputs(fake)) == 1


def test_a_detached_job_is_collected_by_the_next_run_not_resubmitted(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "vectors.jsonl"
    real_get = BatchApi.get_job
    polls = {"n": 0}

    def interrupted_once(self: BatchApi, name: str) -> dict[str, Any]:
        polls["n"] += 1
        if polls["n"] == 1:
            raise KeyboardInterrupt  # Ctrl-C while waiting, without a terminal: detach
        return real_get(self, name)

    with FakeBatch() as fake:
        monkeypatch.setattr(BatchApi, "get_job", interrupted_once)
        detached = _run(fake, out, dimensions=8, interactive=False)
        assert detached.detached and not detached.ok and out.read_text() == ""
        state = json.loads((tmp_path / "vectors.jsonl.batch.json").read_text())
        assert [job["name"] for job in state["jobs"]] == list(fake.jobs)
        resumed = _run(fake, out, dimensions=8)
        assert len(fake.jobs) == 1  # collected, not submitted again
    assert resumed.succeeded == 20 and resumed.ok
    assert len(_lines(out)) == 20


@pytest.mark.parametrize(("options", "message"), [
    ({"model": "gemini-2.5-flash"}, "embeds with Google's embedding models"),
    ({"model": "gemini-embedding-001"}, "use engine='local' (--engine local) for it"),
    ({"model": "intfloat/multilingual-e5-small-maas"}, "use engine='local' for other models"),
    ({"task_type": "RETRIEVAL"}, "RETRIEVAL_QUERY, RETRIEVAL_DOCUMENT"),
    ({"dimensions": 769}, "at most 768"),
    ({"gcs": None}, "needs gcs="),
])
def test_wrong_options_are_refused_before_anything_is_sent(tmp_path: Path, options: dict[str, Any],
                                                           message: str) -> None:
    with FakeBatch() as fake:
        with pytest.raises(BulkInputError, match=re.escape(message)):
            _run(fake, tmp_path / "out.jsonl", **options)
        assert not [call for call in fake.calls if call.method == "POST"]


def test_an_item_without_text_is_refused_up_front_naming_the_place(tmp_path: Path) -> None:
    path = tmp_path / "chunks.jsonl"
    path.write_text('{"id": "a", "text": "fine"}\n{"id": "b", "body": "no text field"}\n', encoding="utf-8")
    with FakeBatch() as fake:
        with pytest.raises(BulkInputError) as caught:
            _run(fake, tmp_path / "out.jsonl", str(path))  # type: ignore[arg-type]
        assert not fake.calls
    assert f"{path}:2" in str(caught.value) and "'text'" in str(caught.value) and "--text-field" in str(caught.value)
