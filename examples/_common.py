"""What every example shares: a client for Vertex AI when live, or for the loopback fake when offline.

Offline (the default) each example starts `vertex_openai.testing.FakeVertex`, scripts the answers Gemini
would give and prints what the server received. Live: `VERTEX_LIVE=1 GOOGLE_CLOUD_PROJECT=my-project
python examples/<name>.py` (Application Default Credentials; `GOOGLE_CLOUD_LOCATION` defaults to
`global`, `VERTEX_MODEL` to `gemini-2.5-flash`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from vertex_openai import OpenAI, vertex_openai_client
from vertex_openai.testing import FakeVertex, Reply

LIVE = os.environ.get("VERTEX_LIVE") == "1"
MODEL = os.environ.get("VERTEX_MODEL", "gemini-2.5-flash")

__all__ = ["LIVE", "MODEL", "Example", "Reply", "example"]


@dataclass
class Example:
    client: OpenAI
    fake: FakeVertex | None

    def show_wire(self, *keys: str) -> None:
        """Print what the server received last (offline only: live, we can't see Google's side)."""
        if self.fake is None or not self.fake.chat_requests:
            return
        body: dict[str, Any] = self.fake.chat_requests[-1].json
        shown = {key: body[key] for key in keys if key in body} if keys else body
        print("wire body:", json.dumps(shown, indent=2)[:1500])


@contextmanager
def example(*replies: Reply, endpoint: str = "openapi", location: str | None = None) -> Iterator[Example]:
    """A client for this example; offline, `replies` are what the fake model answers, in order."""
    if LIVE:
        yield Example(vertex_openai_client(location=location, endpoint=endpoint), None)
        return
    with FakeVertex() as fake:
        fake.reply_next(*replies)
        client = vertex_openai_client(
            "fake-project", base_url=fake.url_for(endpoint=endpoint), credentials=fake.credentials(),
            endpoint=endpoint,
        )
        yield Example(client, fake)
