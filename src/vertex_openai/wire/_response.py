"""Make Google's chat-completion responses look like OpenAI's before the SDK builds its models.

Google's wire differs in ways that break the SDK's stream accumulator and user code: tool-call deltas
without `index`, `id: ""` or one id reused for several calls, a whole tool call in one chunk with
`finish_reason: "stop"`, `role` repeated on every delta, `content` as a list of text parts, thoughts
inline in the answer, and marked thought text wrapped in `<thought>` tags whose closing tag opens the
answer. This module rewrites the raw JSON (non-stream bodies and each stream chunk) so the SDK sees
OpenAI's shape. Ids we invent embed Google's original, which `restore_request_ids` puts
back on the wire when the messages return, so tool results still match and recordings still replay.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["normalize_response_data", "original_tool_call_id", "synthetic_tool_call_id"]

_STATE_KEY = "vertex_openai.stream_state"
_SYNTHETIC = re.compile(r"call_vx\d+\.\d+~[^~]*~(?P<orig>.*)", re.DOTALL)
_THOUGHTS = "reasoning_content"


def synthetic_tool_call_id(original: str, response_id: str, choice: int, position: int) -> str:
    """A distinct, deterministic id for a tool call whose Google id was empty or a duplicate."""
    return f"call_vx{choice}.{position}~{response_id.replace('~', '-')}~{original}"


def original_tool_call_id(tool_call_id: str) -> str:
    """Google's own id for a tool call id we made up (unchanged for any other id)."""
    match = _SYNTHETIC.fullmatch(tool_call_id)
    return match["orig"] if match else tool_call_id


# -- thoughts in tags ---------------------------------------------------------------------------------


@dataclass
class _TagSplitter:
    """Splits `<marker>thoughts</marker>answer` text, also when tags are cut across stream chunks."""

    marker: str
    in_thought: bool = False
    pending: str = ""
    strip_next: bool = False

    def feed(self, text: str) -> tuple[str, str]:
        answer: list[str] = []
        thought: list[str] = []
        rest = self.pending + text
        self.pending = ""
        while rest:
            tag = f"</{self.marker}>" if self.in_thought else f"<{self.marker}>"
            sink = thought if self.in_thought else answer
            at = rest.find(tag)
            if at >= 0:
                self._emit(sink, rest[:at])
                rest = rest[at + len(tag) :]
                self.strip_next = self.in_thought
                self.in_thought = not self.in_thought
                continue
            keep = _partial_suffix(rest, tag)
            self._emit(sink, rest[: len(rest) - keep])
            self.pending = rest[len(rest) - keep :]
            break
        return "".join(answer), "".join(thought)

    def flush(self) -> tuple[str, str]:
        text, self.pending = self.pending, ""
        return ("", text) if self.in_thought else (text, "")

    def _emit(self, sink: list[str], text: str) -> None:
        if self.strip_next and not self.in_thought:
            text = text.lstrip()
            if not text:
                return
            self.strip_next = False
        if text:
            sink.append(text)


def _partial_suffix(text: str, tag: str) -> int:
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


@dataclass
class _ThoughtTags:
    """Tags around text marked `extra_content.google.thought: true` (Google's Gemini API layer sends them).

    `<tag>` opens the first marked text of a thought run and `</tag>` begins the first unmarked text after
    it: both are cut there and nowhere else. `tag` is the requested `thought_tag_marker`, else "thought".
    Only non-empty text moves the state, so an empty delta between them changes nothing.
    """

    tag: str
    in_thought: bool = False

    def thought(self, text: str) -> str:
        if text and not self.in_thought:
            self.in_thought = True
            opening = f"<{self.tag}>"
            if text.startswith(opening):
                return text[len(opening) :]
        return text

    def answer(self, text: str) -> str:
        if text and self.in_thought:
            self.in_thought = False
            closing = f"</{self.tag}>"
            if text.startswith(closing):
                return text[len(closing) :]
        return text


def _thought_marker(response: Any) -> str | None:
    """The `thought_tag_marker` the request asked for (read from the request we sent)."""
    try:
        content = response.request.content
    except Exception:  # no request attached, or a streamed upload
        return None
    if not isinstance(content, bytes) or b"thought_tag_marker" not in content:
        return None
    try:
        google = json.loads(content).get("extra_body", {}).get("google", {})
    except (ValueError, AttributeError):
        return None
    marker = google.get("thought_tag_marker") if isinstance(google, dict) else None
    return marker if isinstance(marker, str) and marker else None


# -- shared helpers -----------------------------------------------------------------------------------


def _google(extra: Any) -> dict[str, Any]:
    if isinstance(extra, dict):
        google = extra.get("google")
        if isinstance(google, dict):
            return google
    return {}


