"""Text + image from local bytes: `image_part` makes the data URL and detects the MIME type."""

import base64

from _common import MODEL, Reply, example

from vertex_openai.gemini import image_part, text_part

# A 1x1 PNG; any local path or bytes works the same way (image_part("photo.jpg")).
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)

with example(Reply(content="A single pixel.")) as ex:
    response = ex.client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": [text_part("Describe this image."), image_part(PIXEL)]}],
    )
    print(response.choices[0].message.content)
    ex.show_wire("messages")
