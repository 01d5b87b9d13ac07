"""`extra_content` on a single content part (Google's second shape)."""

from _common import MODEL, Reply, example

from vertex_openai.gemini import google_extra_content, image_part, text_part

with example(Reply(content="A plate of scones.")) as ex:
    content = [
        text_part("Earlier analysis of the photo.", extra_content=google_extra_content(thought=True)),
        text_part("What is in this picture?"),
        image_part("gs://cloud-samples-data/generative-ai/image/scones.jpg"),
    ]
    response = ex.client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": content}])
    print(response.choices[0].message.content)
    ex.show_wire("messages")
