"""`extra_content` on a message with string content (Google's first shape)."""

from _common import MODEL, Reply, example

from vertex_openai.gemini import text_message

with example(Reply(content="Noted.")) as ex:
    messages = [
        text_message("user", "Plan a trip to Paris."),
        # Earlier model output marked as a thought, so Gemini treats it as reasoning, not as an answer.
        text_message("assistant", "The user wants a short itinerary.", thought=True),
        {"role": "user", "content": "Keep it to one day."},
    ]
    response = ex.client.chat.completions.create(model=MODEL, messages=messages)  # type: ignore[arg-type]
    print(response.choices[0].message.content)
    ex.show_wire("messages")
