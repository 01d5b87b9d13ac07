"""The request-size limit of Vertex's `openapi` endpoint and the error raised before sending a larger body."""

from __future__ import annotations

__all__ = ["DEFAULT_MAX_REQUEST_BYTES", "RequestTooLargeError"]

# The limit in Vertex's 400 for this endpoint: "Request payload size exceeds the limit: 20971520 bytes."
DEFAULT_MAX_REQUEST_BYTES = 20_971_520


class RequestTooLargeError(ValueError):
    """The serialised request is over the size Vertex accepts; nothing was sent."""
