"""`--verbose`: log each HTTP request and response to stderr, with the token and any key redacted.

Hooks go on the client's own HTTP client (httpx on openai 1.x/2.x, httpx2 on 3.x; both have the same
`event_hooks`), so what is logged is what went on the wire, Authorization header included, masked.
Every line also passes through `redact` as a second guard, and `clean` (no terminal escapes from a server).
"""

from __future__ import annotations

import inspect
import logging
import re
import sys
from typing import Any

from .._redact import redact
from .._sdk import http_client
from ._output import clean

__all__ = ["enable_verbose", "hook_client"]

log = logging.getLogger("vertex_openai.cli")
_SECRET_HEADERS = {"authorization", "proxy-authorization", "x-goog-api-key", "api-key", "cookie", "set-cookie"}
_KEY_PARAM = re.compile(r"([?&](?:key|access_token)=)[^&\s]+")
_BODY_LIMIT = 4000


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return clean(redact(_KEY_PARAM.sub(r"\1<redacted>", super().format(record))))


def enable_verbose(*, http_summary: bool = False) -> None:
    """Send our request log and the openai SDK's retry notes to stderr.

    `http_summary` adds the HTTP libraries' one-line request log, for clients we cannot hook (the demo's).
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_RedactingFormatter("%(message)s"))
    names = [("vertex_openai.cli", logging.DEBUG), ("openai", logging.INFO)]
    if http_summary:
        names += [("httpx", logging.INFO), ("httpx2", logging.INFO)]
    for name, level in names:
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.addHandler(handler)
        logger.propagate = False


def _mask(name: str, value: str) -> str:
    if name.lower() not in _SECRET_HEADERS:
        return value
    scheme, _, rest = value.partition(" ")
    return f"{scheme} <redacted>" if rest else "<redacted>"


def _headers(headers: Any) -> str:
    return "\n".join(f"  {name}: {_mask(name, value)}" for name, value in headers.items())


def _body(data: bytes) -> str:
    text = data.decode("utf-8", "replace")
    return text if len(text) <= _BODY_LIMIT else text[:_BODY_LIMIT] + f"… ({len(text)} chars)"


def _on_request(request: Any) -> None:
    log.debug("> %s %s\n%s", request.method, request.url, _headers(request.headers))
    try:
        content = request.content
    except Exception:  # a streaming request body has no .content yet
        return
    if content:
        log.debug("> body: %s", _body(content))


def _streamed(response: Any) -> bool:
    return "text/event-stream" in response.headers.get("content-type", "")


def _log_response(response: Any) -> None:
    log.debug("< %s %s\n%s", response.status_code, response.reason_phrase or "", _headers(response.headers))
    if _streamed(response):
        log.debug("< body: (server-sent events, streamed to the terminal)")
    elif response.content:
        log.debug("< body: %s", _body(response.content))


def _on_response(response: Any) -> None:
    if not _streamed(response):
        response.read()
    _log_response(response)


async def _on_request_async(request: Any) -> None:
    _on_request(request)


async def _on_response_async(response: Any) -> None:
    if not _streamed(response):
        await response.aread()
    _log_response(response)


def hook_client(client: Any) -> Any:
    """Add the request/response log to an `openai` client built by this package; returns the client.

    An async client's HTTP client awaits its event hooks, so it gets coroutine hooks (a plain function's
    `None` cannot be awaited: every request failed).
    """
    http = http_client(client)
    hooks = http.event_hooks
    if inspect.iscoroutinefunction(http.send):
        hooks["request"].append(_on_request_async)
        hooks["response"].append(_on_response_async)
    else:
        hooks["request"].append(_on_request)
        hooks["response"].append(_on_response)
    http.event_hooks = hooks
    return client
