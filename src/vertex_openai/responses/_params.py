"""`responses.create` parameters → a Chat Completions request for Gemini on Vertex AI.

Every parameter of `responses.create` is in `PARAMETERS`: mapped onto a chat parameter, accepted and
ignored (it has no Vertex equivalent and ignoring it changes no answer), or refused before anything is
sent (`ResponsesNotSupportedError`, naming the alternative). The translation works on the body the SDK
built (plain JSON-like dicts), so it is the same for every openai major.
"""

from __future__ import annotations

import copy
import mimetypes
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._errors import MISSING, InvalidInputError, ResponsesNotSupportedError
from ._signatures import carrier_extra, decode_carrier
from ._validate import arguments_json, input_list, mapping, optional_str, required_str

__all__ = ["PARAMETERS", "ChatPlan", "plan_chat_request"]

MAPPED, IGNORED, REFUSED = "mapped", "ignored", "refused"

# name → (treatment, why). docs/responses.md carries the same table for readers; a test keeps them in step.
PARAMETERS: dict[str, tuple[str, str]] = {
    "model": (MAPPED, "chat `model` (Gemini ids get their `google/` publisher as for chat)"),
    "input": (MAPPED, "chat `messages`: text, images, files, function calls and their outputs, reasoning items"),
    "instructions": (MAPPED, "a system message placed first (not carried over by previous_response_id)"),
    "tools": (MAPPED, "function tools → chat tools; web_search without options → web_search_options"),
    "tool_choice": (MAPPED, "auto / none / required / one named function"),
    "text": (MAPPED, "text.format → response_format (json_schema through schema adaptation); verbosity ignored"),
    "max_output_tokens": (MAPPED, "max_completion_tokens"),
    "temperature": (MAPPED, "temperature"),
    "top_p": (MAPPED, "top_p"),
    "reasoning": (MAPPED, "effort → reasoning_effort; summary → include_thoughts, returned as reasoning items"),
    "parallel_tool_calls": (MAPPED, "sent as parallel_tool_calls (Vertex ignores it) and echoed on the Response"),
    "metadata": (MAPPED, "kept on the Response and in the client-side store; never sent to Google"),
    "previous_response_id": (MAPPED, "earlier turns come from the client-side store"),
    "store": (MAPPED, "True (default) keeps the response in the client-side store; False keeps nothing"),
    "stream": (MAPPED, "streams chat chunks, translated to Responses events"),
    "include": (IGNORED, "encrypted reasoning (thought signatures) is always returned; other values have no source"),
    "truncation": (IGNORED, "Vertex has no truncation switch; an over-long input fails with Google's 400"),
    "stream_options": (IGNORED, "obfuscation padding protects OpenAI's wire, not a local translation"),
    "user": (IGNORED, "Vertex ignores the chat `user` field"),
    "safety_identifier": (IGNORED, "no Vertex equivalent"),
    "prompt_cache_key": (IGNORED, "Gemini caches implicitly; explicit caches use extra_body google.cached_content"),
    "prompt_cache_retention": (IGNORED, "no Vertex equivalent"),
    "prompt_cache_options": (IGNORED, "no Vertex equivalent"),
    "service_tier": (IGNORED, "Vertex picks capacity by quota / Provisioned Throughput, not per request"),
    "top_logprobs": (IGNORED, "Vertex's chat endpoint does not document logprobs"),
    "max_tool_calls": (IGNORED, "only built-in tools count toward it, and the bridge runs none"),
    "access_programs": (IGNORED, "an OpenAI account feature"),
    "image": (IGNORED, "OpenAI's image context compression; Gemini sizes images itself"),
    "background_options": (IGNORED, "only meaningful with background=True, which is refused"),
    "background": (REFUSED, "background=True needs OpenAI's server-side job queue"),
    "conversation": (REFUSED, "conversations live on OpenAI's servers"),
    "prompt": (REFUSED, "reusable prompts are stored on OpenAI's servers"),
    "context_management": (REFUSED, "server-side compaction is an OpenAI feature"),
    "moderation": (REFUSED, "OpenAI moderation models are not on Vertex"),
}

_REFUSAL_HELP = {
    "background": "Call responses.create without background (it returns when the answer is complete), or run it "
    "in a thread / asyncio task.",
    "conversation": "Chain turns with previous_response_id (kept by this client) or pass earlier items in `input`.",
    "prompt": "Put the prompt text in `instructions` and `input` yourself.",
    "context_management": "Trim the input yourself; Gemini's context window is large.",
    "moderation": "Use Gemini's safety settings: extra_body=google_extra_body(safety_settings=[...]).",
}