def _join_parts(parts: list[Any], message: dict[str, Any], tags: _ThoughtTags) -> tuple[str, str] | None:
    """(answer, thoughts) from a list of text parts; None when the list holds other kinds of parts.

    A part is thought when it is marked, or when the whole message (or delta) is marked.
    """
    answer: list[str] = []
    thought: list[str] = []
    for part in parts:
        if not isinstance(part, dict) or part.get("type", "text") != "text":
            return None
        if not isinstance(part.get("text"), str):
            return None
    all_thought = _google(message.get("extra_content")).get("thought") is True
    for part in parts:
        extra = part.get("extra_content")
        if all_thought or _google(extra).get("thought") is True:
            thought.append(tags.thought(part["text"]))
            continue
        answer.append(tags.answer(part["text"]))
        if isinstance(extra, dict):
            _adopt_extra(message, extra)
    return "".join(answer), "".join(thought)


def _adopt_extra(message: dict[str, Any], extra: dict[str, Any]) -> None:
    """Keep a part's `extra_content` (its signature) on the message once parts become one string."""
    current = message.get("extra_content")
    if not isinstance(current, dict):
        message["extra_content"] = json.loads(json.dumps(extra))
        return
    for namespace, fields in extra.items():
        target = current.setdefault(namespace, {})
        if isinstance(target, dict) and isinstance(fields, dict):
            for key, value in fields.items():
                target.setdefault(key, value)


def _flatten_content(holder: dict[str, Any], tags: _ThoughtTags) -> Any:
    """Google's list of text parts becomes one string (thought parts go aside); returns the content."""
    content = holder.get("content")
    if isinstance(content, list):
        joined = _join_parts(content, holder, tags)
        if joined is not None:
            content = holder["content"] = joined[0]
            _add_thoughts(holder, joined[1])
    return content


def _add_thoughts(target: dict[str, Any], text: str) -> None:
    if text:
        previous = target.get(_THOUGHTS)
        target[_THOUGHTS] = (previous if isinstance(previous, str) else "") + text


# -- non-stream -----------------------------------------------------------------------------------------


def _normalize_completion(data: dict[str, Any], marker: str | None) -> None:
    response_id = str(data.get("id") or "")
    seen: set[str] = set()
    for number, choice in enumerate(data.get("choices") or []):
        if not isinstance(choice, dict) or not isinstance(choice.get("message"), dict):
            continue
        message: dict[str, Any] = choice["message"]
        content = message.get("content")
        if isinstance(content, list):
            content = _flatten_content(message, _ThoughtTags(marker or "thought"))
        if marker and isinstance(content, str):
            splitter = _TagSplitter(marker)
            answer, thought = splitter.feed(content)
            tail_answer, tail_thought = splitter.flush()
            message["content"] = answer + tail_answer
            _add_thoughts(message, thought + tail_thought)
        calls = message.get("tool_calls")
        if isinstance(calls, list) and calls:
            choice_index = choice.get("index", number)
            for position, call in enumerate(calls):
                if not isinstance(call, dict):
                    continue
                original = call.get("id") or ""
                if not isinstance(original, str) or not original or original in seen:
                    original = original if isinstance(original, str) else ""
                    call["id"] = synthetic_tool_call_id(original, response_id, int(choice_index), position)
                seen.add(call["id"])
            if choice.get("finish_reason") == "stop":
                choice["finish_reason"] = "tool_calls"


# -- stream ---------------------------------------------------------------------------------------------


@dataclass
class _ChoiceState:
    role_sent: bool = False
    tool_count: int = 0
    current: int | None = None
    originals: dict[int, str] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    seen_ids: set[str] = field(default_factory=set)
    extra_sent: set[tuple[str, str]] = field(default_factory=set)
    tool_extra_sent: dict[int, set[tuple[str, str]]] = field(default_factory=dict)
    splitter: _TagSplitter | None = None
    plain: bool = True  # every delta so far was plain text (see _normalize_chunk's fast path)
    tags: _ThoughtTags | None = None


@dataclass
class _StreamState:
    marker: str | None
    choices: dict[int, _ChoiceState] = field(default_factory=dict)


def _dedupe_extra(extra: Any, sent: set[tuple[str, str]]) -> Any:
    """The `extra_content` fields not sent on an earlier delta (the accumulator would concatenate them)."""
    if not isinstance(extra, dict):
        return extra
    out: dict[str, Any] = {}
    for namespace, fields in extra.items():
        if not isinstance(fields, dict):
            out[namespace] = fields
            continue
        fresh = {key: value for key, value in fields.items() if (namespace, key) not in sent}
        sent.update((namespace, key) for key in fresh)
        if fresh:
            out[namespace] = fresh
    return out or None


def _normalize_chunk(data: dict[str, Any], state: _StreamState) -> None:
    response_id = str(data.get("id") or "")
    for number, choice in enumerate(data.get("choices") or []):
        if not isinstance(choice, dict):
            continue
        index = choice.get("index", number)
        if not isinstance(index, int):
            index = number
        cstate = state.choices.get(index)
        if cstate is None:  # not setdefault: that would build (and drop) a _ChoiceState for every chunk
            cstate = state.choices[index] = _ChoiceState()
        delta = choice.get("delta")
        if isinstance(delta, dict):
            if cstate.plain and state.marker is None and delta.keys() <= _PLAIN_DELTA_KEYS \
                    and not isinstance(delta.get("content"), list):
                # fast path: plain text in a stream with nothing but plain text so far; of the full
                # path below only the role rule applies (no parts, thoughts, tags, extras or tool calls)
                _dedupe_role(delta, cstate)
            else:
                cstate.plain = False  # from here on this choice always takes the full path
                last = bool(choice.get("finish_reason"))
                _normalize_delta(delta, cstate, state.marker, response_id, index, last)
        if choice.get("finish_reason") == "stop" and cstate.tool_count:
            choice["finish_reason"] = "tool_calls"


