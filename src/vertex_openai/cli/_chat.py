"""`vertex-openai chat`: one request through the library's own client, answer on stdout, thoughts apart on stderr.

The answer goes to stdout (so `> answer.txt` or `| jq` gets only the answer); thought summaries, when asked
for with --show-thoughts, go to stderr, dimmed on a terminal. Vertex wraps thoughts in the tag named by
`thought_tag_marker` (we ask for `<think>`), which may be split across stream chunks.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ._advice import token_failure
from ._output import Style, clean

__all__ = ["ChatOptions", "ThoughtSplitter", "build_request", "run_chat"]

THOUGHT_TAG = "think"
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass
class ChatOptions:
    prompt: str
    model: str = "gemini-2.5-flash"
    stream: bool = False
    system: str | None = None
    json_schema: str | None = None
    thinking: int | None = None
    show_thoughts: bool = False
    max_tokens: int | None = None
    temperature: float | None = None
    project: str | None = None
    location: str | None = None
    base_url: str | None = None
    timeout: float = 120.0


class UsageError(ValueError):
    """Bad input from the command line: the message says what was wrong and how to fix it."""


def _load_schema(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as err:
        raise UsageError(f"--json-schema {path}: cannot read it ({err.strerror or err})") from err
    except ValueError as err:
        raise UsageError(f"--json-schema {path}: not valid JSON ({err})") from err
    if not isinstance(data, dict):
        raise UsageError(f"--json-schema {path}: expected a JSON object (a JSON Schema), got {type(data).__name__}")
    # Accept OpenAI's wrapper {"name": ..., "schema": {...}} as well as a bare schema.
    if isinstance(data.get("schema"), dict) and "name" in data:
        name = str(data["name"])
        schema = data["schema"]
    else:
        name = os.path.splitext(os.path.basename(path))[0]
        schema = data
    name = _NAME_UNSAFE.sub("_", name).strip("_")[:64] or "answer"
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema}}


def build_request(options: ChatOptions) -> dict[str, Any]:
    """The keyword arguments for `client.chat.completions.create`."""
    messages: list[dict[str, str]] = []
    if options.system:
        messages.append({"role": "system", "content": options.system})
    messages.append({"role": "user", "content": options.prompt})
    kwargs: dict[str, Any] = {"model": options.model, "messages": messages}
    if options.stream:
        kwargs["stream"] = True
    if options.max_tokens is not None:
        kwargs["max_tokens"] = options.max_tokens
    if options.temperature is not None:
        kwargs["temperature"] = options.temperature
    if options.json_schema:
        kwargs["response_format"] = _load_schema(options.json_schema)
    google: dict[str, Any] = {}
    if options.thinking is not None or options.show_thoughts:
        config: dict[str, Any] = {}
        if options.thinking is not None:
            config["thinking_budget"] = options.thinking
        if options.show_thoughts:
            config["include_thoughts"] = True
            google["thought_tag_marker"] = THOUGHT_TAG
        google["thinking_config"] = config
    if google:
        # The SDK merges extra_body into the top level; Vertex wants a literal "extra_body" key there.
        kwargs["extra_body"] = {"extra_body": {"google": google}}
    return kwargs


class ThoughtSplitter:
    """Split text into (is_thought, text) pieces at <think>…</think>, even when a tag spans two chunks."""

    def __init__(self, tag: str = THOUGHT_TAG) -> None:
        self._open, self._close = f"<{tag}>", f"</{tag}>"
        self._buffer = ""
        self.in_thought = False

    def feed(self, text: str) -> list[tuple[bool, str]]:
        self._buffer += text
        pieces: list[tuple[bool, str]] = []
        while self._buffer:
            tag = self._close if self.in_thought else self._open
            at = self._buffer.find(tag)
            if at >= 0:
                if at:
                    pieces.append((self.in_thought, self._buffer[:at]))
                self._buffer = self._buffer[at + len(tag):]
                self.in_thought = not self.in_thought
                continue
            keep = _partial_suffix(self._buffer, tag)
            emit = self._buffer[: len(self._buffer) - keep]
            if emit:
                pieces.append((self.in_thought, emit))
            self._buffer = self._buffer[len(emit):]
            break
        return pieces

    def flush(self) -> list[tuple[bool, str]]:
        rest, self._buffer = self._buffer, ""
        return [(self.in_thought, rest)] if rest else []


def _partial_suffix(text: str, tag: str) -> int:
    """How many trailing characters of `text` could be the start of `tag`."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


def _google_thought(part: Any) -> bool:
    extra = getattr(part, "extra_content", None)
    if extra is None:
        extra = (getattr(part, "model_extra", None) or {}).get("extra_content")
    google = extra.get("google") if isinstance(extra, dict) else None
    return bool(isinstance(google, dict) and google.get("thought"))


