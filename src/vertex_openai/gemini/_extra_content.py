"""`extra_content` builders and response-to-request message conversion that keep Gemini's thought signatures.

Google documents `extra_content: {"google": {...}}` on three shapes (a message, a content part, a tool call);
the builders produce them. `to_message_param()` turns a response message back into a request message
without losing unknown fields such as `thought_signature`; `thoughts()` reads the separated thought text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from ._extra_body import drop_none

__all__ = [
    "assistant_tool_call",
    "google_extra_content",
    "text_message",
    "thoughts",
    "to_message_param",
    "tool_message",
    "with_extra_content",
]


def google_extra_content(
    *,
    thought: bool | None = None,
    thought_signature: str | bytes | None = None,
    parts: Iterable[Mapping[str, Any]] | None = None,
    **more_google_fields: Any,
) -> dict[str, Any]:
    """`{"google": {...}}` for a message, a content part or a tool call (Google's `extra_content`)."""
    if isinstance(thought_signature, bytes):
        import base64

        thought_signature = base64.b64encode(thought_signature).decode("ascii")
    fields = drop_none(
        {
            "thought": thought,
            "thought_signature": thought_signature,
            "parts": [dict(part) for part in parts] if parts is not None else None,
        }
    )
    fields.update(drop_none(more_google_fields))
    return {"google": fields}


def with_extra_content(item: Mapping[str, Any], **google_fields: Any) -> dict[str, Any]:
    """A copy of a message, content part or tool call dict with `extra_content.google` fields merged in."""
    out = dict(item)
    current = out.get("extra_content")
    existing = dict(current) if isinstance(current, Mapping) else {}
    google = {**existing.get("google", {}), **google_extra_content(**google_fields)["google"]}
    out["extra_content"] = {**existing, "google": google}
    return out


def text_message(
    role: Literal["system", "user", "assistant"],
    content: str,
    *,
    thought: bool | None = None,
    thought_signature: str | bytes | None = None,
    **more_google_fields: Any,
) -> dict[str, Any]:
    """A message with string content and `extra_content` (Google's first shape)."""
    message: dict[str, Any] = {"role": role, "content": content}
    extra = google_extra_content(thought=thought, thought_signature=thought_signature, **more_google_fields)
    if extra["google"]:
        message["extra_content"] = extra
    return message


def assistant_tool_call(
    id: str,
    name: str,
    arguments: str | Mapping[str, Any],
    *,
    thought_signature: str | bytes | None = None,
    **more_google_fields: Any,
) -> dict[str, Any]:
    """One tool call for an assistant message, with its thought signature (Google's third shape)."""
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    call: dict[str, Any] = {"id": id, "type": "function", "function": {"name": name, "arguments": text}}
    extra = google_extra_content(thought_signature=thought_signature, **more_google_fields)
    if extra["google"]:
        call["extra_content"] = extra
    return call


def tool_message(
    tool_call_id: str,
    content: str,
    *,
    parts: Iterable[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """A tool result; `parts` are Gemini function-response parts (images etc., Gemini 3+)."""
    message: dict[str, Any] = {"role": "tool", "tool_call_id": tool_call_id, "content": content}
    if parts is not None:
        message["extra_content"] = google_extra_content(parts=parts)
    return message


# -- round trips -------------------------------------------------------------------------------------

# Fields the SDK's response models carry that are not request fields (or that we add).
_RESPONSE_ONLY = ("parsed", "refusal", "annotations", "audio", "function_call", "reasoning_content")
_TOOL_CALL_RESPONSE_ONLY = ("index", "parsed_arguments")


def _as_dict(message: Any) -> dict[str, Any]:
    if isinstance(message, Mapping):
        return dict(message)
    dump = getattr(message, "model_dump", None)
    if dump is None:
        raise TypeError(
            "to_message_param() takes a response message (choices[0].message, from create/parse/stream) or a "
            f"dict, got {type(message).__name__}"
        )
    try:
        return dict(dump(mode="json", exclude_none=True, by_alias=True, warnings=False))
    except TypeError:  # pydantic v1 models
        return dict(json.loads(message.json(exclude_none=True, by_alias=True)))


def to_message_param(message: Any) -> dict[str, Any]:
    """A request message from a response message, keeping `extra_content` (thought signatures) verbatim.

    Works for messages from `create`, `parse` and a stream's `get_final_completion()`, and leaves any
    `extra_content` namespace (`google`, `vertex`, ...) untouched on the message and on every tool call.
    """
    data = _as_dict(message)
    out: dict[str, Any] = {"role": data.get("role") or "assistant"}
    for key, value in data.items():
        if key in _RESPONSE_ONLY or key == "role":
            continue
        if key == "tool_calls":
            if value:
                out["tool_calls"] = [_tool_call_param(call) for call in value]
            continue
        out[key] = value
    if "content" not in out:
        out["content"] = None
    function_call = data.get("function_call")
    if function_call and not out.get("tool_calls"):
        out["function_call"] = function_call
    return out


def _tool_call_param(call: Any) -> dict[str, Any]:
    data = _as_dict(call)
    out = {key: value for key, value in data.items() if key not in _TOOL_CALL_RESPONSE_ONLY}
    function = out.get("function")
    if isinstance(function, Mapping):
        out["function"] = {k: v for k, v in function.items() if k not in _TOOL_CALL_RESPONSE_ONLY}
    return out


def thoughts(message: Any) -> str | None:
    """The thought text vertex-openai separated from the answer (`include_thoughts`), or None."""
    if isinstance(message, Mapping):
        value = message.get("reasoning_content")
    else:
        value = getattr(message, "reasoning_content", None)
    return value if isinstance(value, str) else None

