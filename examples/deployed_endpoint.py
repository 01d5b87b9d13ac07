"""A self-deployed model (Model Garden vLLM / TGI) on its endpoint id: no `model` field, as in Google's example.

Live: VERTEX_ENDPOINT_ID=1234567890 (and the endpoint's GOOGLE_CLOUD_LOCATION, e.g. us-central1 or global).
"""

import os

from _common import Reply, example

from vertex_openai.gemini import DEPLOYED_MODEL

ENDPOINT_ID = os.environ.get("VERTEX_ENDPOINT_ID", "1234567890")
MESSAGES = [{"role": "user", "content": "Why is the sky blue?"}]

with example(Reply(content="Rayleigh scattering."), Reply(content="Shorter wavelengths scatter more."),
             endpoint=ENDPOINT_ID) as ex:
    response = ex.client.chat.completions.create(model=DEPLOYED_MODEL, messages=MESSAGES)
    print(response.choices[0].message.content)
    ex.show_wire()

    stream = ex.client.chat.completions.create(model=DEPLOYED_MODEL, messages=MESSAGES, stream=True)
    print("".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices))