_PLAIN_DELTA_KEYS = frozenset({"role", "content", "refusal"})


def _dedupe_role(delta: dict[str, Any], cstate: _ChoiceState) -> None:
    """Google repeats `role` on every delta; the SDK's accumulator would concatenate it."""
    if "role" in delta:
        if cstate.role_sent:
            del delta["role"]
        elif delta["role"]:
            cstate.role_sent = True


def _normalize_delta(
    delta: dict[str, Any], cstate: _ChoiceState, marker: str | None, response_id: str, index: int, last: bool
) -> None:
    _dedupe_role(delta, cstate)
    content = delta.get("content")
    google = _google(delta.get("extra_content"))
    marked = google.get("thought") is True
    if marked or isinstance(content, list):
        tags = cstate.tags
        if tags is None:
            tags = cstate.tags = _ThoughtTags(marker or "thought")
        content = _flatten_content(delta, tags)  # a marked delta's parts all go to the thoughts
        if marked and isinstance(content, str):
            _add_thoughts(delta, tags.thought(content))
            content = delta["content"] = ""
            google.pop("thought")
    elif cstate.tags is not None and cstate.tags.in_thought and isinstance(content, str):
        content = delta["content"] = cstate.tags.answer(content)
    if marker and isinstance(content, str):
        if cstate.splitter is None:
            cstate.splitter = _TagSplitter(marker)
        answer, thought = cstate.splitter.feed(content)
        if last:
            tail_answer, tail_thought = cstate.splitter.flush()
            answer, thought = answer + tail_answer, thought + tail_thought
        delta["content"] = answer
        _add_thoughts(delta, thought)
    if "extra_content" in delta:
        extra = _dedupe_extra(delta["extra_content"], cstate.extra_sent)
        if extra is None:
            del delta["extra_content"]
        else:
            delta["extra_content"] = extra
    calls = delta.get("tool_calls")
    if isinstance(calls, list):
        for call in calls:
            if isinstance(call, dict):
                _normalize_tool_delta(call, cstate, response_id, index)


def _normalize_tool_delta(call: dict[str, Any], cstate: _ChoiceState, response_id: str, choice: int) -> None:
    function = call.get("function") if isinstance(call.get("function"), dict) else None
    name = function.get("name") if function else None
    raw_id = call.get("id") if isinstance(call.get("id"), str) else ""
    position = call.get("index")
    if isinstance(position, int):
        new = position not in cstate.originals
    else:
        new = (
            cstate.current is None
            or bool(name)
            or bool(raw_id and raw_id != cstate.originals.get(cstate.current, ""))
        )
        position = cstate.tool_count if new else cstate.current
    assert position is not None
    call["index"] = position
    cstate.current = position
    if new:
        cstate.tool_count = max(cstate.tool_count, position + 1)
        cstate.originals[position] = raw_id or ""
        cstate.names[position] = name or ""
        if not raw_id or raw_id in cstate.seen_ids:
            call["id"] = synthetic_tool_call_id(raw_id or "", response_id, choice, position)
        cstate.seen_ids.add(call.get("id") or "")
        cstate.seen_ids.add(raw_id or "")
    else:
        if "id" in call and (not raw_id or raw_id == cstate.originals.get(position)):
            del call["id"]
        if function is not None and name and name == cstate.names.get(position):
            del function["name"]
    if "extra_content" in call:
        extra = _dedupe_extra(call["extra_content"], cstate.tool_extra_sent.setdefault(position, set()))
        if extra is None:
            del call["extra_content"]
        else:
            call["extra_content"] = extra


# -- entry point -------------------------------------------------------------------------------------


def _kind(data: dict[str, Any], cast_to: Any) -> str | None:
    kind = data.get("object")
    if kind in ("chat.completion", "chat.completion.chunk"):
        return str(kind)
    name = getattr(cast_to, "__name__", "")
    if "ChatCompletionChunk" in name:
        return "chat.completion.chunk"
    if "ChatCompletion" in name and isinstance(data.get("choices"), list):
        return "chat.completion"
    return None


def normalize_response_data(data: object, cast_to: Any, response: Any) -> object:
    """Rewrite one chat completion (or stream chunk) in OpenAI's shape; anything else passes through."""
    if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
        return data
    kind = _kind(data, cast_to)
    if kind == "chat.completion":
        _normalize_completion(data, _thought_marker(response))
    elif kind == "chat.completion.chunk":
        extensions = getattr(response, "extensions", None)
        state = extensions.get(_STATE_KEY) if isinstance(extensions, dict) else None
        if not isinstance(state, _StreamState):
            state = _StreamState(marker=_thought_marker(response))
            if isinstance(extensions, dict):
                extensions[_STATE_KEY] = state
        _normalize_chunk(data, state)
    return data
