"""Structured output through the bridge as tolerant as `chat.completions.parse`.

For a request whose `text.format` asks for JSON, one Markdown fence around the whole answer (Gemini adds one
at times) is not part of the answer: `strip_fence` removes it from a whole text and `FenceStripper` from a
stream of deltas, so `output_text`, the streamed deltas and what `parse` / `stream(text_format=...)` validate
are the same JSON. An answer that still does not validate raises `StructuredOutputError` (with the raw text
and pydantic's errors) instead of pydantic's own error: `structured_errors` converts it in `parse`, and
`tolerant_stream_manager` in the SDK's `responses.stream()` helpers, sync and async.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pydantic

from .._sdk import convert_response_stream_errors
from ..structured import StructuredOutputError, strip_json_fences

__all__ = ["FenceStripper", "parse_tolerantly", "strip_fence", "structured_error", "tolerant_stream_manager"]

_PARSE_ERRORS = (pydantic.ValidationError, json.JSONDecodeError)
_OPENING = re.compile(r"\s*```[A-Za-z0-9_-]*[ \t]*\r?\n")
_CLOSING = re.compile(r"\r?\n?```\s*$")


def strip_fence(text: str) -> str:
    """`text` without one fence enclosing all of it (and the whitespace around it); unchanged otherwise."""
    stripped = text.strip()
    return strip_json_fences(text) if stripped.startswith("```") and stripped.endswith("```") else text


class FenceStripper:
    """Stream deltas of a JSON answer with one enclosing fence removed.

    The opening fence is held back until its line is complete (or the text shows it is no fence); at most
    the last few characters are held back while they could be the closing fence, and `flush` drops them if
    they are one.
    """

    def __init__(self) -> None:
        self._start = ""  # text held back while it may still be an opening fence
        self._started = False
        self._fenced = False
        self._tail = ""  # text held back while it may be the closing fence

    def feed(self, text: str) -> str:
        if not self._started:
            self._start += text
            stripped = self._start.lstrip()
            if not stripped or ("```".startswith(stripped[:3]) and "\n" not in stripped):
                return ""  # may still become an opening fence line
            self._started = True
            match = _OPENING.match(self._start)
            if match is None:
                text, self._start = self._start, ""
                return text
            self._fenced = True
            text, self._start = self._start[match.end():], ""
        if not self._fenced:
            return text
        text = self._tail + text
        keep = _closing_candidate(text)
        self._tail = text[len(text) - keep:] if keep else ""
        return text[: len(text) - keep]

    def flush(self) -> str:
        """What is still held back, without a closing fence."""
        text = self._start + self._tail
        self._start = self._tail = ""
        if self._fenced:
            return _CLOSING.sub("", text)
        return text


def _closing_candidate(text: str) -> int:
    """How many trailing characters of `text` could begin (or be) the closing fence: a run of whitespace and
    at most three backticks (a JSON answer never ends with a backtick)."""
    at = len(text)
    while at > 0 and text[at - 1] in " \t\r\n`":
        at -= 1
    tail = text[at:]
    return len(tail) if tail.count("`") <= 3 else 0


def structured_error(raw: str, err: Exception) -> StructuredOutputError:
    errors = err.errors() if isinstance(err, pydantic.ValidationError) else []
    return StructuredOutputError(raw, list(errors), err)


def parse_tolerantly(parser: Any, response: Any) -> Any:
    """`parser(response)` (the SDK's `parse` post-parser) with pydantic's errors as `StructuredOutputError`."""
    try:
        return parser(response)
    except _PARSE_ERRORS as err:
        raise structured_error(getattr(response, "output_text", "") or "", err) from err


def tolerant_stream_manager(manager: Any) -> Any:
    """The SDK's `responses.stream()` manager, whose stream raises `StructuredOutputError` for bad output."""
    return convert_response_stream_errors(manager, _PARSE_ERRORS, structured_error)
