"""An offline walkthrough against the loopback fake Vertex shipped in the package: `python -m vertex_openai.demo`.

It runs the README's quick start (non-stream, stream, structured output, a Google error) exactly as a
user would, only with `base_url` pointing at the fake and fake credentials instead of ADC.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

import openai
from pydantic import BaseModel

from . import async_vertex_openai_client, vertex_openai_client
from .testing import FakeVertex, Fault, google_error_body


class CalendarEvent(BaseModel):
    name: str
    date: str
    participants: list[str]


def run(out: TextIO = sys.stdout) -> int:
    def say(text: str = "") -> None:
        print(text, file=out, flush=True)

    with FakeVertex(project="demo-project") as fake:
        credentials = fake.credentials()
        client = vertex_openai_client("demo-project", base_url=fake.base_url, credentials=credentials)
        say("vertex-openai demo: an openai.OpenAI talking to a loopback fake of Vertex AI (no Google account)")
        say(f"  client: {client!r}")
        say()

        say("1. chat.completions.create (model='gemini-2.5-flash' is sent as 'google/gemini-2.5-flash')")
        reply = client.chat.completions.create(
            model="gemini-2.5-flash", messages=[{"role": "user", "content": "Why is the sky blue?"}]
        )
        tokens = reply.usage.total_tokens if reply.usage else 0
        say(f"  -> {reply.choices[0].message.content!r}  (model {reply.model}, {tokens} tokens)")

        say("2. streaming")
        stream = client.chat.completions.create(
            model="gemini-2.5-flash", messages=[{"role": "user", "content": "Count to three, slowly."}], stream=True
        )
        pieces = [chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices]
        say(f"  -> {len(pieces)} chunks: {''.join(pieces)!r}")

        say("3. structured output with a pydantic model (client.beta.chat.completions.parse)")
        parsed = client.beta.chat.completions.parse(
            model="gemini-2.5-flash",
            messages=[{"role": "user", "content": "Alice and Bob are going to a science fair on Friday."}],
            response_format=CalendarEvent,
        )
        say(f"  -> {parsed.choices[0].message.parsed!r}")

        say("4. a Google error, as the openai SDK's own exception with Google's message")
        fake.fail_next(Fault(status=404, body=google_error_body(
            404, "NOT_FOUND",
            "Publisher model `projects/demo-project/locations/us-central1/publishers/google/models/"
            "gemini-3-pro-preview` was not found or your project does not have access to it.",
        )))
        try:
            client.with_options(max_retries=0).chat.completions.create(
                model="gemini-3-pro-preview", messages=[{"role": "user", "content": "hi"}]
            )
        except openai.NotFoundError as err:
            say(f"  -> {type(err).__name__} code={err.code!r}")
            say(f"     {err}")

        say("5. the async client")

        async def ask() -> str:
            async with async_vertex_openai_client(
                "demo-project", base_url=fake.base_url, credentials=credentials
            ) as aclient:
                answer = await aclient.chat.completions.create(
                    model="gemini-2.5-flash", messages=[{"role": "user", "content": "async hello"}]
                )
                return answer.choices[0].message.content or ""

        say(f"  -> {asyncio.run(ask())!r}")
        say()
        say(f"Token refreshes for all of the above: {credentials.refresh_count} (tokens are cached and shared).")
        say("Against real Vertex AI: `gcloud auth application-default login`, then")
        say("  client = vertex_openai_client('your-project', 'global')")
    return 0


def main() -> None:
    raise SystemExit(run())


if __name__ == "__main__":
    main()
