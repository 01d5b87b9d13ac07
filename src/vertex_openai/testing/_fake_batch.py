"""A loopback fake of Cloud Storage (JSON API) and Vertex AI `batchPredictionJobs`, for the batch engine.

Constructed from Google's documents, not captured from Google:
- GCS JSON API: media upload `POST /upload/storage/v1/b/{bucket}/o?uploadType=media&name=...`, bucket
  metadata `GET /storage/v1/b/{bucket}`, listing `GET /storage/v1/b/{bucket}/o?prefix=` (pages with
  `nextPageToken`), media download `GET /storage/v1/b/{bucket}/o/{object}?alt=media`
  (https://cloud.google.com/storage/docs/json_api/v1/objects);
- jobs: `POST /v1/projects/{p}/locations/{l}/batchPredictionJobs`, `GET /v1/{name}`, `POST /v1/{name}:cancel`,
  `state` values `JOB_STATE_*`, `completionStats` counts as int64 strings, `outputInfo.gcsOutputDirectory`
  (https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.batchPredictionJobs);
- output lines as in https://cloud.google.com/vertex-ai/generative-ai/docs/multimodal/batch-prediction-from-cloud-storage:
  `{"status": "", "processed_time", "request", "response"}` for a success and a non-empty `status` string
  (and no `response`) for a failed row; a cancelled job still exports its completed rows.

Each GET of a job advances it one step (PENDING → RUNNING → SUCCEEDED). Knobs make the output hostile:
`shuffle` the lines, `drop` some rows, give some an error `status`, split it into `shards` files,
`echo_labels=False` to strip the row labels from the echoed request. Binds to 127.0.0.1 only.
A job whose model is one of Google's text embedding models is answered as an embeddings job
(`_fake_embed_batch`: instances in, deterministic vectors out).
"""

from __future__ import annotations

import datetime as _dt
import json
import random
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from ._fake_embed_batch import embedding_model_name, embedding_row
from ._loopback import LoopbackFake
from ._schema_instance import instance_for_schema

__all__ = ["BatchCall", "FakeBatch"]

_JOBS = re.compile(r"^/v1/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/batchPredictionJobs$")
_JOB = re.compile(r"^/v1/(?P<name>projects/[^/]+/locations/[^/]+/batchPredictionJobs/\d+)(?P<cancel>:cancel)?$")
_BAD_ROW = ('Bad Request: {"error": {"code": 400, "message": "Please use a valid role: user, model.", '
            '"status": "INVALID_ARGUMENT"}}')


@dataclass
class BatchCall:
    """One request the fake received: method, path (no query), and whether it carried a bearer token."""

    method: str
    path: str
    token: str | None


@dataclass
class _Job:
    body: dict[str, Any]
    name: str
    steps: int = 0
    state: str = "JOB_STATE_PENDING"
    stats: dict[str, str] = field(default_factory=dict)
    output_dir: str | None = None


