"""The one module that touches the openai SDK's internals: private names, overridden seams, constructors.

Everything else in the package uses the SDK's public API or a function of this module, so a new openai release
can break us in one audited place: `tests/test_layers.py` forbids `openai._...` imports and private attributes of
SDK objects anywhere else, and `tests/test_sdk_contract.py` checks every row below on the installed release.
This module imports only `openai`, `httpx` and (lazily) `httpx2`. Majors: 1 = 1.92+, 2 = 2.x, 3 = 3.x.

| touchpoint | why we need it | majors | when it is absent |
|---|---|---|---|
| `_prepare_options(options)` (async on AsyncOpenAI) | edit the body once per attempt | 1 2 3 | contract fails |
| `_prepare_request(request)` | the token on the request the SDK built | 1 2 3 | contract fails |
| `custom_auth` property | the per-attempt auth flow (token, 401 replay) | 1 2 3 | contract fails |
| `_custom_auth(security)` | the same, where 2.x+ asks for it | 2 3 | 1.x reads custom_auth |
| `_make_status_error(msg, *, body, response)` | Google's error body, the SDK's class | 1 2 3 | contract fails |
| `_process_response(**kw)` | malformed JSON as an SDK error | 1 2 3 | contract fails |
| `_process_response_data(*, data, cast_to, response)` | Google's quirks fixed first | 1 2 3 | contract fails |
| `request(...)` (public; wrapped) | no credentials in its APIErrors | 1 2 3 | - |
| `_make_sse_decoder()`; `_streaming.SSEDecoder`, `ServerSentEvent` | Google's error frames | 1 2 3 | contract fails |
| `Stream.__init__` sets `response`, then calls the above | the request of stream errors | 1 2 3 | base_url's |
| `Stream` `_client` `_cast_to` `_options` `_iterator` | Responses over a chat stream | 1 2 3 | contract fails |
| `lib.streaming` Response streams/managers: enter, `__next__`, `__class__` | parse errors | 1 2 3 | contract fails |
| `ServerSentEvent` `__class__` set to a subclass | each event's JSON parsed once | 1 2 3 | contract fails |
| `APIError(msg, request, *, body)` and subclasses | errors of ours with the SDK's classes | 1 2 3 | - |
| a real `request` in APIError (reads its headers) | the 3.60 change: None raises | 3.60+ | we always pass one |
| APIError strips `authorization`/`api-key` | no credential kept in an error | 3.60+ | `scrub_error`, all majors |
| client `__init__` keywords; `_client` | build and copy a client | 1 2 3 | contract fails |
| `_custom_headers`, `_custom_query` | copies keep the caller's headers/query | 1 2 3 | contract fails |
| `_ambient_authorizations` (3), `admin_api_key` (2 3) | OpenAI credentials never reach Google | 2 3 | skipped |
| `_models.FinalRequestOptions` fields | the request being prepared | 1 2 3 | contract fails |
| `_models.construct_type` | SDK models from our JSON, unvalidated | 1 2 3 | contract fails |
| `_base_client.make_request_options` | the options `responses.create` posts | 1 2 3 | contract fails |
| resource `__init__(client)`, `_client` | `client.responses` subclasses the SDK's | 1 2 3 | contract fails |
| resource `_post` `_get` `_delete` | the Responses bridge; embeddings' `:predict` posts | 1 2 3 | contract fails |
| resource `_get_api_list` | `input_items.list` from the store | 1 2 3 | contract fails |
| page `_set_private_attributes`; `_client._request_api_list` | next pages from store | 1 2 3 | contract fails |
| `_base_client.AsyncPaginator`, its `_get_page` | `await`/`async for` on a local page | 1 2 3 | contract fails |
| `_constants.RAW_RESPONSE_HEADER`; raw `__dict__`, `parse()` | raw responses, bridged | 1 2 3 | the literal |
| `lib._pydantic.to_strict_json_schema` | the schema `parse()` sends | 1 2 3 | contract fails |
| `lib._tools.PydanticFunctionTool(defn, model)` | adapted tools stay parseable | 1 2 3 | contract fails |
| `Omit` (public) | `omit` values drop `extra_body` keys | 1 2 3 | - |
| `_utils._logs.SENSITIVE_HEADERS` | the SDK's secret header names (APIError uses them 3.60+) | 1 2 3 | ours alone |

"contract fails": `tests/test_sdk_contract.py` names the touchpoint and the release, before any user meets it.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from copy import copy
from types import FrameType, ModuleType
from typing import Any, cast

import httpx
import openai
from openai._base_client import AsyncPaginator, make_request_options
from openai._models import FinalRequestOptions, construct_type
from openai._streaming import ServerSentEvent, SSEDecoder

__all__ = [
    "RAW_RESPONSE_HEADER",
    "SECRET_HEADERS",
    "AsyncClientSeams",
    "FinalRequestOptions",
    "Omit",
    "SSEDecoder",
    "ServerSentEvent",
    "SyncClientSeams",
    "api_error",
    "attach_page",
    "clone_raw_response",
    "connection_error",
    "construct_type",
    "convert_response_stream_errors",
    "custom_headers",
    "custom_query",
    "drop_openai_credentials",
    "http_client",
    "init_client",
    "init_event_stream",
    "init_resource",
    "list_options",
    "local_async_paginator",
    "local_list_page",
    "make_request_options",
    "parsed_event",
    "placeholder_request",
    "pydantic_function_tool",
    "resource_client",
    "resource_post",
    "response_validation_error",
    "route_resource",
    "safe_request",
    "scrub_error",
    "sdk_release",
    "serve_list_locally",
    "set_custom_headers",
    "strict_json_schema",
    "timeout_error",
]

Omit = openai.Omit


def _raw_header() -> str:
    try:
        from openai._constants import RAW_RESPONSE_HEADER as header
    except ImportError:  # pragma: no cover - every supported release has it
        return "X-Stainless-Raw-Response"
    return str(header)


RAW_RESPONSE_HEADER = _raw_header()


def sdk_release() -> str:
    """The installed openai release, for messages that name it."""
    return str(openai.__version__)


def _major() -> int:
    try:
        return int(sdk_release().split(".", 1)[0])
    except ValueError:  # pragma: no cover - a local build with an odd version string
        return 0


# -- requests and credentials -------------------------------------------------------------------------
def _sdk_secret_headers() -> frozenset[str]:
    try:
        from openai._utils._logs import SENSITIVE_HEADERS  # its log filter; APIError strips them from 3.60
    except ImportError:
        return frozenset()
    return frozenset(str(name).lower() for name in SENSITIVE_HEADERS)


# Headers that carry a credential: ours (the Google bearer token, Google API keys) and the SDK's own set.
SECRET_HEADERS = frozenset({
    "authorization", "proxy-authorization", "api-key", "x-api-key", "x-goog-api-key",
    "x-goog-iam-authorization-token", "x-amz-security-token", "cookie",
}) | _sdk_secret_headers()


def _http_module() -> ModuleType:
    """The SDK's own HTTP library: httpx2 on openai 3.x (when installed), httpx on 1.x / 2.x."""
    if _major() >= 3:
        try:
            import httpx2
        except ImportError:  # pragma: no cover - openai 3.x depends on httpx2
            return httpx
        return httpx2
    return httpx


