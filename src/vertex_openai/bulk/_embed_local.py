"""The local engine for embeddings: items grouped into `client.embeddings.create` calls, under the AIMD limit.

Grouping: each call carries as many items as one request of the model may hold by Google's documented
limits (`_embed_request.group_items`): one text for `gemini-embedding-001`; up to 250 texts and an
estimated 20,000 tokens for `text-embedding-005` / `text-multilingual-embedding-002`; one text for any
other model. So one call is one HTTP exchange, and the capacity control (`AdaptiveLimit`, shared with
extract) sees every request and every 429. The client's own retries are off (`max_retries=0`): the
runner retries transient failures (429, 408, 409, 5xx, connection errors) with backoff, a RetryInfo delay
taking precedence, as extract's local engine does. A group refused for good (a 400, or a check before
sending) is split into single items, so only the item at fault gets an error line. 401, 403 and 404 stop
the run (`BulkAbortedError`) without writing a line for the group: a rerun picks it up.
A sync client is driven from daemon threads (`_schedule.DaemonThreads`), so after an abort the process exits
without waiting for the blocking requests still in flight.
Each line is `{"id", "embedding": [floats]}` or `{"id", "error": {"type", "message", "status"?}}`; the
values are written with 8 significant digits (the SDK's float32 values carry about 7).
"""

from __future__ import annotations

import asyncio
import inspect
import random
import time
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

import openai

from ._capacity import AdaptiveLimit
from ._embed_request import group_items, text_of
from ._items import BulkInputError, Item
from ._local import retry_delay_of
from ._output import ResultWriter
from ._progress import Progress
from ._schedule import DaemonThreads, run_bounded, unfinished
from ._summary import BulkAbortedError, ExtractSummary

__all__ = ["EmbedRunner"]

_TRANSIENT_STATUS = frozenset({408, 409, 500, 502, 503, 504})
_FATAL_STATUS = frozenset({401, 403, 404})
Group = list[tuple[Item, str]]


def _compact(values: Any) -> list[float]:
    """The vector with 8 significant digits per value: the SDK hands over float32 values (about 7 digits of
    precision) as Python floats, whose full repr would take 17 digits each in the output line."""
    return [float(f"{value:.8g}") for value in values]


