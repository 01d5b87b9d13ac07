"""Gemini-specific request checks and repairs, run on the wire body once per attempt.

Puts back Google's own tool-call ids where `_response` invented distinct ones, drops the thought text we
exposed on response messages, sends no `model` to a deployed endpoint when asked, and refuses bodies that
Vertex would reject anyway (both `reasoning_effort` and `thinking_config`, `extra_body` nested too deep,
inline media over the request-size limit) with a message that says how to fix them. The size check,
`check_request_size`, runs on the request the SDK built from that body (its bytes are already there).
"""

from __future__ import annotations

import json
from typing import Any

from .._config import VertexConfig
from .._sdk import Omit
from ..gemini._limits import DEFAULT_MAX_REQUEST_BYTES, RequestTooLargeError
from ._response import original_tool_call_id

__all__ = ["check_request_size", "prepare_gemini_body", "prepare_gemini_options"]

_OPTION = "max_request_bytes"
_CHAT_PATH = "/chat/completions"


def _restore_message(message: Any) -> Any:
    if not isinstance(message, dict) or (
        "tool_calls" not in message and "tool_call_id" not in message and "reasoning_content" not in message
    ):
        return message  # the common case (user, system, plain assistant text): nothing to put back
    out = message
    if "reasoning_content" in message and message.get("role") == "assistant":
        out = {k: v for k, v in message.items() if k != "reasoning_content"}
    calls = out.get("tool_calls")
    if isinstance(calls, list):
        restored = []
        for call in calls:
            call_id = call.get("id") if isinstance(call, dict) else None
            original = original_tool_call_id(call_id) if isinstance(call_id, str) else call_id
            if original != call_id:
                call = {**call, "id": original}
            restored.append(call)
        if any(a is not b for a, b in zip(restored, calls, strict=True)):
            out = {**out, "tool_calls": restored}
    call_id = out.get("tool_call_id")
    original = original_tool_call_id(call_id) if isinstance(call_id, str) else call_id
    if original != call_id:
        out = {**out, "tool_call_id": original}
    return out


def _check_google_fields(body: dict[str, Any]) -> None:
    extra = body.get("extra_body")
    if not isinstance(extra, dict):
        return
    if "extra_body" in extra:
        raise ValueError(
            "the request body holds extra_body.extra_body (nested once too often), which Vertex rejects with "
            "400 'Unknown name'. Pass extra_body=vertex_openai.gemini.google_extra_body(...) instead."
        )
    google = extra.get("google")
    if isinstance(google, dict) and "thinking_config" in google and body.get("reasoning_effort") is not None:
        raise ValueError(
            "reasoning_effort and extra_body.google.thinking_config were both given; Vertex accepts only "
            "one of them. Drop reasoning_effort and set thinking_budget/thinking_level in thinking_config, "
            "or the other way round."
        )


def _upper_bound(value: Any) -> int:
    """A cheap upper bound of the JSON size (escapes at most 6x a char; data URLs need none)."""
    if isinstance(value, str):
        return len(value) + 2 if value.startswith("data:") else 6 * len(value) + 2
    if isinstance(value, dict):
        return 2 + sum(_upper_bound(k) + _upper_bound(v) + 2 for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return 2 + sum(_upper_bound(v) + 1 for v in value)
    return 32


def _check_size(body: dict[str, Any], limit: int) -> None:
    if _upper_bound(body) <= limit:  # large media as data: URLs (never escaped) stays cheap
        return
    size = len(json.dumps(body, separators=(",", ":")))
    if size > limit:
        raise RequestTooLargeError(
            f"the request body is {size:,} bytes, over the {limit:,}-byte limit of Vertex AI's OpenAI "
            "endpoint (it would answer 400 'Request payload size exceeds the limit'). Upload large images, "
            "audio, video or PDFs to Cloud Storage and pass gs:// URIs (vertex_openai.gemini.image_part('gs://bucket/"
            "file.png')), or change the check with vertex_openai.gemini.limit_request_size(client, n)."
        )


def prepare_gemini_body(body: dict[str, Any], config: VertexConfig) -> dict[str, Any]:
    """Return the body to send (a new dict when something changed); raise before sending what must fail."""
    _check_google_fields(body)
    messages = body.get("messages")
    if isinstance(messages, list):
        restored: list[Any] | None = None  # a copy only once a message changes
        for position, message in enumerate(messages):
            new = _restore_message(message)
            if new is not message:
                if restored is None:
                    restored = list(messages)
                restored[position] = new
        if restored is not None:
            body = {**body, "messages": restored}
    if not config.target.is_openapi and body.get("model") in ("", None) and "model" in body:
        body = {k: v for k, v in body.items() if k != "model"}
    return body


def prepare_gemini_options(options: Any, config: VertexConfig) -> None:
    """Apply `prepare_gemini_body` to what goes on the wire: the body plus the SDK's `extra_body=` keys."""
    body = options.json_data
    extra = getattr(options, "extra_json", None)
    if not isinstance(body, dict):
        return
    if isinstance(extra, dict) and extra:
        # the SDK's own (shallow) merge, done early so the checks see it; `omit` values drop keys, as there
        body = {k: v for k, v in {**body, **extra}.items() if not isinstance(v, Omit)}
        options.extra_json = None
    prepared = prepare_gemini_body(body, config)
    if prepared is not options.json_data:  # assigning a pydantic field costs; skip it when nothing changed
        options.json_data = prepared


def check_request_size(request: Any, config: VertexConfig) -> None:
    """Refuse a chat request whose body is over the request-size limit, before it is sent.

    Runs on the request the SDK built, so the body is already serialised: the compact JSON text the
    limit is checked against is at most 6 times the bytes the SDK wrote (every char takes at least one
    byte there and escapes to at most six), so a body of up to limit / 6 bytes passes on its length
    alone, with no second serialisation. A larger chat body is decoded and measured as its compact JSON.
    """
    limit = config.options.get(_OPTION, DEFAULT_MAX_REQUEST_BYTES)
    if not (config.target.is_openapi and isinstance(limit, int) and limit > 0):
        return
    try:
        content = request.content
    except Exception:  # a streamed upload (files): not a JSON chat body
        return
    if not isinstance(content, bytes) or 6 * len(content) <= limit:
        return
    if not request.url.path.rstrip("/").endswith(_CHAT_PATH):
        return
    try:
        body = json.loads(content)
    except ValueError:
        return
    if isinstance(body, dict):
        _check_size(body, limit)
