"""Audio from Cloud Storage in an `input_audio` part, with the MIME type as `format` (Google's example)."""

from _common import MODEL, Reply, example

from vertex_openai.gemini import audio_part, text_part

PIXEL_PODCAST = "gs://cloud-samples-data/generative-ai/audio/pixel.mp3"

with example(Reply(content="A podcast episode about Pixel features.")) as ex:
    response = ex.client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": [text_part("Summarize this audio."), audio_part(PIXEL_PODCAST)]}],
    )
    print(response.choices[0].message.content)
    ex.show_wire("messages")
