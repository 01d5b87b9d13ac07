"""The one-line hint for a 404 on a model, decided from the model id the client sent and where it sent it.

Google's 404 text ("Publisher model `projects/…/publishers/google/models/…` was not found") names the
`google` publisher whatever was asked for, so it cannot tell the cases apart; the request can: an OpenAI model
id, a partner (Model Garden) id without its publisher, an id in the wrong case, a Gemini 3 model off `global`.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["location_of", "model_hint", "sent_model"]

_OPENAI_MODEL = re.compile(r"^(?:gpt-|chatgpt-|o\d(?:$|-)|text-davinci|dall-e)", re.IGNORECASE)
# Partner model families on Vertex AI's Model Garden and their publisher segment (e.g. `meta/llama-…-maas`).
_PARTNER_PUBLISHERS = (
    ("gpt-oss", "openai"), ("llama", "meta"), ("codestral", "mistralai"), ("mistral", "mistralai"),
    ("deepseek", "deepseek-ai"), ("qwen", "qwen"), ("kimi", "moonshotai"), ("glm", "zai-org"),
    ("minimax", "minimaxai"),
)
_LOCATION = re.compile(r"/locations/([^/]+)/")
_MAX_BODY = 64 * 1024 * 1024


def sent_model(request: Any) -> str | None:
    """The `model` of a JSON request body as it went on the wire, or None (no body, not JSON, no model)."""
    try:
        content = request.content
    except Exception:  # a streamed request body was not read: nothing to learn
        return None
    if not isinstance(content, (bytes, bytearray)) or not content or len(content) > _MAX_BODY:
        return None
    try:
        body = json.loads(content)
    except (ValueError, RecursionError):
        return None
    model = body.get("model") if isinstance(body, dict) else None
    return model if isinstance(model, str) and model else None


def location_of(url: str) -> str | None:
    """The location segment of a Vertex URL (the client's own location), or None."""
    match = _LOCATION.search(url + "/")
    return match.group(1) if match else None


def model_hint(model: str, location: str | None) -> str:
    """What to try after a 404 for `model` (as sent) on a client at `location`."""
    publisher, slash, name = model.partition("/")
    if not slash:
        publisher, name = "", model
    lowered = name.lower()
    if name != lowered:
        fixed = f"{publisher}/{lowered}" if publisher else lowered
        return f"Model ids are lower-case on Vertex AI: use {fixed!r}, not {model!r}."
    if not publisher:
        for family, owner in _PARTNER_PUBLISHERS:
            if lowered.startswith(family):
                return (f"{model!r} is a partner model in Model Garden: name it with its publisher, "
                        f"'{owner}/{model}', and enable it for the project in Model Garden first.")
        if lowered.endswith("-maas"):
            return (f"{model!r} is a partner model (MaaS): name it with its publisher, 'publisher/{model}' "
                    "(as listed in Model Garden).")
        if _OPENAI_MODEL.match(name):
            return (f"{model!r} is an OpenAI model, which Vertex AI does not serve: use a Gemini model such as "
                    "'gemini-2.5-flash', or a partner model as 'publisher/model'.")
        if lowered.startswith("claude"):
            return ("Claude on Vertex AI is not served by the OpenAI-compatible endpoint: use Anthropic's SDK "
                    "(AnthropicVertex) for it.")
        return (f"On this endpoint a model id names its publisher: 'google/{model}' for a Google model, "
                f"'publisher/{model}' for a partner model.")
    if publisher == "google" and lowered.startswith("gemini-3") and location not in (None, "global"):
        return 'Gemini 3 models are served on the global endpoint: use location="global".'
    if location not in (None, "global"):
        return (f"Check the model id {model!r}, and that it is offered in {location!r} "
                '(try location="global").')
    return (f"Check the model id {model!r} and that your project has access to it (partner models must be "
            "enabled in Model Garden first).")