class EmbedRunner:
    """One local run of `bulk.embed`; `run()` fills and returns `summary`. See the module docstring."""

    def __init__(self, client: Any, *, model: str, writer: ResultWriter, progress: Progress, limit: AdaptiveLimit,
                 summary: ExtractSummary, text_field: str = "text", dimensions: int | None = None,
                 extra_body: Mapping[str, Any] | None = None, request_options: Mapping[str, Any] | None = None,
                 max_attempts: int = 8, backoff_base: float = 0.5, backoff_cap: float = 30.0,
                 max_items: int | None = None) -> None:
        self.client = client.with_options(max_retries=0)
        self.model = model
        self.writer = writer
        self.progress = progress
        self.limit = limit
        self.summary = summary
        self.text_field = text_field
        self.options: dict[str, Any] = {**(request_options or {}), "model": model, "encoding_format": "float"}
        if dimensions is not None:
            self.options["dimensions"] = dimensions
        if extra_body:
            self.options["extra_body"] = {**self.options.get("extra_body", {}), **extra_body}
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_items = max_items
        self._executor: DaemonThreads | None = None

    # -- calling the model -----------------------------------------------------------------------------------
    async def _call(self, create: Callable[..., Any], texts: list[str]) -> Any:
        self.summary.requests += 1
        if inspect.iscoroutinefunction(create):
            return await create(input=texts, **self.options)
        if self._executor is None:
            self._executor = DaemonThreads(self.limit.ceiling)
        return await asyncio.get_running_loop().run_in_executor(self._executor,
                                                                partial(create, input=texts, **self.options))

    def _backoff(self, attempt: int) -> float:
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)))

    # -- recording -------------------------------------------------------------------------------------------
    def _write(self, record: dict[str, Any], tokens: int = 0) -> None:
        if record["id"] in self.writer.done:
            return
        self.writer.write(record)
        ok = "error" not in record
        if ok:
            self.summary.succeeded += 1
        else:
            self.summary.failed += 1
        self.progress.advance(ok=ok, tokens=tokens)

    def _fail(self, group: Group, kind: str, message: str, status: int | None = None) -> None:
        error: dict[str, Any] = {"type": kind, "message": message}
        if status is not None:
            error["status"] = status
        for item, _ in group:
            self._write({"id": item.id, "error": dict(error)})

    def _succeed(self, group: Group, response: Any) -> None:
        data = sorted(getattr(response, "data", None) or [], key=lambda d: d.index)
        if len(data) != len(group):
            self._fail(group, "api_error", f"asked for {len(group)} embeddings, got {len(data)}")
            return
        usage = getattr(response, "usage", None)
        tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        self.summary.prompt_tokens += tokens
        share = tokens // len(group)
        for (item, _), datum in zip(group, data, strict=True):
            self._write({"id": item.id, "embedding": _compact(datum.embedding)}, share)

    # -- one group -------------------------------------------------------------------------------------------
    async def _split(self, group: Group, create: Callable[..., Any]) -> None:
        """A group refused for good: each item alone, so only the one at fault gets the error."""
        for pair in group:
            await self._group([pair], await self.limit.acquire(), create)

    async def _group(self, group: Group, epoch: int, create: Callable[..., Any]) -> None:
        texts = [text for _, text in group]
        attempt, held = 0, True
        while True:
            if not held:
                epoch = await self.limit.acquire()
            held = False
            attempt += 1
            sent = time.monotonic()
            try:
                response = await self._call(create, texts)
            except openai.RateLimitError as err:
                delay = retry_delay_of(err)
                await self.limit.release(epoch, throttled=True, retry_delay=delay, success=False,
                                         latency=time.monotonic() - sent)
                if attempt >= self.max_attempts:
                    self._fail(group, "rate_limited", str(err), 429)
                    return
                self.summary.retries += 1
                if delay is None:
                    await asyncio.sleep(self._backoff(attempt))
                continue
            except (openai.APIConnectionError, openai.APIStatusError, openai.APIResponseValidationError) as err:
                status = getattr(err, "status_code", None)
                transient = (status is None or status in _TRANSIENT_STATUS or status >= 500
                             or isinstance(err, openai.APIResponseValidationError))
                await self.limit.release(epoch, success=False)
                if status in _FATAL_STATUS:
                    raise BulkAbortedError(f"stopped at item {group[0][0].id!r}: {err}") from err
                if not transient:
                    if len(group) > 1:
                        await self._split(group, create)
                    else:
                        self._fail(group, "bad_request" if status == 400 else "api_error", str(err), status)
                    return
                if attempt >= self.max_attempts:
                    self._fail(group, "transient", str(err), status)
                    return
                self.summary.retries += 1
                await asyncio.sleep(retry_delay_of(err) or self._backoff(attempt))
                continue
            except (ValueError, TypeError) as err:  # refused before sending: that item only
                await self.limit.release(epoch, success=False)
                if len(group) > 1:
                    await self._split(group, create)
                else:
                    self._fail(group, "request", str(err))
                return
            except BaseException:
                await asyncio.shield(self.limit.release(epoch, success=False))
                raise
            await self.limit.release(epoch, latency=time.monotonic() - sent)
            self._succeed(group, response)
            return

    # -- the run ---------------------------------------------------------------------------------------------
    def _todo(self, items: Iterable[Item]) -> Iterable[tuple[Item, str]]:
        """(item, text) for each item not done yet, duplicates refused; a bad text becomes that item's error line."""
        for item in unfinished(items, self.writer, self.summary, self.max_items):
            try:
                text = text_of(item, self.text_field)
            except BulkInputError as err:
                self._write({"id": item.id, "error": {"type": "input", "message": str(err)}})
                continue
            yield item, text

    async def run(self, items: Iterable[Item]) -> ExtractSummary:
        create = self.client.embeddings.create
        await run_bounded(group_items(self._todo(items), self.model), partial(self._group, create=create),
                          limit=self.limit, max_pending=2 * self.limit.ceiling + 16, summary=self.summary,
                          threads=lambda: self._executor)
        return self.summary
