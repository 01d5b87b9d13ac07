"""Thinking: a budget, thoughts included, and a `thought_tag_marker` so the thoughts come apart from the answer."""

from _common import MODEL, Reply, example

from vertex_openai.gemini import google_extra_body, thoughts

EXTRA = google_extra_body(
    thinking_config={"include_thoughts": True, "thinking_budget": 1024},
    thought_tag_marker="think",
)

with example(Reply(content="Seven.", thoughts="Count the letters: s-e-v-e-n... the answer is seven."),
             Reply(content="Yes.", thoughts="Checking again.")) as ex:
    response = ex.client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "How many letters in 'letters'?"}], extra_body=EXTRA
    )
    message = response.choices[0].message
    print("thoughts:", thoughts(message))
    print("answer:", message.content)
    ex.show_wire("extra_body")

    with ex.client.chat.completions.stream(
        model=MODEL, messages=[{"role": "user", "content": "Sure?"}], extra_body=EXTRA
    ) as stream:
        final = stream.get_final_completion().choices[0].message
    print("streamed thoughts:", thoughts(final), "| answer:", final.content)
