"""Streaming chat: iterate the chunks, or use the SDK's `stream()` helper (works with Google's stream shape)."""

from _common import MODEL, Reply, example

with example(Reply(content="Vertex AI streams answers as server-sent events."), Reply(content="Second answer.")) as ex:
    stream = ex.client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "How do you stream?"}], stream=True
    )
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            print(chunk.choices[0].delta.content, end="", flush=True)
    print()

    with ex.client.chat.completions.stream(model=MODEL, messages=[{"role": "user", "content": "Again."}]) as events:
        final = events.get_final_completion()
    print("final:", final.choices[0].message.content)
