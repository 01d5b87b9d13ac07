"""The per-request fast paths keep exactly the behaviour of the slower code they short-cut.

Each fast path here skips work when it can prove the answer; these tests pin the proof (an upper
bound really is an upper bound, a skipped step really had nothing to do) on values built to sit on
the edges, and check the slow path still runs when the fast one cannot decide.
"""

from __future__ import annotations

import json
import random
from collections import OrderedDict
from typing import Any

import openai
import pytest
from openai._streaming import ServerSentEvent

from vertex_openai import vertex_openai_client
from vertex_openai.gemini import RequestTooLargeError
from vertex_openai.wire import _gemini_body, _sse
from vertex_openai.wire._response import synthetic_tool_call_id

_EDGE_STRINGS = ["", "a", "\x00", "\x1f", '"', "\\", "\u2028", "é", "\u20ac", "\U0001f600", "\ud800", "data:x",
                 "\x00" * 50, "\U0001f600" * 20]
_EDGE_SCALARS: list[Any] = [None, True, False, 0, -1, 2**31, -(2**63), 10**40, -(10**100), 0.1, -1e308, 5e-324,
                            float("inf"), float("-inf"), float("nan"), 1.0]


def _random_value(rng: random.Random, depth: int) -> Any:
    roll = rng.random()
    if depth > 4 or roll < 0.35:
        return rng.choice(_EDGE_SCALARS + _EDGE_STRINGS)
    if roll < 0.55:
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if roll < 0.6:
        return tuple(_random_value(rng, depth + 1) for _ in range(rng.randrange(3)))
    keys: list[Any] = [*_EDGE_STRINGS, True, False, None, 7, -3, 2.5, "k"]
    return {rng.choice(keys): _random_value(rng, depth + 1) for _ in range(rng.randrange(5))}


def _built_request(client: Any, body: dict[str, Any]) -> Any:
    """The request the SDK builds for a chat body (serialised by the SDK itself), as `_prepare_request` sees it."""
    from openai._models import FinalRequestOptions

    return client._build_request(FinalRequestOptions.construct(method="post", url="/chat/completions",
                                                               json_data=body))


def test_six_times_the_sdk_bytes_bound_the_compact_json_size() -> None:
    client = vertex_openai_client("p", credentials=lambda: "t")
    rng = random.Random(20261129)
    values: list[Any] = [_finite({"s": s}) for s in _EDGE_STRINGS] + [_finite([x]) for x in _EDGE_SCALARS]
    values += [_finite(_random_value(rng, 0)) for _ in range(1500)]
    for value in values:
        body = {"model": "m", "messages": [], "v": value}
        wire = _built_request(client, body).content
        assert len(json.dumps(body, separators=(",", ":"))) <= 6 * len(wire), value


def _finite(value: Any) -> Any:
    """The value without NaN/inf, lone surrogates and non-str keys (the SDK refuses the first two)."""
    if isinstance(value, float) and (value != value or abs(value) == float("inf")):
        return 0.5
    if isinstance(value, str):
        return value.replace("\ud800", "?")
    if isinstance(value, dict):
        return {_finite(str(k)): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def test_size_is_checked_as_compact_json_whatever_the_wire_encoding() -> None:
    from vertex_openai.gemini import limit_request_size

    client = limit_request_size(vertex_openai_client("p", credentials=lambda: "t"), 4096)
    config = client._vertex_config
    # 1000 x "\u00e9" is 2000 UTF-8 bytes but 6000 bytes of compact (ASCII-escaped) JSON: refused as before
    accented = {"model": "m", "messages": [{"role": "user", "content": "\u00e9" * 1000}]}
    with pytest.raises(RequestTooLargeError, match="4,096-byte limit"):
        _gemini_body.check_request_size(_built_request(client, accented), config)
    # over limit / 6 on the wire but under the limit as JSON (data: URLs are never escaped): passes
    media = {"model": "m", "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64," + "A" * 3000}}]}]}
    _gemini_body.check_request_size(_built_request(client, media), config)
    bigger = {"model": "m", "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64," + "A" * 4100}}]}]}
    with pytest.raises(RequestTooLargeError, match="4,096-byte limit"):
        _gemini_body.check_request_size(_built_request(client, bigger), config)
    # only chat bodies are measured, and not on a deployed endpoint (no documented limit there)
    other = _built_request(client, accented)
    other.url = other.url.copy_with(path=other.url.path.replace("/chat/completions", "/embeddings"))
    _gemini_body.check_request_size(other, config)


def test_size_check_still_refuses_bodies_the_walk_cannot_clear() -> None:
    body = {"messages": [OrderedDict(role="user", content="\x00" * 2000)]}
    with pytest.raises(RequestTooLargeError, match="1,000-byte limit"):
        _gemini_body._check_size(body, 1000)
    media = {"messages": [{"role": "user", "content": [{"type": "image_url",
                                                        "image_url": {"url": "data:image/png;base64," + "A" * 900}}]}]}
    size = len(json.dumps(media, separators=(",", ":")))
    _gemini_body._check_size(media, size)
    with pytest.raises(RequestTooLargeError, match=f"{size:,} bytes"):
        _gemini_body._check_size(media, size - 1)


