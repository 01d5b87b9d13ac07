"""The thought marker the bridge asks Google for is random per request, so an answer that contains
`<thought>...</thought>` keeps that text (it is not mistaken for a thought). Thought text is constructed."""

from __future__ import annotations

from typing import Any

from vertex_openai import vertex_openai_client
from vertex_openai.testing import FakeCredentials, FakeVertex, Reply

MODEL = "gemini-2.5-flash"
ANSWER = "Wrap notes in <thought>like this</thought> tags."


def _client(fake: FakeVertex, creds: FakeCredentials) -> Any:
    return vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)


def _markers(fake: FakeVertex) -> list[str]:
    return [request.json["extra_body"]["google"]["thought_tag_marker"] for request in fake.chat_requests]


def test_an_answer_containing_thought_tags_keeps_its_text(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(content=ANSWER, thoughts="Thinking it over."))
    response = _client(fake, creds).responses.create(model=MODEL, input="how?", reasoning={"summary": "auto"})
    assert response.output_text == ANSWER
    reasoning = next(item for item in response.output if item.type == "reasoning")
    assert [part.text for part in reasoning.summary] == ["Thinking it over."]


def test_a_streamed_answer_containing_thought_tags_keeps_its_text(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(content=ANSWER, thoughts="Thinking it over."))
    events = list(_client(fake, creds).responses.create(model=MODEL, input="how?", reasoning={"summary": "auto"},
                                                        stream=True))
    final = events[-1].response
    assert final.output_text == ANSWER
    summary = "".join(e.delta for e in events if e.type == "response.reasoning_summary_text.delta")
    assert summary == "Thinking it over."


def test_each_request_asks_for_its_own_marker(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = _client(fake, creds)
    for _ in range(2):
        client.responses.create(model=MODEL, input="hi", reasoning={"summary": "auto"})
    first, second = _markers(fake)
    assert first != second and "thought" not in (first, second)
