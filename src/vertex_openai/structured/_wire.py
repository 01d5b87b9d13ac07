"""Where adapted schemas meet the request: `response_format`, function tools, and the chat body.

`adapt_chat_body` is what `_request.prepare_json_body` calls on every chat request; it returns a NEW
body (the caller's dicts are never touched) and caches each distinct schema, so the warm path costs
one `json.dumps` per schema.
"""

from __future__ import annotations

import json
import logging
import marshal
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from .._sdk import pydantic_function_tool
from ._adapt import AdaptationNote, Profile, SchemaAdaptationError, Target, adapt_schema

__all__ = [
    "SCHEMA_ADAPTATION_MODES",
    "UnsupportedRequestError",
    "adapt_chat_body",
    "adapt_response_format",
    "adapt_tool",
    "cached_adapt",
    "check_mode",
]

log = logging.getLogger("vertex_openai.structured")

SCHEMA_ADAPTATION_MODES = ("jsonschema", "openapi", "off")
_FUNCTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$")
_BAD_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")
# Gemini before 3 rejects tools together with a JSON response format (docs/structured-output.md).
_NO_TOOL_COMBINATION = re.compile(r"(^|/)gemini-(1|2)([.-]|$)")
_CACHE_SIZE = 512
# isinstance against (dict, Mapping): a plain dict (what the SDK hands us) matches without the ABC machinery
_MAPPING = (dict, Mapping)


class UnsupportedRequestError(ValueError):
    """The request combines features the target Gemini model is known to reject; caught before sending."""


def check_mode(mode: Any) -> str:
    """Validate a `schema_adaptation=` setting early, with the allowed values in the message."""
    if mode not in SCHEMA_ADAPTATION_MODES:
        raise ValueError(f"schema_adaptation must be one of {', '.join(map(repr, SCHEMA_ADAPTATION_MODES))}, "
                         f"got {mode!r}")
    return str(mode)


def adapt_response_format(rf: Mapping[str, Any], **kw: Any) -> dict[str, Any]:
    """R16: adapt `json_schema.schema` and make the name Gemini-safe; other formats pass through (copied)."""
    if rf.get("type") != "json_schema":
        return dict(rf)
    spec = rf.get("json_schema")
    if not isinstance(spec, Mapping):
        raise SchemaAdaptationError("#/json_schema", "response_format json_schema needs a `json_schema` object")
    out_spec = dict(spec)
    name = _BAD_NAME_CHARS.sub("_", str(spec.get("name") or ""))[:64] or "response"
    out_spec["name"] = name
    if "schema" in spec:
        out_spec["schema"] = adapt_schema(spec["schema"], target="response_format", **kw)
    return {**rf, "json_schema": out_spec}


def adapt_tool(tool: Mapping[str, Any], **kw: Any) -> dict[str, Any]:
    """R15: adapt a function tool's `parameters`; a PydanticFunctionTool keeps its class and `.model`."""
    function = tool.get("function")
    if tool.get("type") != "function" or not isinstance(function, Mapping):
        return dict(tool)
    name = function.get("name")
    if not isinstance(name, str) or not _FUNCTION_NAME.match(name):
        raise SchemaAdaptationError(
            "#/function/name",
            f"function name {name!r} is not accepted by Gemini: start with a letter or '_', then use only "
            "letters, digits, '_', '.', ':' or '-' (at most 64 characters)",
        )
    if "parameters" not in function:
        return dict(tool)
    new_function: dict[str, Any] = {**function, "parameters": adapt_schema(
        function["parameters"], target="tool_parameters", **kw
    )}
    model = getattr(function, "model", None)
    if model is not None:
        new_function = pydantic_function_tool(new_function, model)
    return {**tool, "function": new_function}


# -- cache ----------------------------------------------------------------------------------------------
_cache: OrderedDict[tuple[str, str, bytes], tuple[dict[str, Any], tuple[AdaptationNote, ...]]] = OrderedDict()
_cache_lock = threading.Lock()


def cached_adapt(schema: Any, profile: Profile, target: Target) -> dict[str, Any]:
    """`adapt_schema` once per distinct (schema, profile, target); notes are logged once, at DEBUG.

    The returned dict is shared between requests: treat it as read-only (the SDK only serializes it).
    """
    key = (profile, target, _fingerprint(schema))
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit[0]
    notes: list[AdaptationNote] = []
    adapted = adapt_schema(schema, profile=profile, target=target, notes=notes)
    for note in notes:
        log.debug("schema adaptation (%s, %s): %s", profile, target, note)
    with _cache_lock:
        _cache[key] = (adapted, tuple(notes))
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return adapted