def _events(lines: list[str]) -> list[Any]:
    decoder = _sse.VertexSSEDecoder()
    return [event for event in (decoder.decode(line) for line in lines) if event is not None]


def test_sse_event_is_parsed_once_and_json_returns_that_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    chunk = {"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": "hi"}}]}
    calls: list[str] = []
    real_loads = json.loads

    def counting_loads(text: Any, **kw: Any) -> Any:
        calls.append(text)
        return real_loads(text, **kw)

    monkeypatch.setattr(_sse.json, "loads", counting_loads)
    (event,) = _events(["id: 7", f"data: {json.dumps(chunk)}", ""])
    first = event.json()
    assert first == chunk and event.json() is first and len(calls) == 1
    assert (event.id, event.event, event.data) == ("7", None, json.dumps(chunk))
    assert isinstance(event, ServerSentEvent)


def test_sse_error_shapes_still_raise_and_lookalikes_pass() -> None:
    error = {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "quota"}
    for data in ({"error": error}, [{"error": error}]):
        with pytest.raises(openai.APIError, match="RESOURCE_EXHAUSTED: quota"):
            _events([f"data: {json.dumps(data)}", ""])
    # "error" that is not an object is not Google's error: the chunk passes, as before
    (event,) = _events([f"data: {json.dumps({'error': 'text', 'choices': []})}", ""])
    assert event.json() == {"error": "text", "choices": []}
    (done,) = _events(["data: [DONE]", ""])
    assert done.data == "[DONE]"
    with pytest.raises(openai.APIError, match="not JSON"):
        _events(["data: {oops", ""])


def test_gemini_body_copies_only_the_messages_that_change() -> None:
    config = vertex_openai_client("p", credentials=lambda: "t")._vertex_config
    synthetic = synthetic_tool_call_id("", "resp-1", 0, 1)
    user = {"role": "user", "content": "hi"}
    thinking = {"role": "assistant", "content": "ok", "reasoning_content": "because"}
    calls = {"role": "assistant", "content": None, "tool_calls": [
        {"id": "kept", "type": "function", "function": {"name": "f", "arguments": "{}"}},
        {"id": synthetic, "type": "function", "function": {"name": "f", "arguments": "{}"}}]}
    result = {"role": "tool", "tool_call_id": synthetic, "content": "42"}
    plain_tool = {"role": "tool", "tool_call_id": "kept", "content": "1"}
    messages = [user, thinking, calls, result, plain_tool]
    body = {"model": "google/gemini-2.5-flash", "messages": messages}
    snapshot = json.dumps(body)

    sent = _gemini_body.prepare_gemini_body(body, config)
    assert json.dumps(body) == snapshot  # the caller's body is never edited
    out = sent["messages"]
    assert out[0] is user and out[4] is plain_tool
    assert out[1] == {"role": "assistant", "content": "ok"}
    assert [c["id"] for c in out[2]["tool_calls"]] == ["kept", ""]
    assert out[2]["tool_calls"][0] is calls["tool_calls"][0]
    assert out[3]["tool_call_id"] == ""
    # nothing to restore: the very same body goes on (no copy)
    untouched = {"model": "google/gemini-2.5-flash", "messages": [user, plain_tool, {"role": "user", "content": []}]}
    assert _gemini_body.prepare_gemini_body(untouched, config) is untouched


class _Response:
    """What the normaliser reads from a response: its extensions (stream state) and the request body."""

    def __init__(self, request_body: dict[str, Any]) -> None:
        self.extensions: dict[str, Any] = {}
        self.request = type("Request", (), {"content": json.dumps(request_body).encode()})()


