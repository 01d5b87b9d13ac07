"""Errors the Responses bridge raises itself, before anything is sent to Vertex AI."""

from __future__ import annotations

import openai

__all__ = ["InvalidInputError", "ResponsesNotSupportedError", "UnknownResponseError"]


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


MISSING = object()  # "the field is absent" (as opposed to present with None)


def _got(value: object) -> str:
    if value is MISSING:
        return "nothing (the field is missing)"
    if value is None:
        return "None"
    return type(value).__name__


class InvalidInputError(openai.OpenAIError, ValueError):
    """A malformed `input` / `instructions` item, or a value the bridge cannot take; no request was sent.

    `where` is the path of the offending value (`input[2].arguments`), `expected` what it should be.
    """

    def __init__(self, where: str, expected: str, got: object = MISSING, hint: str = "") -> None:
        self.where = where
        self.expected = expected
        super().__init__(
            f"{where}: expected {expected}, got {_got(got)} (nothing was sent to Vertex AI)."
            + (f" {hint}" if hint else "")
        )

