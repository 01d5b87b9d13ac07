"""Thought tags around marked thought text are stripped: `<tag>` opening the marked text, `</tag>` beginning the
first unmarked text after it; answers with no marked thought before them are never touched.

The bytes are CONSTRUCTED from this description of Google's Gemini API OpenAI layer (with `include_thoughts`):
thought text arrives in chunks (or parts) marked `extra_content.google.thought: true` whose text opens with
`<thought>` (or `<marker>` when `thought_tag_marker` is set); the first unmarked chunk then begins with the
closing tag, followed by the answer.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai.gemini import google_extra_body, thoughts
from vertex_openai.testing import FakeCredentials, FakeVertex, Reply

MODEL = "gemini-2.5-flash"
USER: Any = [{"role": "user", "content": "What is 2+2?"}]
THOUGHT = {"google": {"thought": True}}
SIGNED = {"google": {"thought_signature": "c2lnbmF0dXJl"}}


def _extra(marker: str | None) -> dict[str, Any]:
    if marker is None:
        return google_extra_body(thinking_config={"include_thoughts": True})
    return google_extra_body(thinking_config={"include_thoughts": True}, thought_tag_marker=marker)


def _tagged_chunks(tag: str) -> list[dict[str, Any]]:
    """Constructed stream: two marked thought chunks, then the closing tag opening the first answer chunk."""
    return [
        {"delta": {"role": "assistant", "content": f"<{tag}>Two plus two", "extra_content": THOUGHT}},
        {"delta": {"role": "assistant", "content": " is four.", "extra_content": THOUGHT}},
        {"delta": {"role": "assistant", "content": f"</{tag}>The answer", "extra_content": SIGNED}},
        {"delta": {"role": "assistant", "content": " is 4."}, "finish_reason": "stop"},
    ]


def _tagged_message(tag: str) -> dict[str, Any]:
    """Constructed whole response: the same text as parts of one message."""
    return {"role": "assistant", "content": [
        {"type": "text", "text": f"<{tag}>Two plus two", "extra_content": THOUGHT},
        {"type": "text", "text": " is four.", "extra_content": THOUGHT},
        {"type": "text", "text": f"</{tag}>The answer", "extra_content": SIGNED},
        {"type": "text", "text": " is 4."},
    ]}


def _client(fake: FakeVertex, creds: FakeCredentials) -> Any:
    return vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)


def _stream(client: Any, marker: str | None) -> tuple[str, str]:
    answer: list[str] = []
    thought: list[str] = []
    for chunk in client.chat.completions.create(model=MODEL, messages=USER, extra_body=_extra(marker), stream=True):
        for choice in chunk.choices:
            answer.append(choice.delta.content or "")
            thought.append(getattr(choice.delta, "reasoning_content", None) or "")
    return "".join(answer), "".join(thought)


@pytest.mark.parametrize("marker", [None, "think", "thought"])
def test_stream_tags_are_stripped(fake: FakeVertex, creds: FakeCredentials, marker: str | None) -> None:
    fake.reply_next(Reply(raw_chunks=_tagged_chunks(marker or "thought")))
    assert _stream(_client(fake, creds), marker) == ("The answer is 4.", "Two plus two is four.")


@pytest.mark.parametrize("marker", [None, "think"])
def test_stream_helper_final_message(fake: FakeVertex, creds: FakeCredentials, marker: str | None) -> None:
    fake.reply_next(Reply(raw_chunks=_tagged_chunks(marker or "thought")))
    client = _client(fake, creds)
    with client.chat.completions.stream(model=MODEL, messages=USER, extra_body=_extra(marker)) as stream:
        message = stream.get_final_completion().choices[0].message
    assert message.content == "The answer is 4."
    assert thoughts(message) == "Two plus two is four."
    assert message.model_extra is not None
    assert message.model_extra["extra_content"] == SIGNED  # the signature survives, `thought` does not


@pytest.mark.parametrize("marker", [None, "think"])
def test_whole_response_tags_are_stripped(fake: FakeVertex, creds: FakeCredentials, marker: str | None) -> None:
    fake.reply_next(Reply(raw_message=_tagged_message(marker or "thought")))
    out = _client(fake, creds).chat.completions.create(model=MODEL, messages=USER, extra_body=_extra(marker))
    message = out.choices[0].message
    assert message.content == "The answer is 4."
    assert thoughts(message) == "Two plus two is four."


def test_async_stream_tags_are_stripped(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(raw_chunks=_tagged_chunks("thought")))
    client = async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)

    async def main() -> tuple[str, str]:
        answer, thought = "", ""
        stream = await client.chat.completions.create(model=MODEL, messages=USER, extra_body=_extra(None),
                                                      stream=True)
        async for chunk in stream:
            for choice in chunk.choices:
                answer += choice.delta.content or ""
                thought += getattr(choice.delta, "reasoning_content", None) or ""
        await client.close()
        return answer, thought

    assert asyncio.run(main()) == ("The answer is 4.", "Two plus two is four.")


def test_tags_in_a_chunk_of_their_own(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(raw_chunks=[
        {"delta": {"role": "assistant", "content": "<thought>", "extra_content": THOUGHT}},
        {"delta": {"content": "Hmm.", "extra_content": THOUGHT}},
        {"delta": {"content": ""}},  # empty text is not "the first unmarked text"
        {"delta": {"content": "</thought>"}},
        {"delta": {"content": "Four."}, "finish_reason": "stop"},
    ]))
    assert _stream(_client(fake, creds), None) == ("Four.", "Hmm.")


def test_answers_without_marked_thought_before_them_are_untouched(fake: FakeVertex, creds: FakeCredentials) -> None:
    text = "</thought>Literal tags <thought> stay when nothing was marked."
    fake.reply_next(Reply(raw_chunks=[{"delta": {"role": "assistant", "content": text}, "finish_reason": "stop"}]))
    assert _stream(_client(fake, creds), None) == (text, "")
    fake.reply_next(Reply(raw_message={"role": "assistant", "content": [{"type": "text", "text": text}]}))
    out = _client(fake, creds).chat.completions.create(model=MODEL, messages=USER, extra_body=_extra(None))
    assert out.choices[0].message.content == text


def test_only_the_first_unmarked_text_after_thought_loses_a_closing_tag(fake: FakeVertex,
                                                                        creds: FakeCredentials) -> None:
    fake.reply_next(Reply(raw_chunks=[
        {"delta": {"role": "assistant", "content": "<thought>Plan.", "extra_content": THOUGHT}},
        {"delta": {"content": "</thought>Answer "}},
        {"delta": {"content": "</thought>quoted."}, "finish_reason": "stop"},
    ]))
    assert _stream(_client(fake, creds), None) == ("Answer </thought>quoted.", "Plan.")


def test_marked_thought_without_tags_is_kept_whole(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(raw_chunks=[
        {"delta": {"role": "assistant", "content": "Plain thought <thought>.", "extra_content": THOUGHT}},
        {"delta": {"content": "Answer."}, "finish_reason": "stop"},
    ]))
    assert _stream(_client(fake, creds), None) == ("Answer.", "Plain thought <thought>.")


def test_a_marker_tag_is_not_stripped_when_another_marker_was_asked(fake: FakeVertex, creds: FakeCredentials) -> None:
    fake.reply_next(Reply(raw_chunks=_tagged_chunks("thought")))
    answer, thought = _stream(_client(fake, creds), "think")
    assert thought == "<thought>Two plus two is four."
    assert answer == "</thought>The answer is 4."
