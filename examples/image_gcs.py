"""An image from Cloud Storage (gs://): no upload through the request, no size limit worries."""

from _common import MODEL, Reply, example

from vertex_openai.gemini import image_part, text_part

SCONES = "gs://cloud-samples-data/generative-ai/image/scones.jpg"

with example(Reply(content="Blueberry scones, coffee and flowers on a table.")) as ex:
    response = ex.client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": [text_part("Describe the following image:"), image_part(SCONES)]}],
    )
    print(response.choices[0].message.content)
    ex.show_wire("messages")
