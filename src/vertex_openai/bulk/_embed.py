"""`bulk.embed`: one embedding line per item into a resumable JSONL, on this machine or as a Vertex AI batch job.

The output has one line per input id: `{"id": ..., "embedding": [floats]}`, or `{"id": ..., "error": {...}}`
for an item that failed. It is written like extract's output (`_output.ResultWriter`: whole lines, a lock,
ids already there skipped on the next run), so a killed run continues where it stopped.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from ..gemini import embedding_extra_body
from ._capacity import AdaptiveLimit
from ._embed_request import check_dimensions, checked_task_type, text_of
from ._identity import check_output_is_not_input
from ._items import BulkInputError, Item, count_and_check_ids, iter_items
from ._output import ResultWriter
from ._progress import Progress
from ._summary import ExtractSummary

__all__ = ["EmbedInterrupted", "aembed", "embed", "format_embed_summary"]


class EmbedInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped `embed`; `summary` counts the lines written before it. Rerun the same call to resume."""

    def __init__(self, summary: ExtractSummary) -> None:
        super().__init__(f"interrupted: {summary.succeeded + summary.failed} written")
        self.summary = summary


def _prepared(items: Any, *, id_field: str, text_field: str, check_input: bool) -> tuple[Iterable[Item], int | None]:
    """The items and their count; a path or a sequence is checked in full (ids, texts) before anything is sent."""
    reiterable = isinstance(items, (str, os.PathLike, list, tuple))
    if not reiterable or not check_input:
        return iter_items(items, id_field=id_field), None

    def checked() -> Iterable[Item]:
        for item in iter_items(items, id_field=id_field):
            text_of(item, text_field)
            yield item

    total = count_and_check_ids(checked())
    return iter_items(items, id_field=id_field), total


def _extra_body(task_type: str | None) -> dict[str, Any]:
    """What `embeddings.create` takes as `extra_body=` for the task type (`gemini.embedding_extra_body`)."""
    return {} if task_type is None else embedding_extra_body(task_type=task_type)


def _identity(model: str, text_field: str, dimensions: int | None, task_type: str | None) -> dict[str, Any]:
    """What shapes an embed run's lines, recorded beside the output: a resume with another model, size or task
    type would mix vectors that cannot be compared in one file, so it is refused (unless allow_mismatch)."""
    return {"kind": "embed", "model": model.removeprefix("google/"), "text_field": text_field,
            "dimensions": dimensions, "task_type": task_type}


def _check(model: str, dimensions: int | None, task_type: str | None) -> str | None:
    """Refuse a bad model, dimensions or task type before anything is sent; return the task type Google's way."""
    if not isinstance(model, str) or not model:
        raise BulkInputError(f"model must be an embedding model id such as 'gemini-embedding-001', got {model!r}")
    check_dimensions(dimensions, model)
    return checked_task_type(task_type)


async def _run_local(client: Any, items: Any, summary: ExtractSummary, *, model: str, output: str | os.PathLike[str],
                     id_field: str, text_field: str, dimensions: int | None, task_type: str | None,
                     concurrency: int, initial_concurrency: int | None, limit: int | None, progress: bool,
                     fsync_interval: float, check_input: bool, max_attempts: int,
                     request_options: Mapping[str, Any] | None, allow_mismatch: bool) -> ExtractSummary:
    from ._embed_local import EmbedRunner

    task_type = _check(model, dimensions, task_type)
    check_output_is_not_input(items, output)
    prepared, total = _prepared(items, id_field=id_field, text_field=text_field, check_input=check_input)
    capacity = AdaptiveLimit(concurrency, initial=initial_concurrency)
    identity = _identity(model, text_field, dimensions, task_type)
    with ResultWriter(output, fsync_interval=fsync_interval, identity=identity, allow_mismatch=allow_mismatch,
                      engine="local") as writer:
        summary.repaired_bytes = writer.repaired_bytes
        left = None if total is None else max(0, total - len(writer.done))
        if limit is not None and left is not None:
            left = min(left, limit)
        shown = Progress(left, enabled=progress)
        runner = EmbedRunner(client, model=model, writer=writer, progress=shown, limit=capacity, summary=summary,
                             text_field=text_field, dimensions=dimensions, extra_body=_extra_body(task_type),
                             request_options=request_options, max_attempts=max_attempts, max_items=limit)
        try:
            await runner.run(prepared)
        finally:
            shown.close()
    summary.total = total
    return summary


