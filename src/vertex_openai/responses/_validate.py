"""Checks of `input` / `instructions` values before translation: each wrong value raises `InvalidInputError`
naming where it is (`input[2].arguments`), what was expected (the type the SDK's Responses input types
declare for that field) and what was given. Nothing here sends anything."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._errors import MISSING, InvalidInputError

__all__ = ["arguments_json", "input_list", "mapping", "optional_str", "required_str"]


def input_list(raw: Any, where: str = "input") -> list[Any]:
    """`input` as a list of items: a string is one user message; None is no items."""
    if raw is None:
        return []
    if isinstance(raw, str):
        return [{"role": "user", "content": raw}]
    if isinstance(raw, (list, tuple)):
        return list(raw)
    raise InvalidInputError(where, "a string or a list of input items", raw,
                            "Wrap a single item in a list: input=[{...}].")


def mapping(value: Any, where: str, expected: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInputError(where, expected, value)
    return value


def required_str(item: Mapping[str, Any], name: str, where: str, *, empty: bool = False) -> str:
    """`item[name]`, which must be a string (non-empty unless `empty`)."""
    value = item.get(name, MISSING)
    if not isinstance(value, str) or (not empty and not value):
        raise InvalidInputError(f"{where}.{name}", "a string" if empty else "a non-empty string", value)
    return value


def optional_str(item: Mapping[str, Any], name: str, where: str) -> str | None:
    value = item.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidInputError(f"{where}.{name}", "a string", value)
    return value


def arguments_json(item: Mapping[str, Any], where: str) -> str:
    """A function call's `arguments` as the JSON text the wire takes; a dict is JSON-encoded."""
    value = item.get("arguments", MISSING)
    if isinstance(value, str):
        return value or "{}"
    if isinstance(value, Mapping):
        try:
            return json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError) as err:
            raise InvalidInputError(f"{where}.arguments", "a JSON string, or a dict of JSON values", value,
                                    f"({err})") from None
    raise InvalidInputError(f"{where}.arguments", "a JSON string (or a dict, sent JSON-encoded)", value)
