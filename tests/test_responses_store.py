"""The client-side response store: validated capacity, copies in and out, and history kept by structural
sharing (memory linear in the conversation; evicting or deleting a parent keeps its children whole)."""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

import pytest
from openai.types.chat import ChatCompletion

from vertex_openai import vertex_openai_client
from vertex_openai.responses import ResponseStore
from vertex_openai.responses._bridge import Bridge
from vertex_openai.testing import FakeCredentials, FakeVertex

MODEL = "gemini-2.5-flash"


def _client(fake: FakeVertex, creds: FakeCredentials) -> Any:
    return vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)


@pytest.mark.parametrize("bad", [-1, 0, "5", None, True, 2.5])
def test_max_responses_is_checked_when_assigned(fake: FakeVertex, creds: FakeCredentials, bad: Any) -> None:
    client = _client(fake, creds)
    with pytest.raises(ValueError, match="max_responses") as info:
        client.responses.store.max_responses = bad
    assert "store=False" in str(info.value)  # says how to keep nothing
    assert client.responses.store.max_responses == 1000
    response = client.responses.create(model=MODEL, input="hi")  # the store still works, nothing was lost
    assert client.responses.retrieve(response.id).output_text == "You said: hi"


def test_lowering_max_responses_evicts_the_oldest_at_once() -> None:
    store = ResponseStore()
    bridge = Bridge(store)
    ids = [_turn(bridge, n, None).id for n in range(3)]
    store.max_responses = 1
    assert ids[2] in store and ids[0] not in store and ids[1] not in store


def test_retrieve_returns_a_copy_the_caller_cannot_change_the_store_through(fake: FakeVertex,
                                                                            creds: FakeCredentials) -> None:
    client = _client(fake, creds)
    created = client.responses.create(model=MODEL, input="hi", metadata={"k": "v"})
    first = client.responses.retrieve(created.id)
    assert first is not created and first.output_text == created.output_text
    created.output[0].content[0].text = "changed by the caller"
    first.metadata["k"] = "changed too"
    again = client.responses.retrieve(created.id)
    assert again.output_text == "You said: hi" and again.metadata == {"k": "v"}
    client.responses.create(model=MODEL, input="next", previous_response_id=created.id)
    assert fake.chat_requests[-1].json["messages"][1] == {"role": "assistant", "content": "You said: hi"}


def test_changing_the_input_afterwards_does_not_change_the_stored_items(fake: FakeVertex,
                                                                        creds: FakeCredentials) -> None:
    client = _client(fake, creds)
    items: list[dict[str, Any]] = [{"role": "user", "content": [{"type": "input_text", "text": "original"}]}]
    response = client.responses.create(model=MODEL, input=items)
    items[0]["content"][0]["text"] = "changed"
    items.append({"role": "user", "content": "added later"})
    listed = client.responses.input_items.list(response.id)
    assert [item.content[0].text for item in listed.data] == ["original"]
    listed.data[0].content[0].text = "changed through the page"
    assert client.responses.input_items.list(response.id).data[0].content[0].text == "original"


def _completion(turn: int) -> Any:
    return ChatCompletion.model_validate({
        "id": f"chat_{turn}", "object": "chat.completion", "created": 0, "model": MODEL,
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": f"answer {turn}"}}],
    })


def _turn(bridge: Bridge, turn: int, previous: str | None) -> Any:
    body = {"model": MODEL, "input": f"question {turn}", "previous_response_id": previous}
    plan = bridge.plan(body, {})
    return bridge.finish(_completion(turn), plan, body, {})


def _chain(bridge: Bridge, turns: int) -> str:
    previous = None
    for turn in range(turns):
        previous = _turn(bridge, turn, previous).id
    assert previous is not None
    return previous


def test_evicting_or_deleting_a_parent_keeps_its_children_whole() -> None:
    store = ResponseStore(max_responses=2)
    bridge = Bridge(store)
    last = _chain(bridge, 6)
    assert len(store) == 2
    plan = bridge.plan({"model": MODEL, "input": "again", "previous_response_id": last}, {})
    contents = [message["content"] for message in plan.kwargs["messages"]]
    assert contents == [text for n in range(6) for text in (f"question {n}", f"answer {n}")] + ["again"]
    parent = next(key for key in store._entries if key != last)
    store.delete(parent)
    plan = bridge.plan({"model": MODEL, "input": "again", "previous_response_id": last}, {})
    assert len(plan.kwargs["messages"]) == 13


def _store_bytes(turns: int) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        bridge = Bridge(ResponseStore())
        _chain(bridge, turns)
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_store_memory_grows_linearly_with_the_chain() -> None:
    small, large = _store_bytes(250), _store_bytes(1000)
    # 4x the turns: about 4x the memory when each turn keeps only what it added; a full history copy per turn
    # would need about 16x for the history (the fixed part per turn makes it about 7x here).
    assert large < 5.5 * small, (small, large)


def test_branches_from_an_earlier_turn_keep_their_own_histories() -> None:
    bridge = Bridge(ResponseStore())
    root = _turn(bridge, 0, None).id
    left = _turn(bridge, 1, root).id
    right = _turn(bridge, 2, root).id  # a second answer continuing the same turn
    left_next = _turn(bridge, 3, left).id

    def history(response_id: str) -> list[str]:
        plan = bridge.plan({"model": MODEL, "input": "?", "previous_response_id": response_id}, {})
        return [message["content"] for message in plan.kwargs["messages"]][:-1]

    assert history(root) == ["question 0", "answer 0"]
    assert history(right) == ["question 0", "answer 0", "question 2", "answer 2"]
    assert history(left_next) == ["question 0", "answer 0", "question 1", "answer 1", "question 3", "answer 3"]
    assert history(left) == ["question 0", "answer 0", "question 1", "answer 1"]