class FakeBatch(LoopbackFake):
    """Start with `with FakeBatch() as fake:`; point a vertex-openai client's `base_url` at `fake.base_url`."""

    thread_name = "fake-batch"

    def __init__(self, *, project: str = "fake-project", location: str = "us-central1",
                 buckets: tuple[str, ...] = ("fake-bucket",), shuffle: bool = False, drop: int = 0,
                 errors: int = 0, shards: int = 1, echo_labels: bool = True, steps: int = 2, page_size: int = 1000,
                 responder: Callable[[dict[str, Any]], str] | None = None, seed: int = 0) -> None:
        self.project = project
        self.location = location
        self.buckets = set(buckets)
        self.shuffle = shuffle
        self.drop = drop
        self.errors = errors
        self.shards = max(1, shards)
        self.echo_labels = echo_labels
        self.steps = steps
        self.page_size = page_size
        self.responder = responder
        self.objects: dict[tuple[str, str], bytes] = {}
        self.jobs: dict[str, _Job] = {}
        self.calls: list[BatchCall] = []
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1/projects/{self.project}/locations/{self.location}/endpoints/openapi"

    def object_text(self, bucket: str, name: str) -> str:
        return self.objects[(bucket, name)].decode("utf-8")

    # -- jobs ----------------------------------------------------------------------------------------------
    def _create(self, project: str, location: str, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            name = f"projects/{project}/locations/{location}/batchPredictionJobs/{1000 + len(self.jobs)}"
            job = _Job(body=body, name=name)
            self.jobs[name] = job
            return self._view(job)

    def _view(self, job: _Job) -> dict[str, Any]:
        view = {**job.body, "name": job.name, "state": job.state, "createTime": "2026-01-01T00:00:00Z"}
        if job.stats:
            view["completionStats"] = dict(job.stats)
        if job.output_dir:
            view["outputInfo"] = {"gcsOutputDirectory": job.output_dir}
        return view

    def _advance(self, job: _Job) -> None:
        if job.state in ("JOB_STATE_SUCCEEDED", "JOB_STATE_CANCELLED", "JOB_STATE_FAILED"):
            return
        if job.state == "JOB_STATE_CANCELLING":
            self._finish(job, cancelled=True)
            return
        job.steps += 1
        if job.steps >= self.steps:
            self._finish(job, cancelled=False)
        else:
            job.state = "JOB_STATE_RUNNING"
            job.stats = {"successfulCount": "0", "failedCount": "0", "incompleteCount": "-1"}

    def _finish(self, job: _Job, *, cancelled: bool) -> None:
        uri = job.body["inputConfig"]["gcsSource"]["uris"][0]
        bucket, _, name = uri[5:].partition("/")
        requests = [json.loads(line) for line in self.objects.get((bucket, name), b"").splitlines() if line.strip()]
        if cancelled:
            requests = requests[: len(requests) // 2]  # only the completed rows are exported
        embedding_model = embedding_model_name(str(job.body.get("model", "")))
        if embedding_model is not None:  # an embeddings job: instances in, predictions out
            rows = [embedding_row(line, embedding_model, job.body.get("modelParameters")) for line in requests]
        else:
            rows = [self._answer(line.get("request")) for line in requests]
        rows = rows[: max(0, len(rows) - self.drop)] if self.drop else rows
        for index in range(min(self.errors, len(rows))):
            echoed: dict[str, Any] = {key: rows[index][key] for key in ("request", "instance") if key in rows[index]}
            rows[index] = {"status": _BAD_ROW, "processed_time": _now(), **echoed}
        if self.shuffle:
            self._random.shuffle(rows)
        prefix = job.body["outputConfig"]["gcsDestination"]["outputUriPrefix"].rstrip("/")
        out_bucket, _, out_prefix = prefix[5:].partition("/")
        directory = f"{out_prefix}/prediction-model-2026-01-01T00:00:00.000000Z"
        for shard in range(self.shards):
            chunk = rows[shard::self.shards]
            data = "".join(json.dumps(row) + "\n" for row in chunk).encode()
            file = "predictions.jsonl" if self.shards == 1 else f"predictions_{shard:05d}.jsonl"
            self.objects[(out_bucket, f"{directory}/{file}")] = data
        failed = sum(1 for row in rows if row.get("status"))
        job.stats = {"successfulCount": str(len(rows) - failed), "failedCount": str(failed),
                     "incompleteCount": str(len(requests) - len(rows))}
        job.output_dir = f"gs://{out_bucket}/{directory}"
        job.state = "JOB_STATE_CANCELLED" if cancelled else "JOB_STATE_SUCCEEDED"

    def _answer(self, request: Any) -> dict[str, Any]:
        request = dict(request or {})
        config = request.get("generationConfig") or {}
        schema = config.get("responseJsonSchema") or config.get("responseSchema") or {}
        text = self.responder(request) if self.responder else json.dumps(instance_for_schema(schema))
        echoed = request if self.echo_labels else {k: v for k, v in request.items() if k != "labels"}
        prompt = max(1, len(json.dumps(request.get("contents", ""))) // 4)
        completion = max(1, len(text) // 4)
        return {"status": "", "processed_time": _now(), "request": echoed, "response": {
            "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}],
            "modelVersion": "gemini-2.5-flash@default",
            "usageMetadata": {"promptTokenCount": prompt, "candidatesTokenCount": completion,
                              "totalTokenCount": prompt + completion},
        }}


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


class _Handler(BaseHTTPRequestHandler):
    fake: FakeBatch
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: Any, raw: bool = False) -> None:
        data = body if raw else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream" if raw else "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, reason: str = "notFound") -> None:
        self._send(status, {"error": {"code": status, "message": message,
                                      "errors": [{"message": message, "domain": "global", "reason": reason}]}})

    def _begin(self, method: str) -> tuple[str, dict[str, list[str]]] | None:
        url = urlsplit(self.path)
        auth = self.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else None
        self.fake.calls.append(BatchCall(method, url.path, token))
        if not token:
            self._error(401, "Anonymous caller does not have storage.objects.get access.", "required")
            return None
        return url.path, parse_qs(url.query)

    def do_GET(self) -> None:
        begun = self._begin("GET")
        if begun is None:
            return
        path, query = begun
        fake = self.fake
        if match := _JOB.match(path):
            job = fake.jobs.get(match["name"])
            if job is None:
                self._send(404, [{"error": {"code": 404, "message": "Job not found.", "status": "NOT_FOUND"}}])
                return
            with fake._lock:
                fake._advance(job)
                self._send(200, fake._view(job))
            return
        parts = path.split("/")
        if path.startswith("/storage/v1/b/") and len(parts) == 5:
            bucket = unquote(parts[4])
            if bucket not in fake.buckets:
                self._error(404, "The specified bucket does not exist.")
            else:
                self._send(200, {"kind": "storage#bucket", "name": bucket, "location": "US-CENTRAL1"})
            return
        if path.startswith("/storage/v1/b/") and len(parts) == 6 and parts[5] == "o":
            bucket = unquote(parts[4])
            prefix = query.get("prefix", [""])[0]
            names = sorted(name for (b, name) in fake.objects if b == bucket and name.startswith(prefix))
            start = int(query.get("pageToken", ["0"])[0])
            page = names[start:start + fake.page_size]
            body: dict[str, Any] = {"kind": "storage#objects",
                                    "items": [{"kind": "storage#object", "name": n, "bucket": bucket} for n in page]}
            if start + fake.page_size < len(names):
                body["nextPageToken"] = str(start + fake.page_size)
            self._send(200, body)
            return
        if path.startswith("/storage/v1/b/") and len(parts) >= 7 and parts[5] == "o":
            key = (unquote(parts[4]), unquote("/".join(parts[6:])))
            if key not in fake.objects or query.get("alt") != ["media"]:
                self._error(404, f"No such object: {key[0]}/{key[1]}")
            else:
                self._send(200, fake.objects[key], raw=True)
            return
        self._error(404, f"Not Found: {path}")

    def do_POST(self) -> None:
        begun = self._begin("POST")
        data = self._body()
        if begun is None:
            return
        path, query = begun
        fake = self.fake
        if match := _JOBS.match(path):
            self._send(200, fake._create(match["project"], match["location"], json.loads(data)))
            return
        if (match := _JOB.match(path)) and match["cancel"]:
            job = fake.jobs.get(match["name"])
            if job is None:
                self._error(404, "Job not found.")
                return
            with fake._lock:
                if job.state not in ("JOB_STATE_SUCCEEDED", "JOB_STATE_CANCELLED", "JOB_STATE_FAILED"):
                    job.state = "JOB_STATE_CANCELLING"
            self._send(200, {})
            return
        parts = path.split("/")
        if path.startswith("/upload/storage/v1/b/") and len(parts) == 7 and parts[6] == "o":
            bucket, name = unquote(parts[5]), query.get("name", [""])[0]
            if bucket not in fake.buckets:
                self._error(404, "The specified bucket does not exist.")
                return
            fake.objects[(bucket, name)] = data
            self._send(200, {"kind": "storage#object", "name": name, "bucket": bucket, "size": str(len(data)),
                             "selfLink": f"{fake.origin}/storage/v1/b/{bucket}/o/{quote(name, safe='')}"})
            return
        self._error(404, f"Not Found: {path}")


FakeBatch.handler = _Handler
