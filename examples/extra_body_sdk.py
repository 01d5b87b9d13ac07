"""Gemini-only fields through the SDK's `extra_body=`: one helper, the right nesting, merged with your own keys."""

from _common import MODEL, Reply, example

from vertex_openai.gemini import google_extra_body

with example(Reply(content="Hello!")) as ex:
    extra = google_extra_body(
        thinking_config={"thinking_budget": 0},
        media_resolution="MEDIA_RESOLUTION_LOW",
        merge={"top_k": 3},  # anything else you already pass as extra_body
    )
    print("extra_body=", extra)  # {'top_k': 3, 'extra_body': {'google': {...}}}
    response = ex.client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Say hello."}], extra_body=extra
    )
    print(response.choices[0].message.content)
    ex.show_wire("extra_body", "top_k")
