"""The installed SDK's Responses objects from the bridge's wire-shaped dicts, built cheaply.

`openai._models.construct_type` (what the SDK uses for server JSON) walks every field of `Response` and its
unions on each call, which costs more than the rest of the translation together. The shapes the bridge
produces are few and known, so each object is built as pydantic's `model_construct` builds one: defaults
from a per-class template (the SDK's own `construct()`, made once) plus values that are already final. The
result is the same class with the same field values and the same `fields_set` as `construct_type` would
give (so `to_dict()` and the SDK's accumulators see no difference). Anything else goes to `construct_type`.
"""

from __future__ import annotations

import copy
import typing
from typing import Any, cast

from openai.types.responses import (
    Response,
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseOutputRefusal,
    ResponseOutputText,
    ResponseReasoningItem,
    ResponseStreamEvent,
    ResponseUsage,
)
from openai.types.responses.response_reasoning_item import Summary
from openai.types.responses.response_usage import InputTokensDetails, OutputTokensDetails

from .._sdk import construct_type

__all__ = ["event_model", "item_model", "response_model"]

_TEMPLATES: dict[type, Any] = {}
_FIELD_TYPES: dict[tuple[type, str], Any] = {}
_ITEMS: dict[str, type] = {
    "message": ResponseOutputMessage,
    "function_call": ResponseFunctionToolCall,
    "reasoning": ResponseReasoningItem,
}
_PARTS: dict[str, type] = {"output_text": ResponseOutputText, "refusal": ResponseOutputRefusal}
# Response fields whose values the bridge already gives in final form (scalars, str-keyed str maps, lists
# of models built here); every other non-scalar value goes through construct_type with the field's type.
_RESPONSE_DIRECT = frozenset({"output", "usage", "metadata"})


def _fast(cls: Any, values: dict[str, Any]) -> Any:
    """`cls(**values)` without validation, as pydantic's `model_construct` builds it (defaults from a template)."""
    base = _TEMPLATES.get(cls)
    if base is None:
        template = cls.construct()  # type: ignore[attr-defined]
        mutable = tuple(k for k, v in template.__dict__.items() if isinstance(v, (list, dict, set)))
        base = _TEMPLATES[cls] = (dict(template.__dict__), mutable, template.__pydantic_private__,
                                  cls.model_fields.keys())  # type: ignore[attr-defined]
    defaults, mutable, private, fields = base
    if values.keys() <= fields:  # the common case: every key is a field of this SDK release
        given, extra = values, {}
    else:
        given = {k: v for k, v in values.items() if k in fields}
        extra = {k: v for k, v in values.items() if k not in fields}
    data = {**defaults, **given}
    for key in mutable:  # a default list or dict of its own for each object, as pydantic gives
        if key not in given:
            data[key] = copy.copy(defaults[key])
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", data)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", extra)  # fields this SDK release lacks, kept as extras
    object.__setattr__(obj, "__pydantic_private__", None if private is None else dict(private))
    return obj


def _field_type(cls: type, name: str) -> Any:
    key = (cls, name)
    if key not in _FIELD_TYPES:
        field = cls.model_fields.get(name)  # type: ignore[attr-defined]
        _FIELD_TYPES[key] = field.annotation if field is not None else None
    return _FIELD_TYPES[key]


def _part_model(part: dict[str, Any]) -> Any:
    cls = _PARTS.get(part.get("type", ""))
    return _fast(cls, part) if cls is not None else construct_type(type_=Any, value=part)


def item_model(item: dict[str, Any]) -> Any:
    """An output item (message, function_call, reasoning) as the installed SDK's class."""
    cls = _ITEMS.get(item.get("type", ""))
    if cls is None:
        return construct_type(type_=_field_type(Response, "output"), value=[item])[0]  # type: ignore[index]
    values = dict(item)
    if cls is ResponseOutputMessage:
        values["content"] = [_part_model(part) for part in item.get("content") or []]
    elif cls is ResponseReasoningItem:
        values["summary"] = [_fast(Summary, part) for part in item.get("summary") or []]
    return _fast(cls, values)


def _usage_model(usage: dict[str, Any]) -> Any:
    values = dict(usage)
    values["input_tokens_details"] = _fast(InputTokensDetails, usage.get("input_tokens_details") or {})
    values["output_tokens_details"] = _fast(OutputTokensDetails, usage.get("output_tokens_details") or {})
    return _fast(ResponseUsage, values)


def response_model(data: dict[str, Any]) -> Response:
    """The installed SDK's `Response` for a bridge response dict."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "output":
            values[key] = [item_model(item) for item in value]
        elif key == "usage" and isinstance(value, dict):
            values[key] = _usage_model(value)
        elif key in _RESPONSE_DIRECT or not isinstance(value, (dict, list)) or not value:
            values[key] = value
        else:
            annotation = _field_type(Response, key)
            values[key] = construct_type(type_=annotation, value=value) if annotation is not None else value
    return cast(Response, _fast(Response, values))


def _event_classes() -> dict[str, type]:
    union = typing.get_args(ResponseStreamEvent)[0] if typing.get_origin(ResponseStreamEvent) is typing.Annotated \
        else ResponseStreamEvent
    out: dict[str, type] = {}
    for cls in typing.get_args(union):
        field = getattr(cls, "model_fields", {}).get("type")
        for literal in typing.get_args(field.annotation) if field is not None else ():
            out.setdefault(literal, cls)
    return out


_EVENTS = _event_classes()


def event_model(event: dict[str, Any], response: Any = None) -> Any:
    """The installed SDK's event object for one bridge event dict (`response`: its prebuilt Response)."""
    cls = _EVENTS.get(event["type"])
    if cls is None:
        return construct_type(type_=ResponseStreamEvent, value=event)
    values = dict(event)
    if "response" in values:
        values["response"] = response if response is not None else response_model(values["response"])
    if "item" in values:
        values["item"] = item_model(values["item"])
    if "part" in values:
        part, part_type = values["part"], _field_type(cls, "part")
        known = part_type if isinstance(part_type, type) else _PARTS.get(part.get("type", ""))
        values["part"] = _fast(known, part) if known is not None else construct_type(type_=part_type, value=part)
    return _fast(cls, values)