# Budgets Google documents for reasoning_effort on Gemini 2.5; Gemini 3 takes a thinking_level instead.
_EFFORT_BUDGET = {"none": 0, "minimal": 1024, "low": 1024, "medium": 8192, "high": 24576}


def thought_marker() -> str:
    """A fresh `thought_tag_marker` per request: answer text cannot contain it by accident (a fixed tag such as
    `thought` would turn an answer's own `<thought>…</thought>` into a reasoning summary)."""
    return f"thought-{os.urandom(8).hex()}"


@dataclass
class ChatPlan:
    """What to send to `chat.completions.create` and what the Response must echo."""

    kwargs: dict[str, Any]
    conversation: list[dict[str, Any]]  # earlier turns + this input, without instructions
    input_items: list[dict[str, Any]]  # this request's input as items (for input_items.list)
    echo: dict[str, Any] = field(default_factory=dict)
    want_summary: bool = False
    added: list[dict[str, Any]] = field(default_factory=list)  # this input's messages (what the store adds)
    parent: Any = None  # the stored entry this request continues (previous_response_id), if any
    json_output: bool = False  # text.format asks for JSON (json_schema / json_object)


def _as_dict(value: Any) -> Any:
    if isinstance(value, Mapping):
        return value
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json", exclude_none=True)
    return value


_TEXT_PARTS = ("input_text", "output_text", "text", "summary_text", "reasoning_text")
_AUDIO_FORMATS = ("mp3", "wav")


def _part(part: Any, where: str) -> Mapping[str, Any]:
    checked = mapping(_as_dict(part), where, "a content part (a dict with a `type`, or an SDK part)")
    kind = checked.get("type", MISSING)
    if not isinstance(kind, str):
        raise InvalidInputError(f"{where}.type", "a content part type such as 'input_text'", kind)
    return checked


def _parts(content: Any, where: str) -> list[Mapping[str, Any]]:
    if not isinstance(content, (list, tuple)):
        raise InvalidInputError(where, "a string or a list of content parts", content)
    return [_part(part, f"{where}[{n}]") for n, part in enumerate(content)]


def _text_of(content: Any, where: str, label: str) -> str:
    """The text of a string or a list of text/refusal parts at `where` (`label` names it for a refusal)."""
    if isinstance(content, str):
        return content
    texts: list[str] = []
    for n, part in enumerate(_parts(content, where)):
        kind = part["type"]
        if kind in _TEXT_PARTS:
            texts.append(required_str(part, "text", f"{where}[{n}]", empty=True))
        elif kind == "refusal":
            texts.append(required_str(part, "refusal", f"{where}[{n}]", empty=True))
        else:
            raise ResponsesNotSupportedError(
                f"a {kind!r} part in {label}", "Only text parts are accepted there; send images and files in a "
                "user message."
            )
    return "".join(texts)


def _file_url(part: Mapping[str, Any], where: str) -> str:
    data = optional_str(part, "file_data", where)
    if data:
        if data.startswith("data:"):
            return data
        filename = optional_str(part, "filename", where) or ""
        mime = mimetypes.guess_type(filename)[0] or "application/pdf"
        return f"data:{mime};base64,{data}"
    url = optional_str(part, "file_url", where)
    if url:
        return url
    raise ResponsesNotSupportedError(
        "input_file with file_id (OpenAI Files)", "Pass the file inline as file_data (a data: URL or base64 with "
        "a filename) or as file_url (a gs:// or https URL)."
    )


def _user_part(part: Mapping[str, Any], where: str) -> dict[str, Any]:
    kind = part["type"]
    if kind in ("input_text", "text", "output_text"):
        return {"type": "text", "text": required_str(part, "text", where, empty=True)}
    if kind == "input_image":
        url = optional_str(part, "image_url", where)
        if not url:
            raise ResponsesNotSupportedError(
                "input_image with file_id (OpenAI Files)", "Pass image_url as a data: URL, gs:// or https URL."
            )
        image: dict[str, Any] = {"url": url}
        detail = part.get("detail")
        if detail in ("low", "high"):
            image["detail"] = detail
        return {"type": "image_url", "image_url": image}
    if kind == "input_file":
        return {"type": "image_url", "image_url": {"url": _file_url(part, where)}}
    if kind == "input_audio":
        audio = mapping(_as_dict(part.get("input_audio", MISSING)), f"{where}.input_audio",
                        "{'data': <base64 audio>, 'format': 'mp3' or 'wav'}")
        data = audio.get("data", MISSING)
        if not isinstance(data, str) or not data:
            raise InvalidInputError(f"{where}.input_audio.data", "base64-encoded audio (a non-empty string)", data)
        audio_format = audio.get("format", MISSING)
        if audio_format not in _AUDIO_FORMATS:
            raise InvalidInputError(f"{where}.input_audio.format", "'mp3' or 'wav'", audio_format)
        return {"type": "input_audio", "input_audio": {"data": data, "format": audio_format}}
    raise ResponsesNotSupportedError(
        f"a {kind!r} content part", "Use input_text, input_image, input_file (file_data or file_url) or input_audio."
    )


