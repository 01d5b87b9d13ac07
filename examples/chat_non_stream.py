"""Non-streaming chat: the openai SDK as usual, Gemini on Vertex AI behind it."""

from _common import MODEL, Reply, example

with example(Reply(content="Why did the scarecrow win an award? He was outstanding in his field.")) as ex:
    response = ex.client.chat.completions.create(
        model=MODEL,  # "gemini-2.5-flash" is sent as "google/gemini-2.5-flash"
        messages=[{"role": "user", "content": "Tell me a short joke."}],
    )
    print(response.choices[0].message.content)
    ex.show_wire("model")