def placeholder_request(method: str, url: str) -> Any:
    """A real request of the SDK's HTTP library, with no headers of ours: for errors that have no request."""
    return _http_module().Request(method, url)


def safe_request(request: Any) -> Any:
    """`request`, or a copy without credential headers (the stream and extensions kept, as openai 3.60 does)."""
    headers = request.headers
    if not any(name.lower() in SECRET_HEADERS for name in headers):
        return request
    safe = copy(request)
    # httpx and httpx2 drop the stream and extensions when copying; never read a streaming upload here
    safe.stream = request.stream
    safe.extensions = dict(request.extensions)
    safe.headers = headers.copy()
    for name in list(safe.headers):
        if name.lower() in SECRET_HEADERS:
            del safe.headers[name]
    return safe


def _safe_response(response: Any, request: Any) -> Any:
    """`response` with `request` as its request and each redirect hop's (and next) request without credentials."""
    hops = [*response.history, response]
    if request is response.request and all(
        safe_request(hop.request) is hop.request for hop in response.history
    ) and (response.next_request is None or safe_request(response.next_request) is response.next_request):
        return response
    history: list[Any] = []
    for hop in hops:
        safe = copy(hop)
        safe.extensions = dict(hop.extensions)
        safe.request = request if hop is response else safe_request(hop.request)
        if hop.next_request is not None:
            safe.next_request = safe_request(hop.next_request)
        safe.history = list(history)
        history.append(safe)
    return history[-1]


