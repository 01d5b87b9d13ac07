"""The batch engine checks what it puts into URLs itself: the location, the job names (from the user, the state
file, a recovered job or Google's reply), and it sends the token only to the hosts it built."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from vertex_openai import OpenAI
from vertex_openai.bulk import BulkInputError, extract
from vertex_openai.bulk._batch_job import allowed_url, check_job_name
from vertex_openai.testing import FakeBatch, FakeCredentials

MODEL = "google/gemini-2.5-flash"


class Row(BaseModel):
    text: str
    n: int


def _items(n: int) -> list[dict[str, Any]]:
    return [{"id": f"doc-{i}", "body": f"document number {i}"} for i in range(n)]


def _run(client: Any, out: Path, **options: Any) -> Any:
    options.setdefault("gcs", "gs://fake-bucket/jobs")
    return extract(client, _items(4), prompt="Read {body}", response_format=Row, model=MODEL, output=out,
                   engine="batch", poll_interval=0.01, progress=False, **options)


class _Listener:
    """A TCP listener on 127.0.0.2 that counts connections (a stand-in for a host that must never be reached)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.2", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[_Listener]:
    listen = _Listener()
    try:
        yield listen
    finally:
        listen.close()


def test_a_location_that_smuggles_a_host_is_refused_before_any_connection(tmp_path: Path,
                                                                            listener: _Listener) -> None:
    client = OpenAI(project="my-project", location="us-central1", credentials=FakeCredentials())
    location = f"127.0.0.2:{listener.port}\\@us-central1"
    with pytest.raises(ValueError, match=r"location .* is not a Vertex AI location"):
        _run(client, tmp_path / "out.jsonl", location=location)
    assert listener.connections == 0


@pytest.mark.parametrize("url", [
    "https://127.0.0.2:9\\@us-central1-aiplatform.googleapis.com/v1/x",
    "https://user@aiplatform.googleapis.com/v1/x",
    "https://aiplatform.googleapis.com:8443/v1/x",
    "https://aiplatform.googleapis.com\\@evil.example/v1/x",
    "https://us-central1-aiplatform.googleapis.com%2F@evil.example/",
    "https://storage.googleapis.com /x",
])
def test_urls_with_userinfo_backslashes_or_odd_ports_are_refused(url: str) -> None:
    assert allowed_url(url) is False


@pytest.mark.parametrize("name", [
    "",
    "projects/fake-project/locations/us-central1/batchPredictionJobs/../../../storage/v1/b/fake-bucket/o",
    "projects/fake-project/locations/us-central1/batchPredictionJobs/12?alt=media",
    "projects/fake-project/locations/us-central1/batchPredictionJobs/12#x",
    "projects/a/b/locations/us-central1/batchPredictionJobs/12",
    "../storage/v1/b/fake-bucket",
    "projects/p/locations/us-central1/batchPredictionJobs/12%2F..",
])
def test_bad_job_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="not a batch prediction job name"):
        check_job_name(name)


def test_a_good_job_name_passes() -> None:
    name = "projects/example.com:my-proj/locations/us-central1/batchPredictionJobs/1234567890"
    assert check_job_name(name) == name


@pytest.mark.parametrize("resume_job", ["", "../../storage/v1/b/fake-bucket/o",
                                        "projects/fake-project/locations/us-central1/batchPredictionJobs/1/../../x"])
def test_resume_job_that_is_empty_or_a_path_is_refused_and_nothing_is_sent(tmp_path: Path, resume_job: str) -> None:
    with FakeBatch() as fake:
        client = OpenAI(project=fake.project, location=fake.location, base_url=fake.base_url,
                        credentials=FakeCredentials())
        with pytest.raises(BulkInputError, match="resume_job"):
            _run(client, tmp_path / "out.jsonl", resume_job=resume_job)
        assert fake.calls == [] and fake.jobs == {}