class _Builder:
    """Turns input items into chat messages, folding function calls into assistant messages.

    A `function_call_output` must answer a call of the function calls already added or of `history` (the
    earlier conversation, searched only when needed).
    """

    def __init__(self, found: Mapping[str, Any], lookup: Callable[[str], Any] | None, where: str = "input",
                 history: list[dict[str, Any]] | None = None) -> None:
        self.messages: list[dict[str, Any]] = []
        self.items: list[dict[str, Any]] = []
        self.found = found
        self.lookup = lookup
        self.where = where
        self.known_calls: set[str] = set()
        self.history = history or []
        self.history_calls: set[str] | None = None

    def signature(self, key: str) -> Any:
        if not key:
            return None
        extra = self.found.get(key)
        if extra is None and self.lookup is not None:
            extra = self.lookup(key)
        return extra

    def add(self, item: Any, position: int) -> None:
        where = f"{self.where}[{position}]"
        item = mapping(_as_dict(item), where, "an input item (a dict or an SDK item)")
        kind = item.get("type") or ("message" if "role" in item else None)
        if kind is not None and not isinstance(kind, str):
            raise InvalidInputError(f"{where}.type", "an item type such as 'message'", kind)
        self.items.append(copy.deepcopy(dict(item)))  # the caller's later changes do not reach the store
        if kind == "message":
            self._message(item, where)
        elif kind == "function_call":
            self._function_call(item, where)
        elif kind == "function_call_output":
            self._function_call_output(item, where)
        elif kind == "reasoning":
            pass  # thoughts are not sent back; their signatures were read beforehand
        elif kind == "item_reference":
            raise ResponsesNotSupportedError(
                "item_reference input items", "Pass the referenced item itself, or use previous_response_id."
            )
        else:
            raise ResponsesNotSupportedError(
                f"{kind!r} input items", "Only messages, function_call, function_call_output and reasoning items "
                "can be sent to Gemini through Chat Completions."
            )

    def _message(self, item: Mapping[str, Any], where: str) -> None:
        role = item.get("role", MISSING)
        if not isinstance(role, str):
            raise InvalidInputError(f"{where}.role", "'user', 'assistant', 'system' or 'developer'", role)
        content = item.get("content", MISSING)
        if role in ("system", "developer"):
            self.messages.append({"role": "system", "content": _text_of(content, f"{where}.content",
                                                                        f"a {role} message")})
        elif role == "user":
            if isinstance(content, str):
                self.messages.append({"role": "user", "content": content})
            else:
                parts = _parts(content, f"{where}.content")
                self.messages.append({"role": "user", "content": [
                    _user_part(part, f"{where}.content[{n}]") for n, part in enumerate(parts)]})
        elif role == "assistant":
            text = _text_of(content, f"{where}.content", "an assistant message")
            message: dict[str, Any] = {"role": "assistant", "content": text}
            extra = self.signature(optional_str(item, "id", where) or "")
            if extra is not None:
                message["extra_content"] = extra
            self.messages.append(message)
        else:
            raise ResponsesNotSupportedError(f"messages with role {role!r}",
                                             "Use user, assistant, system or developer.")

    def _function_call(self, item: Mapping[str, Any], where: str) -> None:
        call_id = required_str(item, "call_id", where)
        call: dict[str, Any] = {
            "id": call_id,
            "type": "function",
            "function": {"name": required_str(item, "name", where), "arguments": arguments_json(item, where)},
        }
        extra = carrier_extra(item["extra_content"], f"{where}.extra_content") if item.get("extra_content") \
            is not None else self.signature(call_id)
        if extra is not None:
            call["extra_content"] = extra
        self.known_calls.add(call_id)
        last = self.messages[-1] if self.messages else None
        if last is not None and last.get("role") == "assistant":
            last.setdefault("tool_calls", []).append(call)
            if last.get("content") == "":
                last["content"] = None
        else:
            self.messages.append({"role": "assistant", "content": None, "tool_calls": [call]})

    def _function_call_output(self, item: Mapping[str, Any], where: str) -> None:
        call_id = required_str(item, "call_id", where)
        if call_id not in self.known_calls and call_id not in self._history_calls():
            known = ", ".join(repr(c) for c in sorted(self.known_calls | self._history_calls())) or "none"
            raise InvalidInputError(
                f"{where}.call_id", "the call_id of a function_call earlier in the conversation", call_id,
                f"No function_call with call_id {call_id!r} precedes it (calls in this conversation: {known}); "
                "Google answers such a request with a 400. Pass the function_call item before its output, or "
                "chain from the response that made the call with previous_response_id."
            )
        output = item.get("output", MISSING)
        text = output if isinstance(output, str) else _text_of(output, f"{where}.output",
                                                               "a function_call_output")
        self.messages.append({"role": "tool", "tool_call_id": call_id, "content": text})

    def _history_calls(self) -> set[str]:
        if self.history_calls is None:
            self.history_calls = _calls_in(self.history)
        return self.history_calls


