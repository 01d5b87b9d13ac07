"""`client.responses` for Vertex AI: the SDK's own Responses resources, answered through Chat Completions.

`Responses` / `AsyncResponses` subclass the installed SDK's resources, so `create`, `parse`, `stream` (and
its `get_final_response()` accumulator), `retrieve`, `delete` and `input_items.list` keep that SDK's
signatures, validation and parsing. Only the transport differs: the resource's `_post`/`_get`/`_delete`
are answered by the `Bridge` (chat call or client-side store). Anything else — `cancel`, `compact`,
`input_tokens`, `connect` — raises `ResponsesNotSupportedError` before sending.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator, Mapping
from functools import cached_property, wraps
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import openai
from openai import NOT_GIVEN, NotGiven
from openai.resources.responses import AsyncResponses as _SDKAsyncResponses
from openai.resources.responses import Responses as _SDKResponses
from openai.resources.responses.input_items import AsyncInputItems as _SDKAsyncInputItems
from openai.resources.responses.input_items import InputItems as _SDKInputItems

from .._sdk import (
    Omit,
    init_event_stream,
    init_resource,
    list_options,
    local_async_paginator,
    local_list_page,
    make_request_options,
    resource_client,
    route_resource,
    serve_list_locally,
)
from ._bridge import Bridge, refuse
from ._events import StreamTranslator
from ._models import event_model, response_model
from ._native import is_native
from ._output import new_id
from ._params import ChatPlan
from ._parsing import tolerant_stream_manager
from ._raw import raw_mode, translated_raw
from ._store import ResponseStore

__all__ = ["AsyncResponses", "AsyncResponsesEventStream", "Responses", "ResponsesEventStream"]

_NO_OPTIONS: Mapping[str, Any] = MappingProxyType({})
_TOKENS_HELP = "Use usage.input_tokens from a response, or Vertex AI's countTokens method through google-genai."
_CONNECT_HELP = "Use responses.create(stream=True) or responses.stream(); they stream over HTTP."


_REQUEST_OPTIONS = ("extra_headers", "extra_query", "extra_body", "timeout")


def _accepted(create: Any) -> frozenset[str]:
    return frozenset(inspect.signature(create).parameters) - {"self"}


_SYNC_NAMES = _accepted(_SDKResponses.create)
_ASYNC_NAMES = _accepted(_SDKAsyncResponses.create)


def _direct_request(kwargs: dict[str, Any], accepted: frozenset[str]) -> tuple[dict[str, Any], Any]:
    """The body and request options `responses.create(**kwargs)` would post, without the SDK's transform.

    The SDK's `create` runs its generic TypedDict transform over the parameters before posting; the bridge
    reads the parameters itself (pydantic items and parts included), so `create` skips that step, which
    is most of what a bridged call would otherwise add on top of the chat call.
    """
    unknown = kwargs.keys() - accepted
    if unknown:
        raise TypeError(f"responses.create() got unexpected keyword arguments: {sorted(unknown)}")
    body = {k: v for k, v in kwargs.items() if k not in _REQUEST_OPTIONS and not isinstance(v, (NotGiven, Omit))}
    options = make_request_options(extra_headers=kwargs.get("extra_headers"), extra_query=kwargs.get("extra_query"),
                                   extra_body=kwargs.get("extra_body"), timeout=kwargs.get("timeout", NOT_GIVEN))
    return body, options


def _no_raw_store_call(options: Mapping[str, Any]) -> None:
    if raw_mode(options):
        refuse("with_raw_response / with_streaming_response for retrieve, delete and input_items",
               "These are answered from the client-side store, with no HTTP exchange; call them without the "
               "raw-response wrapper.")


def _translator(plan: ChatPlan, body: Any) -> StreamTranslator:
    return StreamTranslator(response_id=new_id("resp"), model=str(body.get("model") or ""), echo=plan.echo,
                            want_summary=plan.want_summary, json_output=plan.json_output)


def _stream_kwargs(plan: ChatPlan, options: Any) -> dict[str, Any]:
    return {**plan.kwargs, **Bridge.request_options(options), "stream": True,
            "stream_options": {"include_usage": True}}


class ResponsesEventStream(openai.Stream[Any]):
    """An `openai.Stream` of Responses events, translated from a chat completion stream."""

    def __init__(self, chat_stream: Any, translator: StreamTranslator, bridge: Bridge, plan: ChatPlan,
                 body: Any) -> None:  # the SDK's __init__ would decode SSE; this stream's source is the chat stream
        self._chat_stream = chat_stream
        init_event_stream(self, source=chat_stream, iterator=self._vertex_events(translator, bridge, plan, body))

    def _vertex_events(self, translator: StreamTranslator, bridge: Bridge, plan: ChatPlan, body: Any) -> Iterator[Any]:
        start = translator.start()
        snapshot = response_model(start[0]["response"])
        for event in start:
            yield event_model(event, snapshot)
        for chunk in self._chat_stream:
            for event in translator.feed(chunk):
                yield event_model(event)
        events = translator.finish()
        final = response_model(events[-1]["response"])
        bridge.remember(final, plan, translator.assistant, translator.signed, body)
        for event in events[:-1]:
            yield event_model(event)
        yield event_model(events[-1], final)


class AsyncResponsesEventStream(openai.AsyncStream[Any]):
    """An `openai.AsyncStream` of Responses events, translated from a chat completion stream."""

    def __init__(self, chat_stream: Any, translator: StreamTranslator, bridge: Bridge, plan: ChatPlan,
                 body: Any) -> None:
        self._chat_stream = chat_stream
        init_event_stream(self, source=chat_stream, iterator=self._vertex_events(translator, bridge, plan, body))

    async def _vertex_events(self, translator: StreamTranslator, bridge: Bridge, plan: ChatPlan,
                      body: Any) -> AsyncIterator[Any]:
        start = translator.start()
        snapshot = response_model(start[0]["response"])
        for event in start:
            yield event_model(event, snapshot)
        async for chunk in self._chat_stream:
            for event in translator.feed(chunk):
                yield event_model(event)
        events = translator.finish()
        final = response_model(events[-1]["response"])
        bridge.remember(final, plan, translator.assistant, translator.signed, body)
        for event in events[:-1]:
            yield event_model(event)
        yield event_model(events[-1], final)


def _first_page(bridge: Bridge, path: str, page: Any, model: Any, options: Any, *, is_async: bool) -> Any:
    """The page `list()` asked for; its next pages (iteration, `get_next_page()`) come from the store too."""
    _no_raw_store_call(options)
    params = dict(options.get("params") or {})
    return local_list_page(page, model, path, params, lambda url, query: bridge.input_items(url, {"params": query}),
                           is_async=is_async)


class InputItems(_SDKInputItems):
    """`responses.input_items.list()` from the client-side store."""

    def __init__(self, client: Any, bridge: Bridge) -> None:
        super().__init__(client)
        self._bridge = bridge
        serve_list_locally(self, self._local_list)

    def _local_list(self, path: str, *, page: Any, model: Any, options: Any = _NO_OPTIONS, **_: Any) -> Any:
        return _first_page(self._bridge, path, page, model, options, is_async=False)


class AsyncInputItems(_SDKAsyncInputItems):
    """`await responses.input_items.list()` (or `async for`) from the client-side store."""

    def __init__(self, client: Any, bridge: Bridge) -> None:
        super().__init__(client)
        self._bridge = bridge
        serve_list_locally(self, self._local_list)

    def _local_list(self, path: str, *, page: Any, model: Any, options: Any = _NO_OPTIONS, **_: Any) -> Any:
        local = _first_page(self._bridge, path, page, model, options, is_async=True)
        params = dict(options.get("params") or {})
        return local_async_paginator(local, client=resource_client(self), options=list_options(path, params),
                                     page_cls=page, model=model)


class _InputTokensRefused:
    """`responses.input_tokens`: Vertex's chat endpoint has no token counting."""

    def count(self, *args: Any, **kwargs: Any) -> Any:
        refuse("responses.input_tokens.count", _TOKENS_HELP)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        refuse(f"responses.input_tokens.{name}", _TOKENS_HELP)


