"""Models Vertex AI serves on its own Responses endpoint, and so are not bridged.

Google documents `…/locations/global/endpoints/openapi/responses` for xAI's Grok partner models
(https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/partner-models/grok/responses; model
ids on https://docs.cloud.google.com/vertex-ai/generative-ai/docs/partner-models/grok, such as
`xai/grok-4.1-fast-reasoning`). For those ids `client.responses` posts the SDK's own request there; every other
model (Gemini above all: no source shows it served there) goes through the chat-completions bridge.
"""

from __future__ import annotations

from typing import Any

__all__ = ["NATIVE_PREFIXES", "is_native"]

# Model id prefixes routed to the native endpoint (the publisher path form the OpenAI-compatible endpoint takes).
NATIVE_PREFIXES = ("xai/grok-",)


def is_native(model: Any) -> bool:
    """Whether `model` is served by Vertex's native Responses endpoint (not translated to chat)."""
    return isinstance(model, str) and model.startswith(NATIVE_PREFIXES)
