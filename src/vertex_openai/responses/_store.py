"""The client-side response store behind `previous_response_id`, `retrieve`, `delete` and `input_items`.

Vertex AI keeps no Responses state, so each client keeps the most recent responses it created (with
`store=True`, the default) in memory: the Response object, its input items, and the chat conversation
that produced it (with Gemini's `extra_content`, so thought signatures survive). The store is bounded
(least recently used entries go first), thread-safe, and shared by a client and its copies
(`with_options`, `copy`). Callers get copies of what it holds, and the turns of a chain share one history
list that each turn extends, so memory is linear in the conversation. It also remembers the
`extra_content` of recent function calls by call id, so a tool loop that passes items back without their
reasoning items still sends the signatures.
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


@dataclass(frozen=True, eq=False)
class StoredResponse:
    """One stored response: a private copy of it, its input items, and where its conversation is.

    The conversation is shared structurally: `lineage[:length]` is this response's chat history up to and
    including its answer. A response that continues the newest turn of a chain appends its messages to the
    same list as the turn it continued, so a chain of n turns holds each message once (memory linear in the
    conversation), and an entry stays whole when the turn it continued is evicted or deleted (the list lives on
    with it). A second response continuing the same earlier turn (a branch) starts its own list from a copy of
    the history up to that turn.
    """

    response: Any  # the SDK's Response object, a private copy (callers get copies of it)
    input_items: tuple[dict[str, Any], ...]
    lineage: list[dict[str, Any]]  # shared with the other turns of the chain; only ever appended to
    length: int

    @property
    def conversation(self) -> list[dict[str, Any]]:
        """The chat messages up to and including this response's answer (a new list, oldest first)."""
        return self.lineage[: self.length]


def _checked_capacity(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(
            f"max_responses must be a whole number >= 1, got {value!r}. To keep nothing, create responses "
            "with store=False (each request decides; previous_response_id then needs the items passed back)."
        )
    return value


class ResponseStore:
    """At most `max_responses` responses, in memory, least recently used evicted first."""

    def __init__(self, max_responses: int = DEFAULT_MAX_RESPONSES) -> None:
        self._max_responses = _checked_capacity(max_responses)
        self._entries: OrderedDict[str, StoredResponse] = OrderedDict()
        self._signatures: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def max_responses(self) -> int:
        """How many responses are kept; assigning checks the value and evicts down to it at once."""
        return self._max_responses

    @max_responses.setter
    def max_responses(self, value: int) -> None:
        checked = _checked_capacity(value)
        with self._lock:
            self._max_responses = checked
            while len(self._entries) > checked:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, response_id: object) -> bool:
        return response_id in self._entries

    def add(self, response_id: str, response: Any, input_items: tuple[dict[str, Any], ...],
            added: tuple[dict[str, Any], ...], parent: StoredResponse | None) -> StoredResponse:
        """Store `response`, whose turn added `added` to the conversation of `parent` (None: a new one)."""
        with self._lock:
            if parent is None:
                lineage = list(added)
            elif parent.length == len(parent.lineage):  # the newest turn of its chain: extend the same list
                lineage = parent.lineage
                lineage.extend(added)
            else:  # a branch from an earlier turn
                lineage = [*parent.lineage[: parent.length], *added]
            entry = StoredResponse(response, input_items, lineage, len(lineage))
        self.put(response_id, entry)
        return entry

    def put(self, response_id: str, entry: StoredResponse) -> None:
        with self._lock:
            self._entries[response_id] = entry
            self._entries.move_to_end(response_id)
            while len(self._entries) > self._max_responses:
                self._entries.popitem(last=False)

    def get(self, response_id: str) -> StoredResponse:
        """The stored entry (shared: read it, do not change it; `response_copy` gives a caller's copy)."""
        with self._lock:
            entry = self._entries.get(response_id)
            if entry is None:
                raise UnknownResponseError(response_id, self._max_responses)
            self._entries.move_to_end(response_id)
            return entry

    def response_copy(self, response_id: str) -> Any:
        """A copy of the stored Response that the caller may change freely."""
        return self.get(response_id).response.model_copy(deep=True)

    def delete(self, response_id: str) -> None:
        with self._lock:
            if self._entries.pop(response_id, None) is None:
                raise UnknownResponseError(response_id, self._max_responses)

    def remember_signatures(self, extras: dict[str, Any]) -> None:
        """Keep `{call id or message id: extra_content}` for later requests (bounded like the responses)."""
        if not extras:
            return
        with self._lock:
            for key, value in extras.items():
                self._signatures[key] = value
                self._signatures.move_to_end(key)
            while len(self._signatures) > self._max_responses * _SIGNATURES_PER_RESPONSE:
                self._signatures.popitem(last=False)

    def signature(self, key: str) -> Any:
        """The remembered `extra_content` for a call id or message id, or None."""
        return self._signatures.get(key)
