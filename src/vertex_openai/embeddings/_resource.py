"""`Embeddings` / `AsyncEmbeddings`: the SDK's embeddings resources, with Google's models sent to `:predict`.

For a Google embedding model, `create` checks the input before sending, splits it into requests within
Google's per-request limits (`_wire.split_ranges`), sends them through the client's own `post` (so the token,
the SDK's retries, RetryInfo on 429 and Google's errors as the SDK's exceptions all apply), `max_concurrency`
at a time (threads on the sync client, tasks on the async one), and joins the answers in input order into
one `CreateEmbeddingResponse`. A request Google refuses for its size (a 400 about tokens or instances) is
split in two and retried. Any other model goes to the SDK's own `create` unchanged.

`with_raw_response` / `with_streaming_response` return the SDK's raw response of the one HTTP exchange when
the call fits one request; a call that needs several is refused before sending (one HTTP response cannot
stand for several).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Literal

import openai
from openai import NOT_GIVEN, NotGiven, Timeout
from openai.resources.embeddings import AsyncEmbeddings as _SDKAsyncEmbeddings
from openai.resources.embeddings import Embeddings as _SDKEmbeddings
from openai.types import CreateEmbeddingResponse

from .._exceptions import UnsupportedEndpointError
from .._sdk import RAW_RESPONSE_HEADER, make_request_options, resource_client, resource_post
from ..wire._errors import google_error
from ._models import native_model, native_url
from ._wire import EmbeddingCall, decode_base64, is_limit_error, plan_call

__all__ = ["DEFAULT_MAX_CONCURRENCY", "AsyncEmbeddings", "Embeddings"]

DEFAULT_MAX_CONCURRENCY = 8
_SENTINELS: tuple[type, ...] = tuple(t for t in (NotGiven, getattr(openai, "Omit", None)) if isinstance(t, type))


def _given(value: object) -> Any:
    return None if isinstance(value, _SENTINELS) else value


def _keywords(**kwargs: Any) -> dict[str, Any]:
    """The keywords the caller gave (the SDK's `create` keeps its own defaults for the others)."""
    return {key: value for key, value in kwargs.items() if not isinstance(value, _SENTINELS)}


@dataclass(frozen=True)
class _Request:
    headers: Mapping[str, str] | None
    query: Mapping[str, object] | None
    timeout: Any


def _post(resource: Any, url: str, body: dict[str, Any], request: _Request, post_parser: Callable[[Any], Any]) -> Any:
    """One native exchange through the client's own `post` (a coroutine on the async client)."""
    options = make_request_options(extra_headers=request.headers, extra_query=request.query,
                                   timeout=request.timeout, post_parser=post_parser)
    return resource_post(resource, url, body=body, cast_to=CreateEmbeddingResponse, options=options)


def _raw_mode(headers: Mapping[str, str] | None) -> bool:
    return any(str(key).lower() == RAW_RESPONSE_HEADER.lower() for key in (headers or {}))


def _parser(call: EmbeddingCall, batch: range) -> Callable[[CreateEmbeddingResponse], CreateEmbeddingResponse]:
    def finish(answer: CreateEmbeddingResponse) -> CreateEmbeddingResponse:
        if len(answer.data) != len(batch):
            raise ValueError(f"Vertex AI answered {len(answer.data)} embeddings for {len(batch)} texts")
        for item, index in zip(answer.data, batch, strict=True):
            item.index = index
            if call.encoding != "base64":  # the vectors arrive in base64 (see _wire.native_answer)
                item.embedding = decode_base64(item.embedding)  # type: ignore[arg-type]
        answer.model = call.model_id
        return answer

    return finish


def _join(parts: list[CreateEmbeddingResponse]) -> CreateEmbeddingResponse:
    """The answers of consecutive requests as one (the first one, extended), usage summed."""
    first = parts[0]
    if len(parts) > 1:
        first.data = [item for part in parts for item in part.data]
        first.usage.prompt_tokens = sum(part.usage.prompt_tokens for part in parts)
        first.usage.total_tokens = sum(part.usage.total_tokens for part in parts)
    return first


def _split_worthy(err: openai.BadRequestError, batch: range) -> bool:
    if len(batch) < 2:
        return False
    error = google_error(err.body)  # Google's own message, without the hints the client adds
    message = error.get("message") if error is not None else None
    return is_limit_error(err.status_code, message if isinstance(message, str) else str(err.message))


class _Shared:
    """What the sync and async resources share: routing and planning (no I/O)."""

    max_concurrency: int = DEFAULT_MAX_CONCURRENCY

    def _vertex_plan(self, kwargs: dict[str, Any]) -> tuple[EmbeddingCall, str, _Request] | None:
        config = resource_client(self)._vertex_config
        model = native_model(kwargs.get("model"), config)
        if model is None:
            return None
        call = plan_call(model, kwargs["model"], kwargs.get("input"), _given(kwargs.get("dimensions")),
                         _given(kwargs.get("encoding_format")), kwargs.get("extra_body"))
        request = _Request(kwargs.get("extra_headers"), kwargs.get("extra_query"), kwargs.get("timeout", NOT_GIVEN))
        if _raw_mode(request.headers) and len(call.batches) > 1:
            raise UnsupportedEndpointError(
                f"embeddings.with_raw_response / with_streaming_response: this call needs {len(call.batches)} "
                f"requests to {model.name} (Google takes at most {model.max_instances} text(s) and about "
                f"{model.max_request_tokens} tokens per request), and one raw HTTP response cannot stand for "
                "several. Call embeddings.create without the raw-response wrapper, or pass fewer texts per call. "
                "(Not sent.)",
                path="/embeddings",
                alternative="embeddings.create without with_raw_response",
            )
        return call, native_url(model, config), request

    def _vertex_workers(self, batches: int) -> int:
        limit = self.max_concurrency
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"max_concurrency must be a positive int, got {limit!r}")
        return min(limit, batches)


