"""The Responses API on Vertex AI, served by Chat Completions (`client.responses`).

See docs/responses.md for the parameter table (mapped / accepted and ignored / refused), the client-side
store behind `previous_response_id`, and how Gemini thought signatures survive a tool loop.
"""

from ._errors import ResponsesNotSupportedError, UnknownResponseError
from ._params import PARAMETERS
from ._resource import AsyncResponses, AsyncResponsesEventStream, Responses, ResponsesEventStream
from ._store import DEFAULT_MAX_RESPONSES, ResponseStore

__all__ = [
    "DEFAULT_MAX_RESPONSES",
    "PARAMETERS",
    "AsyncResponses",
    "AsyncResponsesEventStream",
    "ResponseStore",
    "Responses",
    "ResponsesEventStream",
    "ResponsesNotSupportedError",
    "UnknownResponseError",
]
