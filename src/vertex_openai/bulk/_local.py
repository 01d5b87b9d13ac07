"""The local engine: every item through `parse()` on an asyncio loop, with retries owned by the runner.

The runner calls `client.with_options(max_retries=0)` so it sees every 429 and feeds it to the AIMD
limiter. Transient failures (429, 408, 409, 5xx, connection errors, timeouts) are retried with
exponential backoff and full jitter, a RetryInfo delay taking precedence; permanent ones (400, 413, 422)
are recorded once. A reply that does not validate is recorded with its raw text, after one re-ask with
pydantic's errors if `reask=True`. 401, 403 and 404 mean the set-up is wrong for every item: the run
stops (`BulkAbortedError`) and nothing is recorded for the item, so a rerun picks it up.
A sync client is driven from a pool of daemon threads sized to the concurrency ceiling: after an abort,
the process exits without waiting for the blocking requests still in flight (a `ThreadPoolExecutor`'s
threads are joined at interpreter exit, which waited up to the request timeout).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import random
import time
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

import openai
import pydantic

from ..structured import StructuredOutputError
from ._capacity import AdaptiveLimit
from ._items import BulkInputError, Item, Prompt, messages_for
from ._output import ResultWriter
from ._progress import Progress
from ._schedule import DaemonThreads, run_bounded, unfinished
from ._summary import BulkAbortedError, ExtractSummary

__all__ = ["LocalRunner", "retry_delay_of"]

_TRANSIENT_STATUS = frozenset({408, 409, 500, 502, 503, 504})
_FATAL_STATUS = frozenset({401, 403, 404})


def retry_delay_of(err: BaseException) -> float | None:
    """Seconds the server asked us to wait: RetryInfo (`e.retry_delay`), `retry-after-ms`, or `retry-after`."""
    delay = getattr(err, "retry_delay", None)
    if isinstance(delay, (int, float)) and not isinstance(delay, bool) and delay >= 0:
        return float(delay)
    response = getattr(err, "response", None)
    headers = getattr(response, "headers", None) or {}
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is not None:
            try:
                return max(0.0, float(value) / scale)
            except ValueError:
                continue
    return None


def _usage(completion: Any) -> dict[str, int]:
    usage = getattr(completion, "usage", None)
    if usage is None:
        return {}
    return {k: int(getattr(usage, k, 0) or 0) for k in ("prompt_tokens", "completion_tokens", "total_tokens")}


def _raw_text(completion: Any) -> str | None:
    for choice in getattr(completion, "choices", None) or []:
        content = getattr(getattr(choice, "message", None), "content", None)
        if isinstance(content, str):
            return content
    return None


class _MalformedReply(Exception):
    """A 200 whose body is not a JSON object: retried like a malformed body."""


def _check_object_body(response: Any) -> None:
    """Refuse a 200 that is not a JSON object (a proxy's HTML page, `[]`) before the SDK parses it: the SDK
    hands such a body back as text or as a list, and `parse()` then fails inside with an AttributeError."""
    content_type = str(response.headers.get("content-type", ""))
    start = response.content.lstrip()[:1]
    if "json" not in content_type.lower() or start != b"{":
        shown = content_type.split(";", 1)[0] or "no content type"
        raise _MalformedReply(f"the reply is not a chat completion (HTTP {response.status_code}, {shown}, "
                              f"body starting {response.content[:40]!r}); retried as a malformed reply")


def _first_message(completion: Any) -> Any:
    """The first choice's message of an SDK chat completion; None for anything else the SDK handed back (it
    returns a 200's body as text when it is not JSON, and a JSON list or string as is)."""
    if not isinstance(completion, pydantic.BaseModel):
        return None
    choices = getattr(completion, "choices", None)
    if not isinstance(choices, list) or not choices:
        return None
    return getattr(choices[0], "message", None)


def _reask(messages: list[dict[str, Any]], err: StructuredOutputError) -> list[dict[str, Any]]:
    problems = "\n".join(f"- {'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in err.errors)
    return [
        *messages,
        {"role": "assistant", "content": err.raw},
        {"role": "user", "content": "That JSON does not match the required schema:\n"
         f"{problems or str(err.__cause__)}\nReply again with corrected JSON only."},
    ]


class _Slot:
    """One item's concurrency slot: taken and given back through here, so it is given back at most once."""

    def __init__(self, limit: AdaptiveLimit, epoch: int) -> None:
        self.limit, self.epoch, self.held = limit, epoch, True

    async def take(self) -> None:
        self.epoch = await self.limit.acquire()
        self.held = True

    async def give_back(self, **how: Any) -> None:
        if self.held:
            self.held = False
            await self.limit.release(self.epoch, **how)


class LocalRunner:
    """One run of the local engine; `run()` returns the summary. See the module docstring."""

    def __init__(
        self,
        client: Any,
        *,
        prompt: Prompt,
        response_format: Any,
        model: str,
        writer: ResultWriter,
        progress: Progress,
        limit: AdaptiveLimit,
        system: str | None = None,
        request_options: Mapping[str, Any] | None = None,
        reask: bool = False,
        max_attempts: int = 8,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        max_items: int | None = None,
    ) -> None:
        self.client = client.with_options(max_retries=0)
        self.prompt = prompt
        self.response_format = response_format
        self.model = model
        self.writer = writer
        self.progress = progress
        self.limit = limit
        self.system = system
        self.request_options = dict(request_options or {})
        self.reask = reask
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_items = max_items
        self.summary = ExtractSummary(output=str(writer.path), repaired_bytes=writer.repaired_bytes)
        self._executor: DaemonThreads | None = None

    # -- calling the model ---------------------------------------------------------------------------
    def _parse_method(self) -> Callable[..., Any]:
        """`parse()` through `with_raw_response`, so the runner sees the body before the SDK parses it."""
        completions = self.client.chat.completions
        if getattr(completions, "parse", None) is None:  # openai releases that kept parse() under beta
            completions = self.client.beta.chat.completions
        method: Callable[..., Any] = completions.with_raw_response.parse
        return method

    async def _call(self, parse: Callable[..., Any], messages: list[dict[str, Any]]) -> Any:
        kwargs = {**self.request_options, "model": self.model, "messages": messages,
                  "response_format": self.response_format}
        self.summary.requests += 1
        if inspect.iscoroutinefunction(parse):
            raw = await parse(**kwargs)
        else:
            if self._executor is None:
                self._executor = DaemonThreads(self.limit.ceiling)
            raw = await asyncio.get_running_loop().run_in_executor(self._executor, partial(parse, **kwargs))
        _check_object_body(raw.http_response)
        try:
            return raw.parse()
        except json.JSONDecodeError as err:  # a truncated or broken JSON object
            raise _MalformedReply(f"the reply is not valid JSON ({err}); retried as a malformed reply") from err

    def _backoff(self, attempt: int) -> float:
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)))

    # -- recording -----------------------------------------------------------------------------------
    def _record(self, record: dict[str, Any], usage: Mapping[str, int] | None = None) -> None:
        if usage:
            record["usage"] = dict(usage)
            self.summary.prompt_tokens += usage.get("prompt_tokens", 0)
            self.summary.completion_tokens += usage.get("completion_tokens", 0)
        self.writer.write(record)
        ok = bool(record["ok"])
        if ok:
            self.summary.succeeded += 1
        else:
            self.summary.failed += 1
        self.progress.advance(ok=ok, tokens=(usage or {}).get("total_tokens", 0))

    def _fail(self, item: Item, kind: str, message: str, *, status: int | None = None,
              raw: str | None = None, usage: Mapping[str, int] | None = None, attempts: int = 1) -> None:
        error: dict[str, Any] = {"type": kind, "message": message}
        if status is not None:
            error["status"] = status
        if raw is not None:
            error["raw"] = raw
        self._record({"id": item.id, "ok": False, "error": error, "attempts": attempts}, usage)

    # -- one item ------------------------------------------------------------------------------------
    def _messages(self, item: Item) -> list[dict[str, Any]]:
        """The item's request; any exception is that item's `input` failure (a prompt callable is user code)."""
        try:
            return messages_for(item, self.prompt, self.system)
        except BulkInputError:
            raise
        except Exception as err:  # KeyError from a callable, MemoryError from a huge format width, ...
            detail = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
            raise BulkInputError(
                f"{item.where}: the prompt for item {item.id!r} could not be built ({detail})"
            ) from err

    async def _one(self, item: Item, epoch: int, parse: Callable[..., Any]) -> None:
        """Run one item to its line. The slot it holds is given back exactly once whatever happens (an
        exception from anywhere, a cancel), so no slot can leak."""
        slot = _Slot(self.limit, epoch)
        try:
            await self._attempts(item, slot, parse)
        finally:
            if slot.held:
                await asyncio.shield(slot.give_back(success=False))

    async def _attempts(self, item: Item, slot: _Slot, parse: Callable[..., Any]) -> None:
        give_back = slot.give_back
        try:
            messages = self._messages(item)
        except BulkInputError as err:
            await give_back(success=False)
            self._fail(item, "input", str(err), attempts=0)
            return
        attempt, reasked, held = 0, False, True
        while True:
            if not held:
                await slot.take()
            held = False
            attempt += 1
            sent = time.monotonic()
            try:
                completion = await self._call(parse, messages)
            except openai.RateLimitError as err:
                delay = retry_delay_of(err)
                await give_back(throttled=True, retry_delay=delay, success=False, latency=time.monotonic() - sent)
                if attempt >= self.max_attempts:
                    self._fail(item, "rate_limited", str(err), status=429, attempts=attempt)
                    return
                self.summary.retries += 1
                if delay is None:
                    await asyncio.sleep(self._backoff(attempt))
                continue
            except (openai.APIConnectionError, openai.APIStatusError, openai.APIResponseValidationError) as err:
                status = getattr(err, "status_code", None)
                transient = (status is None or status in _TRANSIENT_STATUS or status >= 500
                             or isinstance(err, openai.APIResponseValidationError))
                await give_back(success=False, latency=time.monotonic() - sent)
                if status in _FATAL_STATUS:
                    raise BulkAbortedError(f"stopped at item {item.id!r}: {err}") from err
                if not transient:
                    self._fail(item, "bad_request" if status == 400 else "api_error", str(err), status=status,
                               attempts=attempt)
                    return
                if attempt >= self.max_attempts:
                    self._fail(item, "transient", str(err), status=status, attempts=attempt)
                    return
                self.summary.retries += 1
                await asyncio.sleep(retry_delay_of(err) or self._backoff(attempt))
                continue
            except StructuredOutputError as err:
                await give_back(latency=time.monotonic() - sent)
                if self.reask and not reasked:
                    reasked = True
                    messages = _reask(messages, err)
                    continue
                self._fail(item, "validation", str(err).split("\nRaw output:", 1)[0], raw=err.raw, attempts=attempt)
                return
            except (pydantic.ValidationError, openai.LengthFinishReasonError,
                    openai.ContentFilterFinishReasonError) as err:
                await give_back(latency=time.monotonic() - sent)
                kind = ("length" if isinstance(err, openai.LengthFinishReasonError) else
                        "content_filter" if isinstance(err, openai.ContentFilterFinishReasonError) else "validation")
                completion = getattr(err, "completion", None)
                self._fail(item, kind, str(err), raw=_raw_text(completion), usage=_usage(completion),
                           attempts=attempt)
                return
            except ValueError as err:  # refused before sending (e.g. over the request-size limit): this item only
                await give_back(success=False)
                self._fail(item, "request", str(err), attempts=attempt)
                return
            except _MalformedReply as err:
                completion, problem = None, str(err)
            else:
                problem = "" if _first_message(completion) is not None else (
                    f"the reply is not a chat completion (the SDK returned a {type(completion).__name__}); "
                    "retried as a malformed reply")
            if problem:  # a 200 whose body is not a chat completion (an HTML page, `[]`): malformed
                await give_back(success=False, latency=time.monotonic() - sent)
                if attempt >= self.max_attempts:
                    self._fail(item, "transient", problem, attempts=attempt)
                    return
                self.summary.retries += 1
                await asyncio.sleep(self._backoff(attempt))
                continue
            await give_back(latency=time.monotonic() - sent)
            parsed = getattr(_first_message(completion), "parsed", None)
            if parsed is None:
                self._fail(item, "validation", "the model returned no parsable content",
                           raw=_raw_text(completion), usage=_usage(completion), attempts=attempt)
                return
            result = parsed.model_dump(mode="json") if hasattr(parsed, "model_dump") else parsed
            record: dict[str, Any] = {"id": item.id, "ok": True, "result": result}
            if attempt > 1:
                record["attempts"] = attempt
            self._record(record, _usage(completion))
            return

    # -- the run -------------------------------------------------------------------------------------
    async def run(self, items: Iterable[Item]) -> ExtractSummary:
        parse = self._parse_method()
        # Items waiting out a backoff hold no slot: enough of them may wait that new items still fill the window.
        await run_bounded(unfinished(items, self.writer, self.summary, self.max_items),
                          partial(self._one, parse=parse), limit=self.limit,
                          max_pending=8 * self.limit.ceiling + 16, summary=self.summary,
                          threads=lambda: self._executor)
        return self.summary
