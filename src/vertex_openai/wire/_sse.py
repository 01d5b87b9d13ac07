"""Server-sent events as Vertex sends them, made to fail loudly instead of silently.

The SDK's decoder drops lines that are not SSE fields, so Google's mid-stream error object (written
outside any `data:` line, e.g. `499 CANCELLED`) would end a stream as if it were complete. It also
hands a list-wrapped error to the parser as data, and lets a cut connection escape as a raw
`httpx` exception on openai 1.x. This decoder parses each event's JSON once (the SDK reuses it), turns
every error shape into `openai.APIError` with Google's message, and transport failures into
`APIConnectionError` / `APITimeoutError`, on every supported openai version. Each error carries the streamed
request (given by the client when the SDK builds the stream), without credentials.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import openai

from .._redact import redact
from .._sdk import (
    ServerSentEvent,
    SSEDecoder,
    api_error,
    connection_error,
    parsed_event,
    placeholder_request,
    timeout_error,
)
from ._errors import google_error

__all__ = ["VertexSSEDecoder"]


# The request an error names when the decoder was built outside an SDK stream (tests, direct use).
_UNKNOWN_URL = "https://aiplatform.googleapis.com/"


def _stream_error(error: dict[str, Any], request: Any) -> openai.APIError:
    status = error.get("status")
    message = error.get("message") or "the stream was ended by an error"
    detail = ": ".join(str(p) for p in (status, message) if p)
    exc = api_error(f"Vertex AI ended the stream with an error: {redact(detail)}", request, body=error)
    if isinstance(status, str):
        exc.code = status
    return exc


def _transport_error(err: BaseException, streamed: Any) -> openai.APIError | None:
    module = type(err).__module__.split(".")[0]
    if module not in ("httpx", "httpx2", "httpcore"):
        return None
    if "Timeout" in type(err).__name__:
        return timeout_error(streamed)
    return connection_error(f"Connection lost while streaming from Vertex AI: {type(err).__name__}: {err}", streamed)


class VertexSSEDecoder(SSEDecoder):
    """The SDK's SSE decoder, made to raise Google's mid-stream errors as `openai.APIError` for `request`."""

    def __init__(self, request: Any = None) -> None:
        super().__init__()
        self.request = request if request is not None else placeholder_request("POST", _UNKNOWN_URL)

    def decode(self, line: str) -> ServerSentEvent | None:
        if line and line[0] in "{[":  # not an SSE field: Google writes error objects as bare JSON lines
            error = google_error(line)  # None when unparseable: then dropped, as the SDK drops non-field lines
            if error is not None:
                raise _stream_error(error, self.request)
        sse = super().decode(line)
        if sse is None:  # a field line: the event is not complete yet
            return None
        data = sse.data
        if data.startswith("[DONE]") or sse.event not in (None, "message"):
            return sse
        try:
            parsed = json.loads(data)
        except (ValueError, RecursionError):
            raise api_error(
                f"Vertex AI sent a malformed stream event (not JSON): {redact(data[:200])!r}", self.request, body=data
            ) from None
        # a chunk is a dict without "error": google_error (isinstance checks against ABCs) has nothing to find
        if type(parsed) is not dict or "error" in parsed:
            error = google_error(parsed)
            if error is not None:
                raise _stream_error(error, self.request)
        return parsed_event(sse, parsed)

    def iter_bytes(self, iterator: Iterator[bytes]) -> Iterator[ServerSentEvent]:
        try:
            yield from super().iter_bytes(iterator)
        except Exception as err:
            converted = _transport_error(err, self.request)
            if converted is None:
                raise
            raise converted from err

    async def aiter_bytes(self, iterator: AsyncIterator[bytes]) -> AsyncIterator[ServerSentEvent]:
        try:
            async for sse in super().aiter_bytes(iterator):
                yield sse
        except Exception as err:
            converted = _transport_error(err, self.request)
            if converted is None:
                raise
            raise converted from err
