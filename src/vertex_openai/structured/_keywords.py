"""Rewrites of one schema node for Gemini (allOf merge, type lists, enums, scalar keywords) and the helpers
that give the adapter's output its canonical, byte-stable form."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._context import ANNOTATIONS, FORMATS, NULL, ORDER, SCALARS, TYPE_KEYS, Ctx, SchemaAdaptationError
from ._refs import depth, ref_name


def as_mapping(body: Any, ptr: str) -> Mapping[str, Any]:
    if body is True:
        return {}
    if not isinstance(body, Mapping):
        raise SchemaAdaptationError(ptr, "a referenced definition must be a JSON object")
    return body


def merge_all_of(node: dict[str, Any], ptr: str, ctx: Ctx) -> dict[str, Any]:
    """R6: fold `allOf` members (refs resolved, non-recursive only) into the parent."""
    while "allOf" in node:
        members = node.pop("allOf")
        if not isinstance(members, list):
            raise SchemaAdaptationError(ptr + "/allOf", "`allOf` must be a list")
        merged: dict[str, Any] = {}
        for index, member in enumerate([*members, node]):
            mptr = f"{ptr}/allOf/{index}"
            member = as_mapping(member, mptr)
            while "$ref" in member:
                name = ref_name(member["$ref"], mptr)
                if name not in ctx.defs:
                    raise SchemaAdaptationError(mptr, f"reference {member['$ref']!r} points to no definition")
                if name in ctx.recursive:
                    raise SchemaAdaptationError(mptr, "`allOf` over a recursive definition cannot be expressed")
                member = {**as_mapping(ctx.defs[name], mptr), **{k: v for k, v in member.items() if k != "$ref"}}
            for key, value in member.items():
                if key in ANNOTATIONS:
                    continue
                if key == "properties" and isinstance(value, Mapping):
                    props = dict(merged.get("properties", {}))
                    for prop, sub in value.items():
                        if prop in props and props[prop] != sub:
                            ctx.note("R6", mptr, f"property {prop!r} defined twice in allOf; the later one wins")
                        props[prop] = sub
                    merged["properties"] = props
                elif key == "required" and isinstance(value, list):
                    req = list(merged.get("required", []))
                    merged["required"] = req + [r for r in value if r not in req]
                elif key in merged and merged[key] != value:
                    ctx.note("R6", mptr, f"conflicting `{key}` in allOf; the later one wins")
                    merged[key] = value
                else:
                    merged[key] = value
        node = merged
    return node


def split_type_list(node: dict[str, Any]) -> dict[str, Any]:
    """R5: `type: [a, b]` becomes `anyOf` of one-type schemas; type-specific keywords follow their type."""
    kind = node.get("type")
    if not isinstance(kind, list):
        return node
    kinds = [k for k in kind if isinstance(k, str)]
    if len(kinds) == 1:
        return {**node, "type": kinds[0]}
    specific = {key for k in kinds for key in TYPE_KEYS.get(k, ())}
    shared = {k: v for k, v in node.items() if k != "type" and k not in specific}
    branches = [{"type": k, **{key: node[key] for key in TYPE_KEYS.get(k, ()) if key in node}} for k in kinds]
    if "enum" in node:  # R8 partitions the values by their JSON type instead
        return {**shared, **_enum_only(node, kinds)}
    return {**shared, "anyOf": branches}


def _enum_only(node: dict[str, Any], kinds: list[str]) -> dict[str, Any]:
    values = [v for v in node["enum"] if _json_kind(v) in kinds or (_json_kind(v) == "integer" and "number" in kinds)]
    return {"enum": values}


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object" if isinstance(value, Mapping) else "array"


def split_enum(node: dict[str, Any], ptr: str, ctx: Ctx) -> dict[str, Any]:
    """R8: partition enum values by JSON type (never stringify); mixed groups become `anyOf`."""
    values = node.pop("enum")
    if not isinstance(values, list) or not values:
        raise SchemaAdaptationError(ptr + "/enum", "`enum` must be a non-empty list")
    declared = node.pop("type", None)
    strings = [v for v in values if isinstance(v, str)]
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    bools = [v for v in values if isinstance(v, bool)]
    has_null = any(v is None for v in values)
    if any(isinstance(v, (Mapping, list)) for v in values):
        raise SchemaAdaptationError(ptr + "/enum", "objects and arrays inside `enum` cannot be expressed for Gemini")
    if len(values) > 100 or any(isinstance(v, str) and len(v) > 60 for v in values):
        ctx.note("R8", ptr, "large enum or long enum value: risks Gemini's 'too many states' rejection")
    groups: list[dict[str, Any]] = []
    if strings:
        groups.append({"type": "string", "enum": _unique(strings)})
    if numbers:
        kind = "integer" if all(isinstance(v, int) or (float(v).is_integer() and declared == "integer")
                                for v in numbers) else "number"
        groups.append({"type": kind, "enum": _unique(numbers)})
    if bools:
        group: dict[str, Any] = {"type": "boolean"}
        if len(set(bools)) == 1:
            group["enum"] = [bools[0]]
        groups.append(group)
    if has_null:
        groups.append(dict(NULL))
    rest = {k: v for k, v in node.items() if k not in ("anyOf", "oneOf")}
    if len(groups) == 1:
        only = groups[0]
        keep = {k: v for k, v in rest.items() if k in TYPE_KEYS.get(only["type"], ()) or k not in _all_type_keys()}
        return {**keep, **only}
    return {k: v for k, v in rest.items() if k not in _all_type_keys()} | {"anyOf": groups}


def _all_type_keys() -> frozenset[str]:
    return frozenset(k for keys in TYPE_KEYS.values() for k in keys)


def _unique(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if not any(value == seen and type(value) is type(seen) for seen in out):
            out.append(value)
    return out


def with_description(node: dict[str, Any], description: Any, ctx: Ctx) -> dict[str, Any]:
    """A collapsed union keeps the parent's description; the branch's own text follows in parentheses."""
    if description is None:
        return node
    if "$ref" in node:  # a $ref may carry no siblings: use a copy of the target instead
        node = copy_schema(ctx.shared[ref_name(node["$ref"], "#")])
    own = node.get("description")
    text = description if own is None or own == description else f"{description} ({own})"
    return {**node, "description": text}


def with_hints(description: str | None, hints: list[str]) -> str | None:
    """R14: hints join with '; ', appended in parentheses to the description or used alone."""
    if not hints:
        return description
    joined = "; ".join(hints)
    return f"{description} ({joined})" if description else joined


def untyped_node(node: dict[str, Any], ptr: str, ctx: Ctx) -> dict[str, Any]:
    """R13: `{}` stays any-JSON for jsonschema responses; elsewhere a scalar union (lossy)."""
    if ctx.profile == "jsonschema" and ctx.target == "response_format":
        ctx.note("R13", ptr, "untyped schema (any JSON value) kept as {}; Gemini may answer any shape")
        return {}
    ctx.note("R13", ptr, "untyped schema replaced by string|number|boolean|null; objects and arrays are lost")
    if ctx.profile == "jsonschema":
        return {"anyOf": [{"type": k} for k in SCALARS] + [dict(NULL)]}
    return {"anyOf": [{"type": k, "nullable": True} for k in SCALARS]}


def string_node(node: dict[str, Any], ptr: str, ctx: Ctx, hints: list[str]) -> dict[str, Any]:
    """R9: allow-listed formats stay; other formats and length/pattern constraints become hints."""
    out: dict[str, Any] = {"type": "string"}
    if "enum" in node:
        out["enum"] = node["enum"]
    fmt = node.get("format")
    if isinstance(fmt, str):
        if fmt in FORMATS[ctx.profile]:
            out["format"] = fmt
        else:
            hints.append(f"format: {fmt}")
    if node.get("minLength"):
        hints.append(f"min length: {node['minLength']}")
    if "maxLength" in node:
        hints.append(f"max length: {node['maxLength']}")
    if "pattern" in node:
        hints.append(f"pattern: {node['pattern']}")
    return out


def number_node(node: dict[str, Any], kind: str, profile: str, hints: list[str]) -> dict[str, Any]:
    """R10: inclusive bounds kept; exclusive integer bounds made exact; others become hints."""
    out: dict[str, Any] = {"type": kind}
    if "enum" in node:  # R8: the proto dialect only has string enums
        if profile == "jsonschema":
            out["enum"] = node["enum"]
        else:
            hints.append("allowed values: " + ", ".join(json.dumps(v) for v in node["enum"]))
    low, high = node.get("minimum"), node.get("maximum")
    xlow, xhigh = node.get("exclusiveMinimum"), node.get("exclusiveMaximum")
    if isinstance(xlow, (int, float)) and not isinstance(xlow, bool):
        if kind == "integer" and float(xlow).is_integer():
            candidate: float = int(xlow) + 1
        else:
            candidate = xlow
            if low is None or xlow >= low:
                hints.append(f"must be > {xlow}")
        low = candidate if low is None else max(low, candidate)
    if isinstance(xhigh, (int, float)) and not isinstance(xhigh, bool):
        if kind == "integer" and float(xhigh).is_integer():
            candidate = int(xhigh) - 1
        else:
            candidate = xhigh
            if high is None or xhigh <= high:
                hints.append(f"must be < {xhigh}")
        high = candidate if high is None else min(high, candidate)
    if low is not None:
        out["minimum"] = low
    if high is not None:
        out["maximum"] = high
    if "multipleOf" in node:
        hints.append(f"multiple of {node['multipleOf']}")
    return out


def escape_pointer(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def copy_schema(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: copy_schema(v) for k, v in node.items()}
    if isinstance(node, list):
        return [copy_schema(v) for v in node]
    return node


def ordered(node: Any) -> Any:
    """Canonical key order at schema positions; names inside properties/$defs keep their order."""
    if isinstance(node, list):
        return [ordered(v) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key in sorted(node, key=lambda k: ORDER.get(k, len(ORDER))):
        value = node[key]
        if key in ("properties", "$defs"):
            out[key] = {name: ordered(sub) for name, sub in value.items()}
        elif key in ("enum", "required", "propertyOrdering"):
            out[key] = list(value)
        else:
            out[key] = ordered(value)
    return out


def complexity_notes(out: dict[str, Any], ctx: Ctx) -> None:
    """R17: report (never change) what risks Gemini's size/depth limits."""
    defs = out.get("$defs", {})
    size = len(json.dumps(out))
    deepest = depth(out, defs, {})
    if deepest > 5:
        ctx.note("R17", "#", f"object/array nesting depth {deepest} (refs resolved) exceeds 5: Gemini may reject it")
    if size > 40_000:
        ctx.note("R17", "#", f"schema is {size} characters: Gemini may answer 'too many states'")
