"""`vertex_openai.OpenAI` / `AsyncOpenAI`: the openai SDK's own clients, pointed at Vertex AI.

Thin subclasses in the manner of `openai.AzureOpenAI`: the SDK keeps its retries, streaming, parsing
and `with_options`; we add the Vertex URL, a Google token on every attempt (plus one replay after a
401), Google-shaped errors, and the request-body adjustments Gemini needs.

The SDK's private seams themselves are overridden in `_sdk.py` (the one module that touches the SDK's
internals); they hand over to the `_vertex_*` hooks defined here, which hold what we do at each seam. This
module runs past 450 lines because each client spells out its full keyword signature (about 70 lines) so IDEs
and `mypy --strict` see every keyword; keyword handling itself lives in `_options.py`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

import openai
from openai import NOT_GIVEN, NotGiven, Timeout
from openai.types import CreateEmbeddingResponse
from typing_extensions import Unpack

from ._auth import TokenSource
from ._config import VertexConfig, resolve_config
from ._fake_mode import fake_copy_stays_fake
from ._http_auth import REFRESH_ERROR_EXTENSION, auth_for, same_origin, set_bearer, token_wait
from ._options import (
    NO_VERTEX_OPTIONS,
    VERTEX_KEYS,
    RefusedOpenAIOptions,
    SchemaAdaptation,
    init_kwargs,
    reject_openai_only,
)
from ._redact import redact
from ._sdk import (
    AsyncClientSeams,
    SyncClientSeams,
    custom_headers,
    custom_query,
    drop_openai_credentials,
    init_client,
    placeholder_request,
    response_validation_error,
    set_custom_headers,
)
from ._sdk import http_client as sdk_http_client
from .embeddings._wire import native_answer
from .responses._store import ResponseStore
from .structured._wire import check_mode
from .wire._errors import google_error, retry_delay_seconds, status_message
from .wire._gemini_body import check_request_size
from .wire._hints import sent_model
from .wire._request import prepare_json_body
from .wire._response import normalize_response_data
from .wire._sse import VertexSSEDecoder

if TYPE_CHECKING:
    import httpx
    import httpx2
    from google.auth.credentials import Credentials
    from typing_extensions import Self

    from .embeddings._resource import AsyncEmbeddings, Embeddings
    from .responses._resource import AsyncResponses, Responses

    # The http_client the SDK sends with: httpx on openai 1.x/2.x; httpx2 (or a user's httpx) on 3.x.
    SyncHttpClient = httpx.Client | httpx2.Client
    AsyncHttpClient = httpx.AsyncClient | httpx2.AsyncClient

__all__ = ["AsyncOpenAI", "OpenAI", "async_vertex_openai_client", "vertex_openai_client"]


class _VertexClientMixin:
    """Behaviour shared by the sync and async clients (everything that does no I/O)."""

    _vertex_config: VertexConfig
    _vertex_auth: Any
    _vertex_responses_store: ResponseStore
    timeout: Any
    max_retries: int

    def _vertex_init(self, project: str | None, location: str | None, vertex: dict[str, Any],
                     sdk: dict[str, Any]) -> None:
        config, sdk_kwargs = init_kwargs(project, location, vertex_config=None, openai_kwargs=sdk, **vertex)
        init_client(self, sdk_kwargs)
        self._vertex_setup(config, sdk.get("default_headers"))

    @classmethod
    def _from_config(cls, config: VertexConfig, sdk: dict[str, Any]) -> Self:
        """A client for an already resolved configuration (copies): no private keyword in __init__."""
        client = cls.__new__(cls)
        config, sdk_kwargs = init_kwargs(None, None, vertex_config=config, openai_kwargs=dict(sdk), **NO_VERTEX_OPTIONS)
        init_client(client, sdk_kwargs)
        client._vertex_setup(config, sdk.get("default_headers"))
        return client

    def _vertex_setup(self, config: VertexConfig, explicit_headers: Mapping[str, str] | None) -> None:
        self._vertex_config = config
        self._vertex_responses_store = ResponseStore()
        self._vertex_auth = auth_for(sdk_http_client(self), config.token_source, config.origin,
                                     config.max_retry_delay)
        # Never send the OpenAI org/project headers or headers from OPENAI_CUSTOM_HEADERS to Google.
        object.__setattr__(self, "organization", None)
        object.__setattr__(self, "project", config.target.project)
        object.__setattr__(self, "webhook_secret", getattr(self, "webhook_secret", None))
        set_custom_headers(self, explicit_headers or {})
        drop_openai_credentials(self)

    # -- public, read-only view of the Vertex configuration ----------------------------------------
    @property
    def location(self) -> str:
        return self._vertex_config.target.location

    @property
    def endpoint(self) -> str:
        return self._vertex_config.target.endpoint

    @property
    def token_source(self) -> TokenSource:
        """Where tokens come from (shared by copies of this client)."""
        return self._vertex_config.token_source

    def __repr__(self) -> str:
        target = self._vertex_config.target
        return (
            f"<{type(self).__module__.split('.')[0]}.{type(self).__name__} project={target.project!r} "
            f"location={target.location!r} base_url={target.base_url!r}>"
        )

    __str__ = __repr__

    # -- what we do at the SDK's seams (the seams themselves are in _sdk) -----------------------------
    @property
    def default_headers(self) -> dict[str, Any]:
        headers: dict[str, Any] = dict(super().default_headers)  # type: ignore[misc]
        for name in ("OpenAI-Organization", "OpenAI-Project"):
            headers.pop(name, None)
        return headers

    def _vertex_sse_decoder(self, request: Any) -> Any:
        if request is None:  # not built by an SDK stream: name the chat call, as the error's request
            request = placeholder_request("POST", f"{str(self._vertex_config.target.base_url).rstrip('/')}"
                                               "/chat/completions")
        return VertexSSEDecoder(request)

    def _vertex_bad_json(self, err: Exception, response: Any) -> openai.APIResponseValidationError:
        text = response.text if not response.is_stream_consumed or response.is_closed else ""
        snippet = redact(" ".join(str(text).split())[:200])
        return response_validation_error(
            response, text, f"Vertex AI returned a malformed or truncated JSON body ({err}): {snippet!r}"
        )

    def _vertex_attach(self, request: Any, token: str | None) -> None:
        if token is None:
            request.headers.pop("Authorization", None)
            return
        set_bearer(request, token)
        quota_project = self._vertex_config.token_source.quota_project
        if quota_project and "x-goog-user-project" not in request.headers:
            request.headers["x-goog-user-project"] = quota_project

    def _vertex_owns(self, request: Any) -> bool:
        return same_origin(request.url, self._vertex_config.origin)

    def _vertex_status_error(self, err_msg: str, body: object, response: Any,
                             build: Callable[[str, object], Any]) -> openai.APIStatusError:
        """The SDK's exception for a non-2xx answer (`build` is the SDK's own factory), with Google's details."""
        error = google_error(body)
        try:
            request = response.request
            answered = request.url
        except RuntimeError:
            request, answered = None, None
        # After a redirect another server may have answered: its error says nothing about Vertex or our token.
        foreign = answered is not None and not same_origin(answered, self._vertex_config.origin)
        raw = body if isinstance(body, str) else ""
        model = sent_model(request) if request is not None and response.status_code == 404 else None
        message = status_message(response.status_code, error, raw, str(answered or ""), model, hint=not foreign)
        if foreign:
            port = f":{answered.port}" if answered.port else ""
            message += f" [answered by {answered.scheme}://{answered.host}{port} after a redirect, not by Vertex AI]"
        refresh_error = response.extensions.get(REFRESH_ERROR_EXTENSION)
        if refresh_error:
            message += f" [refreshing the token after this 401 failed too: {refresh_error}]"
        if error is None and body is None:
            message = err_msg
        wrapped = {"error": error} if error is not None else body
        exc: openai.APIStatusError = build(message, wrapped)
        if error is not None:
            status = error.get("status")
            if isinstance(status, str) and status:
                exc.code = status
            exc.retry_delay = retry_delay_seconds(error)  # type: ignore[attr-defined]
        return exc

    def _vertex_response_data(self, data: object, cast_to: Any, response: Any) -> object:
        if cast_to is CreateEmbeddingResponse:
            data = self._vertex_embedding_data(data, response)
        # Google's chat-completion quirks (tool-call deltas without index, "" ids...) made OpenAI-shaped.
        return normalize_response_data(data, cast_to, response)

    def _vertex_prepare_options(self, options: Any) -> Any:
        return prepare_json_body(options, self._vertex_config)

    def _vertex_embedding_data(self, data: object, response: Any) -> object:
        """Google's native `:predict` answer as OpenAI's embeddings list; any other answer unchanged."""
        try:
            path = response.request.url.path
        except RuntimeError:
            return data
        try:
            answer = native_answer(data, path)
        except ValueError as err:
            raise response_validation_error(response, data, str(err)) from err
        return data if answer is None else answer

    def copy(  # type: ignore[override]
        self,
        *,
        project: str | None = None,
        location: str | None = None,
        endpoint: str | None = None,
        api_version: str | None = None,
        credentials: Any = None,
        base_url: str | None = None,
        timeout: Any = NOT_GIVEN,
        http_client: Any = None,
        max_retries: int | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | None = None,
        set_default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        set_default_query: Mapping[str, object] | None = None,
        schema_adaptation: str | None = None,
        _extra_kwargs: Mapping[str, Any] = {},
        **openai_only: Any,
    ) -> Self:
        """A client with some options changed; it shares this client's token source and connection pool."""
        reject_openai_only(openai_only)
        config = self._vertex_copy_config(
            {"project": project, "location": location, "endpoint": endpoint, "api_version": api_version,
             "credentials": credentials, "base_url": base_url}
        )
        if schema_adaptation is not None:
            config = config.with_options(schema_adaptation=check_mode(schema_adaptation))
        kwargs = self._vertex_copy_kwargs(
            timeout=timeout, http_client=http_client, max_retries=max_retries, default_headers=default_headers,
            set_default_headers=set_default_headers, default_query=default_query,
            set_default_query=set_default_query,
        )
        client = self._from_config(config, {**kwargs, **_extra_kwargs})
        client._vertex_responses_store = self._vertex_responses_store  # copies share previous_response_id state
        return client

    with_options = copy  # type: ignore[assignment]

    def _vertex_copy_config(self, changes: Mapping[str, Any]) -> VertexConfig:
        config = self._vertex_config
        fake = bool(config.options.get("fake_mode"))
        stays_fake = fake and fake_copy_stays_fake(changes.get("base_url"), changes.get("credentials"))
        if not any(changes.get(key) is not None for key in VERTEX_KEYS):
            return config
        target = config.target
        override = config.options.get("base_url_override")
        if override and changes.get("base_url") is None:
            # The URL was given whole: project/location/endpoint/api_version cannot move it, so say so.
            moved = [f"{key}={changes[key]!r}" for key in ("project", "location", "endpoint", "api_version")
                     if changes.get(key) is not None and changes[key] != getattr(target, key)]
            if moved:
                raise ValueError(
                    f"this client was built with base_url={override!r}, so {', '.join(moved)} would not change where "
                    "requests go. Pass base_url= to with_options()/copy() as well, or build the client from "
                    "project and location instead of base_url."
                )
        credentials = changes.get("credentials")
        return resolve_config(
            changes.get("project") or target.project,
            changes.get("location") or target.location,
            endpoint=changes.get("endpoint") or target.endpoint,
            api_version=changes.get("api_version") or target.api_version,
            credentials=credentials,
            base_url=changes.get("base_url") or config.options.get("base_url_override"),
            token_refresh_margin=config.token_refresh_margin,
            token_refresh_timeout=config.token_refresh_timeout,
            max_retry_delay=config.max_retry_delay,
            token_source=None if credentials is not None else config.token_source,
        ).with_options(**{k: v for k, v in config.options.items()
                          if k != "base_url_override" and (k != "fake_mode" or stays_fake)})

    def _vertex_copy_kwargs(
        self,
        *,
        timeout: Any,
        http_client: Any,
        max_retries: Any,
        default_headers: Mapping[str, str] | None,
        set_default_headers: Mapping[str, str] | None,
        default_query: Mapping[str, object] | None,
        set_default_query: Mapping[str, object] | None,
    ) -> dict[str, Any]:
        if default_headers is not None and set_default_headers is not None:
            raise ValueError("The `default_headers` and `set_default_headers` arguments are mutually exclusive")
        if default_query is not None and set_default_query is not None:
            raise ValueError("The `default_query` and `set_default_query` arguments are mutually exclusive")
        headers: Mapping[str, str] = custom_headers(self)
        if default_headers is not None:
            headers = {**headers, **default_headers}
        elif set_default_headers is not None:
            headers = set_default_headers
        params: Mapping[str, object] = custom_query(self)
        if default_query is not None:
            params = {**params, **default_query}
        elif set_default_query is not None:
            params = set_default_query
        return {
            "timeout": self.timeout if isinstance(timeout, NotGiven) else timeout,
            "http_client": http_client or sdk_http_client(self),
            "max_retries": max_retries if not isinstance(max_retries, NotGiven) else self.max_retries,
            "default_headers": headers,
            "default_query": params,
        }


