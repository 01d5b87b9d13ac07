"""Scrubbing of JSON bodies and SSE streams by value, for the cassette kit.

A secret is looked for in decoded strings (JSON escapes such as `\\u2018` resolved), never in raw JSON
text, and the scrubbed value is written back in the original's JSON style, so an unchanged body stays
byte for byte and a changed one still parses. In a stream, each text channel (content, list-of-parts
content, reasoning, refusal, and each tool call's arguments) is joined per choice before it is scrubbed, so
a secret split across chunks is found; the placeholder goes where the secret began, the other text stays
in its own chunk.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["Span", "TextScrubber", "apply_spans", "scrub_body_text", "scrub_json_text", "split_spans"]

# (start, end, replacement) in the text the span was found in; spans of one text never overlap.
Span = tuple[int, int, str]
# Delta fields that carry streamed text, joined per choice.
_TEXT_CHANNELS = ("content", "reasoning_content", "reasoning", "refusal")
# (ensure_ascii, separators, indent) of the JSON writers we meet: Python's defaults, compact, Google's indent 2.
_STYLES = [
    (ascii_only, separators, indent)
    for indent in (None, 2)
    for ascii_only in (False, True)
    for separators in (((", ", ": "), (",", ":")) if indent is None else ((",", ": "),))
]


class TextScrubber(Protocol):
    """What the body scrubber needs from `CassetteScrubber`."""

    def spans(self, text: str) -> list[Span]: ...

    def scrub_text(self, text: str) -> str: ...


def apply_spans(text: str, spans: list[Span]) -> str:
    out: list[str] = []
    cursor = 0
    for start, end, replacement in spans:
        out.append(text[cursor:start])
        out.append(replacement)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def split_spans(fragments: list[str], spans: list[Span]) -> list[str]:
    """Scrub the text `fragments` make when joined, and give each fragment its share back.

    Text outside a secret stays in the fragment it came from; a secret's placeholder goes to the fragment
    where the secret began, and the rest of the secret is removed from the fragments after it.
    """
    ends: list[int] = []
    total = 0
    for fragment in fragments:
        total += len(fragment)
        ends.append(total)
    joined = "".join(fragments)
    out: list[list[str]] = [[] for _ in fragments]

    def copy(start: int, stop: int) -> None:
        position = start
        while position < stop:
            index = bisect.bisect_right(ends, position)
            piece_end = min(stop, ends[index])
            out[index].append(joined[position:piece_end])
            position = piece_end

    cursor = 0
    for start, end, replacement in spans:
        copy(cursor, start)
        out[min(bisect.bisect_right(ends, start), len(fragments) - 1)].append(replacement)
        cursor = end
    copy(cursor, len(joined))
    return ["".join(parts) for parts in out]


def _walk(value: Any, scrub: Callable[[str], str], skip: set[tuple[int, str]]) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_walk(item, scrub, skip) for item in value]
    if isinstance(value, dict):
        return {
            scrub(key): item if (id(value), key) in skip else _walk(item, scrub, skip)
            for key, item in value.items()
        }
    return value


def _dumps_like(original_text: str, original: Any, value: Any) -> str:
    """`value` as JSON in the style `original_text` was written in (escapes, separators, indent, outer space)."""
    core = original_text.strip()
    head = original_text[: len(original_text) - len(original_text.lstrip())]
    tail = original_text[len(original_text.rstrip()):]
    style: tuple[bool, tuple[str, str], int | None] = (
        core.isascii() and "\\u" in core, (", ", ": ") if ": " in core else (",", ":"), None)
    for candidate in _STYLES:
        ascii_only, separators, indent = candidate
        if json.dumps(original, ensure_ascii=ascii_only, separators=separators, indent=indent) == core:
            style = candidate
            break
    ascii_only, separators, indent = style
    return head + json.dumps(value, ensure_ascii=ascii_only, separators=separators, indent=indent) + tail


def scrub_json_text(text: str, scrubber: TextScrubber) -> str | None:
    """`text` with every JSON string (keys and values) scrubbed, or None when `text` is not a JSON document."""
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        original = json.loads(text)
        scrubbed = _walk(original, scrubber.scrub_text, set())
        return text if scrubbed == original else _dumps_like(text, original, scrubbed)
    except (ValueError, RecursionError):
        return None


def _fragment_refs(events: list[Any]) -> dict[tuple[Any, ...], list[tuple[dict[str, Any], str]]]:
    """Where each streamed text channel's fragments live, in stream order: (container, key) pairs."""
    channels: dict[tuple[Any, ...], list[tuple[dict[str, Any], str]]] = {}
    for event in events:
        choices = event.get("choices") if isinstance(event, dict) else None
        for position, choice in enumerate(choices if isinstance(choices, list) else ()):
            delta = choice.get("delta") if isinstance(choice, dict) else None
            if not isinstance(delta, dict):
                continue
            index = choice.get("index", position)
            for name in _TEXT_CHANNELS:
                value = delta.get(name)
                if isinstance(value, str):
                    channels.setdefault((index, name), []).append((delta, name))
                elif isinstance(value, list):
                    for part in value:
                        if isinstance(part, dict) and isinstance(part.get("text"), str):
                            channels.setdefault((index, name), []).append((part, "text"))
            calls = delta.get("tool_calls")
            for call_position, call in enumerate(calls if isinstance(calls, list) else ()):
                function = call.get("function") if isinstance(call, dict) else None
                if isinstance(function, dict) and isinstance(function.get("arguments"), str):
                    key = (index, "tool_calls", call.get("index", call_position))
                    channels.setdefault(key, []).append((function, "arguments"))
            legacy = delta.get("function_call")
            if isinstance(legacy, dict) and isinstance(legacy.get("arguments"), str):
                channels.setdefault((index, "function_call"), []).append((legacy, "arguments"))
    return channels


