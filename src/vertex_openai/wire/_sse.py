"""Server-sent events as Vertex sends them, made to fail loudly instead of silently.

The SDK's decoder drops lines that are not SSE fields, so Google's mid-stream error object (written
outside any `data:` line, e.g. `499 CANCELLED`) would end a stream as if it were complete. It also
hands a list-wrapped error to the parser as data, and lets a cut connection escape as a raw
`httpx` exception on openai 1.x. This decoder parses each event's JSON once (the SDK reuses it), turns
every error shape into `openai.APIError` with Google's message, and transport failures into
`APIConnectionError` / `APITimeoutError`, on every supported openai version.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import openai
from openai._streaming import ServerSentEvent, SSEDecoder

from .._redact import redact
from ._errors import google_error

__all__ = ["VertexSSEDecoder"]


class _ParsedEvent(ServerSentEvent):
    """An event whose JSON was parsed once by the decoder; `json()` returns it without parsing again."""

    def __init__(self, *, data: str, parsed: Any, event: str | None, id: str | None, retry: int | None) -> None:
        super().__init__(data=data, event=event, id=id, retry=retry)
        self._parsed = parsed

    def json(self) -> Any:
        return self._parsed


def _stream_error(error: dict[str, Any]) -> openai.APIError:
    status = error.get("status")
    message = error.get("message") or "the stream was ended by an error"
    detail = ": ".join(str(p) for p in (status, message) if p)
    exc = openai.APIError(f"Vertex AI ended the stream with an error: {redact(detail)}", None, body=error)  # type: ignore[arg-type]
    if isinstance(status, str):
        exc.code = status
    return exc


def _transport_error(err: BaseException) -> openai.APIError | None:
    module = type(err).__module__.split(".")[0]
    if module not in ("httpx", "httpx2", "httpcore"):
        return None
    try:
        request = err.request  # type: ignore[attr-defined]
    except (AttributeError, RuntimeError):
        request = None
    if "Timeout" in type(err).__name__:
        return openai.APITimeoutError(request=request)
    return openai.APIConnectionError(
        message=f"Connection lost while streaming from Vertex AI: {type(err).__name__}: {err}", request=request
    )


class VertexSSEDecoder(SSEDecoder):
    def decode(self, line: str) -> ServerSentEvent | None:
        if line and line[0] in "{[":  # not an SSE field: Google writes error objects as bare JSON lines
            error = google_error(line)  # None when unparseable: then dropped, as the SDK drops non-field lines
            if error is not None:
                raise _stream_error(error)
        sse = super().decode(line)
        if sse is None:  # a field line: the event is not complete yet
            return None
        data = sse.data
        if data.startswith("[DONE]") or sse.event not in (None, "message"):
            return sse
        try:
            parsed = json.loads(data)
        except (ValueError, RecursionError):
            raise openai.APIError(
                f"Vertex AI sent a malformed stream event (not JSON): {redact(data[:200])!r}", None, body=data  # type: ignore[arg-type]
            ) from None
        # a chunk is a dict without "error": google_error (isinstance checks against ABCs) has nothing to find
        if type(parsed) is not dict or "error" in parsed:
            error = google_error(parsed)
            if error is not None:
                raise _stream_error(error)
        if type(sse) is ServerSentEvent:
            # the same object, now answering json() with the parse above: no second event built per chunk
            sse.__class__ = _ParsedEvent
            sse._parsed = parsed  # type: ignore[attr-defined]
            return sse
        return _ParsedEvent(data=data, parsed=parsed, event=sse.event, id=sse.id, retry=sse.retry)

    def iter_bytes(self, iterator: Iterator[bytes]) -> Iterator[ServerSentEvent]:
        try:
            yield from super().iter_bytes(iterator)
        except Exception as err:
            converted = _transport_error(err)
            if converted is None:
                raise
            raise converted from err

    async def aiter_bytes(self, iterator: AsyncIterator[bytes]) -> AsyncIterator[ServerSentEvent]:
        try:
            async for sse in super().aiter_bytes(iterator):
                yield sse
        except Exception as err:
            converted = _transport_error(err)
            if converted is None:
                raise
            raise converted from err