class OpenAI(_VertexClientMixin, SyncClientSeams, openai.OpenAI):  # type: ignore[misc]
    """`openai.OpenAI` for Vertex AI. Construct it as you would `vertex_openai_client()`; every keyword is on the
    Configuration page of the docs (configuration.html)."""

    def __init__(
        self,
        project: str | None = None,
        location: str | None = None,
        *,
        endpoint: str = "openapi",
        api_version: str = "v1",
        credentials: Credentials | Callable[[], str] | None = None,
        base_url: str | None = None,
        token_refresh_margin: float = 300.0,
        token_refresh_timeout: float = 30.0,
        max_retry_delay: float = 60.0,
        schema_adaptation: SchemaAdaptation | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int = openai.DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        http_client: SyncHttpClient | None = None,
        webhook_secret: str | None = None,
        websocket_base_url: str | None = None,
        **refused: Unpack[RefusedOpenAIOptions],
    ) -> None:
        """Every keyword is described on the Configuration page of the docs (configuration.html); the SDK's own keep
        their meaning."""
        self._vertex_init(
            project, location,
            {"endpoint": endpoint, "api_version": api_version, "credentials": credentials, "base_url": base_url,
             "token_refresh_margin": token_refresh_margin, "token_refresh_timeout": token_refresh_timeout,
             "max_retry_delay": max_retry_delay},
            {"schema_adaptation": schema_adaptation, "timeout": timeout, "max_retries": max_retries,
             "default_headers": default_headers, "default_query": default_query, "http_client": http_client,
             "webhook_secret": webhook_secret, "websocket_base_url": websocket_base_url, **refused},
        )

    @cached_property
    def embeddings(self) -> Embeddings:  # type: ignore[override]
        """The SDK's embeddings; Google's embedding models go to Vertex AI's native method (the docs'
        embeddings.html)."""
        from .embeddings._resource import Embeddings

        return Embeddings(self)

    @cached_property
    def responses(self) -> Responses:
        """The Responses API, served through `chat.completions` (the docs' responses.html)."""
        from .responses._resource import Responses

        return Responses(self, self._vertex_responses_store)

    def _vertex_prepare_request(self, request: Any) -> None:
        check_request_size(request, self._vertex_config)
        owned = self._vertex_owns(request)
        source = self._vertex_config.token_source
        self._vertex_attach(request, source.token(token_wait(request)) if owned else None)


