"""Bulk work on a client: structured extraction (`extract`) and embeddings (`embed`), each into one resumable JSONL.

Example::

    from vertex_openai.bulk import extract
    summary = extract(client, "tickets.jsonl", prompt="Classify this ticket:\\n{text}",
                      response_format=Ticket, model="google/gemini-2.5-flash", output="tickets.out.jsonl")

Each item gets one output line, `{"id", "ok": true, "result", "usage"}` or `{"id", "ok": false, "error"}`.
Running again with the same output skips the ids already there. The Bulk extraction page of the docs
(bulk.html) has the write and resume guarantees, the capacity control, and the Vertex AI batch prediction
engine (`engine="batch"`).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from ._batch_job import BatchApiError
from ._capacity import AdaptiveLimit, CapacityStats
from ._embed import EmbedInterrupted, aembed, embed, format_embed_summary
from ._identity import check_output_is_not_input, run_identity
from ._items import BulkInputError, Item, Prompt, count_and_check_ids, iter_items, template_fields
from ._local import LocalRunner
from ._output import OutputFileError, OutputLockedError, ResultWriter, ResumeMismatchError, read_results
from ._progress import Progress, format_summary
from ._summary import BulkAbortedError, ExtractSummary, Prices

__all__ = [
    "AdaptiveLimit",
    "BatchApiError",
    "BulkAbortedError",
    "BulkInputError",
    "CapacityStats",
    "EmbedInterrupted",
    "ExtractSummary",
    "OutputFileError",
    "OutputLockedError",
    "Prices",
    "ResumeMismatchError",
    "aembed",
    "aextract",
    "embed",
    "extract",
    "format_embed_summary",
    "format_summary",
    "read_results",
]


def _check_prompt(prompt: Any) -> None:
    if isinstance(prompt, str):
        template_fields(prompt)
    elif not callable(prompt):
        raise BulkInputError(f"prompt must be a template string or a callable, got {type(prompt).__name__}")


def _prepared_items(items: Any, *, id_field: str, media_field: str | None, prompt: Prompt,
                    check_input: bool, follow_links: bool = False) -> tuple[Iterable[Item], int | None]:
    """The items to run and their count; a path or a sequence is checked in full before anything is sent."""
    _check_prompt(prompt)
    reiterable = isinstance(items, (str, os.PathLike, list, tuple))
    if not reiterable or not check_input:
        return iter_items(items, id_field=id_field, media_field=media_field, follow_links=follow_links), None
    fields = template_fields(prompt) if isinstance(prompt, str) else []

    def checked() -> Iterable[Item]:
        for item in iter_items(items, id_field=id_field, media_field=media_field, follow_links=follow_links):
            missing = [name for name in fields if name not in item.fields]
            if missing:
                raise BulkInputError(f"{item.where}: item {item.id!r} has no field {missing[0]!r}, "
                                     "which the prompt template uses")
            yield item

    total = count_and_check_ids(checked())
    return iter_items(items, id_field=id_field, media_field=media_field, follow_links=follow_links), total


async def aextract(
    client: Any,
    items: Any,
    *,
    prompt: Prompt,
    response_format: Any,
    model: str,
    output: str | os.PathLike[str],
    id_field: str = "id",
    media_field: str | None = None,
    system: str | None = None,
    concurrency: int = 32,
    initial_concurrency: int | None = None,
    limit: int | None = None,
    reask: bool = False,
    max_attempts: int = 8,
    request_options: Mapping[str, Any] | None = None,
    prices: Prices | None = None,
    progress: bool = True,
    fsync_interval: float = 1.0,
    check_input: bool = True,
    allow_mismatch: bool = False,
    follow_links: bool = False,
) -> ExtractSummary:
    """Run every item through `parse()` on the local machine; see `extract` for the arguments."""
    check_output_is_not_input(items, output)
    prepared, total = _prepared_items(items, id_field=id_field, media_field=media_field, prompt=prompt,
                                      check_input=check_input, follow_links=follow_links)
    capacity = AdaptiveLimit(concurrency, initial=initial_concurrency)
    identity = run_identity(prompt=prompt, response_format=response_format, model=model, system=system,
                            request_options=request_options)
    with ResultWriter(output, fsync_interval=fsync_interval, identity=identity, allow_mismatch=allow_mismatch,
                      engine="local") as writer:
        already = len(writer.done)
        shown = Progress(None if total is None else max(0, total - already), enabled=progress)
        runner = LocalRunner(
            client, prompt=prompt, response_format=response_format, model=model, writer=writer, progress=shown,
            limit=capacity, system=system, request_options=request_options, reask=reask,
            max_attempts=max_attempts, max_items=limit,
        )
        try:
            summary = await runner.run(prepared)
        finally:
            shown.close()
    summary.total = total
    if prices is not None:
        summary.cost = prices.cost(summary.prompt_tokens, summary.completion_tokens)
    return summary


def extract(
    client: Any,
    items: Any,
    *,
    prompt: Prompt,
    response_format: Any,
    model: str,
    output: str | os.PathLike[str],
    engine: Literal["local", "batch"] = "local",
    **options: Any,
) -> ExtractSummary:
    """Extract one validated `response_format` row per item into the JSONL file `output`.

    client: a vertex-openai (or openai) client, sync or async. items: a .jsonl/.csv path, a folder of
    documents, or an iterable of dicts / pydantic objects with an id in `id_field`. prompt: a template
    with `{field}`s or a callable item -> prompt string or messages. concurrency: the ceiling for the
    adaptive concurrency. limit: at most this many new items this run. reask: one re-ask on a reply
    that does not validate. prices: for the cost estimate. allow_mismatch: add to an output that a
    different job (model, schema, prompt, system, options) produced, instead of refusing. follow_links:
    let a folder input's links point outside the folder (refused by default).
    engine="batch" sends the same requests to Vertex AI batch prediction at Google's batch price
    (options `gcs=`, `location=`, `resume_job=`, `poll_interval=`; see
    bulk.html#vertex-ai-batch-prediction-enginebatch in the docs); the results land in the same output file.
    """
    if engine == "batch":
        from ._batch import run_batch

        check_input = options.pop("check_input", True)
        check_output_is_not_input(items, output)
        prepared, _ = _prepared_items(items, id_field=options.pop("id_field", "id"),
                                      media_field=options.pop("media_field", None), prompt=prompt,
                                      check_input=check_input, follow_links=options.pop("follow_links", False))
        return run_batch(client, prepared, prompt=prompt, response_format=response_format, model=model,
                         output=output, **options)
    if engine != "local":
        raise ValueError(f"engine must be 'local' or 'batch', got {engine!r}")
    return asyncio.run(aextract(client, items, prompt=prompt, response_format=response_format, model=model,
                                output=output, **options))
