"""Attach the token to each HTTP attempt and replay once after a 401, as an httpx/httpx2 auth flow.

The SDK hands an `Auth` to `http_client.send(request, auth=...)` on every attempt (its own retries
included), so we never mutate the user's `http_client`. openai 1.x/2.x send with `httpx`, 3.x with
`httpx2` or a user's `httpx.Client`: the same flow is offered as a subclass of whichever `Auth`
the client's library wants.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import Any

from ._auth import TokenSource
from .wire._errors import google_error, retry_delay_seconds

__all__ = ["REFRESH_ERROR_EXTENSION", "auth_for", "same_origin", "set_bearer", "token_wait"]

REFRESH_ERROR_EXTENSION = "vertex_openai.refresh_error"
_RETRY_AFTER_MS = "retry-after-ms"


def _origin(url: Any) -> tuple[str, str, int | None]:
    scheme = url.scheme
    port = url.port or (443 if scheme == "https" else 80 if scheme == "http" else None)
    return (scheme, url.host, port)


def same_origin(url: Any, origin: tuple[str, str, int | None]) -> bool:
    return _origin(url) == origin


def set_bearer(request: Any, token: str) -> None:
    request.headers["Authorization"] = f"Bearer {token}"


def token_wait(request: Any) -> float | None:
    """How long an attempt may wait for a token: the request's own timeout bounds it."""
    timeout = getattr(request, "extensions", {}).get("timeout")
    if not isinstance(timeout, dict):
        return None
    wait = None  # the largest number among the timeouts (a loop: no list built on every request)
    for value in timeout.values():
        if isinstance(value, (int, float)) and (wait is None or value > wait):
            wait = value
    return wait


def _bearer(request: Any) -> str | None:
    value = request.headers.get("Authorization", "")
    return value[7:] if value.startswith("Bearer ") else None


class _VertexAuthFlow:
    """Library-neutral body of the auth flow (mixed into httpx.Auth / httpx2.Auth subclasses)."""

    def __init__(self, source: TokenSource, origin: tuple[str, str, int | None], max_retry_delay: float) -> None:
        self._source = source
        self._origin = origin
        self._max_retry_delay = max_retry_delay

    def __repr__(self) -> str:
        return f"<vertex-openai auth for {self._origin[0]}://{self._origin[1]}>"

    def _replay_wanted(self, request: Any, response: Any) -> str | None:
        """The token to replace, when Vertex itself refused it; None for any other answer.

        After redirects `response.request` is the last hop: a 401 from another origin (which never saw our
        token, httpx drops it across origins) says nothing about the token.
        """
        if response.status_code != 401:
            return None
        try:
            answered = response.request
        except RuntimeError:  # no request attached: judge by the one we sent
            answered = request
        if not same_origin(answered.url, self._origin):
            return None
        return _bearer(request)

    def _note_retry_info(self, response: Any) -> None:
        """Turn Google's RetryInfo into a `retry-after-ms` header, which the SDK's retry loop honours."""
        if response.status_code not in (429, 503) or _RETRY_AFTER_MS in response.headers:
            return
        error = google_error(response.content)  # None for any body we cannot parse: not a Google error
        delay = retry_delay_seconds(error) if error else None
        if delay is not None:
            capped = max(0.0, min(delay, self._max_retry_delay))
            response.headers[_RETRY_AFTER_MS] = str(int(capped * 1000))

    def sync_auth_flow(self, request: Any) -> Generator[Any, Any, None]:
        response = yield request
        if response.status_code in (429, 503):
            response.read()
            self._note_retry_info(response)
        used = self._replay_wanted(request, response)
        if used is None:
            return
        self._source.invalidate(used)
        try:
            token = self._source.token(token_wait(request))
        except Exception as err:  # surface the 401 itself, with the reason the refresh failed
            response.extensions[REFRESH_ERROR_EXTENSION] = str(err)
            return
        set_bearer(request, token)
        yield request

    async def async_auth_flow(self, request: Any) -> AsyncGenerator[Any, Any]:
        response = yield request
        if response.status_code in (429, 503):
            await response.aread()
            self._note_retry_info(response)
        used = self._replay_wanted(request, response)
        if used is None:
            return
        self._source.invalidate(used)
        try:
            token = await self._source.atoken(token_wait(request))
        except Exception as err:
            response.extensions[REFRESH_ERROR_EXTENSION] = str(err)
            return
        set_bearer(request, token)
        yield request


_AUTH_CLASSES: dict[type, type] = {}


def _auth_class(base: type) -> type:
    cls = _AUTH_CLASSES.get(base)
    if cls is None:
        cls = type(f"VertexAuth_{base.__module__.split('.')[0]}", (_VertexAuthFlow, base), {})
        _AUTH_CLASSES[base] = cls
    return cls


def auth_for(http_client: Any, source: TokenSource, origin: tuple[str, str, int | None],
             max_retry_delay: float) -> Any:
    """An Auth object of the same library (httpx or httpx2) as `http_client`."""
    module = type(http_client).__module__.split(".")[0]
    for cls in type(http_client).__mro__:
        if cls.__module__.split(".")[0] in ("httpx", "httpx2"):
            module = cls.__module__.split(".")[0]
            break
    if module == "httpx2":
        import httpx2

        base: type = httpx2.Auth
    else:
        import httpx

        base = httpx.Auth
    return _auth_class(base)(source, origin, max_retry_delay)
