"""The Responses API on Vertex AI, served by Chat Completions (`client.responses`).

The Responses page of the docs (responses.html) has the parameter table (mapped / accepted and ignored /
refused), the client-side store behind `previous_response_id`, and how Gemini thought signatures survive a tool
loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._errors import InvalidInputError, ResponsesNotSupportedError, UnknownResponseError
from ._store import DEFAULT_MAX_RESPONSES, ResponseStore

if TYPE_CHECKING:
    from ._params import PARAMETERS
    from ._resource import AsyncResponses, AsyncResponsesEventStream, Responses, ResponsesEventStream

# The resources pull in the SDK's Responses types and stream helpers (tens of ms): loaded on first use, so
# `import vertex_openai` costs nothing for code that never touches `client.responses`.
_LAZY = {"PARAMETERS": "_params", "AsyncResponses": "_resource", "AsyncResponsesEventStream": "_resource",
         "Responses": "_resource", "ResponsesEventStream": "_resource"}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value

def __dir__() -> list[str]:
    """The module's names with the lazily loaded public ones, so `dir()`, `help()` and the API reference list them."""
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "DEFAULT_MAX_RESPONSES",
    "PARAMETERS",
    "AsyncResponses",
    "AsyncResponsesEventStream",
    "InvalidInputError",
    "ResponseStore",
    "Responses",
    "ResponsesEventStream",
    "ResponsesNotSupportedError",
    "UnknownResponseError",
]