class Embeddings(_Shared, _SDKEmbeddings):
    """`client.embeddings`; Google's embedding models are answered by Vertex AI's native method."""

    def create(  # type: ignore[override]
        self,
        *,
        input: str | Sequence[str] | Iterable[int] | Iterable[Iterable[int]],
        model: str,
        dimensions: int | NotGiven = NOT_GIVEN,
        encoding_format: Literal["float", "base64"] | NotGiven = NOT_GIVEN,
        user: str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> CreateEmbeddingResponse:
        """As the SDK's `embeddings.create`; for Google's models see the docs' embeddings.html (`user` is not sent)."""
        kwargs = _keywords(input=input, model=model, dimensions=dimensions, encoding_format=encoding_format,
                           user=user, extra_headers=extra_headers, extra_query=extra_query, extra_body=extra_body,
                           timeout=timeout)
        planned = self._vertex_plan(kwargs)
        if planned is None:
            return super().create(**kwargs)
        call, url, request = planned
        if _raw_mode(request.headers):
            raw: CreateEmbeddingResponse = _post(self, url, call.body(call.batches[0]), request,
                                                 _parser(call, call.batches[0]))  # the SDK's raw response
            return raw
        if len(call.batches) == 1:
            return self._vertex_embed(call, url, request, call.batches[0])
        pool = ThreadPoolExecutor(max_workers=self._vertex_workers(len(call.batches)),
                                  thread_name_prefix="vertex-openai-embed")
        try:
            futures = [pool.submit(self._vertex_embed, call, url, request, batch) for batch in call.batches]
            wait(futures, return_when=FIRST_EXCEPTION)
            for future in futures:
                if future.done() and future.exception() is not None:
                    raise future.exception()  # type: ignore[misc]
            return _join([future.result() for future in futures])
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _vertex_embed(self, call: EmbeddingCall, url: str, request: _Request,
                            batch: range) -> CreateEmbeddingResponse:
        try:
            answer: CreateEmbeddingResponse = _post(self, url, call.body(batch), request, _parser(call, batch))
            return answer
        except openai.BadRequestError as err:
            if not _split_worthy(err, batch):
                raise
        middle = len(batch) // 2
        return _join([self._vertex_embed(call, url, request, batch[:middle]),
                      self._vertex_embed(call, url, request, batch[middle:])])


class AsyncEmbeddings(_Shared, _SDKAsyncEmbeddings):
    """`client.embeddings` on the async client; Google's embedding models are answered by the native method."""

    async def create(  # type: ignore[override]
        self,
        *,
        input: str | Sequence[str] | Iterable[int] | Iterable[Iterable[int]],
        model: str,
        dimensions: int | NotGiven = NOT_GIVEN,
        encoding_format: Literal["float", "base64"] | NotGiven = NOT_GIVEN,
        user: str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> CreateEmbeddingResponse:
        """As the SDK's `embeddings.create`; for Google's models see the docs' embeddings.html (`user` is not sent)."""
        kwargs = _keywords(input=input, model=model, dimensions=dimensions, encoding_format=encoding_format,
                           user=user, extra_headers=extra_headers, extra_query=extra_query, extra_body=extra_body,
                           timeout=timeout)
        planned = self._vertex_plan(kwargs)
        if planned is None:
            return await super().create(**kwargs)
        call, url, request = planned
        if _raw_mode(request.headers):
            raw: CreateEmbeddingResponse = await _post(self, url, call.body(call.batches[0]), request,
                                                       _parser(call, call.batches[0]))  # the SDK's raw response
            return raw
        if len(call.batches) == 1:
            return await self._vertex_embed(call, url, request, call.batches[0])
        gate = asyncio.Semaphore(self._vertex_workers(len(call.batches)))

        async def one(batch: range) -> CreateEmbeddingResponse:
            async with gate:
                return await self._vertex_embed(call, url, request, batch)

        tasks = [asyncio.ensure_future(one(batch)) for batch in call.batches]
        try:
            return _join(list(await asyncio.gather(*tasks)))
        except BaseException:
            for task in tasks:
                task.cancel()
            raise

    async def _vertex_embed(self, call: EmbeddingCall, url: str, request: _Request,
                            batch: range) -> CreateEmbeddingResponse:
        try:
            answer: CreateEmbeddingResponse = await _post(self, url, call.body(batch), request, _parser(call, batch))
            return answer
        except openai.BadRequestError as err:
            if not _split_worthy(err, batch):
                raise
        middle = len(batch) // 2
        parts = [await self._vertex_embed(call, url, request, batch[:middle]),
                 await self._vertex_embed(call, url, request, batch[middle:])]
        return _join(parts)
