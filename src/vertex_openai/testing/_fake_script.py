"""How tests script the fake: the next `Reply`, a `Fault` instead of it, Google's error body, the
`RecordedRequest`s the fake keeps, and `load_script` for a JSON file of replies and faults (`serve --script`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

__all__ = ["Fault", "RecordedRequest", "Reply", "google_error_body", "load_script", "script_steps"]


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
    """One request the fake received (`FakeVertex.requests`): method, path without the query, headers, raw body,
    and whether it carried a token the fake accepts."""

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


_ACTIONS = ("respond", "close", "stream_then_close", "stream_then_raw")


def _fields(cls: type, item: dict[str, Any], where: str) -> dict[str, Any]:
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(item) - known)
    if unknown:
        raise ValueError(
            f"{where}: unknown key(s) {', '.join(unknown)}; a {cls.__name__} takes {', '.join(sorted(known))}"
        )
    return dict(item)


def script_steps(data: object, source: str = "the script") -> list[Reply | Fault]:
    """Turn the JSON form of a script into `Reply`/`Fault` steps for `FakeVertex.play`.

    The JSON form is a list; each item is `{"reply": {...}}` (the keywords of `Reply`) or `{"fault": {...}}` (the
    keywords of `Fault`, plus `"error": {"status": ..., "message": ...}` as a shortcut for Google's error body
    with the fault's HTTP status).
    """
    if not isinstance(data, list):
        raise ValueError(f"{source}: expected a JSON list of steps, got {type(data).__name__}")
    steps: list[Reply | Fault] = []
    for number, item in enumerate(data, 1):
        where = f"{source}, step {number}"
        if not isinstance(item, dict) or len(item) != 1 or not ({"reply", "fault"} & set(item)):
            raise ValueError(f'{where}: expected {{"reply": {{...}}}} or {{"fault": {{...}}}}, got {item!r:.80}')
        kind, value = next(iter(item.items()))
        if not isinstance(value, dict):
            raise ValueError(f"{where}: the value of {kind!r} must be a JSON object")
        if kind == "reply":
            steps.append(Reply(**_fields(Reply, value, where)))
            continue
        value = dict(value)
        error = value.pop("error", None)
        kwargs = _fields(Fault, value, where)
        if kwargs.get("action", "respond") not in _ACTIONS:
            raise ValueError(f"{where}: action must be one of {', '.join(_ACTIONS)}")
        if error is not None:
            if not isinstance(error, dict) or not isinstance(error.get("message"), str):
                raise ValueError(f'{where}: "error" must be {{"status": "NOT_FOUND", "message": "..."}}')
            status = int(kwargs.get("status", 500))
            kwargs["body"] = google_error_body(status, str(error.get("status", "")), error["message"],
                                               error.get("details"))
        steps.append(Fault(**kwargs))
    return steps


def load_script(path: str | Path) -> list[Reply | Fault]:
    """Read a script file (see `script_steps`); errors name the file and the step."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise ValueError(f"--script {path}: cannot read it ({err.strerror or err})") from None
    try:
        data = json.loads(text)
    except ValueError as err:
        raise ValueError(f"--script {path}: not valid JSON ({err})") from None
    return script_steps(data, f"--script {path}")
