"""The fake's native Responses endpoint (`…/endpoints/openapi/responses`), for the models Vertex serves there.

Google documents that endpoint for xAI's Grok partner models only; for any other model the fake answers as
Google's front end does for an unserved path (the HTML 404). The bodies are constructed: the same `Reply` the
chat endpoint would give, in the Responses wire shape (a `Response` object, or its event stream over SSE).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from openai.types.chat import ChatCompletion, ChatCompletionChunk

from ..responses._events import StreamTranslator
from ..responses._native import is_native
from ..responses._output import response_from_completion
from ._fake_replies import chunk_bodies, completion_body
from ._fake_script import Reply

__all__ = ["native_model", "response_body", "response_events", "responses_messages"]


def native_model(body: dict[str, Any]) -> bool:
    return is_native(body.get("model"))


def responses_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The Responses `input` as chat-style messages, enough for the fake's default echo answer."""
    given = body.get("input")
    if isinstance(given, str):
        return [{"role": "user", "content": given}]
    messages: list[dict[str, Any]] = []
    for item in given if isinstance(given, list) else []:
        if isinstance(item, dict) and item.get("role") == "user":
            content = item.get("content")
            if isinstance(content, list):
                content = " ".join(str(p.get("text")) for p in content if isinstance(p, dict) and "text" in p)
            messages.append({"role": "user", "content": content})
    return messages


def _echo(body: dict[str, Any]) -> dict[str, Any]:
    echo = {key: body[key] for key in ("instructions", "metadata", "temperature", "top_p", "previous_response_id",
                                       "max_output_tokens", "store") if body.get(key) is not None}
    echo.update(tools=body.get("tools") or [], tool_choice=body.get("tool_choice") or "auto",
                parallel_tool_calls=body.get("parallel_tool_calls", True))
    return echo


def response_body(body: dict[str, Any], reply: Reply, number: int) -> dict[str, Any]:
    """A `Response` for `reply` (non-streamed)."""
    chat = {"model": body.get("model"), "messages": responses_messages(body)}
    completion = ChatCompletion.model_validate(completion_body(chat, reply, f"fake-{number}"))
    data, _, _ = response_from_completion(completion, _echo(body), response_id=f"resp_fake_{number}",
                                          created_at=int(time.time()), want_summary=False)
    return data


def response_events(body: dict[str, Any], reply: Reply, number: int, size: int) -> Iterable[dict[str, Any]]:
    """The Responses event stream for `reply`, each event a dict (sent as one SSE event)."""
    chat = {"model": body.get("model"), "messages": responses_messages(body)}
    translator = StreamTranslator(response_id=f"resp_fake_{number}", model=str(body.get("model") or ""),
                                  echo=_echo(body), want_summary=False)
    yield from translator.start()
    for chunk in chunk_bodies(chat, reply, f"fake-{number}", size):
        yield from translator.feed(ChatCompletionChunk.model_validate(chunk))
    yield from translator.finish()
