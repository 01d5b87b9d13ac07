"""Context caching: point a request at a cache made with Vertex's caches API (regional; not on `global`).

Live: VERTEX_CACHED_CONTENT=projects/P/locations/us-central1/cachedContents/ID GOOGLE_CLOUD_LOCATION=us-central1.
"""

import os

from _common import MODEL, Reply, example

from vertex_openai.gemini import google_extra_body

CACHE = os.environ.get("VERTEX_CACHED_CONTENT", "projects/PROJECT_ID/locations/us-central1/cachedContents/123")

with example(Reply(content="The cached paper is about transformers."), location="us-central1") as ex:
    response = ex.client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "What is the cached document about?"}],
        extra_body=google_extra_body(cached_content=CACHE),
    )
    print(response.choices[0].message.content)
    ex.show_wire("extra_body")
