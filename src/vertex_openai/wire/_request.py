"""The one place that edits request bodies: once per attempt, on a copy of the SDK's options (never the
caller's dict), for chat completions only; and where paths Vertex does not serve are refused before sending.

In order: a path `endpoints/openapi` does not serve raises `UnsupportedEndpointError` (`_paths`); Gemini model
ids get their `google/` publisher on the `openapi` endpoint; `response_format` and tool schemas are adapted for
Gemini (strict tools always, non-strict tools for `google/` models on the openapi endpoint) and `parse()` gets a
tolerant parser (`structured`); then the Gemini body checks and repairs of `_gemini_body` run on what will go
on the wire.
"""

from __future__ import annotations

from typing import Any

from .._config import VertexConfig
from .._endpoints import vertex_model_name
from ..structured._parse import wrap_post_parser
from ..structured._wire import adapt_chat_body
from ._gemini_body import prepare_gemini_options
from ._paths import check_served

__all__ = ["prepare_json_body"]

_CHAT_PATH = "/chat/completions"


def prepare_json_body(options: Any, config: VertexConfig) -> Any:
    """Return `options` with a Vertex-ready `json_data` for chat completions; other served calls pass untouched.

    Raises UnsupportedEndpointError for a path Vertex's OpenAI-compatible endpoint does not serve.
    """
    check_served(options, config)
    body = options.json_data
    url = str(options.url)
    if not isinstance(body, dict) or not url.rstrip("/").endswith(_CHAT_PATH):
        return options
    model = body.get("model")
    if config.target.is_openapi and isinstance(model, str):
        renamed = vertex_model_name(model)
        if renamed != model:
            options.json_data = {**body, "model": renamed}
    _adapt_structured(options, config)
    prepare_gemini_options(options, config)
    return options


def _adapt_structured(options: Any, config: VertexConfig) -> None:
    """Gemini-safe response_format / tool schemas (a new body), and a tolerant `parse()` parser."""
    mode = config.options.get("schema_adaptation", "jsonschema")
    model = options.json_data.get("model")
    loose_tools = config.target.is_openapi and isinstance(model, str) and model.startswith("google/")
    adapted = adapt_chat_body(options.json_data, mode, loose_tools=loose_tools)
    if adapted is not None:
        options.json_data = adapted
    if mode != "off":
        wrap_post_parser(options)