class _BridgedResource:
    """What `Responses` and `AsyncResponses` share: the SDK resource's transport methods replaced by the bridge's
    (`_post`, `_get`, `_delete`), the store, and the refusals that need no I/O."""

    _bridge: Bridge
    _bridge_post: Any
    _bridge_get: Any
    _bridge_delete: Any

    def __init__(self, client: Any, store: ResponseStore | None = None) -> None:
        init_resource(self, _BridgedResource, client)
        self._bridge = Bridge(store if store is not None else ResponseStore())
        route_resource(self, post=self._bridge_post, get=self._bridge_get, delete=self._bridge_delete)

    @property
    def store(self) -> ResponseStore:
        return self._bridge.store

    @cached_property
    def input_tokens(self) -> Any:
        return _InputTokensRefused()

    def connect(self, *args: Any, **kwargs: Any) -> Any:
        refuse("responses.connect (WebSocket mode)", _CONNECT_HELP)


class Responses(_BridgedResource, _SDKResponses):  # type: ignore[misc]
    """`client.responses` served by `client.chat.completions` (see the module docstring)."""

    @cached_property
    def input_items(self) -> InputItems:  # type: ignore[override]
        return InputItems(resource_client(self), self._bridge)

    if not TYPE_CHECKING:  # type checkers keep the SDK's own overloads

        @wraps(_SDKResponses.create)
        def create(self, **kwargs: Any) -> Any:
            if is_native(kwargs.get("model")):  # the SDK's own request, for Vertex's native endpoint
                return _SDKResponses.create(self, **kwargs)
            body, options = _direct_request(kwargs, _SYNC_NAMES)
            return self._bridge_post("/responses", body=body, options=options, stream=bool(body.get("stream")))

        @wraps(_SDKResponses.stream)
        def stream(self, *args: Any, **kwargs: Any) -> Any:
            return tolerant_stream_manager(super().stream(*args, **kwargs))

    def _bridge_post(self, path: str, *, cast_to: Any = None, body: Any = None, options: Any = _NO_OPTIONS,
                     stream: bool = False, stream_cls: Any = None, **_: Any) -> Any:
        if path == "/responses" and isinstance(body, Mapping) and is_native(body.get("model")):
            return resource_client(self).post(path, cast_to=cast_to, body=body, options=options, stream=stream,
                                              stream_cls=stream_cls)
        self._bridge.check_post(path, options)
        body = body or {}
        plan = self._bridge.plan(body, options)
        completions = resource_client(self).chat.completions
        mode = raw_mode(options)
        if stream:
            chat_stream = completions.create(**_stream_kwargs(plan, options))

            def events(chat: Any) -> Any:
                return ResponsesEventStream(chat, _translator(plan, body), self._bridge, plan, body)

            return translated_raw(chat_stream, events) if mode else events(chat_stream)
        completion = completions.create(**plan.kwargs, **Bridge.request_options(options))
        if mode:
            return translated_raw(completion, lambda chat: self._bridge.finish(chat, plan, body, options))
        return self._bridge.finish(completion, plan, body, options)

    def _bridge_get(self, path: str, *, cast_to: Any = None, options: Any = _NO_OPTIONS, stream: bool = False,
                    **_: Any) -> Any:
        _no_raw_store_call(options)
        return self._bridge.retrieve(path, stream)

    def _bridge_delete(self, path: str, *, cast_to: Any = None, options: Any = _NO_OPTIONS, **_: Any) -> None:
        _no_raw_store_call(options)
        self._bridge.delete(path)


