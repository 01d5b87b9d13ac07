"""Use the official openai SDK with Gemini and the other models of Vertex AI's OpenAI-compatible endpoint.

`vertex_openai_client(project, location)` returns an `openai.OpenAI` (a subclass, as `openai.AzureOpenAI` is) that
sends its requests to Vertex AI with a Google token it keeps fresh; `async_vertex_openai_client()` returns an
`openai.AsyncOpenAI`. It serves `chat.completions`, `responses` and `embeddings` (Google's embedding models).
Existing code changes its import (`from vertex_openai import OpenAI`) and its model id (`gemini-2.5-flash` instead
of an OpenAI model). Example::

    from vertex_openai import vertex_openai_client

    client = vertex_openai_client("my-project", "global")   # Application Default Credentials
    reply = client.chat.completions.create(
        model="gemini-2.5-flash", messages=[{"role": "user", "content": "Why is the sky blue?"}]
    )

Public modules (everything else, a module whose name starts with an underscore included, is private):

- `vertex_openai`: the clients, their factories, token sources and errors (the names below);
- `vertex_openai.gemini`: Gemini's own settings (`extra_body`), thought signatures, image/audio/video/PDF parts;
- `vertex_openai.structured`: JSON schemas adapted for Gemini, so `parse()` works with pydantic models;
- `vertex_openai.responses`: the Responses API served through Chat Completions (`client.responses`);
- `vertex_openai.bulk`: many items through `parse()` into one resumable JSONL file;
- `vertex_openai.testing`: a loopback fake Vertex AI, cassettes and a pytest plugin, for tests without a Google
  account;
- `vertex_openai.cli`: the `vertex-openai` command (`doctor`, `chat`, `demo`, `extract`).

Documentation: the Documentation link of the package (`pip show vertex-openai`, or the package index); start with
install.html (install and quick start) and configuration.html (every keyword). Offline: `vertex-openai demo`, and
`help()` on each module above.
"""

import sys as _sys

from ._auth import CallableTokenSource, CredentialsTokenSource, TokenSource
from ._client import AsyncOpenAI, OpenAI, async_vertex_openai_client, vertex_openai_client
from ._endpoints import build_base_url
from ._exceptions import UnsupportedEndpointError, VertexAuthError

__version__ = "0.1.0"

_PUBLIC_MODULES = ("bulk", "cli", "gemini", "responses", "structured", "testing")


def __dir__() -> list[str]:
    """What `dir(vertex_openai)` lists: the public names, the public modules already imported, no private module."""
    loaded = [name for name in _PUBLIC_MODULES if f"{__name__}.{name}" in _sys.modules]
    return sorted({*__all__, *loaded, *(name for name in globals() if name.startswith("__"))})


__all__ = [
    "AsyncOpenAI",
    "CallableTokenSource",
    "CredentialsTokenSource",
    "OpenAI",
    "TokenSource",
    "UnsupportedEndpointError",
    "VertexAuthError",
    "__version__",
    "async_vertex_openai_client",
    "build_base_url",
    "vertex_openai_client",
]
