"""Chat Completion results → the Responses API's output items and `Response` objects.

The dicts built here have the Responses wire shape with every field any supported openai major
requires; `build_response` hands them to the installed SDK's own constructor, so callers get that
SDK's `Response` class (and its `output_text`, `to_dict()`, ...).
"""

from __future__ import annotations

import os
import time
from typing import Any

from openai.types.responses import Response

from ._models import response_model
from ._parsing import strip_fence
from ._signatures import encode_carrier

__all__ = [
    "NO_FINISH_REASON",
    "assistant_message",
    "build_response",
    "carrier_item",
    "failure_for",
    "function_call_item",
    "message_item",
    "new_id",
    "reasoning_item",
    "refusal_part",
    "response_dict",
    "response_from_completion",
    "status_for",
    "usage_dict",
]


def new_id(prefix: str) -> str:
    return f"{prefix}_{os.urandom(16).hex()}"


def extra_of(obj: Any, name: str = "extra_content") -> Any:
    """An extra (non-OpenAI) field of an SDK model or dict, e.g. Gemini's `extra_content`."""
    if isinstance(obj, dict):
        return obj.get(name)
    extra = getattr(obj, "__pydantic_extra__", None)  # a dict lookup, not pydantic's failing __getattr__
    if isinstance(extra, dict):
        return extra.get(name)
    return getattr(obj, name, None)


def reasoning_item(item_id: str, summary: str, status: str = "completed") -> dict[str, Any]:
    parts = [{"type": "summary_text", "text": summary}] if summary else []
    return {"id": item_id, "type": "reasoning", "summary": parts, "status": status}


def carrier_item(key: str, extra: Any) -> dict[str, Any]:
    """A reasoning item with no summary whose `encrypted_content` carries `extra_content` for `key`."""
    return {"id": new_id("rs"), "type": "reasoning", "summary": [], "status": "completed",
            "encrypted_content": encode_carrier({key: extra})}


def text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def refusal_part(refusal: str) -> dict[str, Any]:
    return {"type": "refusal", "refusal": refusal}


def message_item(item_id: str, text: str | None, refusal: str | None, status: str) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if text:
        content.append(text_part(text))
    if refusal:
        content.append(refusal_part(refusal))
    return {"id": item_id, "type": "message", "role": "assistant", "status": status, "content": content}


def function_call_item(item_id: str, call_id: str, name: str, arguments: str, status: str) -> dict[str, Any]:
    return {"id": item_id, "type": "function_call", "call_id": call_id, "name": name, "arguments": arguments,
            "status": status}


def usage_dict(usage: Any) -> dict[str, Any]:
    """Chat usage in Responses form; zeros when Google sent none."""
    def num(obj: Any, name: str) -> int:
        value = getattr(obj, name, None) if obj is not None else None
        return value if isinstance(value, int) else 0

    prompt_details = getattr(usage, "prompt_tokens_details", None) if usage is not None else None
    completion_details = getattr(usage, "completion_tokens_details", None) if usage is not None else None
    return {
        "input_tokens": num(usage, "prompt_tokens"),
        "input_tokens_details": {"cached_tokens": num(prompt_details, "cached_tokens")},
        "output_tokens": num(usage, "completion_tokens"),
        "output_tokens_details": {"reasoning_tokens": num(completion_details, "reasoning_tokens")},
        "total_tokens": num(usage, "total_tokens"),
    }


NO_FINISH_REASON = ("The chat answer ended without a finish reason (Google closed the stream before the answer "
                    "was finished, or sent no choice); the output holds what arrived. Retry the request.")


def status_for(finish_reason: Any) -> tuple[str, dict[str, Any] | None]:
    """(status, incomplete_details) for a chat finish reason; `failed` when there is none (a cut-short answer)."""
    if finish_reason == "length":
        return "incomplete", {"reason": "max_output_tokens"}
    if finish_reason == "content_filter":
        return "incomplete", {"reason": "content_filter"}
    if not finish_reason:
        return "failed", None
    return "completed", None


def failure_for(status: str) -> dict[str, Any] | None:
    """The Response `error` for a status from `status_for` (None unless it failed)."""
    return {"code": "server_error", "message": NO_FINISH_REASON} if status == "failed" else None


def response_dict(
    response_id: str,
    created_at: float,
    model: str,
    echo: dict[str, Any],
    *,
    output: list[dict[str, Any]],
    status: str,
    incomplete_details: dict[str, Any] | None = None,
    usage: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": response_id,
        "object": "response",
        "created_at": created_at,
        "model": model,
        "output": output,
        "status": status,
        "error": error,
        "incomplete_details": incomplete_details,
        **echo,
    }
    if usage is not None:
        data["usage"] = usage
    if status == "completed":
        data["completed_at"] = int(time.time())
    return data


def build_response(data: dict[str, Any]) -> Response:
    """The installed SDK's `Response` for a wire-shaped dict."""
    return response_model(data)


def assistant_message(text: str | None, refusal: str | None, calls: list[dict[str, Any]],
                      extra: Any) -> dict[str, Any]:
    """The chat message that answers this turn, as it goes back on the wire in a follow-up."""
    message: dict[str, Any] = {"role": "assistant", "content": text if text else (refusal or None)}
    if calls:
        message["tool_calls"] = calls
    if extra is not None:
        message["extra_content"] = extra
    return message


def response_from_completion(
    completion: Any, echo: dict[str, Any], *, response_id: str, created_at: float, want_summary: bool,
    json_output: bool = False,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(response dict, assistant chat message, {key: extra_content} to remember) for one chat completion.

    `json_output`: the request asked for JSON, so one fence around the whole answer is removed.
    """
    choice = completion.choices[0] if completion.choices else None
    message = choice.message if choice is not None else None
    status, incomplete = status_for(choice.finish_reason if choice is not None else None)
    item_status = "completed" if status == "completed" else "incomplete"
    output: list[dict[str, Any]] = []
    signed: dict[str, Any] = {}
    text = refusal = None
    calls: list[dict[str, Any]] = []
    message_extra = None
    if message is not None:
        thoughts = extra_of(message, "reasoning_content")
        if want_summary and isinstance(thoughts, str) and thoughts:
            output.append(reasoning_item(new_id("rs"), thoughts))
        text, refusal = message.content, message.refusal
        if json_output and isinstance(text, str):
            text = strip_fence(text)
        message_extra = extra_of(message)
        if text or refusal:
            item_id = new_id("msg")
            if message_extra is not None:
                output.append(carrier_item(item_id, message_extra))
                signed[item_id] = message_extra
            output.append(message_item(item_id, text, refusal, item_status))
        for call in message.tool_calls or []:
            function = getattr(call, "function", None)
            if function is None:
                continue
            call_extra = extra_of(call)
            wire: dict[str, Any] = {"id": call.id, "type": "function",
                                    "function": {"name": function.name, "arguments": function.arguments}}
            if call_extra is not None:
                wire["extra_content"] = call_extra
                output.append(carrier_item(call.id, call_extra))
                signed[call.id] = call_extra
            calls.append(wire)
            output.append(function_call_item(new_id("fc"), call.id, function.name, function.arguments, "completed"))
    data = response_dict(response_id, created_at, str(completion.model or echo.get("model") or ""), echo,
                         output=output, status=status, incomplete_details=incomplete,
                         usage=usage_dict(completion.usage), error=failure_for(status))
    return data, assistant_message(text, refusal, calls, message_extra), signed