def _fingerprint(schema: Any) -> bytes:
    """Exact content key: `marshal` is ~6x faster than `json.dumps` and keeps order and bool-vs-int apart.

    Equal bytes mean equal content (marshal round-trips); its object back-references can at worst make
    an equal schema miss the cache. Dict subclasses and other types fall back to JSON text.
    """
    try:
        return marshal.dumps(schema)
    except ValueError:
        return b"json:" + json.dumps(schema, separators=(",", ":"), default=repr).encode()


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
        _unexpressible.clear()


# -- the chat body ------------------------------------------------------------------------------------------
def adapt_chat_body(body: Mapping[str, Any], mode: str, *, loose_tools: bool = False) -> dict[str, Any] | None:
    """A new chat body with adapted schemas, or None when nothing needed changing.

    Strict function tools are always adapted. `loose_tools=True` (Gemini on the openapi endpoint) also adapts
    the `parameters` of non-strict tools, with the same rewrites and nothing more: `required` stays as sent
    and no `additionalProperties: false` is added. A non-strict schema the adapter cannot express is sent as
    given (as before this adaptation existed). Raises UnsupportedRequestError for tools + JSON response
    format on Gemini < 3.
    """
    if check_mode(mode) == "off":
        return None
    rf = body.get("response_format")
    tools = body.get("tools")
    if rf is None and not tools:
        return None  # the common chat: no schema to adapt, no combination to check
    profile: Profile = "openapi" if mode == "openapi" else "jsonschema"
    _check_tool_combination(body)
    changes: dict[str, Any] = {}
    if isinstance(rf, _MAPPING) and rf.get("type") == "json_schema":
        spec = rf.get("json_schema")
        if isinstance(spec, _MAPPING) and "schema" in spec:
            name = _BAD_NAME_CHARS.sub("_", str(spec.get("name") or ""))[:64] or "response"
            schema = cached_adapt(spec["schema"], profile, "response_format")
            changes["response_format"] = {**rf, "json_schema": {**spec, "name": name, "schema": schema}}
    if isinstance(tools, list) and tools:
        new_tools = [_adapted_tool(tool, profile, loose_tools) for tool in tools]
        if any(new is not old for new, old in zip(new_tools, tools, strict=True)):
            changes["tools"] = new_tools
    return {**body, **changes} if changes else None


def _adapted_tool(tool: Any, profile: Profile, loose_tools: bool) -> Any:
    """The tool with Gemini-safe `parameters`, or the very same object when it is left as sent."""
    if not (isinstance(tool, _MAPPING) and tool.get("type") == "function"):
        return tool
    function = tool.get("function")
    if not isinstance(function, _MAPPING) or "parameters" not in function:
        return tool
    if function.get("strict") is True:
        name = function.get("name")
        if not isinstance(name, str) or not _FUNCTION_NAME.match(name):
            raise SchemaAdaptationError("#/function/name", f"function name {name!r} is not accepted by "
                                        "Gemini: use letters, digits, '_', '.', ':' or '-' (max 64)")
        params: dict[str, Any] | None = cached_adapt(function["parameters"], profile, "tool_parameters")
    elif loose_tools:
        params = _cached_loose(function["parameters"], profile)
        if params is None:
            return tool
    else:
        return tool
    return {**tool, "function": {**function, "parameters": params}}


_unexpressible: OrderedDict[tuple[str, bytes], None] = OrderedDict()


def _cached_loose(schema: Any, profile: Profile) -> dict[str, Any] | None:
    """`cached_adapt` for a non-strict tool; None (send as given) when the adapter cannot express it.

    A failure is remembered per schema too, so a schema that cannot be adapted costs one attempt, not one
    per request.
    """
    key = (profile, _fingerprint(schema))
    with _cache_lock:
        if key in _unexpressible:
            return None
    try:
        return cached_adapt(schema, profile, "tool_parameters")
    except SchemaAdaptationError as exc:
        log.debug("non-strict tool parameters sent as given: %s", exc)
        with _cache_lock:
            _unexpressible[key] = None
            while len(_unexpressible) > _CACHE_SIZE:
                _unexpressible.popitem(last=False)
        return None


def _check_tool_combination(body: Mapping[str, Any]) -> None:
    tools = body.get("tools")
    rf = body.get("response_format")
    model = body.get("model")
    if not tools or not isinstance(rf, _MAPPING) or rf.get("type") not in ("json_schema", "json_object"):
        return
    if isinstance(model, str) and _NO_TOOL_COMBINATION.search(model):
        raise UnsupportedRequestError(
            f"{model} rejects tools together with a JSON response_format ('Function calling with a response "
            "mime type: application/json is unsupported'). Use a Gemini 3 model, or make two calls (tools "
            "first, then response_format), or pass schema_adaptation='off' to send the request unchanged."
        )
