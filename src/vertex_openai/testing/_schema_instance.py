"""Build a small JSON value that satisfies a JSON schema, so the fake can answer `response_format` calls."""

from __future__ import annotations

from typing import Any

__all__ = ["instance_for_schema"]

_FORMATS = {
    "date": "2024-05-17",
    "date-time": "2024-05-17T10:00:00Z",
    "time": "10:00:00",
    "uuid": "123e4567-e89b-42d3-a456-426614174000",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "email": "someone@example.com",
    "ipv4": "192.0.2.1",
    "duration": "P1D",
}


def instance_for_schema(schema: Any, *, max_depth: int = 6) -> Any:
    """A deterministic value valid for `schema` (within `max_depth` levels of recursion)."""
    defs = schema.get("$defs", {}) if isinstance(schema, dict) else {}
    return _value(schema, defs, max_depth)


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return dict(defs.get(ref.split("/")[-1], {}))
    if ref == "#":
        return {}
    return schema


def _value(schema: Any, defs: dict[str, Any], depth: int) -> Any:
    if not isinstance(schema, dict):
        return None
    schema = _resolve(schema, defs)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            concrete = [o for o in options if not (isinstance(o, dict) and o.get("type") == "null")]
            if depth <= 0 and len(concrete) < len(options):
                return None
            return _value(concrete[0] if concrete else options[0], defs, depth)
    if isinstance(schema.get("allOf"), list) and schema["allOf"]:
        return _value(schema["allOf"][0], defs, depth)
    kind = schema.get("type")
    if isinstance(kind, list):
        non_null = [k for k in kind if k != "null"]
        if depth <= 0 and "null" in kind:
            return None
        kind = non_null[0] if non_null else "null"
    if schema.get("nullable") and depth <= 0:
        return None
    if kind == "object" or (kind is None and "properties" in schema):
        required = schema.get("required", list(schema.get("properties", {})))
        out: dict[str, Any] = {}
        for name, sub in schema.get("properties", {}).items():
            if depth <= 0 and name not in required:
                continue
            out[name] = _value(sub, defs, depth - 1)
        return out
    if kind == "array":
        count = int(schema.get("minItems", 1 if depth > 0 else 0))
        if schema.get("maxItems") is not None:  # e.g. a recursion terminal that allows only []
            count = min(count, int(schema["maxItems"]))
        items = schema.get("items", {})
        if isinstance(schema.get("prefixItems"), list):
            return [_value(s, defs, depth - 1) for s in schema["prefixItems"]]
        return [_value(items, defs, depth - 1) for _ in range(count)]
    if kind == "string":
        fmt = schema.get("format")
        if isinstance(fmt, str) and fmt in _FORMATS:
            return _FORMATS[fmt]
        text = "example"
        min_len = int(schema.get("minLength", 0))
        max_len = schema.get("maxLength")
        text = (text * (min_len // len(text) + 1))[: max(min_len, len(text))]
        return text[: int(max_len)] if max_len is not None else text
    if kind == "integer":
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1 if "exclusiveMinimum" in schema else 1)
        high = schema.get("maximum")
        value = int(low)
        return min(value, int(high)) if high is not None else value
    if kind == "number":
        number = float(schema.get("minimum", 1.5))
        ceiling = schema.get("maximum")
        return min(number, float(ceiling)) if ceiling is not None else number
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return "example"