class AsyncOpenAI(_VertexClientMixin, AsyncClientSeams, openai.AsyncOpenAI):  # type: ignore[misc]
    """`openai.AsyncOpenAI` for Vertex AI; token refreshes never block the event loop. Every keyword is on the
    Configuration page of the docs (configuration.html)."""

    def __init__(
        self,
        project: str | None = None,
        location: str | None = None,
        *,
        endpoint: str = "openapi",
        api_version: str = "v1",
        credentials: Credentials | Callable[[], str | Awaitable[str]] | None = None,
        base_url: str | None = None,
        token_refresh_margin: float = 300.0,
        token_refresh_timeout: float = 30.0,
        max_retry_delay: float = 60.0,
        schema_adaptation: SchemaAdaptation | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int = openai.DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        http_client: AsyncHttpClient | None = None,
        webhook_secret: str | None = None,
        websocket_base_url: str | None = None,
        **refused: Unpack[RefusedOpenAIOptions],
    ) -> None:
        """Every keyword is described on the Configuration page of the docs (configuration.html); the SDK's own keep
        their meaning."""
        self._vertex_init(
            project, location,
            {"endpoint": endpoint, "api_version": api_version, "credentials": credentials, "base_url": base_url,
             "token_refresh_margin": token_refresh_margin, "token_refresh_timeout": token_refresh_timeout,
             "max_retry_delay": max_retry_delay},
            {"schema_adaptation": schema_adaptation, "timeout": timeout, "max_retries": max_retries,
             "default_headers": default_headers, "default_query": default_query, "http_client": http_client,
             "webhook_secret": webhook_secret, "websocket_base_url": websocket_base_url, **refused},
        )

    @cached_property
    def embeddings(self) -> AsyncEmbeddings:  # type: ignore[override]
        """The SDK's embeddings; Google's embedding models go to Vertex AI's native method (the docs'
        embeddings.html)."""
        from .embeddings._resource import AsyncEmbeddings

        return AsyncEmbeddings(self)

    @cached_property
    def responses(self) -> AsyncResponses:
        """The Responses API, served through `chat.completions` (the docs' responses.html)."""
        from .responses._resource import AsyncResponses

        return AsyncResponses(self, self._vertex_responses_store)

    async def _vertex_aprepare_request(self, request: Any) -> None:
        check_request_size(request, self._vertex_config)
        owned = self._vertex_owns(request)
        source = self._vertex_config.token_source
        self._vertex_attach(request, await source.atoken(token_wait(request)) if owned else None)