def _calls_in(messages: list[dict[str, Any]]) -> set[str]:
    """The tool call ids of the assistant messages in a chat conversation."""
    return {call["id"] for message in messages for call in message.get("tool_calls") or []
            if isinstance(call, dict) and isinstance(call.get("id"), str)}


_REFUSED = tuple((name, why) for name, (treatment, why) in PARAMETERS.items() if treatment == REFUSED)


def _check_refusals(body: Mapping[str, Any]) -> None:
    for name, why in _REFUSED:
        value = body.get(name)
        if value is None or value is False or value == [] or value == {}:
            continue
        raise ResponsesNotSupportedError(f"{name}= ({why})", _REFUSAL_HELP[name])


def _tools(tools: Any) -> tuple[list[dict[str, Any]], bool]:
    """Chat tools and whether Google Search (web_search_options) was asked for."""
    out: list[dict[str, Any]] = []
    search = False
    for tool in tools or []:
        tool = _as_dict(tool)
        kind = tool.get("type")
        if kind == "function":
            function: dict[str, Any] = {"name": tool.get("name")}
            for key in ("description", "parameters", "strict"):
                if tool.get(key) is not None:
                    function[key] = tool[key]
            out.append({"type": "function", "function": function})
        elif kind in ("web_search", "web_search_preview", "web_search_2025_08_26", "web_search_preview_2025_03_11"):
            options = sorted(k for k, v in tool.items() if k != "type" and v not in (None, [], {}))
            if options:
                raise ResponsesNotSupportedError(
                    f"web_search options {options}", "Google Search on Vertex takes no options; send "
                    "{'type': 'web_search'} alone, or native Gemini tools via extra_body google.tools."
                )
            search = True
        else:
            raise ResponsesNotSupportedError(
                f"{kind!r} tools", "Only function tools (and web_search, as Google Search) work with Gemini through "
                "Chat Completions; wrap the capability in a function tool you run yourself."
            )
    return out, search


def _tool_choice(choice: Any) -> Any:
    if choice is None or isinstance(choice, str):
        return choice
    choice = _as_dict(choice)
    if choice.get("type") == "function" and choice.get("name"):
        return {"type": "function", "function": {"name": choice["name"]}}
    raise ResponsesNotSupportedError(
        f"tool_choice {choice.get('type')!r}", "Use 'auto', 'none', 'required' or {'type': 'function', 'name': ...}."
    )


def _response_format(text: Any) -> dict[str, Any] | None:
    fmt = _as_dict(text).get("format") if text else None
    if not fmt:
        return None
    fmt = _as_dict(fmt)
    kind = fmt.get("type")
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "json_object"}
    if kind == "json_schema":
        schema: dict[str, Any] = {"name": fmt.get("name") or "response", "schema": fmt.get("schema") or {}}
        for key in ("description", "strict"):
            if fmt.get(key) is not None:
                schema[key] = fmt[key]
        return {"type": "json_schema", "json_schema": schema}
    raise ResponsesNotSupportedError(f"text.format {kind!r}", "Use text, json_object or json_schema.")


