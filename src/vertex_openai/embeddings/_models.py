"""Which embedding models go to Vertex AI's native method, with Google's documented per-request limits.

Sources are in docs/vertex-endpoint.md ("Embeddings"): the "Get text embeddings" page lists the models, their
dimensions and per-text token limit, one instance per request for `gemini-embedding-001`, and 250 texts and
20,000 tokens per request for the others; the text-embeddings API reference documents `:predict`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._config import VertexConfig

__all__ = ["GOOGLE_EMBEDDING_MODELS", "NativeModel", "native_model", "native_url"]

_OPENAPI_SUFFIX = "/endpoints/openapi"
_PUBLISHER = "google/"


@dataclass(frozen=True)
class NativeModel:
    """A Google embedding model and the limits Google documents for one request to it."""

    name: str
    max_instances: int
    max_request_tokens: int
    max_text_tokens: int
    max_dimensions: int


GOOGLE_EMBEDDING_MODELS: dict[str, NativeModel] = {
    "gemini-embedding-001": NativeModel("gemini-embedding-001", 1, 2048, 2048, 3072),
    "text-embedding-005": NativeModel("text-embedding-005", 250, 20_000, 2048, 768),
    "text-embedding-004": NativeModel("text-embedding-004", 250, 20_000, 2048, 768),
    "text-multilingual-embedding-002": NativeModel("text-multilingual-embedding-002", 250, 20_000, 2048, 768),
}
# OpenAI's own embedding model ids (the SDK's `EmbeddingModel` literal): Vertex serves none of them.
_OPENAI_MODELS = frozenset({"text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002"})


def native_model(model: object, config: VertexConfig) -> NativeModel | None:
    """The Google model `model` names when this client sends it to the native method; None to pass through.

    Only a client on Vertex's `endpoints/openapi` routes: a self-deployed endpoint or a base_url that is not
    an `endpoints/openapi` URL gets every model unchanged. An OpenAI model id raises ValueError naming
    Google's models; MaaS models (`publisher/name-maas`) and unknown ids pass through.
    """
    if not isinstance(model, str) or not routes_natively(config):
        return None
    name = model[len(_PUBLISHER):] if model.startswith(_PUBLISHER) else model
    found = GOOGLE_EMBEDDING_MODELS.get(name)
    if found is not None:
        return found
    bare = name.split("/", 1)[1] if name.startswith("openai/") else name
    if bare in _OPENAI_MODELS:
        raise ValueError(
            f"model {model!r} is OpenAI's embedding model; Vertex AI does not serve it. Use one of Google's "
            f"embedding models instead: {', '.join(sorted(GOOGLE_EMBEDDING_MODELS))} (with or without 'google/'), "
            "e.g. model='gemini-embedding-001'. The vectors differ from OpenAI's: re-embed stored documents. "
            "(Not sent.)"
        )
    return None


def routes_natively(config: VertexConfig) -> bool:
    target = config.target
    return target.is_openapi and target.base_url.endswith(_OPENAPI_SUFFIX)


def native_url(model: NativeModel, config: VertexConfig) -> str:
    """`…/projects/{p}/locations/{l}/publishers/google/models/{model}:predict` on the client's own host."""
    root = config.target.base_url[: -len(_OPENAPI_SUFFIX)]
    return f"{root}/publishers/google/models/{model.name}:predict"
