"""Cassette scrubbing by value: secrets split across stream chunks on every text channel, and JSON escapes.

The streams are constructed in the shape of OpenAI chat-completion chunks (the shape Vertex's OpenAI-compatible
endpoint streams); the secrets are made up.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml
from vcr.request import Request

from vertex_openai import vertex_openai_client
from vertex_openai.testing import FakeVertex, Reply, replay_credentials, use_cassette, vcr_config
from vertex_openai.testing._vcr import _vcrpy_runs_before_save, scrubber_of

PROJECT = "acme-prod-4821"
EMAIL = "alice.smith@acme-corp.example"
CHAT = (f"https://us-central1-aiplatform.googleapis.com/v1/projects/{PROJECT}/locations/us-central1"
        "/endpoints/openapi/chat/completions")
SSE = {"Content-Type": ["text/event-stream"]}


def _split(text: str, *cuts: int) -> list[str]:
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in pairwise(bounds)]


def _chunk(delta: dict[str, Any], index: int = 0) -> dict[str, Any]:
    return {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "choices": [{"index": index, "delta": delta, "finish_reason": None}]}


def _sse(chunks: list[dict[str, Any]], prefix: str = "data: ", **dumps: Any) -> bytes:
    lines = [prefix + json.dumps(chunk, **dumps) for chunk in chunks]
    return ("\n\n".join([*lines, "data: [DONE]"]) + "\n\n").encode()


def _record(body: bytes, headers: dict[str, list[str]] | None = None) -> str:
    config = vcr_config()
    config["before_record_request"](Request("POST", CHAT, b"{}", {"content-type": "application/json"}))
    response = {"status": {"code": 200, "message": "OK"}, "headers": headers or SSE, "body": {"string": body}}
    stored = config["before_record_response"](response)
    return str(stored["body"]["string"].decode())


def _events(stored: str) -> list[Any]:
    out = []
    for line in stored.splitlines():
        if line.startswith("data:") and line[5:].strip().startswith("{"):
            out.append(json.loads(line[5:]))  # every event still parses
    return out


def _deltas(stored: str) -> list[dict[str, Any]]:
    return [choice["delta"] for event in _events(stored) for choice in event["choices"]]


SENTENCE = f"Project {PROJECT} belongs to {EMAIL}, ask them."
SCRUBBED = "Project PROJECT_ID belongs to user@example.com, ask them."
CUTS = (12, 40, 63)  # splits inside the project id and inside the email; the last part has no secret


def _assert_clean(stored: str) -> None:
    for secret in (PROJECT, EMAIL, "acme-p", "rod-4821", "alice.smith", "acme-corp"):
        assert secret not in stored


def test_content_given_as_a_list_of_text_parts() -> None:
    chunks = [_chunk({"content": [{"type": "text", "text": part}]}) for part in _split(SENTENCE, *CUTS)]
    stored = _record(_sse(chunks))
    _assert_clean(stored)
    texts = [part["text"] for delta in _deltas(stored) for part in delta["content"]]
    assert "".join(texts) == SCRUBBED
    assert texts == ["Project PROJECT_ID", " belongs to user@example.com", "", ", ask them."]  # a placeholder goes
    # where its secret began, the rest of the secret leaves the next chunk, other text stays where it was


def test_streamed_tool_call_arguments_per_tool_call_index() -> None:
    first = json.dumps({"owner": EMAIL, "project": PROJECT})
    second = json.dumps({"note": f"projects/{PROJECT} is fine"})
    chunks = [_chunk({"tool_calls": [{"index": 0, "id": "a", "type": "function",
                                      "function": {"name": "lookup", "arguments": ""}}]})]
    # The two calls' fragments interleave; each call is joined on its own.
    for one, two in zip(_split(first, 15, 30), _split(second, 15, 30), strict=True):
        chunks.append(_chunk({"tool_calls": [{"index": 0, "function": {"arguments": one}}]}))
        chunks.append(_chunk({"tool_calls": [{"index": 1, "function": {"arguments": two}}]}))
    stored = _record(_sse(chunks))
    _assert_clean(stored)
    joined: dict[int, str] = {}
    for delta in _deltas(stored):
        for call in delta["tool_calls"]:
            joined[call["index"]] = joined.get(call["index"], "") + call["function"]["arguments"]
    assert json.loads(joined[0]) == {"owner": "user@example.com", "project": "PROJECT_ID"}
    assert json.loads(joined[1]) == {"note": "projects/PROJECT_ID is fine"}


def test_reasoning_content_and_content_are_each_joined_per_choice() -> None:
    chunks = []
    for index, text in ((0, SENTENCE), (1, f"Mail {EMAIL} about {PROJECT}.")):
        chunks += [_chunk({"reasoning_content": part}, index) for part in _split(text, 8, 20)]
        chunks += [_chunk({"content": part}, index) for part in _split(text, 9, 25)]
    stored = _record(_sse(chunks))
    _assert_clean(stored)
    channels: dict[tuple[int, str], str] = {}
    for event in _events(stored):
        for choice in event["choices"]:
            for name, value in choice["delta"].items():
                key = (choice["index"], name)
                channels[key] = channels.get(key, "") + value
    assert channels[(0, "reasoning_content")] == channels[(0, "content")] == SCRUBBED
    assert channels[(1, "content")] == "Mail user@example.com about PROJECT_ID."


def test_data_lines_without_the_space_are_scrubbed_and_keep_their_form() -> None:
    chunks = [_chunk({"content": part}) for part in _split(SENTENCE, *CUTS)]
    stored = _record(_sse(chunks, prefix="data:", separators=(",", ":")))
    _assert_clean(stored)
    assert "".join(delta["content"] for delta in _deltas(stored)) == SCRUBBED
    assert all(line.startswith("data:{") for line in stored.splitlines() if line.startswith("data:{"))
    assert "data: {" not in stored and ', "' not in stored  # same framing and separators as recorded


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_escaped_quotes_next_to_secrets(ensure_ascii: bool) -> None:
    text = f"\u2018{PROJECT}\u2019 is owned by \u201c{EMAIL}\u201d; ask {EMAIL}\u2026"
    body = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}],
                       EMAIL: "a key"}, ensure_ascii=ensure_ascii).encode()
    stored = _record(body, {"Content-Type": ["application/json"]})
    _assert_clean(stored)
    assert "\\user@example.com" not in stored
    value = json.loads(stored)  # still valid JSON
    assert value["choices"][0]["message"]["content"] == (
        "\u2018PROJECT_ID\u2019 is owned by \u201cuser@example.com\u201d; ask user@example.com\u2026")
    assert value["user@example.com"] == "a key"  # keys are scrubbed too
    assert ("\\u2018" in stored) is ensure_ascii  # written back in the recorded style


def test_escapes_in_a_stream_and_in_a_request_body() -> None:
    chunks = [_chunk({"content": part}) for part in _split(f"\u201c{EMAIL}\u201d, \u2018{PROJECT}\u2019", 5, 18)]
    stored = _record(_sse(chunks))  # json.dumps writes \u201c escapes, as the fake does
    _assert_clean(stored)
    joined = "".join(delta["content"] for delta in _deltas(stored))
    assert joined == "\u201cuser@example.com\u201d, \u2018PROJECT_ID\u2019"

    hook = vcr_config()["before_record_request"]
    prompt = json.dumps({"messages": [{"role": "user", "content": f"\u201c{EMAIL}\u201d on \u2018{PROJECT}\u2019"}]})
    request = hook(Request("POST", CHAT, prompt.encode(), {"content-type": "application/json"}))
    content = json.loads(request.body)["messages"][0]["content"]
    assert content == "\u201cuser@example.com\u201d on \u2018PROJECT_ID\u2019"
    assert PROJECT not in request.body.decode() and EMAIL not in request.body.decode()


def test_untouched_bodies_stay_byte_for_byte() -> None:
    body = b'{"b": 1,   "a": "caf\\u00e9"}'
    assert _record(body, {"Content-Type": ["application/json"]}).encode() == body


def test_split_secrets_round_trip_through_the_sdk(tmp_path: Path) -> None:
    """Record a stream whose content, reasoning and tool-call arguments split secrets; replay it via the SDK."""
    args = json.dumps({"owner": EMAIL, "where": f"projects/{PROJECT}"})
    raw = [{"delta": {"role": "assistant", "reasoning_content": part}} for part in _split(SENTENCE, 10, 33)]
    raw += [{"delta": {"content": part}} for part in _split(SENTENCE, *CUTS)]
    raw += [{"delta": {"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                       "function": {"name": "lookup", "arguments": ""}}]}}]
    raw += [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": part}}]}} for part in _split(args, 14, 40)]
    raw += [{"delta": {}, "finish_reason": "tool_calls"}]
    path = tmp_path / "split.yaml"
    with FakeVertex(project=PROJECT) as fake:
        fake.reply_next(Reply(raw_chunks=raw))
        client = vertex_openai_client(PROJECT, base_url=fake.base_url, credentials=fake.credentials(), max_retries=0)
        with use_cassette(path, record_mode="once"):
            list(client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "q"}],
                                                stream=True))
    text = path.read_text(encoding="utf-8")
    _assert_clean(text)
    replay = vertex_openai_client("other-project", credentials=replay_credentials(), max_retries=0)
    content, reasoning, arguments = "", "", ""
    with use_cassette(path):
        for chunk in replay.chat.completions.create(model="gemini-2.5-flash",
                                                    messages=[{"role": "user", "content": "q"}], stream=True):
            delta = chunk.choices[0].delta if chunk.choices else None
            content += (delta.content or "") if delta else ""
            reasoning += (getattr(delta, "reasoning_content", None) or "") if delta else ""
            for call in (delta.tool_calls or []) if delta else []:
                arguments += call.function.arguments or "" if call.function else ""
    assert content == SCRUBBED and reasoning == SCRUBBED
    assert json.loads(arguments) == {"owner": "user@example.com", "where": "projects/PROJECT_ID"}
    assert len(yaml.safe_load(text)["interactions"]) == 1


def test_stream_scrubbing_is_idempotent_and_before_save_keeps_it() -> None:
    """vcrpy scrubs again before saving (`before_save_interaction`): a scrubbed stream must come out the same."""
    chunks = [_chunk({"content": part}) for part in _split(SENTENCE, *CUTS)]
    chunks += [_chunk({"reasoning_content": [{"type": "text", "text": part}]}) for part in _split(SENTENCE, 20, 50)]
    config = vcr_config()
    request = config["before_record_request"](Request("POST", CHAT, b"{}", {"content-type": "application/json"}))
    once = config["before_record_response"](
        {"status": {"code": 200, "message": "OK"}, "headers": SSE, "body": {"string": _sse(chunks)}})
    scrubber = scrubber_of(config)
    assert scrubber is not None
    # vcrpy >= 9.4 runs it as `before_save_interaction`; older ones get it from `CassetteScrubber.finish`
    assert config.get("before_save_interaction", [scrubber.before_save])[0] == scrubber.before_save
    assert ("before_save_interaction" in config) == _vcrpy_runs_before_save()
    _, saved = scrubber.before_save(request, {**once})
    assert saved["body"]["string"] == once["body"]["string"]
    twice = config["before_record_response"]({**once})
    assert twice["body"]["string"] == once["body"]["string"]


def test_an_indented_google_error_keeps_its_layout() -> None:
    error = [{"error": {"code": 403, "status": "PERMISSION_DENIED",
                        "message": f"Permission denied on \u2018projects/{PROJECT}\u2019 for {EMAIL}."}}]
    body = json.dumps(error, indent=2).encode()  # Google writes its error bodies indented
    stored = _record(body, {"Content-Type": ["application/json"]})
    _assert_clean(stored)
    scrubbed = json.loads(stored)
    message = scrubbed[0]["error"]["message"]
    assert message == "Permission denied on \u2018projects/PROJECT_ID\u2019 for user@example.com."
    assert stored == json.dumps(scrubbed, indent=2)
