"""A Chat Completions chunk stream → the Responses API's event sequence.

Emits what the SDK's `responses.stream()` accumulator and frameworks expect, with increasing
`sequence_number`s: `response.created`, `response.in_progress`, then per output item
`output_item.added` … `output_item.done` (reasoning summary parts/deltas, message content parts and
`output_text` / `refusal` deltas, function-call argument deltas), and finally `response.completed` — or
`response.incomplete` when Gemini stopped for length or safety, or `response.failed` when the chat stream
ended without a finish reason (cut short, or no chunk at all). Items are closed before the next one opens,
so indexes never interleave. An error from the chat stream propagates as an exception; no terminal event is
emitted for a stream that raised.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ._output import (
    assistant_message,
    carrier_item,
    extra_of,
    failure_for,
    function_call_item,
    message_item,
    new_id,
    reasoning_item,
    refusal_part,
    response_dict,
    status_for,
    text_part,
    usage_dict,
)
from ._parsing import FenceStripper

__all__ = ["StreamTranslator"]


@dataclass
class _Open:
    kind: str  # "reasoning" | "message" | "function_call"
    index: int
    item_id: str
    text: str = ""
    call_id: str = ""
    name: str = ""
    chat_index: int = -1
    parts: list[dict[str, Any]] = field(default_factory=list)  # a message's content parts, the last one open


# The stream events and text field of each content part type of a message.
_PART_EVENTS = {"output_text": ("response.output_text", "text"), "refusal": ("response.refusal", "refusal")}


@dataclass
class StreamTranslator:
    """Feed chat chunks in, get Responses event dicts out; `finish()` ends with the terminal event."""

    response_id: str
    model: str
    echo: dict[str, Any]
    want_summary: bool
    json_output: bool = False  # the request asked for JSON: one fence around the whole answer is removed
    created_at: float = field(default_factory=lambda: int(time.time()))
    sequence: int = 0
    output: list[dict[str, Any]] = field(default_factory=list)
    signed: dict[str, Any] = field(default_factory=dict)
    final: dict[str, Any] | None = None
    assistant: dict[str, Any] | None = None
    _open: _Open | None = None
    _text: list[str] = field(default_factory=list)
    _refusal: list[str] = field(default_factory=list)
    _calls: dict[int, dict[str, Any]] = field(default_factory=dict)
    _message_extra: Any = None
    _message_ids: list[str] = field(default_factory=list)
    _finish_reason: Any = None
    _usage: Any = None
    _fence: FenceStripper = field(default_factory=FenceStripper)

    def _event(self, kind: str, **fields: Any) -> dict[str, Any]:
        event = {"type": kind, "sequence_number": self.sequence, **fields}
        self.sequence += 1
        return event

    def _snapshot(self, status: str) -> dict[str, Any]:
        return response_dict(self.response_id, self.created_at, self.model, self.echo, output=[], status=status)

    def start(self) -> list[dict[str, Any]]:
        snapshot = self._snapshot("in_progress")
        return [self._event("response.created", response=snapshot),
                self._event("response.in_progress", response=snapshot)]

    # -- items -------------------------------------------------------------------------------------------
    def _add_whole(self, item: dict[str, Any]) -> list[dict[str, Any]]:
        index = len(self.output)
        self.output.append(item)
        return [self._event("response.output_item.added", output_index=index, item=item),
                self._event("response.output_item.done", output_index=index, item=item)]

    def _open_item(self, kind: str, item: dict[str, Any], **state: Any) -> list[dict[str, Any]]:
        events = self._close()
        index = len(self.output)
        self.output.append(item)
        self._open = _Open(kind=kind, index=index, item_id=item["id"], **state)
        events.append(self._event("response.output_item.added", output_index=index, item=item))
        return events

    def _close(self, item_status: str = "completed") -> list[dict[str, Any]]:
        current, self._open = self._open, None
        if current is None:
            return []
        events: list[dict[str, Any]] = []
        at = {"item_id": current.item_id, "output_index": current.index}
        if current.kind == "reasoning":
            part = {"type": "summary_text", "text": current.text}
            events.append(self._event("response.reasoning_summary_text.done", summary_index=0, text=current.text, **at))
            events.append(self._event("response.reasoning_summary_part.done", summary_index=0, part=part, **at))
            item = reasoning_item(current.item_id, current.text)
        elif current.kind == "message":
            events += self._close_part(current)
            item = message_item(current.item_id, None, None, item_status)
            item["content"] = current.parts
        else:
            call = self._calls[current.chat_index]
            arguments = call["function"]["arguments"] or "{}"
            call["function"]["arguments"] = arguments
            events.append(self._event("response.function_call_arguments.done", arguments=arguments,
                                      name=current.name, **at))
            item = function_call_item(current.item_id, current.call_id, current.name, arguments, "completed")
        self.output[current.index] = item
        events.append(self._event("response.output_item.done", output_index=current.index, item=item))
        return events

    # -- chunks ------------------------------------------------------------------------------------------
    def feed(self, chunk: Any) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        if getattr(chunk, "usage", None) is not None:
            self._usage = chunk.usage
        if chunk.model:  # the model Google reports (the final Response shows it, as a non-stream one does)
            self.model = chunk.model
        if not chunk.choices:
            return events
        choice = chunk.choices[0]
        delta = choice.delta
        if delta is not None:
            thoughts = extra_of(delta, "reasoning_content")
            if self.want_summary and isinstance(thoughts, str) and thoughts:
                events += self._thought(thoughts)
            extra = extra_of(delta)
            if extra is not None:
                self._message_extra = extra
            text = self._fence.feed(delta.content) if self.json_output and delta.content else delta.content
            if text:
                events += self._content("output_text", text)
            refusal = getattr(delta, "refusal", None)
            if isinstance(refusal, str) and refusal:
                events += self._content("refusal", refusal)
            for call in delta.tool_calls or []:
                events += self._tool_call(call)
        if choice.finish_reason:
            self._finish_reason = choice.finish_reason
        return events

    def _thought(self, text: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        if self._open is None or self._open.kind != "reasoning":
            item_id = new_id("rs")
            events += self._open_item("reasoning", reasoning_item(item_id, "", "in_progress"))
            events.append(self._event("response.reasoning_summary_part.added", item_id=item_id,
                                      output_index=len(self.output) - 1, summary_index=0,
                                      part={"type": "summary_text", "text": ""}))
        assert self._open is not None
        self._open.text += text
        events.append(self._event("response.reasoning_summary_text.delta", item_id=self._open.item_id,
                                  output_index=self._open.index, summary_index=0, delta=text))
        return events

    def _close_part(self, current: _Open) -> list[dict[str, Any]]:
        """The `.done` events of the message's open content part (it is final from here on)."""
        if not current.parts:
            return []
        index = len(current.parts) - 1
        part = current.parts[index]
        prefix, field_name = _PART_EVENTS[part["type"]]
        at = {"item_id": current.item_id, "output_index": current.index, "content_index": index}
        extra: dict[str, Any] = {"logprobs": []} if part["type"] == "output_text" else {}
        return [self._event(f"{prefix}.done", **{field_name: part[field_name]}, **extra, **at),
                self._event("response.content_part.done", part=dict(part), **at)]

    def _content(self, kind: str, text: str) -> list[dict[str, Any]]:
        """Text (`output_text`) or refusal text for the open message, opening the message or part if needed."""
        events: list[dict[str, Any]] = []
        (self._text if kind == "output_text" else self._refusal).append(text)
        if self._open is None or self._open.kind != "message":
            events += self._close()
            item_id = new_id("msg")
            self._message_ids.append(item_id)
            if self._message_extra is not None:
                self.signed[item_id] = self._message_extra
                events += self._add_whole(carrier_item(item_id, self._message_extra))
            events += self._open_item("message", message_item(item_id, None, None, "in_progress"))
        current = self._open
        assert current is not None
        prefix, field_name = _PART_EVENTS[kind]
        if not current.parts or current.parts[-1]["type"] != kind:
            events += self._close_part(current)
            current.parts.append(text_part("") if kind == "output_text" else refusal_part(""))
            events.append(self._event("response.content_part.added", item_id=current.item_id,
                                      output_index=current.index, content_index=len(current.parts) - 1,
                                      part=dict(current.parts[-1])))
        part = current.parts[-1]
        part[field_name] += text
        extra: dict[str, Any] = {"logprobs": []} if kind == "output_text" else {}
        events.append(self._event(f"{prefix}.delta", item_id=current.item_id, output_index=current.index,
                                  content_index=len(current.parts) - 1, delta=text, **extra))
        return events

    def _tool_call(self, call: Any) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        index = call.index if isinstance(call.index, int) else len(self._calls)
        function = call.function
        fragment = (function.arguments if function is not None else None) or ""
        wire = self._calls.get(index)
        if wire is None:
            wire = {"id": call.id or new_id("call"), "type": "function",
                    "function": {"name": (function.name if function is not None else None) or "", "arguments": ""}}
            self._calls[index] = wire
            events += self._close()
            extra = extra_of(call)
            if extra is not None:
                wire["extra_content"] = extra
                self.signed[wire["id"]] = extra
                events += self._add_whole(carrier_item(wire["id"], extra))
            item = function_call_item(new_id("fc"), wire["id"], wire["function"]["name"], "", "in_progress")
            events += self._open_item("function_call", item, call_id=wire["id"], name=wire["function"]["name"],
                                      chat_index=index)
        else:
            extra = extra_of(call)
            if extra is not None and "extra_content" not in wire:
                wire["extra_content"] = extra
                self.signed[wire["id"]] = extra
            if fragment and (self._open is None or self._open.chat_index != index):
                raise RuntimeError("the chat stream interleaved the arguments of two tool calls; the bridge cannot "
                                   "order them as Responses events")
        if fragment:
            wire["function"]["arguments"] += fragment
            assert self._open is not None
            events.append(self._event("response.function_call_arguments.delta", item_id=self._open.item_id,
                                      output_index=self._open.index, delta=fragment))
        return events

    def finish(self) -> list[dict[str, Any]]:
        """Close the open item and emit `response.completed` / `.incomplete` / `.failed` with the whole Response."""
        status, incomplete = status_for(self._finish_reason)
        rest = self._fence.flush() if self.json_output else ""
        events = self._content("output_text", rest) if rest else []
        events += self._close("completed" if status == "completed" else "incomplete")
        for item_id in self._message_ids:  # a message signature that came after its text began
            if self._message_extra is not None and item_id not in self.signed:
                self.signed[item_id] = self._message_extra
                events += self._add_whole(carrier_item(item_id, self._message_extra))
        text = "".join(self._text) or None
        calls = [self._calls[i] for i in sorted(self._calls)]
        self.assistant = assistant_message(text, "".join(self._refusal) or None, calls, self._message_extra)
        self.final = response_dict(self.response_id, self.created_at, self.model, self.echo, output=self.output,
                                   status=status, incomplete_details=incomplete, usage=usage_dict(self._usage),
                                   error=failure_for(status))
        kind = f"response.{status}"
        events.append(self._event(kind, response=self.final))
        return events