def vertex_openai_client(
    project: str | None = None,
    location: str | None = None,
    *,
    endpoint: str = "openapi",
    api_version: str = "v1",
    credentials: Credentials | Callable[[], str] | None = None,
    base_url: str | None = None,
    token_refresh_margin: float = 300.0,
    token_refresh_timeout: float = 30.0,
    max_retry_delay: float = 60.0,
    schema_adaptation: SchemaAdaptation | None = None,
    timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    max_retries: int = openai.DEFAULT_MAX_RETRIES,
    default_headers: Mapping[str, str] | None = None,
    default_query: Mapping[str, object] | None = None,
    http_client: SyncHttpClient | None = None,
    webhook_secret: str | None = None,
    websocket_base_url: str | None = None,
    **refused: Unpack[RefusedOpenAIOptions],
) -> OpenAI:
    """An `openai.OpenAI` for Vertex AI. Every keyword: the Configuration page of the docs (configuration.html)."""
    return OpenAI(
        project, location, endpoint=endpoint, api_version=api_version, credentials=credentials, base_url=base_url,
        token_refresh_margin=token_refresh_margin, token_refresh_timeout=token_refresh_timeout,
        max_retry_delay=max_retry_delay, schema_adaptation=schema_adaptation, timeout=timeout,
        max_retries=max_retries, default_headers=default_headers, default_query=default_query,
        http_client=http_client, webhook_secret=webhook_secret, websocket_base_url=websocket_base_url, **refused,
    )