def _stream_deltas(deltas: list[dict[str, Any]], request_body: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    from openai.types.chat import ChatCompletionChunk

    from vertex_openai.wire._response import normalize_response_data

    response = _Response(request_body or {"stream": True})
    out = []
    for number, delta in enumerate(deltas):
        finish = "stop" if number == len(deltas) - 1 else None
        chunk = {"id": "r1", "object": "chat.completion.chunk",
                 "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        normalize_response_data(chunk, ChatCompletionChunk, response)
        out.append(chunk["choices"][0]["delta"])
    return out


def test_plain_stream_deltas_get_only_the_role_rule() -> None:
    out = _stream_deltas([{"role": "assistant", "content": "He"}, {"role": "assistant", "content": "llo"},
                          {"role": "assistant", "content": None, "refusal": None}])
    assert out == [{"role": "assistant", "content": "He"}, {"content": "llo"}, {"content": None, "refusal": None}]


def test_after_a_non_plain_delta_the_full_rules_apply_to_every_later_delta() -> None:
    sig = {"google": {"thought_signature": "s"}}
    out = _stream_deltas([
        {"role": "assistant", "content": "A"},
        {"role": "assistant", "content": [{"type": "text", "text": "B"}]},  # list content: flattened
        {"content": "think", "extra_content": {"google": {"thought": True}}},  # a marked thought
        {"content": "C", "extra_content": sig},
        {"content": "D", "extra_content": sig},  # the signature already went out: dropped here
    ])
    assert out[0] == {"role": "assistant", "content": "A"}
    assert out[1] == {"content": "B"}
    assert out[2]["content"] == "" and out[2]["reasoning_content"] == "think"
    assert out[3] == {"content": "C", "extra_content": sig} and out[4] == {"content": "D"}


def test_a_thought_tag_marker_keeps_plain_deltas_on_the_full_path() -> None:
    request = {"stream": True, "extra_body": {"google": {"thought_tag_marker": "think"}}}
    out = _stream_deltas([{"role": "assistant", "content": "<thi"}, {"content": "nk>hm</think>"},
                          {"content": "ok"}], request)
    assert "".join(d.get("content") or "" for d in out) == "ok"
    assert "".join(d.get("reasoning_content") or "" for d in out) == "hm"


def test_default_clock_staleness_matches_the_datetime_comparison() -> None:
    import datetime as dt

    from vertex_openai._auth import CredentialsTokenSource, _utcnow
    from vertex_openai.testing import FakeCredentials

    creds = FakeCredentials(lifetime=3600)
    source = CredentialsTokenSource(creds, refresh_margin=300)
    first = source.token()
    assert source.token() == first and source.refresh_count == 1
    for offset in (-5.0, -0.01, 0.5, 5.0):  # a stale_at just passed is stale; one ahead is not
        stale_at = _utcnow() + dt.timedelta(seconds=offset)
        source._stale_at = stale_at
        assert (source._current() is None) == (_utcnow() >= stale_at), offset
    source._stale_at = _utcnow() - dt.timedelta(seconds=1)  # a new stale_at object is converted again
    source.token()  # stale: refreshed (here by adopting the token the credentials still hold)
    assert source.refresh_count == 2
    source.token()
    assert source.refresh_count == 2  # fresh again: the new stale_at was converted, not the old one reused


def test_chat_body_adaptation_short_cuts_keep_their_answers() -> None:
    from types import MappingProxyType

    from vertex_openai.structured._wire import UnsupportedRequestError, adapt_chat_body

    messages = [{"role": "user", "content": "hi"}]
    assert adapt_chat_body({"model": "gemini-2.5-flash", "messages": messages}, "jsonschema") is None
    assert adapt_chat_body({"model": "gemini-2.5-flash", "messages": messages, "tools": []}, "jsonschema") is None
    schema = {"type": "object", "properties": {"a": {"type": ["string", "null"]}}, "required": ["a"],
              "additionalProperties": False}
    loose = {"type": "function", "function": {"name": "f", "parameters": schema}}
    assert adapt_chat_body({"model": "gemini-3-pro", "messages": messages, "tools": [loose]}, "jsonschema") is None
    strict = {"type": "function", "function": {"name": "f", "strict": True, "parameters": schema}}
    rf = MappingProxyType({"type": "json_schema", "json_schema": MappingProxyType({"name": "r", "schema": schema})})
    with pytest.raises(UnsupportedRequestError):
        adapt_chat_body({"model": "gemini-2.5-flash", "messages": messages, "tools": [strict], "response_format": rf},
                        "jsonschema")
    adapted = adapt_chat_body({"model": "gemini-3-pro", "messages": messages, "tools": [loose, strict],
                               "response_format": rf}, "jsonschema")
    assert adapted is not None
    assert adapted["tools"][0] is loose  # only strict tools are adapted
    for sent in (adapted["tools"][1]["function"]["parameters"], adapted["response_format"]["json_schema"]["schema"]):
        assert sent["properties"]["a"] != schema["properties"]["a"]  # list-valued type rewritten


def test_token_wait_is_the_largest_numeric_timeout() -> None:
    from types import SimpleNamespace

    from vertex_openai._http_auth import token_wait

    cases: list[tuple[Any, float | None]] = [
        ({"connect": 5.0, "read": 60, "write": None, "pool": 5.0}, 60),
        ({"connect": None, "read": None}, None),
        ({"connect": 2, "read": 2.5, "write": "7"}, 2.5),
        ({}, None),
        (None, None),
        (30.0, None),  # not a dict of timeouts
    ]
    for timeout, expected in cases:
        request = SimpleNamespace(extensions={"timeout": timeout} if timeout is not None else {})
        assert token_wait(request) == expected, timeout
    assert token_wait(SimpleNamespace()) is None