class AsyncResponses(_BridgedResource, _SDKAsyncResponses):  # type: ignore[misc]
    """`client.responses` for `AsyncOpenAI`, served by `client.chat.completions`."""

    @cached_property
    def input_items(self) -> AsyncInputItems:  # type: ignore[override]
        return AsyncInputItems(resource_client(self), self._bridge)

    if not TYPE_CHECKING:

        @wraps(_SDKAsyncResponses.create)
        async def create(self, **kwargs: Any) -> Any:
            if is_native(kwargs.get("model")):
                return await _SDKAsyncResponses.create(self, **kwargs)
            body, options = _direct_request(kwargs, _ASYNC_NAMES)
            return await self._bridge_post("/responses", body=body, options=options,
                                           stream=bool(body.get("stream")))

        @wraps(_SDKAsyncResponses.stream)
        def stream(self, *args: Any, **kwargs: Any) -> Any:
            return tolerant_stream_manager(super().stream(*args, **kwargs))

    async def _bridge_post(self, path: str, *, cast_to: Any = None, body: Any = None, options: Any = _NO_OPTIONS,
                           stream: bool = False, stream_cls: Any = None, **_: Any) -> Any:
        if path == "/responses" and isinstance(body, Mapping) and is_native(body.get("model")):
            return await resource_client(self).post(path, cast_to=cast_to, body=body, options=options,
                                                    stream=stream, stream_cls=stream_cls)
        self._bridge.check_post(path, options)
        body = body or {}
        plan = self._bridge.plan(body, options)
        completions = resource_client(self).chat.completions
        mode = raw_mode(options)
        if stream:
            chat_stream = await completions.create(**_stream_kwargs(plan, options))

            def events(chat: Any) -> Any:
                return AsyncResponsesEventStream(chat, _translator(plan, body), self._bridge, plan, body)

            return translated_raw(chat_stream, events) if mode else events(chat_stream)
        completion = await completions.create(**plan.kwargs, **Bridge.request_options(options))
        if mode:
            return translated_raw(completion, lambda chat: self._bridge.finish(chat, plan, body, options))
        return self._bridge.finish(completion, plan, body, options)

    async def _bridge_get(self, path: str, *, cast_to: Any = None, options: Any = _NO_OPTIONS, stream: bool = False,
                          **_: Any) -> Any:
        _no_raw_store_call(options)
        return self._bridge.retrieve(path, stream)

    async def _bridge_delete(self, path: str, *, cast_to: Any = None, options: Any = _NO_OPTIONS, **_: Any) -> None:
        _no_raw_store_call(options)
        self._bridge.delete(path)