def async_vertex_openai_client(
    project: str | None = None,
    location: str | None = None,
    *,
    endpoint: str = "openapi",
    api_version: str = "v1",
    credentials: Credentials | Callable[[], str | Awaitable[str]] | None = None,
    base_url: str | None = None,
    token_refresh_margin: float = 300.0,
    token_refresh_timeout: float = 30.0,
    max_retry_delay: float = 60.0,
    schema_adaptation: SchemaAdaptation | None = None,
    timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    max_retries: int = openai.DEFAULT_MAX_RETRIES,
    default_headers: Mapping[str, str] | None = None,
    default_query: Mapping[str, object] | None = None,
    http_client: AsyncHttpClient | None = None,
    webhook_secret: str | None = None,
    websocket_base_url: str | None = None,
    **refused: Unpack[RefusedOpenAIOptions],
) -> AsyncOpenAI:
    """An `openai.AsyncOpenAI` for Vertex AI. Every keyword: the Configuration page of the docs
    (configuration.html)."""
    return AsyncOpenAI(
        project, location, endpoint=endpoint, api_version=api_version, credentials=credentials, base_url=base_url,
        token_refresh_margin=token_refresh_margin, token_refresh_timeout=token_refresh_timeout,
        max_retry_delay=max_retry_delay, schema_adaptation=schema_adaptation, timeout=timeout,
        max_retries=max_retries, default_headers=default_headers, default_query=default_query,
        http_client=http_client, webhook_secret=webhook_secret, websocket_base_url=websocket_base_url, **refused,
    )