def _thinking(reasoning: Mapping[str, Any], model: str) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """(chat kwargs, google fields, want_summary) for `reasoning`."""
    effort = reasoning.get("effort")
    want_summary = reasoning.get("summary") not in (None, "none") or reasoning.get("generate_summary") not in (
        None, "none")
    if not want_summary:
        return ({"reasoning_effort": effort} if effort else {}), {}, False
    config: dict[str, Any] = {"include_thoughts": True}
    if effort:  # Vertex refuses reasoning_effort beside thinking_config, so the effort moves inside it
        if "gemini-3" in model:
            config["thinking_level"] = "low" if effort in ("none", "minimal") else effort
        elif effort in _EFFORT_BUDGET:
            config["thinking_budget"] = _EFFORT_BUDGET[effort]
    return {}, {"thinking_config": config, "thought_tag_marker": thought_marker()}, True


def _merge_google(extra_json: Mapping[str, Any] | None, google: Mapping[str, Any]) -> dict[str, Any] | None:
    """The SDK `extra_body=` for the chat call: the caller's, with our google fields added beneath."""
    out = dict(extra_json or {})
    if not google:
        return out or None
    wire = dict(out.get("extra_body") or {})
    mine = dict(wire.get("google") or {})
    for key, value in google.items():
        if key == "thinking_config" and isinstance(mine.get(key), Mapping):
            mine[key] = {**value, **mine[key]}
        else:
            mine.setdefault(key, value)
    wire["google"] = mine
    out["extra_body"] = wire
    return out


def plan_chat_request(
    body: Mapping[str, Any],
    *,
    history: list[dict[str, Any]] | None,
    signatures: Callable[[str], Any] | None = None,
    extra_json: Mapping[str, Any] | None = None,
) -> ChatPlan:
    """Translate one `responses.create` body; raises `ResponsesNotSupportedError` for what cannot be served."""
    _check_refusals(body)
    model = str(body.get("model") or "")
    items = input_list(body.get("input"))
    # Signatures from reasoning items anywhere in the input apply to calls anywhere in it.
    found: dict[str, Any] = {}
    for position, item in enumerate(items):
        data = _as_dict(item)
        if isinstance(data, Mapping) and data.get("type") == "reasoning":
            found.update(decode_carrier(data.get("encrypted_content"), f"input[{position}].encrypted_content"))
    builder = _Builder(found, signatures, history=history)
    for position, item in enumerate(items):
        builder.add(item, position)
    conversation = [*(history or []), *builder.messages]
    messages = list(conversation)
    instructions = body.get("instructions")
    if isinstance(instructions, str):
        if instructions:
            messages.insert(0, {"role": "system", "content": instructions})
    elif instructions is not None:
        extra = _Builder(found, signatures, where="instructions")
        for position, item in enumerate(input_list(instructions, "instructions")):
            extra.add(item, position)
        messages[:0] = extra.messages

    kwargs: dict[str, Any] = {"model": model, "messages": messages}
    given_tools = [_as_dict(t) for t in body.get("tools") or []]
    tools, search = _tools(given_tools)
    if tools:
        kwargs["tools"] = tools
    if search:
        kwargs["web_search_options"] = {}
    if body.get("tool_choice") is not None:
        kwargs["tool_choice"] = _tool_choice(body["tool_choice"])
    response_format = _response_format(body.get("text"))
    if response_format is not None:
        kwargs["response_format"] = response_format
    for ours, theirs in (("max_output_tokens", "max_completion_tokens"), ("temperature", "temperature"),
                         ("top_p", "top_p"), ("parallel_tool_calls", "parallel_tool_calls")):
        if body.get(ours) is not None:
            kwargs[theirs] = body[ours]
    reasoning = _as_dict(body.get("reasoning") or {})
    thinking_kwargs, google, want_summary = _thinking(reasoning, model)
    kwargs.update(thinking_kwargs)
    merged = _merge_google(extra_json, google)
    if merged:
        kwargs["extra_body"] = merged

    echo = {key: body[key] for key in ("instructions", "metadata", "max_output_tokens", "temperature", "top_p",
                                       "previous_response_id", "truncation", "text", "reasoning", "user",
                                       "service_tier", "top_logprobs", "max_tool_calls", "prompt_cache_key",
                                       "safety_identifier", "store") if body.get(key) is not None}
    echo["tools"] = given_tools
    echo["tool_choice"] = _as_dict(body["tool_choice"]) if body.get("tool_choice") is not None else "auto"
    echo["parallel_tool_calls"] = body["parallel_tool_calls"] if body.get("parallel_tool_calls") is not None else True
    return ChatPlan(kwargs=kwargs, conversation=conversation, input_items=builder.items, echo=echo,
                    want_summary=want_summary, added=builder.messages, json_output=response_format is not None)