def _scrub_stream(text: str, scrubber: TextScrubber) -> str:
    lines = text.split("\n")
    parsed: dict[int, tuple[str, str, str, Any, Any]] = {}  # line -> (prefix, payload, line end, original, copy)
    for number, line in enumerate(lines):
        end = "\r" if line.endswith("\r") else ""
        line = line[: len(line) - len(end)]
        prefix = ""
        if line.startswith("data:"):
            prefix = "data: " if line.startswith("data: ") else "data:"
        payload = line[len(prefix):]
        if not payload.startswith(("{", "[")):
            continue
        try:
            parsed[number] = (prefix, payload, end, json.loads(payload), json.loads(payload))
        except (ValueError, RecursionError):
            continue
    skip: set[tuple[int, str]] = set()
    for refs in _fragment_refs([entry[4] for entry in parsed.values()]).values():
        fragments = [container[key] for container, key in refs]
        spans = scrubber.spans("".join(fragments))
        if spans:
            for (container, key), share in zip(refs, split_spans(fragments, spans), strict=True):
                container[key] = share
        skip.update((id(container), key) for container, key in refs)
    for number, line in enumerate(lines):
        if number not in parsed:
            lines[number] = scrubber.scrub_text(line)
            continue
        prefix, payload, end, original, working = parsed[number]
        try:
            scrubbed = _walk(working, scrubber.scrub_text, skip)
        except RecursionError:
            lines[number] = scrubber.scrub_text(line)
            continue
        if scrubbed != original:
            lines[number] = prefix + _dumps_like(payload, original, scrubbed) + end
    return "\n".join(lines)


def scrub_body_text(text: str, scrubber: TextScrubber, *, event_stream: bool) -> str:
    """A decoded body, scrubbed: JSON by value, SSE event by event with split text joined, anything else as text."""
    if not event_stream:
        whole = scrub_json_text(text, scrubber)
        if whole is not None:
            return whole
        if not (text.startswith("data:") or "\ndata:" in text):
            return scrubber.scrub_text(text)
    return _scrub_stream(text, scrubber)