def scrub_error(err: BaseException) -> BaseException:
    """Drop credentials from the requests an SDK exception keeps (`request`, `response.request`, each
    `response.history` hop): in place, on every openai major; returns `err`."""
    request = getattr(err, "request", None)
    if request is None or not hasattr(request, "headers"):
        return err
    target: Any = err
    safe = safe_request(request)
    if safe is not request:
        target.request = safe
    response = getattr(err, "response", None)
    if response is not None and hasattr(response, "history"):
        target.response = _safe_response(response, safe)
    return err


# -- SDK exceptions built by us ----------------------------------------------------------------------
def api_error(message: str, request: Any, *, body: object | None) -> openai.APIError:
    """`openai.APIError` for a failure inside a 2xx answer (a stream's error frame), without credentials."""
    err = openai.APIError(message, request, body=body)
    scrub_error(err)
    return err


def connection_error(message: str, request: Any) -> openai.APIConnectionError:
    err = openai.APIConnectionError(message=message, request=request)
    scrub_error(err)
    return err


def timeout_error(request: Any) -> openai.APITimeoutError:
    err = openai.APITimeoutError(request=request)
    scrub_error(err)
    return err


def response_validation_error(response: Any, body: object, message: str) -> openai.APIResponseValidationError:
    err = openai.APIResponseValidationError(response=response, body=body, message=message)
    scrub_error(err)
    return err


# -- client seams ------------------------------------------------------------------------------------
def _streamed_request(frame: FrameType | None) -> Any:
    """The request of the `Stream` / `AsyncStream` whose `__init__` is running in `frame`, if it is one."""
    if frame is None:
        return None
    owner = frame.f_locals.get("self")
    if not isinstance(owner, (openai.Stream, openai.AsyncStream)):
        return None
    response = getattr(owner, "response", None)
    try:
        return response.request if response is not None else None
    except RuntimeError:  # a response built without a request
        return None


class _ClientSeams:
    """The seams both clients override; each hands over to one `_vertex_*` hook that the client class defines."""

    _vertex_auth: Any

    # -- hooks (the client class defines them) --
    def _vertex_prepare_options(self, options: Any) -> Any:
        raise NotImplementedError

    def _vertex_sse_decoder(self, request: Any) -> Any:
        raise NotImplementedError

    def _vertex_status_error(self, err_msg: str, body: object, response: Any,
                             build: Callable[[str, object], Any]) -> Any:
        raise NotImplementedError

    def _vertex_response_data(self, data: object, cast_to: Any, response: Any) -> object:
        raise NotImplementedError

    def _vertex_bad_json(self, err: Exception, response: Any) -> openai.APIError:
        raise NotImplementedError

    # -- seams --
    @property
    def custom_auth(self) -> Any:
        return self._vertex_auth

    def _custom_auth(self, security: Any) -> Any:  # openai >= 2.x sync path
        return self._vertex_auth

    def _make_sse_decoder(self) -> Any:
        # The SDK's Stream.__init__ calls this right after setting self.response: that is the streamed request.
        return self._vertex_sse_decoder(_streamed_request(sys._getframe(1)))

    def _make_status_error(self, err_msg: str, *, body: object, response: Any) -> Any:
        def build(message: str, wrapped: object) -> Any:
            return super(_ClientSeams, self)._make_status_error(  # type: ignore[misc]
                message, body=wrapped, response=response
            )

        return scrub_error(self._vertex_status_error(err_msg, body, response, build))

    def _process_response_data(self, *, data: object, cast_to: Any, response: Any) -> Any:
        data = self._vertex_response_data(data, cast_to, response)
        try:
            return super()._process_response_data(data=data, cast_to=cast_to, response=response)  # type: ignore[misc]
        except openai.APIError as err:
            scrub_error(err)
            raise


