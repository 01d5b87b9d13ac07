"""Response side of structured output: tolerant parsing, readable validation errors, opt-in re-ask.

Seam: `parse()` hands the SDK's request options a `post_parser` (the function that turns the raw
completion into a `ParsedChatCompletion`). `wrap_post_parser` wraps it: the SDK's own parse runs
first; only if it fails with a JSON/validation error is the text unwrapped (whitespace, one Markdown
fence) and parsed again; if that fails too, `StructuredOutputError` shows the raw text and pydantic's
errors. `LengthFinishReasonError` / `ContentFilterFinishReasonError` pass through untouched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pydantic

__all__ = [
    "StructuredOutputError",
    "aparse_with_reask",
    "parse_with_reask",
    "strip_json_fences",
    "wrap_post_parser",
]

_FENCE = re.compile(r"^```[A-Za-z0-9_-]*[ \t]*\r?\n?(?P<body>.*?)\r?\n?```$", re.DOTALL)
_WRAPPED = "_vertex_openai_tolerant"


class StructuredOutputError(ValueError):
    """The model's JSON did not validate against your model (often a constraint Gemini only saw as a hint).

    `raw` is the text that failed, `errors` pydantic's error list (empty for plain JSON syntax errors).
    """

    def __init__(self, raw: str, errors: list[Any], cause: Exception) -> None:
        details = "\n".join(f"  - {'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in errors)
        shown = raw if len(raw) <= 2000 else raw[:2000] + "…"
        super().__init__(
            "The model's structured output did not validate against the requested model.\n"
            f"Errors:\n{details or '  - ' + str(cause)}\nRaw output:\n{shown}\n"
            "Constraints Gemini cannot enforce are sent as hints (see the adaptation notes); "
            "vertex_openai.structured.parse_with_reask() retries once with these errors."
        )
        self.raw = raw
        self.errors = errors


def strip_json_fences(text: str) -> str:
    """Text without surrounding whitespace and without one enclosing Markdown code fence (with or without a
    language tag such as `json`)."""
    stripped = text.strip()
    match = _FENCE.match(stripped)
    return match.group("body").strip() if match else stripped


def wrap_post_parser(options: Any) -> None:
    """Make a chat `parse()` tolerant of fenced/padded JSON and explicit about validation failures."""
    original = getattr(options, "post_parser", None)
    if not callable(original) or getattr(original, _WRAPPED, False):
        return

    def tolerant(raw: Any) -> Any:
        try:
            return original(raw)
        except (pydantic.ValidationError, json.JSONDecodeError) as first:
            failure: Exception = first
            repaired = _repaired(raw)
            if repaired is not None:
                try:
                    return _with_raw_texts(original(repaired), raw)
                except (pydantic.ValidationError, json.JSONDecodeError) as second:
                    failure = second
            errors = failure.errors() if isinstance(failure, pydantic.ValidationError) else []
            raise StructuredOutputError(_failing_text(raw), list(errors), failure) from failure

    setattr(tolerant, _WRAPPED, True)
    options.post_parser = tolerant


def _texts(completion: Any) -> list[tuple[Any, str, str]]:
    """(object, attribute, text) for every message content and tool-call argument string."""
    found: list[tuple[Any, str, str]] = []
    for choice in getattr(completion, "choices", None) or []:
        message = getattr(choice, "message", None)
        if message is None:
            continue
        if isinstance(message.content, str):
            found.append((message, "content", message.content))
        for call in getattr(message, "tool_calls", None) or []:
            function = getattr(call, "function", None)
            if function is not None and isinstance(getattr(function, "arguments", None), str):
                found.append((function, "arguments", function.arguments))
    return found


def _repaired(completion: Any) -> Any | None:
    """A deep copy with unwrapped JSON texts, or None when unwrapping changes nothing."""
    if not any(strip_json_fences(text) != text for _, _, text in _texts(completion)):
        return None
    copy = completion.model_copy(deep=True)
    for obj, attr, text in _texts(copy):
        setattr(obj, attr, strip_json_fences(text))
    return copy


def _with_raw_texts(parsed: Any, raw: Any) -> Any:
    """Put Google's original texts back on the parsed completion: only `.parsed` reflects the repair."""
    for (obj, attr, _), (_, _, text) in zip(_texts(parsed), _texts(raw), strict=False):
        setattr(obj, attr, text)
    return parsed


def _failing_text(completion: Any) -> str:
    texts = [text for _, _, text in _texts(completion)]
    return texts[0] if len(texts) == 1 else "\n---\n".join(texts)


# -- opt-in re-ask ------------------------------------------------------------------------------------
def _reask_messages(kwargs: dict[str, Any], err: StructuredOutputError) -> dict[str, Any]:
    feedback = "\n".join(f"- {'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in err.errors)
    messages = [
        *kwargs.get("messages", []),
        {"role": "assistant", "content": err.raw},
        {"role": "user", "content": "That JSON does not match the required schema:\n"
         f"{feedback or str(err.__cause__)}\nReply again with corrected JSON only."},
    ]
    return {**kwargs, "messages": messages}


def _parse_method(client: Any) -> Callable[..., Any]:
    completions = client.chat.completions
    method: Callable[..., Any] = getattr(completions, "parse", None) or client.beta.chat.completions.parse
    return method


def parse_with_reask(client: Any, **kwargs: Any) -> Any:
    """`client.chat.completions.parse(**kwargs)`, re-asking once with pydantic's errors if validation fails."""
    parse = _parse_method(client)
    try:
        return parse(**kwargs)
    except StructuredOutputError as err:
        return parse(**_reask_messages(kwargs, err))


async def aparse_with_reask(client: Any, **kwargs: Any) -> Any:
    """Async twin of `parse_with_reask`."""
    parse = _parse_method(client)
    try:
        return await parse(**kwargs)
    except StructuredOutputError as err:
        return await parse(**_reask_messages(kwargs, err))
