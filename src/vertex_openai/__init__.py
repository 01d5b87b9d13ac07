"""Use the official openai SDK with Gemini on Vertex AI: `client = vertex_openai_client()`."""

from ._auth import CallableTokenSource, CredentialsTokenSource, TokenSource
from ._client import AsyncOpenAI, OpenAI, async_vertex_openai_client, vertex_openai_client
from ._endpoints import build_base_url
from ._exceptions import UnsupportedEndpointError, VertexAuthError

__version__ = "0.1.0"

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
