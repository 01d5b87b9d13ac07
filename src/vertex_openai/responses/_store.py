"""The client-side response store behind `previous_response_id`, `retrieve`, `delete` and `input_items`.

Vertex AI keeps no Responses state, so each client keeps the most recent responses it created (with
`store=True`, the default) in memory: the Response object, its input items, and the chat conversation
that produced it (with Gemini's `extra_content`, so thought signatures survive). The store is bounded
(least recently used entries go first), thread-safe, and shared by a client and its copies
(`with_options`, `copy`). It also remembers the `extra_content` of recent function calls by call id, so
a tool loop that passes items back without their reasoning items still sends the signatures.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from ._errors import UnknownResponseError

__all__ = ["DEFAULT_MAX_RESPONSES", "ResponseStore", "StoredResponse"]

DEFAULT_MAX_RESPONSES = 1000
_SIGNATURES_PER_RESPONSE = 16


@dataclass(frozen=True)
class StoredResponse:
    response: Any  # the SDK's Response object as returned to the caller
    input_items: list[dict[str, Any]]
    conversation: list[dict[str, Any]]  # chat messages up to and including this response's answer


class ResponseStore:
    """At most `max_responses` responses, in memory, least recently used evicted first."""

    def __init__(self, max_responses: int = DEFAULT_MAX_RESPONSES) -> None:
        if isinstance(max_responses, bool) or not isinstance(max_responses, int) or max_responses < 1:
            raise ValueError(f"max_responses must be a whole number >= 1, got {max_responses!r}")
        self.max_responses = max_responses
        self._entries: OrderedDict[str, StoredResponse] = OrderedDict()
        self._signatures: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, response_id: object) -> bool:
        return response_id in self._entries

    def put(self, response_id: str, entry: StoredResponse) -> None:
        with self._lock:
            self._entries[response_id] = entry
            self._entries.move_to_end(response_id)
            while len(self._entries) > self.max_responses:
                self._entries.popitem(last=False)

    def get(self, response_id: str) -> StoredResponse:
        with self._lock:
            entry = self._entries.get(response_id)
            if entry is None:
                raise UnknownResponseError(response_id, self.max_responses)
            self._entries.move_to_end(response_id)
            return entry

    def delete(self, response_id: str) -> None:
        with self._lock:
            if self._entries.pop(response_id, None) is None:
                raise UnknownResponseError(response_id, self.max_responses)

    def remember_signatures(self, extras: dict[str, Any]) -> None:
        """Keep `{call id or message id: extra_content}` for later requests (bounded like the responses)."""
        if not extras:
            return
        with self._lock:
            for key, value in extras.items():
                self._signatures[key] = value
                self._signatures.move_to_end(key)
            while len(self._signatures) > self.max_responses * _SIGNATURES_PER_RESPONSE:
                self._signatures.popitem(last=False)

    def signature(self, key: str) -> Any:
        """The remembered `extra_content` for a call id or message id, or None."""
        return self._signatures.get(key)
