"""How tests script the fake: the next `Reply`, a `Fault` instead of it, Google's error body, the
`RecordedRequest`s the fake keeps, and `load_script` for a JSON file of replies and faults (`serve --script`)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
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
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _fields(cls: type, item: dict[str, Any], where: str) -> dict[str, Any]:
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(item) - known)
    if unknown:
        raise ValueError(
            f"{where}: unknown key(s) {', '.join(unknown)}; a {cls.__name__} takes {', '.join(sorted(known))}"
        )
    return dict(item)


def _seconds(value: object) -> bool:
    """A finite number of seconds, 0 or more (a JSON true/false is not a number here)."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            and value >= 0)


def _got(value: object) -> str:
    return f"got {json.dumps(value)[:60]}" if _json_safe(value) else f"got {type(value).__name__}"


def _json_safe(value: object) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        return False
    return True


def _objects(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


# Per field: (is the value acceptable, what it must be). A field that is absent keeps its default.
_REPLY_RULES: dict[str, tuple[Callable[[object], bool], str]] = {
    "content": (lambda v: v is None or isinstance(v, str), "a string or null"),
    "tool_calls": (lambda v: v is None or _objects(v), "a list of objects (OpenAI-shaped tool calls) or null"),
    "finish_reason": (lambda v: v is None or isinstance(v, str), "a string or null"),
    "extra_content": (lambda v: v is None or isinstance(v, dict), "an object or null"),
    "raw_message": (lambda v: v is None or isinstance(v, dict), "an object or null"),
    "thoughts": (lambda v: v is None or isinstance(v, str), "a string or null"),
    "raw_chunks": (lambda v: v is None or _objects(v), "a list of objects ({\"delta\": {...}}) or null"),
}
_FAULT_RULES: dict[str, tuple[Callable[[object], bool], str]] = {
    "status": (lambda v: isinstance(v, int) and not isinstance(v, bool) and 100 <= v <= 599,
               "a whole number from 100 to 599 (an HTTP status)"),
    "headers": (lambda v: isinstance(v, dict) and all(
        isinstance(k, str) and _HEADER_NAME.fullmatch(k) and isinstance(x, str) and x.isascii() and x.isprintable()
        for k, x in v.items()),
        'an object of strings, e.g. {"Retry-After": "1"} (header names without spaces, values printable ASCII)'),
    "delay": (_seconds, "a number of seconds, 0 or more"),
    "body_delay": (_seconds, "a number of seconds, 0 or more"),
    "action": (lambda v: v in _ACTIONS, f"one of {', '.join(_ACTIONS)}"),
    "chunks": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "a whole number, 0 or more"),
}


def _check_values(kwargs: dict[str, Any], rules: dict[str, tuple[Callable[[object], bool], str]], where: str) -> None:
    for name, value in kwargs.items():
        rule = rules.get(name)
        if rule is not None and not rule[0](value):
            raise ValueError(f"{where}: {name} must be {rule[1]}, {_got(value)}")


def script_steps(data: object, source: str = "the script") -> list[Reply | Fault]:
    """Turn the JSON form of a script into `Reply`/`Fault` steps for `FakeVertex.play`.

    The JSON form is a list; each item is `{"reply": {...}}` (the keywords of `Reply`) or `{"fault": {...}}` (the
    keywords of `Fault`, plus `"error": {"status": ..., "message": ...}` as a shortcut for Google's error body
    with the fault's HTTP status). Every value is checked here, so a bad one is a `ValueError` naming the step and
    the field when the script loads, never a failure of the fake at request time.
    """
    if not isinstance(data, list):
        raise ValueError(f"{source}: expected a JSON list of steps, got {type(data).__name__}")
    steps: list[Reply | Fault] = []
    for number, item in enumerate(data, 1):
        where = f"{source}, step {number}"
        if not isinstance(item, dict) or len(item) != 1 or not ({"reply", "fault"} & set(item)):
            shown = json.dumps(item)[:80] if _json_safe(item) else type(item).__name__
            raise ValueError(f'{where}: expected {{"reply": {{...}}}} or {{"fault": {{...}}}}, got {shown}')
        kind, value = next(iter(item.items()))
        if not isinstance(value, dict):
            raise ValueError(f"{where}: the value of {kind!r} must be a JSON object")
        if kind == "reply":
            kwargs = _fields(Reply, value, where)
            _check_values(kwargs, _REPLY_RULES, where)
            steps.append(Reply(**kwargs))
            continue
        value = dict(value)
        error = value.pop("error", None)
        kwargs = _fields(Fault, value, where)
        _check_values(kwargs, _FAULT_RULES, where)
        if error is not None:
            if not (isinstance(error, dict) and isinstance(error.get("message"), str)
                    and isinstance(error.get("status", ""), str)
                    and (error.get("details") is None or isinstance(error.get("details"), list))):
                raise ValueError(f'{where}: "error" must be {{"status": "NOT_FOUND", "message": "..."}} (strings; '
                                 f'"details", when given, a list), {_got(error)}')
            status = kwargs.get("status", 500)
            kwargs["body"] = google_error_body(status, str(error.get("status", "")), error["message"],
                                               error.get("details"))
        steps.append(Fault(**kwargs))
    return steps


def load_script(path: str | Path) -> list[Reply | Fault]:
    """Read a script file (see `script_steps`); every error is a `ValueError` naming the file (and the step)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as err:
        raise ValueError(f"--script {path}: cannot read it ({err.strerror or err})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise ValueError(f"--script {path}: not UTF-8 text (byte 0x{raw[err.start]:02x} on line {line}); save "
                         "the file as UTF-8") from None
    try:
        data = json.loads(text)
    except RecursionError:
        raise ValueError(f"--script {path}: not a script: its JSON is nested too deeply") from None
    except ValueError as err:
        raise ValueError(f"--script {path}: not valid JSON ({err})") from None
    try:
        return script_steps(data, f"--script {path}")
    except RecursionError:
        raise ValueError(f"--script {path}: a value is nested too deeply") from None
