"""The shipped fake plays Gemini 3's thought-signature rule: it signs tool calls and refuses follow-ups without."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from vertex_openai.testing import FakeVertex, Reply

CALL = {"function": {"arguments": '{"a": 1}', "name": "add"}, "id": "", "type": "function"}


@pytest.fixture
def fake() -> Iterator[FakeVertex]:
    with FakeVertex(require_auth=False) as server:
        yield server


def _post(fake: FakeVertex, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{fake.base_url}/chat/completions", json=body, timeout=10)


def _history(call: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"role": "user", "content": "add"}, {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "", "content": "1"}]


@pytest.mark.parametrize(("model", "signed"), [("google/gemini-3-flash-preview", True),
                                               ("google/gemini-2.5-flash", False)])
def test_gemini_3_tool_calls_come_signed(fake: FakeVertex, model: str, signed: bool) -> None:
    fake.reply_next(Reply(content=None, tool_calls=[CALL, CALL]))
    answer = _post(fake, {"model": model, "messages": [{"role": "user", "content": "add"}]})
    calls = answer.json()["choices"][0]["message"]["tool_calls"]
    assert ("extra_content" in calls[0]) is signed and "extra_content" not in calls[1]  # first call only


def test_follow_up_without_the_signature_gets_googles_list_wrapped_400(fake: FakeVertex) -> None:
    answer = _post(fake, {"model": "google/gemini-3-flash-preview", "messages": _history(CALL)})
    assert answer.status_code == 400
    (error,) = [item["error"] for item in answer.json()]
    assert error["status"] == "INVALID_ARGUMENT"
    assert "function call `add` in the 2. content block is missing a `thought_signature`" in error["message"]


def test_signed_follow_up_is_accepted_and_the_rule_can_be_switched_off(fake: FakeVertex) -> None:
    signed = {**CALL, "extra_content": {"google": {"thought_signature": "c2lnbmVk"}}}  # constructed bytes
    assert _post(fake, {"model": "google/gemini-3-flash-preview", "messages": _history(signed)}).status_code == 200
    fake.thought_signatures = False
    answer = _post(fake, {"model": "google/gemini-3-flash-preview", "messages": _history(CALL)})
    assert answer.status_code == 200 and json.loads(answer.content)["choices"]
