"""Safety settings with typed category/threshold names; a blocked answer ends with finish_reason content_filter."""

from _common import MODEL, Reply, example

from vertex_openai.gemini import google_extra_body, safety_setting

EXTRA = google_extra_body(safety_settings=[
    safety_setting("HARM_CATEGORY_HATE_SPEECH", "BLOCK_LOW_AND_ABOVE"),
    safety_setting("HARM_CATEGORY_DANGEROUS_CONTENT", "BLOCK_MEDIUM_AND_ABOVE"),
])

with example(Reply(content="Here is a friendly poem."),
             Reply(content=None, finish_reason="content_filter", raw_message={"role": "assistant"})) as ex:
    response = ex.client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Write a friendly poem."}], extra_body=EXTRA
    )
    choice = response.choices[0]
    print(choice.finish_reason, "->", choice.message.content if choice.message else None)
    ex.show_wire("extra_body")

    # A prompt the strict hate-speech threshold may block: no answer text, finish_reason content_filter.
    response = ex.client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Roast the fans of my rival football club."}],
        extra_body=EXTRA,
    )
    choice = response.choices[0]
    print(choice.finish_reason, "->", choice.message.content if choice.message else None)
