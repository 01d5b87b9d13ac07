"""`client.embeddings` for Google's embedding models: served by Vertex AI's native text-embedding method.

`Embeddings` / `AsyncEmbeddings` subclass the installed SDK's resources. For Google's embedding models
(`gemini-embedding-001`, `text-embedding-005`, ...) `create` sends Vertex AI's native `:predict` requests on
the same host, with the same token and the SDK's own retries, split to fit Google's per-request limits, and
answers the SDK's own `CreateEmbeddingResponse`; every other model goes through the SDK's `create` unchanged.
"""

from __future__ import annotations

__all__: list[str] = []