class SyncClientSeams(_ClientSeams):
    """Put before `openai.OpenAI` in the bases: the sync seams, handing over to the `_vertex_*` hooks."""

    def _vertex_prepare_request(self, request: Any) -> None:
        raise NotImplementedError

    def _prepare_options(self, options: Any) -> Any:
        return self._vertex_prepare_options(super()._prepare_options(options))  # type: ignore[misc]

    def _prepare_request(self, request: Any) -> None:
        super()._prepare_request(request)  # type: ignore[misc]
        self._vertex_prepare_request(request)

    def _process_response(self, **kwargs: Any) -> Any:
        try:
            return super()._process_response(**kwargs)  # type: ignore[misc]
        except (json.JSONDecodeError, RecursionError) as err:  # RecursionError: JSON nested too deep to parse
            raise self._vertex_bad_json(err, kwargs["response"]) from err

    def request(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().request(*args, **kwargs)  # type: ignore[misc]
        except openai.APIError as err:
            scrub_error(err)
            raise


class AsyncClientSeams(_ClientSeams):
    """Put before `openai.AsyncOpenAI` in the bases: the async seams (`_prepare_options` is async there)."""

    async def _vertex_aprepare_request(self, request: Any) -> None:
        raise NotImplementedError

    async def _prepare_options(self, options: Any) -> Any:
        return self._vertex_prepare_options(await super()._prepare_options(options))  # type: ignore[misc]

    async def _prepare_request(self, request: Any) -> None:
        await super()._prepare_request(request)  # type: ignore[misc]
        await self._vertex_aprepare_request(request)

    async def _process_response(self, **kwargs: Any) -> Any:
        try:
            return await super()._process_response(**kwargs)  # type: ignore[misc]
        except (json.JSONDecodeError, RecursionError) as err:
            raise self._vertex_bad_json(err, kwargs["response"]) from err

    async def request(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().request(*args, **kwargs)  # type: ignore[misc]
        except openai.APIError as err:
            scrub_error(err)
            raise


def init_client(client: Any, kwargs: Mapping[str, Any]) -> None:
    """Run the SDK client's own `__init__` on `client` (a subclass instance) with the SDK's keywords."""
    base: Any = openai.AsyncOpenAI if isinstance(client, openai.AsyncOpenAI) else openai.OpenAI
    base.__init__(client, **kwargs)


def http_client(client: Any) -> Any:
    """The httpx / httpx2 client an SDK client sends with."""
    return client._client


def custom_headers(client: Any) -> Mapping[str, str]:
    headers: Mapping[str, str] = client._custom_headers
    return headers


def custom_query(client: Any) -> Mapping[str, object]:
    query: Mapping[str, object] = client._custom_query
    return query


def set_custom_headers(client: Any, headers: Mapping[str, str]) -> None:
    client._custom_headers = dict(headers)


def drop_openai_credentials(client: Any) -> None:
    """Forget the OpenAI-only credentials openai 3.x keeps beside the API key (never sent to Google)."""
    if hasattr(client, "_ambient_authorizations"):
        object.__setattr__(client, "_ambient_authorizations", frozenset())
    if hasattr(client, "admin_api_key"):
        object.__setattr__(client, "admin_api_key", None)


# -- streams -----------------------------------------------------------------------------------------
def init_event_stream(stream: Any, *, source: Any, iterator: Any) -> None:
    """Make `stream` (an SDK Stream subclass, its `__init__` not run) read its items from `iterator`,
    answering for the same HTTP response and client as `source` (another SDK stream)."""
    stream.response = source.response
    stream._client = source._client
    stream._cast_to = Any
    stream._options = None
    stream._iterator = iterator


class _ParsedEvent(ServerSentEvent):
    """An event whose JSON was parsed once by our decoder; `json()` returns it without parsing again."""

    _parsed: Any = None

    def json(self) -> Any:
        return self._parsed


def parsed_event(sse: ServerSentEvent, parsed: Any) -> ServerSentEvent:
    """`sse` answering `json()` with `parsed`: the same object when the SDK built a plain `ServerSentEvent` (its
    class switched to a subclass that adds `json` only: no second event per chunk), else a copy of its fields."""
    if type(sse) is ServerSentEvent:
        sse.__class__ = _ParsedEvent
        event = cast(_ParsedEvent, sse)
    else:
        event = _ParsedEvent(data=sse.data, event=sse.event, id=sse.id, retry=sse.retry)
    event._parsed = parsed
    return event


# The SDK's `responses.stream()` helpers (openai.lib.streaming.responses), imported on first use as the SDK does.
_ErrorConverter = Callable[[str, Exception], Exception]


def convert_response_stream_errors(manager: Any, errors: tuple[type[Exception], ...], convert: _ErrorConverter) -> Any:
    """`manager` (what the SDK's `responses.stream()` returns, sync or async), switched in place to a subclass
    whose stream raises `convert(text, err)` where iterating it raises one of `errors`; `text` is the output
    text streamed so far. The subclasses add methods only: the SDK's objects keep their state."""
    for cls in _response_stream_managers():
        if _switch_class(manager, cls):
            manager._vertex_on_error = (errors, convert)
    return manager


def _switch_class(obj: Any, cls: type) -> bool:
    """Make `obj` an instance of `cls`, a subclass of its class that adds methods only; False when `obj` is
    not an instance of the class `cls` extends."""
    if isinstance(obj, cls.__mro__[1]) and not isinstance(obj, cls):
        obj.__class__ = cls
        return True
    return isinstance(obj, cls)


@functools.cache
def _response_stream_managers() -> tuple[type, type]:
    """Our subclasses of the SDK's `ResponseStreamManager` / `AsyncResponseStreamManager`, whose `__enter__` /
    `__aenter__` switch the stream the SDK builds to our subclass of `ResponseStream` / `AsyncResponseStream`."""
    from openai.lib.streaming.responses import (
        AsyncResponseStream,
        AsyncResponseStreamManager,
        ResponseStream,
        ResponseStreamManager,
    )

    class Stream(ResponseStream[Any]):
        _vertex_text: str = ""
        _vertex_on_error: tuple[tuple[type[Exception], ...], _ErrorConverter] | None = None

        def __next__(self) -> Any:
            if self._vertex_on_error is None:
                return super().__next__()
            errors, convert = self._vertex_on_error
            try:
                event = super().__next__()
            except errors as err:
                raise convert(self._vertex_text, err) from err
            if event.type == "response.output_text.delta":
                self._vertex_text += event.delta
            return event

        def __iter__(self) -> Iterator[Any]:  # the SDK's __iter__ reads its generator, bypassing __next__
            while True:
                try:
                    event = self.__next__()
                except StopIteration:
                    return
                yield event

    class AsyncStream(AsyncResponseStream[Any]):
        _vertex_text: str = ""
        _vertex_on_error: tuple[tuple[type[Exception], ...], _ErrorConverter] | None = None

        async def __anext__(self) -> Any:
            if self._vertex_on_error is None:
                return await super().__anext__()
            errors, convert = self._vertex_on_error
            try:
                event = await super().__anext__()
            except errors as err:
                raise convert(self._vertex_text, err) from err
            if event.type == "response.output_text.delta":
                self._vertex_text += event.delta
            return event

        async def __aiter__(self) -> AsyncIterator[Any]:
            while True:
                try:
                    event = await self.__anext__()
                except StopAsyncIteration:
                    return
                yield event

    class Manager(ResponseStreamManager[Any]):
        _vertex_on_error: tuple[tuple[type[Exception], ...], _ErrorConverter] | None = None

        def __enter__(self) -> Any:
            stream: Any = super().__enter__()
            if _switch_class(stream, Stream):
                stream._vertex_on_error = self._vertex_on_error
            return stream

    class AsyncManager(AsyncResponseStreamManager[Any]):
        _vertex_on_error: tuple[tuple[type[Exception], ...], _ErrorConverter] | None = None

        async def __aenter__(self) -> Any:
            stream: Any = await super().__aenter__()
            if _switch_class(stream, AsyncStream):
                stream._vertex_on_error = self._vertex_on_error
            return stream

    return Manager, AsyncManager


# -- resources and pages -----------------------------------------------------------------------------
def init_resource(resource: Any, after: type, client: Any) -> None:
    """Run the SDK resource's `__init__(client)` for `resource`, starting past `after` in its class's MRO."""
    base: Any = super(after, resource)
    base.__init__(client)


def resource_client(resource: Any) -> Any:
    """The SDK client a resource (`client.responses`, ...) belongs to."""
    return resource._client


def route_resource(resource: Any, *, post: Any, get: Any, delete: Any) -> None:
    """Answer a resource's transport calls with our functions instead of HTTP."""
    resource._post = post
    resource._get = get
    resource._delete = delete


def resource_post(resource: Any, url: str, *, body: object, cast_to: type, options: Any) -> Any:
    """POST through a resource's own client (`resource._post`): the SDK's request, auth, retries, errors and
    parsing (a coroutine on an async resource). `url` may be absolute; `options` from `make_request_options`."""
    return resource._post(url, body=body, cast_to=cast_to, options=options)


def serve_list_locally(resource: Any, lister: Any) -> None:
    """Answer a resource's `list()` pages with `lister(path, page=, model=, options=)` instead of a GET."""
    resource._get_api_list = lister


def list_options(path: str, params: Mapping[str, Any] | None = None) -> Any:
    """The options of a GET list request, as the SDK keeps them on a page (its next page merges `after`)."""
    return FinalRequestOptions.construct(method="get", url=path, params=dict(params or {}))


def attach_page(page: Any, *, client: Any, model: Any, options: Any) -> Any:
    """Give a page built from our JSON what the SDK gives its own: the client that fetches the next page
    (`client._request_api_list(model, page=, options=)`), the item model, and the request options."""
    page._set_private_attributes(client=client, model=model, options=options)
    return page


class _LocalPaginator(AsyncPaginator[Any, Any]):
    """`await list()` / `async for ... in list()` over a page that is already here."""

    def __init__(self, page: Any, client: Any, options: Any, page_cls: Any, model: Any) -> None:
        super().__init__(client=client, options=options, page_cls=page_cls, model=model)
        self._vertex_page = page

    async def _get_page(self) -> Any:
        return self._vertex_page


def local_async_paginator(page: Any, *, client: Any, options: Any, page_cls: Any, model: Any) -> Any:
    """The SDK's `AsyncPaginator` for a page built locally."""
    return _LocalPaginator(page, client, options, page_cls, model)


# -- raw responses -----------------------------------------------------------------------------------
def clone_raw_response(raw: Any, cls: type) -> Any:
    """A copy of an SDK raw-response object (`LegacyAPIResponse`, `APIResponse`...) as subclass `cls`."""
    clone: Any = object.__new__(cls)
    clone.__dict__.update(raw.__dict__)
    return clone


# -- structured output -------------------------------------------------------------------------------
def strict_json_schema(model: Any) -> dict[str, Any]:
    """The strict JSON schema the SDK's `parse()` would send for a pydantic model."""
    from openai.lib._pydantic import to_strict_json_schema

    return to_strict_json_schema(model)


def pydantic_function_tool(function: Mapping[str, Any], model: Any) -> Any:
    """The SDK's `PydanticFunctionTool` (a dict that remembers its model, so `parse()` can parse the call)."""
    from openai.lib._tools import PydanticFunctionTool

    defn: Any = dict(function)
    return PydanticFunctionTool(defn, model)


# -- pages served locally ----------------------------------------------------------------------------
class _LocalPager:
    """Stands in for the SDK client on a page built from our data: the SDK asks it for the next page
    (`page.get_next_page()`, iteration) with the page's request options, and `fetch` answers from our store."""

    def __init__(self, fetch: Callable[[str, dict[str, Any]], Any]) -> None:
        self._vertex_fetch = fetch

    def _page(self, model: Any, page: Any, options: Any) -> Any:
        params = dict(options.params) if isinstance(options.params, Mapping) else {}
        data = self._vertex_fetch(str(options.url), params)
        return attach_page(construct_type(type_=page, value=data), client=self, model=model, options=options)

    def _request_api_list(self, model: Any, page: Any, options: Any) -> Any:
        return self._page(model, page, options)


class _AsyncLocalPager(_LocalPager):
    async def _request_api_list(self, model: Any, page: Any, options: Any) -> Any:  # awaited by the SDK
        return self._page(model, page, options)


def local_list_page(page_cls: Any, model: Any, path: str, params: Mapping[str, Any],
                    fetch: Callable[[str, dict[str, Any]], Any], *, is_async: bool = False) -> Any:
    """The first page of a `list()` answered by `fetch(path, params)` (a dict in the page's wire shape); its
    next pages (by `get_next_page()` or iteration) are answered by `fetch` too, with the SDK's own cursor."""
    pager = _AsyncLocalPager(fetch) if is_async else _LocalPager(fetch)
    return pager._page(model, page_cls, list_options(path, params))
