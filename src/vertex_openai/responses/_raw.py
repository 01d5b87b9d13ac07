"""`responses.with_raw_response` / `with_streaming_response` over the bridge.

The SDK's raw wrappers ask for the raw HTTP answer with a request header; the bridge passes that header on
to its chat call, so the chat call returns the SDK's raw-response object for the real HTTP exchange
(headers, status, request id: the chat completion's). The object handed back is of the same SDK class,
except that `parse()` returns the translated Responses object (once; later calls return the same one).
`parse(to=...)` reads the underlying chat answer as the given type.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .._sdk import RAW_RESPONSE_HEADER, clone_raw_response

__all__ = ["RAW_HEADER", "raw_mode", "translated_raw"]

RAW_HEADER = RAW_RESPONSE_HEADER
_CLASSES: dict[type, type] = {}


def raw_mode(options: Any) -> str | None:
    """"raw" / "stream" when the caller went through a raw-response wrapper, else None."""
    headers = options.get("headers") or {}
    for key, value in headers.items():
        if str(key).lower() == RAW_HEADER.lower():
            return str(value)
    return None


def _subclass(base: type) -> type:
    cls = _CLASSES.get(base)
    if cls is not None:
        return cls
    if hasattr(base, "parse") and inspect.iscoroutinefunction(base.parse):

        async def parse(self: Any, *, to: Any = None) -> Any:
            if to is not None:
                return await base.parse(self, to=to)  # type: ignore[attr-defined]
            if not self._bridge_done:
                self._bridge_value = self._bridge_translate(await base.parse(self))  # type: ignore[attr-defined]
                self._bridge_done = True
            return self._bridge_value

        namespace: dict[str, Any] = {"parse": parse}
    else:

        def sync_parse(self: Any, *, to: Any = None) -> Any:
            if to is not None:
                return base.parse(self, to=to)  # type: ignore[attr-defined]
            if not self._bridge_done:
                self._bridge_value = self._bridge_translate(base.parse(self))  # type: ignore[attr-defined]
                self._bridge_done = True
            return self._bridge_value

        namespace = {"parse": sync_parse}
    namespace["__doc__"] = f"{base.__name__} of the chat call behind a bridged Responses call."
    cls = _CLASSES[base] = type(base.__name__, (base,), namespace)
    return cls


def translated_raw(chat_raw: Any, translate: Callable[[Any], Any]) -> Any:
    """`chat_raw` (an SDK raw-response object) whose `parse()` returns `translate(chat result)`."""
    raw: Any = clone_raw_response(chat_raw, _subclass(type(chat_raw)))
    raw._bridge_translate = translate
    raw._bridge_done = False
    raw._bridge_value = None
    return raw
