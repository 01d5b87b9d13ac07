"""The exceptions this library raises itself (Google's HTTP errors stay the openai SDK's own classes)."""

from __future__ import annotations

import openai

__all__ = ["VertexAuthError"]


class VertexAuthError(openai.OpenAIError):
    """No usable Google access token: no credentials, revoked, or the token endpoint is unreachable."""