def test_a_job_name_in_the_state_file_is_checked_before_use(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    state = tmp_path / "out.jsonl.batch.json"
    state.write_text(json.dumps({"jobs": [{"name": "../../storage/v1/b/fake-bucket/o", "ids": "gs://fake-bucket/x",
                                           "rows": 1}]}), encoding="utf-8")
    with FakeBatch() as fake:
        client = OpenAI(project=fake.project, location=fake.location, base_url=fake.base_url,
                        credentials=FakeCredentials())
        with pytest.raises(BulkInputError, match=r"out\.jsonl\.batch\.json.*not a batch prediction job name"):
            _run(client, out)
        assert not any("storage" in call.path for call in fake.calls)


def test_a_job_name_google_returns_is_checked_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeBatch() as fake:
        original = fake._create

        def create(project: str, location: str, body: dict[str, Any]) -> dict[str, Any]:
            view = original(project, location, body)
            view["name"] = "projects/p/locations/l/batchPredictionJobs/1/../../../../storage/v1/b/fake-bucket/o"
            return view

        monkeypatch.setattr(fake, "_create", create)
        client = OpenAI(project=fake.project, location=fake.location, base_url=fake.base_url,
                        credentials=FakeCredentials())
        with pytest.raises(ValueError, match="not a batch prediction job name"):
            _run(client, tmp_path / "out.jsonl")
        assert [call.method for call in fake.calls if "batchPredictionJobs/" in call.path] == []


# -- resume_job belongs to this job ------------------------------------------------------------------------------
class _Interrupt:
    """time.sleep for the poll loop: the first call is a Ctrl-C (the run detaches)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, seconds: float) -> None:
        self.calls += 1
        if self.calls == 1:
            raise KeyboardInterrupt


def _detached_job(fake: FakeBatch, out: Path, monkeypatch: pytest.MonkeyPatch, **options: Any) -> str:
    client = OpenAI(project=fake.project, location=fake.location, base_url=fake.base_url,
                    credentials=FakeCredentials())
    with monkeypatch.context() as patch:
        patch.setattr("vertex_openai.bulk._batch.time.sleep", _Interrupt())
        summary = _run(client, out, interactive=False, **options)
    assert summary.detached
    return str(summary.jobs[0])


def test_resume_job_from_another_input_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeBatch(steps=3) as fake:
        name = _detached_job(fake, tmp_path / "first.jsonl", monkeypatch)
        client = OpenAI(project=fake.project, location=fake.location, base_url=fake.base_url,
                        credentials=FakeCredentials())
        other_items = [{"id": f"other-{i}", "body": f"other {i}"} for i in range(4)]
        with pytest.raises(BulkInputError, match="was run on other items"):
            extract(client, other_items, prompt="Read {body}", response_format=Row, model=MODEL,
                    output=tmp_path / "other.jsonl", engine="batch", gcs="gs://fake-bucket/jobs",
                    poll_interval=0.01, progress=False, resume_job=name)
    assert (tmp_path / "other.jsonl").read_text() == ""


def test_resume_job_of_another_prompt_is_refused_unless_asked(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from vertex_openai.bulk import ResumeMismatchError

    with FakeBatch(steps=3) as fake:
        name = _detached_job(fake, tmp_path / "first.jsonl", monkeypatch)
        client = OpenAI(project=fake.project, location=fake.location, base_url=fake.base_url,
                        credentials=FakeCredentials())
        options: dict[str, Any] = {"prompt": "Summarise {body}", "response_format": Row, "model": MODEL,
                                   "output": tmp_path / "second.jsonl", "engine": "batch", "poll_interval": 0.01,
                                   "progress": False, "resume_job": name}
        with pytest.raises(ResumeMismatchError, match="prompt"):
            extract(client, _items(4), **options)
        summary = extract(client, _items(4), allow_mismatch=True, **options)
        assert summary.succeeded == 4


def test_jobs_are_recorded_beside_the_output(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with FakeBatch() as fake:
        client = OpenAI(project=fake.project, location=fake.location, base_url=fake.base_url,
                        credentials=FakeCredentials())
        summary = _run(client, out)
    record = json.loads((tmp_path / "out.jsonl.run.json").read_text())
    assert record["jobs"] == summary.jobs and record["engines"] == ["batch"]
    assert record["identity"]["model"] == MODEL and record["identity"]["prompt"].startswith("template ")
