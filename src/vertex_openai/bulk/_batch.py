"""The batch engine: the same items as Vertex AI batch prediction jobs, results into the same output JSONL.

Flow: skip ids already in the output; write the requests as JSONL, split so that no job exceeds
Google's per-job limits (200,000 requests, 1 GB of input); upload each part and its row-key manifest
to `gs://BUCKET/PREFIX/`; create one `batchPredictionJobs` job per part; poll them, showing their
completion stats; download every prediction file and write one result line per row, tied to its item
by the row key the output echoes (never by position). The jobs are remembered in `<output>.batch.json`,
so running the same command again (or `resume_job=NAME`) collects them instead of submitting anew.
Ctrl-C on a terminal asks whether to cancel the jobs or detach; without a terminal it detaches.
A cancelled job's completed rows are collected like any other.

Job names (from `resume_job`, the state file or Google's reply) are checked before they go into a URL;
a job the output's run record does not know must carry this run's identity in its manifest and only
ids of this input. Output rows are read one at a time: a bad row fails its own item (or is counted
as unreadable), never the collection.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any

import pydantic

from .._endpoints import validate_location, validate_project
from ..structured import StructuredOutputError
from ._batch_job import TERMINAL_STATES, BatchApi, BatchApiError, check_job_name, endpoints_for, split_gcs_uri
from ._batch_request import (
    ROW_LABEL,
    gemini_model_path,
    is_gemini,
    openai_batch_line,
    parse_output_line,
    request_digest,
    response_schema,
    to_gemini_request,
)
from ._identity import run_identity
from ._items import BulkInputError, Item, Prompt, messages_for
from ._output import ResultWriter, ResumeMismatchError, id_digest
from ._progress import Progress
from ._summary import ExtractSummary, Prices

__all__ = ["MAX_BYTES_PER_JOB", "MAX_ROWS_PER_JOB", "run_batch"]

# The row key of a row that is not valid JSON can still be read from its bytes (it is our own label).
_LABEL_IN_BYTES = re.compile(rb'"' + ROW_LABEL.encode("ascii") + rb'"\s*:\s*"(r[0-9]{1,12})"')
MAX_ROWS_PER_JOB = 200_000
MAX_BYTES_PER_JOB = 1_000_000_000


def _validator(response_format: Any) -> Callable[[str], Any]:
    def validate(text: str) -> Any:
        try:
            if isinstance(response_format, type) and issubclass(response_format, pydantic.BaseModel):
                return response_format.model_validate_json(text).model_dump(mode="json")
            return json.loads(text)
        except pydantic.ValidationError as err:
            raise StructuredOutputError(text, list(err.errors()), err) from err
        except ValueError as err:
            raise StructuredOutputError(text, [], err) from err

    return validate


class _Part:
    """One job's input being written: a temp JSONL file and its manifest of row keys."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.rows = 0
        self.input: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.ids: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115

    def close(self) -> None:
        self.input.close()
        self.ids.close()


