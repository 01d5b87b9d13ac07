"""The bodies the fake answers with, in Google's wire style: a chat completion, its stream chunks (tool calls
whole, without `index`; usage on the last chunk), and thought text as Google sends it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from ._fake_script import Reply

__all__ = ["chunk_bodies", "completion_body", "html_not_found", "last_user_text", "tool_call_reply", "with_thoughts"]

# Constructed after the shape of the HTML page Google's front end serves for an unknown URL (a 404 with
# `Content-Type: text/html`, reported by third parties for unserved paths under endpoints/openapi).
_HTML_NOT_FOUND = """<!DOCTYPE html>
<html lang=en>
  <meta charset=utf-8>
  <meta name=viewport content="initial-scale=1, minimum-scale=1, width=device-width">
  <title>Error 404 (Not Found)!!1</title>
  <style>
    *{margin:0;padding:0}html,code{font:15px/22px arial,sans-serif}body{margin:7% auto 0;max-width:390px}
  </style>
  <a href=//www.google.com/><span id=logo aria-label=Google></span></a>
  <p><b>404.</b> <ins>That\u2019s an error.</ins>
  <p>The requested URL <code>{path}</code> was not found on this server.  <ins>That\u2019s all we know.</ins>
"""
_TOOL_MODES = ("forced", "loop")


def html_not_found(path: str) -> bytes:
    """Google's front-end HTML 404 page for `path` (constructed, see above)."""
    safe = path.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _HTML_NOT_FOUND.replace("{path}", safe).encode()


def tool_call_reply(body: dict[str, Any], mode: str | None, instance: Any) -> Reply | None:
    """A tool call whose arguments are `instance(parameters)`, or None to answer normally.

    mode "forced": only when `tool_choice` names a function or is "required". mode "loop": also under
    "auto", once per offered tool (the first tool not yet called in the conversation), then a normal answer.
    Under "required" every tool may already have been called: the first not yet called, else the last one.
    """
    tools = [t["function"] for t in body.get("tools") or [] if isinstance(t, dict) and t.get("type") == "function"
             and isinstance(t.get("function"), dict)]
    choice = body.get("tool_choice", "auto")
    if mode not in _TOOL_MODES or not tools or choice == "none":
        return None
    called = {call.get("function", {}).get("name") for m in body.get("messages") or [] if isinstance(m, dict)
              for call in m.get("tool_calls") or [] if isinstance(call, dict)}
    fresh = [t for t in tools if t.get("name") not in called]
    if isinstance(choice, dict):
        named = (choice.get("function") or {}).get("name")
        pick = next((t for t in tools if t.get("name") == named), None)
    elif choice == "required":
        pick = fresh[0] if fresh else tools[-1]
    elif mode == "loop" and fresh:
        pick = fresh[0]
    else:
        return None
    if pick is None:
        return None
    arguments = json.dumps(instance(pick.get("parameters") or {"type": "object", "properties": {}}))
    number = sum(1 for m in body.get("messages") or [] if isinstance(m, dict) and m.get("role") == "tool")
    call = {"function": {"arguments": arguments, "name": pick.get("name")}, "id": f"call_{number}",
            "type": "function"}
    return Reply(content=None, tool_calls=[call])



def last_user_text(messages: Any) -> str:
    if not isinstance(messages, list):
        return ""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(
                    str(p.get("text")) for p in content if isinstance(p, dict) and p.get("type") == "text"
                )
    return ""


def with_thoughts(reply: Reply, body: dict[str, Any]) -> Reply:
    extra = body.get("extra_body")
    google = extra.get("google") if isinstance(extra, dict) else None
    google = google if isinstance(google, dict) else {}
    thinking = google.get("thinking_config")
    if not reply.thoughts or not (isinstance(thinking, dict) and thinking.get("include_thoughts")):
        return reply
    marker = google.get("thought_tag_marker")
    thoughts = f"<{marker}>{reply.thoughts}</{marker}>" if marker else reply.thoughts
    return replace(reply, content=thoughts + (reply.content or ""), thoughts=None)


def _usage(body: dict[str, Any], text: str) -> dict[str, int]:
    prompt = max(1, len(json.dumps(body.get("messages", ""))) // 4)
    completion = max(1, len(text) // 4)
    return {"completion_tokens": completion, "prompt_tokens": prompt, "total_tokens": prompt + completion}


def _model(body: dict[str, Any]) -> str:
    model = body.get("model")
    return model if isinstance(model, str) else ""


def completion_body(body: dict[str, Any], reply: Reply, completion_id: str) -> dict[str, Any]:
    message: dict[str, Any] = reply.raw_message or {"content": reply.content, "role": "assistant"}
    if reply.raw_message is None:
        if reply.tool_calls:
            message["tool_calls"] = reply.tool_calls
        if reply.extra_content:
            message["extra_content"] = reply.extra_content
    finish = reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")
    return {
        "choices": [{"finish_reason": finish, "index": 0, "logprobs": None, "message": message}],
        "created": int(time.time()),
        "id": completion_id,
        "model": _model(body),
        "object": "chat.completion",
        "system_fingerprint": "",
        "usage": _usage(body, reply.content or ""),
    }


def chunk_bodies(body: dict[str, Any], reply: Reply, completion_id: str, size: int) -> Iterable[dict[str, Any]]:
    created = int(time.time())
    text = reply.content or ""
    pieces = [text[i : i + size] for i in range(0, len(text), size)] or [""]

    def chunk(delta: dict[str, Any], finish: str | None = None, usage: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "choices": [{"delta": delta, "finish_reason": finish, "index": 0, "logprobs": None}],
            "created": created,
            "id": completion_id,
            "model": _model(body),
            "object": "chat.completion.chunk",
            "system_fingerprint": "",
        }
        if usage:
            out["usage"] = _usage(body, text)
        return out

    if reply.raw_chunks is not None:
        for n, item in enumerate(reply.raw_chunks):
            yield chunk(item.get("delta", {}), item.get("finish_reason"), usage=n == len(reply.raw_chunks) - 1)
        return
    last = len(pieces) - 1
    for i, piece in enumerate(pieces):
        delta: dict[str, Any] = {"content": piece, "role": "assistant"}
        if i == 0 and reply.extra_content:
            delta["extra_content"] = reply.extra_content
        finished = i == last and not reply.tool_calls
        yield chunk(delta, (reply.finish_reason or "stop") if finished else None, usage=finished)
    if reply.tool_calls:
        # Google sends each tool call whole, in one chunk, without `index`.
        calls = [{k: v for k, v in call.items() if k != "index"} for call in reply.tool_calls]
        yield chunk({"role": "assistant", "tool_calls": calls}, reply.finish_reason or "stop", usage=True)
