"""An offline walkthrough against the loopback fake Vertex shipped in the package: `python -m vertex_openai.demo`.

It runs the README's quick start (non-stream, stream, structured output, a Google error, async) exactly as a
user would, only with `base_url` pointing at the fake and fake credentials instead of ADC. Each step says what
it shows; `vertex-openai demo` runs the same steps.
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
        say("The fake answers in Google's wire format and echoes the prompt ('You said: ...'); with Vertex AI you")
        say("would get Gemini's answers. Each step names what it shows.")
        say(f"  client: {client!r}")
        say()

        say("1. A plain request: your openai code unchanged; the model id gets Vertex's 'google/' publisher")
        say("   (model='gemini-2.5-flash' is sent as 'google/gemini-2.5-flash') and a Google token rides along.")
        reply = client.chat.completions.create(
            model="gemini-2.5-flash", messages=[{"role": "user", "content": "Why is the sky blue?"}]
        )
        tokens = reply.usage.total_tokens if reply.usage else 0
        say(f"  -> {reply.choices[0].message.content!r}  (model {reply.model}, {tokens} tokens)")

        say("2. Streaming: the SDK's own chunk iterator over Google's stream (no [DONE] line, usage at the end).")
        stream = client.chat.completions.create(
            model="gemini-2.5-flash", messages=[{"role": "user", "content": "Count to three, slowly."}], stream=True
        )
        pieces = [chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices]
        say(f"  -> {len(pieces)} chunks: {''.join(pieces)!r}")

        say("3. Structured output: parse() with a pydantic model; the schema is rewritten into one Gemini accepts")
        say("   and .parsed is your model. (The fake fills the schema with placeholder values.)")
        parsed = client.beta.chat.completions.parse(
            model="gemini-2.5-flash",
            messages=[{"role": "user", "content": "Alice and Bob are going to a science fair on Friday."}],
            response_format=CalendarEvent,
        )
        say(f"  -> {parsed.choices[0].message.parsed!r}")

        say("4. A Google error as the SDK's own exception, with Google's words and a hint. Scripted: a client on")
        say("   us-central1 asks for a Gemini 3 model and the fake answers Google's documented 404 for it.")
        fake.fail_next(Fault(status=404, body=google_error_body(
            404, "NOT_FOUND",
            "Publisher model `projects/demo-project/locations/us-central1/publishers/google/models/"
            "gemini-3-pro-preview` was not found or your project does not have access to it.",
        )))
        regional = vertex_openai_client("demo-project", base_url=fake.url_for(location="us-central1"),
                                        credentials=credentials, max_retries=0)
        try:
            regional.chat.completions.create(
                model="gemini-3-pro-preview", messages=[{"role": "user", "content": "hi"}]
            )
        except openai.NotFoundError as err:
            say(f"  -> {type(err).__name__} code={err.code!r}")
            say(f"     {err}")

        say("5. The async client: the same, awaited; token refreshes never block the event loop.")

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
        say()
        say("Next:")
        say("  python -m vertex_openai.testing serve     the fake in a terminal; then vertex-openai chat --fake 'Hi'")
        say("  Against real Vertex AI: `gcloud auth application-default login`, then")
        say("  client = vertex_openai_client('your-project', 'global')")
    return 0


def main() -> None:
    raise SystemExit(run())


if __name__ == "__main__":
    main()