class BatchRun:
    """One run of the batch engine; see the module docstring."""

    def __init__(self, client: Any, *, prompt: Prompt, response_format: Any, model: str, writer: ResultWriter,
                 gcs: str | None, location: str | None, system: str | None, request_options: Mapping[str, Any],
                 progress: bool, poll_interval: float, max_rows_per_job: int, max_bytes_per_job: int,
                 schema_profile: str | None, interactive: bool | None, display_name: str | None,
                 allow_mismatch: bool = False) -> None:
        self.allow_mismatch = allow_mismatch
        source = getattr(client, "token_source", None)
        config = getattr(client, "_vertex_config", None)
        if source is None or config is None:
            raise BulkInputError("engine='batch' needs a vertex-openai client (it reuses its Google credentials)")
        self.location = validate_location(location or config.target.location)
        project = config.target.project
        if not project:
            raise BulkInputError(
                "engine='batch' needs a Google Cloud project for the job names (projects/PROJECT/...): pass "
                "project= to the client, --project, or set GOOGLE_CLOUD_PROJECT"
            )
        self.model = model
        if not is_gemini(model) and self.location == "global":
            raise BulkInputError(
                f"batch prediction for {model} (an OpenAI-format MaaS model) is not served on the global "
                "endpoint: pass location= / --location with a region that serves the model, e.g. us-central1"
            )
        vertex, storage = endpoints_for(self.location, str(config.target.base_url))
        self.api = BatchApi(source, vertex, storage, validate_project(project), self.location)
        self.gcs = gcs
        self.prompt = prompt
        self.system = system
        self.options = dict(request_options)
        self.writer = writer
        self.validate = _validator(response_format)
        profile = schema_profile or ("openapi" if config.options.get("schema_adaptation") == "openapi"
                                     else "jsonschema")
        self.response_format = response_format
        self.schema_field, self.schema = response_schema(response_format, profile)
        self.progress_enabled = progress
        self.poll_interval = poll_interval
        self.max_rows = max_rows_per_job
        self.max_bytes = max_bytes_per_job
        self.interactive = interactive
        self.display_name = display_name or f"vertex-openai-extract-{Path(writer.path).stem}"
        self.state_path = writer.path.with_name(writer.path.name + ".batch.json")
        self.summary = ExtractSummary(output=str(writer.path), engine="batch", repaired_bytes=writer.repaired_bytes)

    # -- state -------------------------------------------------------------------------------------------
    def _load_state(self) -> list[dict[str, Any]]:
        try:
            jobs = json.loads(self.state_path.read_text(encoding="utf-8")).get("jobs", [])
        except FileNotFoundError:
            return []
        except ValueError:
            raise BulkInputError(f"{self.state_path} is not valid JSON; delete it to submit new jobs") from None
        if not isinstance(jobs, list):
            raise BulkInputError(f"{self.state_path} has no list of jobs; delete it to submit new jobs")
        checked = []
        for job in jobs:
            if not isinstance(job, dict) or "name" not in job:
                continue
            try:
                check_job_name(job["name"], str(self.state_path))
            except ValueError as err:
                raise BulkInputError(f"{err}; delete {self.state_path} to submit new jobs") from None
            checked.append(job)
        return checked

    def _save_state(self, jobs: list[dict[str, Any]]) -> None:
        if not jobs:
            self.state_path.unlink(missing_ok=True)
            return
        tmp = self.state_path.with_name(self.state_path.name + ".tmp")
        tmp.write_text(json.dumps({"jobs": jobs}, indent=1), encoding="utf-8")
        os.replace(tmp, self.state_path)

    # -- submission ----------------------------------------------------------------------------------------
    def _line(self, item: Item, key: str) -> tuple[dict[str, Any], str]:
        messages = messages_for(item, self.prompt, self.system)
        if is_gemini(self.model):
            request = to_gemini_request(messages, schema_field=self.schema_field, schema=self.schema,
                                        options=self.options, row_key=key)
            return {"request": request}, request_digest(request)
        body = {**self.options, "model": self.model, "messages": messages, "response_format": {
            "type": "json_schema", "json_schema": {"name": "row", "schema": self.schema, "strict": True}}}
        return openai_batch_line(body, key), request_digest(body)

    def _submit(self, items: Iterable[Item], limit: int | None) -> list[dict[str, Any]]:
        if not self.gcs:
            raise BulkInputError("engine='batch' needs gcs='gs://BUCKET/PREFIX' (--gcs): where to stage the job files")
        bucket, prefix = split_gcs_uri(self.gcs)
        self.api.check_bucket(bucket)
        run = f"{prefix.rstrip('/') + '/' if prefix else ''}vertex-openai-{time.strftime('%Y%m%d-%H%M%S')}-" \
              f"{uuid.uuid4().hex[:6]}"
        parts: list[_Part] = []
        current: _Part | None = None
        count = 0
        for item in items:
            if item.id in self.writer.done:
                self.summary.skipped += 1
                continue
            if limit is not None and count >= limit:
                break
            key = f"r{count}"
            line, digest = self._line(item, key)
            data = (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
            if len(data) > self.max_bytes:
                raise BulkInputError(f"{item.where}: item {item.id!r} alone is over the per-job input limit")
            if current is None or current.rows >= self.max_rows or current.input.tell() + len(data) > self.max_bytes:
                current = _Part(len(parts))
                parts.append(current)
                identity = (self.writer.record or {}).get("identity")
                current.ids.write((json.dumps({"identity": identity}) + "\n").encode("utf-8"))
            current.input.write(data)
            current.ids.write((json.dumps({"key": key, "id": item.id, "digest": digest}) + "\n").encode("utf-8"))
            current.rows += 1
            count += 1
        jobs = []
        try:
            for part in parts:
                input_name, ids_name = f"{run}/input-{part.number}.jsonl", f"{run}/ids-{part.number}.jsonl"
                for handle, name in ((part.input, input_name), (part.ids, ids_name)):
                    handle.seek(0)
                    self.api.upload(bucket, name, handle, "application/jsonl")
                body = {
                    "displayName": f"{self.display_name}-{part.number}",
                    **self._model_fields(),
                    "inputConfig": {"instancesFormat": "jsonl", "gcsSource": {"uris": [f"gs://{bucket}/{input_name}"]}},
                    "outputConfig": {"predictionsFormat": "jsonl",
                                     "gcsDestination": {"outputUriPrefix": f"gs://{bucket}/{run}/output-{part.number}"}},
                }
                name = self.api.create_job_name(body)
                jobs.append({"name": name, "ids": f"gs://{bucket}/{ids_name}", "rows": part.rows})
                self.writer.note_jobs([name])
                self._save_state([*self._load_state(), jobs[-1]])
        finally:
            for part in parts:
                part.close()
        return jobs

    def _model_fields(self) -> dict[str, Any]:
        """The job body's model field (an engine for other kinds of requests adds its parameters)."""
        return {"model": gemini_model_path(self.model) if is_gemini(self.model) else self._maas_path()}

    def _maas_path(self) -> str:
        publisher, _, name = self.model.partition("/")
        return f"publishers/{publisher}/models/{name}" if name else self.model

    # -- waiting -------------------------------------------------------------------------------------------
    def _ask_cancel(self) -> bool:
        interactive = self.interactive
        if interactive is None:
            interactive = sys.stdin.isatty() and sys.stderr.isatty()
        if not interactive:
            return False
        sys.stderr.write("\nCancel the batch job(s) [c], or detach and leave them running [d]? ")
        sys.stderr.flush()
        try:
            answer = sys.stdin.readline().strip().lower()
        except (KeyboardInterrupt, EOFError):
            return False
        return answer.startswith("c")

    def _wait(self, jobs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        total = sum(int(job.get("rows", 0)) for job in jobs) or None
        progress = Progress(total, enabled=self.progress_enabled)
        finished: dict[str, dict[str, Any]] = {}
        cancelling = False
        try:
            while True:
                try:
                    done = failed = 0
                    for job in jobs:
                        if job["name"] in finished:
                            state = finished[job["name"]]
                        else:
                            state = self.api.get_job(job["name"])
                            if state.get("state") in TERMINAL_STATES:
                                finished[job["name"]] = state
                        stats = state.get("completionStats") or {}
                        done += int(stats.get("successfulCount", 0) or 0)
                        failed += int(stats.get("failedCount", 0) or 0)
                    progress.show(done, failed, note=f" ({len(finished)}/{len(jobs)} jobs finished)")
                    if len(finished) == len(jobs):
                        return finished
                    time.sleep(self.poll_interval)
                except KeyboardInterrupt:
                    if cancelling or not self._ask_cancel():
                        raise
                    cancelling = True
                    for job in jobs:
                        if job["name"] not in finished:
                            self.api.cancel_job(job["name"])
                    sys.stderr.write("cancelling; the rows already completed will be collected\n")
        finally:
            progress.close()

    # -- collecting ------------------------------------------------------------------------------------------
    def _manifest(self, uri: str) -> tuple[dict[str, str], dict[str, list[str]]]:
        keys, digests, _ = self._read_manifest(uri)
        return keys, digests

    def _read_manifest(self, uri: str) -> tuple[dict[str, str], dict[str, list[str]], Any]:
        """(row key → id, request digest → row keys, the identity of the run that wrote it or None)."""
        bucket, name = split_gcs_uri(uri)
        keys: dict[str, str] = {}
        digests: dict[str, list[str]] = {}
        identity: Any = None
        for number, raw in enumerate(self.api.download_lines(bucket, name), 1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
                if "identity" in row:
                    identity = row["identity"]
                    continue
                keys[str(row["key"])] = str(row["id"])
                digests.setdefault(str(row["digest"]), []).append(str(row["key"]))
            except (ValueError, TypeError, KeyError):
                raise BatchApiError(f"{uri}:{number}: not a row of a vertex-openai job manifest") from None
        return keys, digests, identity

    def _check_foreign_job(self, job: Mapping[str, Any], items: Iterable[Item]) -> None:
        """A job this output has no record of must come from the same job and the same items."""
        keys, _, identity = self._read_manifest(str(job["ids"]))
        ours = (self.writer.record or {}).get("identity")
        if identity is not None and ours is not None and identity != ours and not self.allow_mismatch:
            changed = sorted(k for k in set(identity) | set(ours) if identity.get(k) != ours.get(k))
            raise ResumeMismatchError(
                f"{job['name']} was run with a different {', '.join(changed)}; collecting it here would mix two "
                "jobs' rows in one output: run the command that started it, or pass allow_mismatch=True "
                "(--allow-mismatch)"
            )
        wanted = {id_digest(item.id) for item in items}
        foreign = [item_id for item_id in keys.values() if id_digest(item_id) not in wanted]
        if foreign:
            raise BulkInputError(
                f"{job['name']} was run on other items: {len(foreign)} of its {len(keys)} ids are not in this "
                f"input (e.g. {foreign[0]!r}); run --resume-job with the input that started it"
            )

    def _collect(self, job: dict[str, Any], state: Mapping[str, Any]) -> None:
        keys, digests = self._manifest(job["ids"])
        seen: set[str] = set()
        directory = (state.get("outputInfo") or {}).get("gcsOutputDirectory")
        if directory:
            bucket, prefix = split_gcs_uri(directory)
            for name in sorted(self.api.list(bucket, prefix.rstrip("/") + "/")):
                if not name.endswith(".jsonl"):
                    continue
                for number, raw in enumerate(self.api.download_lines(bucket, name), 1):
                    if raw.strip():
                        self._raw_row(raw, f"gs://{bucket}/{name}:{number}", keys, digests, seen)
        self.summary.missing += sum(1 for key, item_id in keys.items()
                                    if key not in seen and item_id not in self.writer.done)
        error = state.get("error")
        if state.get("state") != "JOB_STATE_SUCCEEDED" and isinstance(error, Mapping) and error.get("message"):
            # Google's text, kept as it came: whoever shows it on a terminal cleans it first (the CLI does).
            self.summary.job_errors.append(f"{job['name']} ended {state.get('state')}: {error.get('message')}")

    def _raw_row(self, raw: bytes, where: str, keys: Mapping[str, str], digests: Mapping[str, list[str]],
                 seen: set[str]) -> None:
        """One output row, checked on its own: a row that is not a JSON object fails its item (when its row key
        can still be read from the bytes) or is counted as unreadable; the rows after it are collected as usual."""
        try:
            line = json.loads(raw)
        except ValueError:
            line = None
        if isinstance(line, Mapping):
            self._row(line, keys, digests, seen)
            return
        self.summary.unreadable_rows += 1
        found = _LABEL_IN_BYTES.search(raw)
        key = found.group(1).decode("ascii") if found else None
        if key is None or key not in keys or key in seen:
            return
        seen.add(key)
        what = "not JSON" if line is None else f"a JSON {type(line).__name__}, not an object"
        self._record({"id": keys[key], "ok": False, "error": {
            "type": "batch_error", "message": f"the batch output row at {where} is {what}"}})

    def _row(self, line: Mapping[str, Any], keys: Mapping[str, str], digests: Mapping[str, list[str]],
             seen: set[str]) -> None:
        request = line.get("request") or line.get("body") or {}
        labels = request.get("labels") if isinstance(request, Mapping) else None
        key = labels.get(ROW_LABEL) if isinstance(labels, Mapping) else None
        if not isinstance(key, str):  # not echoed: fall back to the request's digest when it names exactly one row
            candidates = [k for k in digests.get(request_digest(request), []) if k not in seen]
            key = candidates[0] if len(candidates) == 1 else None
        if key is None or key not in keys or key in seen:
            return
        seen.add(key)
        try:
            parsed = parse_output_line(line, self.validate)
        except (TypeError, ValueError, AttributeError, KeyError, IndexError) as err:
            parsed = {"ok": False, "error": {"type": "batch_error",
                                             "message": f"the batch output row is malformed ({type(err).__name__})"}}
        self._record({"id": keys[key], **parsed})

    def _record(self, record: dict[str, Any]) -> None:
        if record["id"] in self.writer.done:
            return
        usage = record.get("usage") or {}
        self.summary.prompt_tokens += usage.get("prompt_tokens", 0)
        self.summary.completion_tokens += usage.get("completion_tokens", 0)
        self.writer.write(record)
        if record["ok"]:
            self.summary.succeeded += 1
        else:
            self.summary.failed += 1

    # -- the run ---------------------------------------------------------------------------------------------
    def run(self, items: Iterable[Item], *, limit: int | None, resume_job: str | None) -> ExtractSummary:
        started = time.monotonic()
        try:
            if resume_job is not None:
                try:
                    check_job_name(resume_job, "resume_job / --resume-job")
                except ValueError as err:
                    raise BulkInputError(str(err)) from None
            jobs = self._load_state()
            if resume_job is not None:
                if not any(job["name"] == resume_job for job in jobs):
                    recovered = self._recover(resume_job)
                    if resume_job not in self.writer.recorded_jobs:
                        self._check_foreign_job(recovered, items)
                    self.writer.note_jobs([resume_job])
                    jobs.append(recovered)
                jobs = [job for job in jobs if job["name"] == resume_job]
            elif not jobs:
                jobs = self._submit(items, limit)
            self.summary.jobs = [job["name"] for job in jobs]
            if jobs:
                try:
                    finished = self._wait(jobs)
                except KeyboardInterrupt:
                    self.summary.detached = True
                    return self.summary
                for job in jobs:
                    self._collect(job, finished[job["name"]])
                remaining = [job for job in self._load_state() if job["name"] not in finished]
                self._save_state(remaining)
        finally:
            self.api.close()
            self.summary.elapsed = time.monotonic() - started
        return self.summary

    def _recover(self, name: str) -> dict[str, Any]:
        """A job started elsewhere: its manifest sits beside its input file (`input-N` → `ids-N`)."""
        state = self.api.get_job(name)
        uris = ((state.get("inputConfig") or {}).get("gcsSource") or {}).get("uris") or []
        if not uris or "/input-" not in uris[0]:
            raise BulkInputError(f"{name} was not started by vertex-openai extract (no input-N.jsonl input)")
        head, _, tail = uris[0].rpartition("/input-")
        return {"name": name, "ids": f"{head}/ids-{tail}", "rows": 0}


def run_batch(client: Any, items: Iterable[Item], *, prompt: Prompt, response_format: Any, model: str,
              output: str | os.PathLike[str], gcs: str | None = None, location: str | None = None,
              resume_job: str | None = None, system: str | None = None,
              request_options: Mapping[str, Any] | None = None, limit: int | None = None,
              prices: Prices | None = None, progress: bool = True, poll_interval: float = 30.0,
              max_rows_per_job: int = MAX_ROWS_PER_JOB, max_bytes_per_job: int = MAX_BYTES_PER_JOB,
              schema_profile: str | None = None, interactive: bool | None = None,
              display_name: str | None = None, fsync_interval: float = 1.0,
              allow_mismatch: bool = False) -> ExtractSummary:
    """Run the items as Vertex AI batch prediction jobs; see the module docstring."""
    identity = run_identity(prompt=prompt, response_format=response_format, model=model, system=system,
                            request_options=request_options)
    with ResultWriter(output, fsync_interval=fsync_interval, identity=identity, allow_mismatch=allow_mismatch,
                      engine="batch") as writer:
        run = BatchRun(client, prompt=prompt, response_format=response_format, model=model, writer=writer, gcs=gcs,
                       location=location, system=system, request_options=request_options or {}, progress=progress,
                       poll_interval=poll_interval, max_rows_per_job=max_rows_per_job,
                       max_bytes_per_job=max_bytes_per_job, schema_profile=schema_profile, interactive=interactive,
                       display_name=display_name, allow_mismatch=allow_mismatch)
        summary = run.run(items, limit=limit, resume_job=resume_job)
    if prices is not None:
        summary.cost = prices.cost(summary.prompt_tokens, summary.completion_tokens)
    return summary
