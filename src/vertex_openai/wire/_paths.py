"""Which SDK paths Vertex AI's OpenAI-compatible endpoint serves, and what to use instead for the others.

`endpoints/openapi` serves `/chat/completions` (documented) and `/embeddings` (for some models); this
library's `client.responses` is served through chat completions and never sends `/responses`. Every other
SDK resource (`models`, `files`, `batches`, `images`, `audio`, `moderations`, legacy `completions`, ...)
would only come back as a bare 404, so it is refused before sending with what to use instead. Endpoints of
self-deployed models and `base_url`s that are not an `endpoints/openapi` URL may serve other paths: they
pass through (a 404 there carries a hint, see `_errors.hint_for`).
"""

from __future__ import annotations

from typing import Any

from .._config import VertexConfig
from .._exceptions import UnsupportedEndpointError

__all__ = ["SERVED_PATHS", "check_served", "unserved_alternative"]

SERVED_PATHS = frozenset({"/chat/completions", "/embeddings", "/responses"})
_OPENAPI_SUFFIX = "/endpoints/openapi"
_BATCH = ("Vertex AI batch prediction (JSONL input in Cloud Storage or BigQuery; the google-genai SDK's "
          "`client.batches.create(...)` or `gcloud ai batch-prediction-jobs`)")
_ASSISTANTS = "chat.completions with tools (there is no Assistants/threads API on Vertex AI)"
# First path segment -> what to use instead.
_ALTERNATIVES = {
    "models": ("the Vertex AI Model Garden: the console's Model Garden page or `gcloud ai model-garden models "
               "list` show the models you can call; pass the model id to chat.completions"),
    "files": _BATCH,
    "uploads": _BATCH,
    "batches": _BATCH,
    "images": "Imagen or Gemini image models through the google-genai SDK (`client.models.generate_images(...)`)",
    "audio": ("Gemini with audio input parts in chat.completions for transcription, or Cloud Speech-to-Text / "
              "Text-to-Speech"),
    "moderations": ("Gemini's safety settings (`extra_body={'google': {'safety_settings': [...]}}`) or Cloud "
                    "Natural Language's `moderateText`"),
    "completions": "chat.completions.create(messages=[{'role': 'user', 'content': prompt}])",
    "fine_tuning": "Vertex AI model tuning (the google-genai SDK's `client.tunings.tune(...)`)",
    "assistants": _ASSISTANTS,
    "threads": _ASSISTANTS,
    "vector_stores": "Vertex AI RAG Engine or Vector Search",
    "chat": ("keep the chat completions you need on your side: Vertex AI stores none (no retrieve, list, update, "
             "delete or messages of stored completions)"),
    "responses": ("client.responses.create / parse / stream on this library's client (served through "
                  "chat.completions); stored responses live on the client, Vertex keeps none"),
    "realtime": "the Gemini Live API through the google-genai SDK",
    "videos": "Veo through the google-genai SDK (`client.models.generate_videos(...)`)",
}
_DEFAULT = "chat.completions (or the google-genai SDK for Vertex AI features outside the OpenAI-compatible surface)"


def unserved_alternative(path: str) -> str:
    """What to use instead of an SDK path Vertex's OpenAI-compatible endpoint does not serve."""
    segment = path.lstrip("/").split("/", 1)[0]
    return _ALTERNATIVES.get(segment, _DEFAULT)


def check_served(options: Any, config: VertexConfig) -> None:
    """Raise UnsupportedEndpointError for a path `endpoints/openapi` does not serve; constant cost per call."""
    url = options.url
    if not isinstance(url, str):
        url = str(url)
    if url in SERVED_PATHS:  # the hot path: one set lookup
        return
    target = config.target
    if not (target.is_openapi and target.base_url.endswith(_OPENAPI_SUFFIX)) or "://" in url:
        return  # a self-deployed endpoint, another server, or an absolute URL the caller chose
    path = "/" + url.split("?", 1)[0].strip("/")
    if path in SERVED_PATHS:
        return
    alternative = unserved_alternative(path)
    method = str(getattr(options, "method", "")).upper()
    raise UnsupportedEndpointError(
        f"{method} {path} is not served by Vertex AI's OpenAI-compatible endpoint (endpoints/openapi serves "
        f"chat.completions and, for some models, embeddings; client.responses runs through chat.completions). "
        f"Use instead: {alternative}. (Not sent. A base_url that is not an endpoints/openapi URL, or a "
        "self-deployed endpoint, passes every path through.)",
        path=path,
        alternative=alternative,
    )
