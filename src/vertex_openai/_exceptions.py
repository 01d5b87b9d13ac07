"""The exceptions this library raises itself (Google's HTTP errors stay the openai SDK's own classes)."""

from __future__ import annotations

import openai

__all__ = ["UnsupportedEndpointError", "VertexAuthError"]


class VertexAuthError(openai.OpenAIError):
    """No usable Google access token: no credentials, revoked, or the token endpoint is unreachable."""


class UnsupportedEndpointError(openai.OpenAIError):
    """An SDK call whose path Vertex AI's OpenAI-compatible endpoint does not serve; raised before sending.

    `path` is the SDK's path (e.g. "/models"), `alternative` what to use instead on Google Cloud.
    """

    def __init__(self, message: str, *, path: str, alternative: str) -> None:
        super().__init__(message)
        self.path = path
        self.alternative = alternative