async def aembed(
    client: Any,
    items: Any,
    *,
    model: str,
    output: str | os.PathLike[str],
    id_field: str = "id",
    text_field: str = "text",
    dimensions: int | None = None,
    task_type: str | None = None,
    concurrency: int = 32,
    initial_concurrency: int | None = None,
    limit: int | None = None,
    progress: bool = True,
    fsync_interval: float = 1.0,
    check_input: bool = True,
    max_attempts: int = 8,
    request_options: Mapping[str, Any] | None = None,
    allow_mismatch: bool = False,
) -> ExtractSummary:
    """Embed every item on this machine (the local engine) from a running event loop; see `embed`."""
    summary = ExtractSummary(output=str(output))
    return await _run_local(client, items, summary, model=model, output=output, id_field=id_field,
                            text_field=text_field, dimensions=dimensions, task_type=task_type,
                            concurrency=concurrency, initial_concurrency=initial_concurrency, limit=limit,
                            progress=progress, fsync_interval=fsync_interval, check_input=check_input,
                            max_attempts=max_attempts, request_options=request_options,
                            allow_mismatch=allow_mismatch)


def embed(
    client: Any,
    items: Any,
    *,
    model: str,
    output: str | os.PathLike[str],
    engine: Literal["local", "batch"] = "local",
    id_field: str = "id",
    text_field: str = "text",
    dimensions: int | None = None,
    task_type: str | None = None,
    concurrency: int = 32,
    initial_concurrency: int | None = None,
    limit: int | None = None,
    progress: bool = True,
    fsync_interval: float = 1.0,
    check_input: bool = True,
    max_attempts: int = 8,
    request_options: Mapping[str, Any] | None = None,
    gcs: str | None = None,
    location: str | None = None,
    resume_job: str | None = None,
    poll_interval: float = 30.0,
    interactive: bool | None = None,
    display_name: str | None = None,
    max_rows_per_job: int = 30_000,
    max_bytes_per_job: int = 1_000_000_000,
    allow_mismatch: bool = False,
) -> ExtractSummary:
    """Write one embedding line per item of `items` to the JSONL file `output`; return the run's summary.

    client: a vertex-openai client, sync or async (engine="batch" needs a vertex-openai one). items: a .jsonl
    or .csv path, or an iterable of dicts / pydantic objects, each with an id in `id_field` and its text in
    `text_field`. model: e.g. "gemini-embedding-001" or "text-embedding-005". dimensions: the output
    dimensionality; task_type: one of Google's task types (e.g. "RETRIEVAL_DOCUMENT"). concurrency: the
    ceiling of the adaptive concurrency (local). limit: at most this many new items this run.
    engine="batch" runs a Vertex AI batch prediction job instead (`gcs="gs://BUCKET/PREFIX"` to stage its
    files, `location=` a region that serves the model, `resume_job=` to collect a job started earlier).
    Running again with the same output skips the ids already in it; a run with another model, text field,
    dimensions or task type than the one recorded beside the output (`<output>.run.json`) is refused
    (`ResumeMismatchError`) unless allow_mismatch=True. Ctrl-C raises `EmbedInterrupted` (a
    KeyboardInterrupt) whose `summary` counts the lines written.
    """
    summary = ExtractSummary(output=str(output), engine=engine)
    if engine == "batch":
        return _run_batch(client, items, summary, model=model, output=output, id_field=id_field,
                          text_field=text_field, dimensions=dimensions, task_type=task_type, limit=limit,
                          progress=progress, fsync_interval=fsync_interval, check_input=check_input, gcs=gcs,
                          location=location, resume_job=resume_job, poll_interval=poll_interval,
                          interactive=interactive, display_name=display_name, max_rows_per_job=max_rows_per_job,
                          max_bytes_per_job=max_bytes_per_job, allow_mismatch=allow_mismatch)
    if engine != "local":
        raise ValueError(f"engine must be 'local' or 'batch', got {engine!r}")
    if gcs is not None or resume_job is not None:
        raise BulkInputError("gcs= and resume_job= are for engine='batch'")
    try:
        return asyncio.run(_run_local(client, items, summary, model=model, output=output, id_field=id_field,
                                      text_field=text_field, dimensions=dimensions, task_type=task_type,
                                      concurrency=concurrency, initial_concurrency=initial_concurrency,
                                      limit=limit, progress=progress, fsync_interval=fsync_interval,
                                      check_input=check_input, max_attempts=max_attempts,
                                      request_options=request_options, allow_mismatch=allow_mismatch))
    except KeyboardInterrupt:
        raise EmbedInterrupted(summary) from None