class _Printer:
    """Answer to stdout, thoughts to stderr (dimmed), with a blank line between thinking and answering."""

    def __init__(self, out: Style, err: Style, show_thoughts: bool) -> None:
        self.out, self.err, self.show_thoughts = out, err, show_thoughts
        self.splitter = ThoughtSplitter()
        self.thinking = False
        self.answer: list[str] = []

    def _emit(self, is_thought: bool, text: str) -> None:
        if is_thought:
            if not self.show_thoughts:
                return
            if not self.thinking:
                self.err.write(self.err.dim("thinking…"))
                self.thinking = True
            self.err.write(self.err.dim(clean(text)), end="")
            return
        if self.thinking:
            self.err.write("\n")
            self.thinking = False
        self.answer.append(text)
        self.out.write(text, end="")

    def text(self, text: str, *, thought: bool = False) -> None:
        if thought or not self.show_thoughts:
            # Without --show-thoughts no tag marker was asked for: a literal "<think>" is part of the answer.
            self._emit(thought, text)
            return
        for is_thought, piece in self.splitter.feed(text):
            self._emit(is_thought, piece)

    def finish(self) -> None:
        for is_thought, piece in self.splitter.flush():
            self._emit(is_thought, piece)
        if self.thinking:
            self.err.write("\n")
            self.thinking = False


def _pretty_json(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def _reasoning(part: Any) -> str | None:
    value = getattr(part, "reasoning_content", None)
    if value is None:
        value = (getattr(part, "model_extra", None) or {}).get("reasoning_content")
    return value if isinstance(value, str) and value else None


def _print_stream(stream: Iterator[Any], printer: _Printer) -> None:
    for chunk in stream:
        for choice in getattr(chunk, "choices", None) or []:
            delta = choice.delta
            reasoning = _reasoning(delta)
            if reasoning:
                printer.text(reasoning, thought=True)
            content = delta.content
            if isinstance(content, str) and content:
                printer.text(content, thought=_google_thought(delta))


def run_chat(options: ChatOptions, out: Style, err: Style, make_client: Callable[..., Any]) -> int:
    """Send one request; 0 on an answer, 1 when the request failed (the error says why), 2 on bad input."""
    import openai

    from .._exceptions import VertexAuthError
    from .._redact import redact

    try:
        request = build_request(options)
    except UsageError as error:
        err.write(f"{err.mark('fail')} {clean(str(error))}")
        return 2
    try:
        client = make_client(options.project, options.location, base_url=options.base_url, timeout=options.timeout)
    except (ValueError, TypeError) as error:
        # A bad --project / --location / --base-url (or the environment variable behind it): bad input.
        err.write(f"{err.mark('fail')} {clean(redact(str(error)))}")
        return 2
    except VertexAuthError as error:
        err.write(f"{err.mark('fail')} {clean(redact(str(error)))}")
        err.write(f"    {err.arrow} run `vertex-openai doctor` to check the set-up step by step")
        return 1
    printer = _Printer(out, err, options.show_thoughts)
    try:
        with client:
            if options.stream:
                _print_stream(client.chat.completions.create(**request), printer)
            else:
                reply = client.chat.completions.create(**request)
                message = reply.choices[0].message if reply.choices else None
                reasoning = _reasoning(message) if message is not None else None
                if reasoning:
                    printer.text(reasoning, thought=True)
                content = message.content if message is not None else None
                if isinstance(content, str):
                    printer.text(_pretty_json(content) if options.json_schema else content)
                elif reply.choices:
                    reason = clean(str(reply.choices[0].finish_reason))
                    err.write(err.dim(f"(no text in the answer; finish_reason={reason})"))
            printer.finish()
    except openai.APIStatusError as error:
        printer.finish()
        err.write(f"{err.mark('fail')} {clean(redact(str(error)))}")
        return 1
    except VertexAuthError as error:
        printer.finish()
        # As doctor does: an unreachable token endpoint is a network problem, not a bad login.
        from .._adc import token_endpoint_host

        detail, fix = token_failure(redact(str(error)) or type(error).__name__, options.timeout,
                                    token_endpoint_host())
        err.write(f"{err.mark('fail')} {clean(detail)}")
        if "No Google credentials found" not in detail:  # that message carries its own fix
            err.write(f"    {err.arrow} {fix}")
        err.write(f"    {err.arrow} run `vertex-openai doctor` to check the set-up step by step")
        return 1
    except openai.APIConnectionError as error:
        printer.finish()
        err.write(f"{err.mark('fail')} {clean(redact(str(error))) or type(error).__name__}")
        err.write(f"    {err.arrow} run `vertex-openai doctor` to check the set-up step by step")
        return 1
    except openai.APIError as error:  # a failure inside an answer, e.g. Google's error frame mid-stream
        printer.finish()
        if printer.answer and not "".join(printer.answer).endswith("\n"):
            out.write("")  # end the partial answer's line, so the error starts on its own
        err.write(f"{err.mark('fail')} {clean(redact(str(error))) or type(error).__name__}")
        return 1
    if printer.answer and not "".join(printer.answer).endswith("\n"):
        out.write("")
    return 0
