"""Errors the Responses bridge raises itself, before anything is sent to Vertex AI."""

from __future__ import annotations

import openai

__all__ = ["ResponsesNotSupportedError", "UnknownResponseError"]


class ResponsesNotSupportedError(openai.OpenAIError):
    """A Responses API feature that Vertex AI's chat endpoint cannot serve; no request was sent.

    `feature` names what was asked for; the message says what to use instead.
    """

    def __init__(self, feature: str, alternative: str) -> None:
        self.feature = feature
        self.alternative = alternative
        super().__init__(
            f"{feature} is not available through vertex-openai's Responses bridge (Gemini on Vertex AI is served "
            f"by Chat Completions; nothing was sent). {alternative}"
        )


class UnknownResponseError(openai.OpenAIError, LookupError):
    """A response id this client's store does not hold (never created here, evicted, deleted, or store=False)."""

    def __init__(self, response_id: str, capacity: int) -> None:
        self.response_id = response_id
        super().__init__(
            f"No response {response_id!r} in this client's response store. Responses are kept in memory by the "
            f"client that created them (and its copies), up to the {capacity} most recent, and only when created "
            "with store=True (the default). Pass the earlier output items back in `input` instead, or keep more "
            "responses with client.responses.store.max_responses = N (shared by the client and its copies)."
        )