def _run_batch(client: Any, items: Any, summary: ExtractSummary, *, model: str, output: str | os.PathLike[str],
               id_field: str, text_field: str, dimensions: int | None, task_type: str | None, limit: int | None,
               progress: bool, fsync_interval: float, check_input: bool, gcs: str | None, location: str | None,
               resume_job: str | None, poll_interval: float, interactive: bool | None, display_name: str | None,
               max_rows_per_job: int, max_bytes_per_job: int, allow_mismatch: bool) -> ExtractSummary:
    from ._embed_batch import EmbedBatchRun

    task_type = _check(model, dimensions, task_type)
    check_output_is_not_input(items, output)
    prepared, total = _prepared(items, id_field=id_field, text_field=text_field, check_input=check_input)
    identity = _identity(model, text_field, dimensions, task_type)
    with ResultWriter(output, fsync_interval=fsync_interval, identity=identity, allow_mismatch=allow_mismatch,
                      engine="batch") as writer:
        run = EmbedBatchRun(client, model=model, writer=writer, text_field=text_field, dimensions=dimensions,
                            task_type=task_type, gcs=gcs, location=location, progress=progress,
                            poll_interval=poll_interval, max_rows_per_job=max_rows_per_job,
                            max_bytes_per_job=max_bytes_per_job, interactive=interactive, display_name=display_name,
                            allow_mismatch=allow_mismatch)
        try:
            result = run.run(prepared, limit=limit, resume_job=resume_job)
        except KeyboardInterrupt:
            raise EmbedInterrupted(run.summary) from None
    result.total = total
    return result


def format_embed_summary(summary: ExtractSummary) -> str:
    """The final summary line(s) of an embed run."""
    lines = [f"{summary.succeeded} embedded, {summary.failed} failed, {summary.skipped} already done "
             f"in {summary.elapsed:.1f} s ({summary.prompt_tokens:,} tokens)"]
    if summary.throttled:
        lines.append(f"429 answers: {summary.throttled} (concurrency settled at {summary.final_concurrency:.0f})")
        if summary.quota_rate:
            lines.append(f"quota learned from its 429s: about {summary.quota_rate:.1f} requests/s; "
                         "requests were paced just below it")
    if summary.repaired_bytes:
        lines.append(f"repaired a torn last line in the output ({summary.repaired_bytes} bytes cut)")
    if summary.failed:
        lines.append(f"failed items are in {summary.output} with an \"error\" instead of an \"embedding\"")
    if summary.missing:
        lines.append(f"{summary.missing} item(s) got no answer from the batch job: run again to send them")
    if summary.detached:
        lines.append(f"detached: the job(s) keep running on Vertex AI: {' '.join(summary.jobs)}; run the same "
                     "command again (or add --resume-job NAME) to collect the results")
    return "\n".join(lines)
