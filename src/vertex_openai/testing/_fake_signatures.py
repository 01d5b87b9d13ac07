"""Gemini 3 thought signatures in the fake, as Google documents them.

Gemini 3 models return a `thought_signature` on the first function call of a turn (in the OpenAI layer:
`tool_calls[0].extra_content.google.thought_signature`) and refuse a follow-up whose history drops it:
400 INVALID_ARGUMENT "Unable to submit request because function call `name` in the N. content block is
missing a `thought_signature`" (https://docs.cloud.google.com/vertex-ai/generative-ai/docs/thought-signatures).
The signature bytes here are constructed (not Google's): base64 of a fake-specific string.
"""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

from ._fake_script import Reply

__all__ = ["BYPASS_SIGNATURE", "signature_rejection", "with_signatures"]

# The dummy value Google's thought-signature FAQ describes for history the model did not produce.
BYPASS_SIGNATURE = "skip_thought_signature_validator"
_DOCS = "https://docs.cloud.google.com/vertex-ai/generative-ai/docs/thought-signatures"


def _enforced(body: dict[str, Any]) -> bool:
    model = body.get("model")
    return isinstance(model, str) and "gemini-3" in model and "image" not in model


def _signature(call: Any) -> Any:
    extra = call.get("extra_content") if isinstance(call, dict) else None
    if not isinstance(extra, dict):
        return None
    for namespace in ("google", "vertex"):
        fields = extra.get(namespace)
        if isinstance(fields, dict) and fields.get("thought_signature"):
            return fields["thought_signature"]
    return None


def signature_rejection(body: dict[str, Any]) -> tuple[int, str, str] | None:
    """Google's 400 for a Gemini 3 request whose history has a function call turn without its signature."""
    if not _enforced(body):
        return None
    messages = body.get("messages")
    block = 0
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, dict) or message.get("role") == "system":
            continue
        block += 1
        calls = message.get("tool_calls")
        if message.get("role") != "assistant" or not isinstance(calls, list) or not calls:
            continue
        if _signature(calls[0]) is None:
            function = calls[0].get("function") if isinstance(calls[0], dict) else None
            name = function.get("name") if isinstance(function, dict) else ""
            return (400, "INVALID_ARGUMENT",
                    f"Unable to submit request because function call `{name}` in the {block}. content block is "
                    f"missing a `thought_signature`. Learn more: {_DOCS}")
    return None


def with_signatures(reply: Reply, body: dict[str, Any], completion_id: str) -> Reply:
    """For Gemini 3: the reply's first tool call carries a (constructed) thought signature, as Google's do."""
    if not _enforced(body) or not reply.tool_calls or _signature(reply.tool_calls[0]) is not None:
        return reply
    signature = base64.b64encode(f"fake-thought-signature:{completion_id}".encode()).decode()
    first = {**reply.tool_calls[0], "extra_content": {"google": {"thought_signature": signature}}}
    return replace(reply, tool_calls=[first, *reply.tool_calls[1:]])
