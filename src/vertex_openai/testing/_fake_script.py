"""How tests script the fake: the next `Reply`, a `Fault` instead of it, Google's error body, and the
`RecordedRequest`s the fake keeps."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Fault", "RecordedRequest", "Reply", "google_error_body"]


def google_error_body(code: int, status: str, message: str, details: list[Any] | None = None) -> list[Any]:
    """Google's OpenAI-layer error: a one-element JSON list around the `error` object."""
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details is not None:
        error["details"] = details
    return [{"error": error}]


@dataclass
class Fault:
    """One scripted answer instead of the normal reply.

    action: "respond" (status/body/headers), "close" (drop the connection with no answer),
    "stream_then_close" (send `chunks` SSE chunks of a normal stream, then drop the connection),
    "stream_then_raw" (send `chunks` chunks, then write `body` raw, outside any `data:` line).
    `delay` waits before answering; `body_delay` waits between the headers and the body.
    """

    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    body_delay: float = 0.0
    action: str = "respond"
    chunks: int = 1


@dataclass
class Reply:
    """The model's next answer: text, tool calls, and the finish reason Google would send."""

    content: str | None = "Hello from the fake Vertex AI."
    tool_calls: list[dict[str, Any]] | None = None
    finish_reason: str | None = None
    extra_content: dict[str, Any] | None = None
    raw_message: dict[str, Any] | None = None
    # Thought text: sent only when the request sets include_thoughts, inside <marker> tags when it sets
    # thought_tag_marker, else untagged before the answer (as Google does).
    thoughts: str | None = None
    # Stream these deltas verbatim instead (each {"delta": {...}, "finish_reason": ...}).
    raw_chunks: list[dict[str, Any]] | None = None


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    token_valid: bool

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def token(self) -> str | None:
        value = self.headers.get("authorization", "")
        return value[7:] if value.startswith("Bearer ") else None
