"""The schema adapter proper: one pass over a JSON schema applying SCHEMA_RULES.md §7 (R1–R14, R17).

Pure: the input is never mutated, output is built fresh with a canonical key order so that adapting
twice gives the same bytes (idempotence, R0.3). Wrappers for `response_format` and tools live in
`_schema_wire.py`; the public names are re-exported by `structured.py`.

Unsettled (SCHEMA_RULES.md §10) and the safe option taken here:
* which dialect the compat layer uses: both profiles exist; `jsonschema` is the default, switchable per client/call;
* whether any cycle is rejected: every recursive reference is unrolled, none is left as `$ref`;
* `{}` in a response schema: kept as "any" (jsonschema responses only), replaced by a scalar union elsewhere;
* the nesting-depth limit: never changed, only reported (R17);
* a null-only node in the proto dialect: a nullable string with the hint "must be null" (old APIs reject
  `type: "null"`); `strict: true` on tools is passed through unchanged (`_schema_wire.py`).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["AdaptationNote", "Profile", "SchemaAdaptationError", "Target", "adapt_schema"]

Profile = Literal["jsonschema", "openapi"]
Target = Literal["response_format", "tool_parameters"]

PROFILES: tuple[str, ...] = ("jsonschema", "openapi")
TARGETS: tuple[str, ...] = ("response_format", "tool_parameters")


class SchemaAdaptationError(ValueError):
    """The schema cannot be expressed for Gemini; `pointer` says where (JSON pointer into the input)."""

    def __init__(self, pointer: str, reason: str) -> None:
        super().__init__(f"{reason} (at {pointer})")
        self.pointer = pointer
        self.reason = reason


@dataclass(frozen=True)
class AdaptationNote:
    """One thing the adapter changed or wants you to know, and where (JSON pointer into the input)."""

    rule: str
    pointer: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.pointer}: {self.message}"


# R1: annotation-only keywords, removed everywhere without a note (they never constrain output).
_ANNOTATIONS = frozenset(
    [
        "$schema", "$id", "$anchor", "$comment", "$vocabulary", "title", "examples", "example", "default",
        "deprecated", "readOnly", "writeOnly", "discriminator", "contentEncoding", "contentMediaType",
        "contentSchema", "strict",
    ]
)
# R6: conditional keywords cannot be expressed at all: dropped with a note.
_CONDITIONALS = ("not", "if", "then", "else", "dependentRequired", "dependentSchemas")
_TYPE_KEYS = {
    "string": ("format", "minLength", "maxLength", "pattern", "enum"),
    "integer": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "format", "enum"),
    "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "format", "enum"),
    "boolean": ("enum",),
    "null": (),
    "object": ("properties", "required", "additionalProperties", "patternProperties", "propertyNames",
               "minProperties", "maxProperties", "unevaluatedProperties"),
    "array": ("items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains", "minContains",
              "maxContains", "unevaluatedItems"),
}
_FORMATS: dict[str, frozenset[str]] = {
    "jsonschema": frozenset({"date-time", "date", "time"}),
    "openapi": frozenset({"date-time"}),
}
# Canonical output order; makes the output deterministic and a second pass byte-identical.
_ORDER = {k: i for i, k in enumerate(
    [
        "type", "anyOf", "description", "enum", "format", "properties", "required", "additionalProperties",
        "items", "prefixItems", "minItems", "maxItems", "minimum", "maximum", "nullable",
        "propertyOrdering", "$defs", "$ref",
    ]
)}
_NULL: dict[str, Any] = {"type": "null"}
_SCALARS = ("string", "number", "boolean")
_TOOL_PROPERTY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class _Cut:
    """Marker returned where a recursive reference reached its bound; the parent picks a terminal."""


_CUT = _Cut()


@dataclass
class _Ctx:
    profile: str
    target: str
    max_depth: int
    defs: dict[str, Any]
    recursive: frozenset[str]
    notes: list[AdaptationNote]
    shared: dict[str, dict[str, Any]] = field(default_factory=dict)  # adapted non-recursive defs
    inline_only: set[str] = field(default_factory=set)  # defs whose adapted body is scalar/union
    in_progress: set[str] = field(default_factory=set)

    def note(self, rule: str, pointer: str, message: str) -> None:
        self.notes.append(AdaptationNote(rule, pointer, message))


def adapt_schema(
    schema: Mapping[str, Any] | bool,
    *,
    profile: Profile = "jsonschema",
    target: Target = "response_format",
    max_recursion_depth: int = 3,
    notes: list[AdaptationNote] | None = None,
) -> dict[str, Any]:
    """Return a Gemini-safe copy of `schema` (SCHEMA_RULES.md §7); append what changed to `notes`.

    Raises SchemaAdaptationError, naming the JSON pointer, when the schema cannot be expressed.
    """
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
    if max_recursion_depth < 0:
        raise ValueError(f"max_recursion_depth must be >= 0, got {max_recursion_depth!r}")
    if isinstance(schema, bool):
        schema = {} if schema else _raise("#", "the schema `false` accepts nothing")
    if not isinstance(schema, Mapping):
        raise SchemaAdaptationError("#", f"a schema must be a JSON object, got {type(schema).__name__}")
    defs = _collect_defs(schema)
    ctx = _Ctx(profile, target, max_recursion_depth, defs, _recursive_defs(defs), notes if notes is not None else [])
    root = {k: v for k, v in schema.items() if k not in ("$defs", "definitions")}
    out = _node(root, "#", ctx, {})
    if isinstance(out, _Cut):  # pragma: no cover - a root cannot be cut: counters start at zero
        raise SchemaAdaptationError("#", "recursion with no finite terminal")
    if "$ref" in out:  # a root reference is replaced by its target
        out = _copy(ctx.shared[_ref_name(out["$ref"], "#")])
    if target == "tool_parameters" and out.get("type") != "object":
        raise SchemaAdaptationError("#", "function parameters must be a JSON object schema (Gemini requires OBJECT)")
    if profile == "jsonschema":
        used = _used_defs(out, ctx.shared)
        if used:
            out["$defs"] = {name: ctx.shared[name] for name in sorted(used)}
    _complexity_notes(out, ctx)
    result: dict[str, Any] = _ordered(out)
    return result


def _raise(pointer: str, reason: str) -> Any:
    raise SchemaAdaptationError(pointer, reason)


# -- definitions and recursion ------------------------------------------------------------------------
def _collect_defs(schema: Mapping[str, Any]) -> dict[str, Any]:
    defs: dict[str, Any] = {}
    for key in ("$defs", "definitions"):
        block = schema.get(key)
        if block is None:
            continue
        if not isinstance(block, Mapping):
            raise SchemaAdaptationError(f"#/{key}", f"`{key}` must be an object of named schemas")
        for name, body in block.items():
            if name in defs:
                raise SchemaAdaptationError(
                    f"#/{key}/{name}", f"definition {name!r} exists in both $defs and definitions"
                )
            defs[name] = body
    return defs


def _ref_name(ref: Any, pointer: str) -> str:
    if not isinstance(ref, str):
        raise SchemaAdaptationError(pointer, "`$ref` must be a string")
    for prefix in ("#/$defs/", "#/definitions/"):
        if ref.startswith(prefix):
            name = ref[len(prefix):]
            if "/" not in name:
                return name.replace("~1", "/").replace("~0", "~")
    raise SchemaAdaptationError(
        pointer, f"unsupported reference {ref!r}: only local '#/$defs/<name>' references can be sent to Gemini"
    )


def _refs_in(node: Any, out: set[str]) -> None:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                with contextlib.suppress(SchemaAdaptationError):
                    out.add(_ref_name(value, "#"))
            elif key in ("properties", "$defs", "definitions") and isinstance(value, Mapping):
                for sub in value.values():
                    _refs_in(sub, out)
            else:
                _refs_in(value, out)
    elif isinstance(node, list):
        for item in node:
            _refs_in(item, out)


def _recursive_defs(defs: Mapping[str, Any]) -> frozenset[str]:
    """Definitions that can reach themselves through references (self or mutual recursion)."""
    edges: dict[str, set[str]] = {}
    for name, body in defs.items():
        found: set[str] = set()
        _refs_in(body, found)
        edges[name] = {n for n in found if n in defs}
    recursive: set[str] = set()
    for start in defs:
        seen: set[str] = set()
        stack = list(edges[start])
        while stack:
            current = stack.pop()
            if current == start:
                recursive.add(start)
                break
            if current not in seen:
                seen.add(current)
                stack.extend(edges.get(current, ()))
    return frozenset(recursive)


def _used_defs(node: Any, shared: Mapping[str, Any]) -> set[str]:
    used: set[str] = set()
    pending = [node]
    while pending:
        found: set[str] = set()
        _refs_in(pending.pop(), found)
        for name in found - used:
            used.add(name)
            pending.append(shared[name])
    return used


# -- the walk -----------------------------------------------------------------------------------------
def _node(raw: Any, ptr: str, ctx: _Ctx, depth: dict[str, int]) -> dict[str, Any] | _Cut:
    """Adapt one schema position. `depth` counts expansions of each recursive definition on this path."""
    if raw is True:
        raw = {}
    if raw is False:
        raise SchemaAdaptationError(ptr, "the schema `false` accepts nothing and cannot be sent")
    if not isinstance(raw, Mapping):
        raise SchemaAdaptationError(ptr, f"a schema must be a JSON object, got {type(raw).__name__}")
    node = {k: v for k, v in raw.items() if k not in _ANNOTATIONS}
    if "$ref" in node:
        return _ref(node, ptr, ctx, depth)
    node = _merge_all_of(node, ptr, ctx)
    for key in _CONDITIONALS:
        if key in node:
            del node[key]
            ctx.note("R6", ptr, f"dropped `{key}`: conditional schemas cannot be expressed for Gemini (lossy)")
    if "const" in node:  # R7
        const = node.pop("const")
        if "enum" not in node:
            node["enum"] = [const]
    node = _split_type_list(node)
    if node.get("nullable") is True and ctx.profile == "jsonschema":  # hand-written OpenAPI style
        rest = {k: v for k, v in node.items() if k not in ("nullable", "description")}
        node = {"anyOf": [rest, dict(_NULL)], **({"description": node["description"]} if "description" in node else {})}
    if "enum" in node:
        node = _split_enum(node, ptr, ctx)
    if "anyOf" in node or "oneOf" in node:
        return _union(node, ptr, ctx, depth)
    return _typed(node, ptr, ctx, depth)


def _ref(node: dict[str, Any], ptr: str, ctx: _Ctx, depth: dict[str, int]) -> dict[str, Any] | _Cut:
    name = _ref_name(node["$ref"], ptr)
    if name not in ctx.defs:
        raise SchemaAdaptationError(ptr, f"reference {node['$ref']!r} points to no definition")
    siblings = {k: v for k, v in node.items() if k != "$ref"}
    body = ctx.defs[name]
    if name in ctx.recursive:  # R4: always inlined, bounded per path
        count = depth.get(name, 0)
        if count >= ctx.max_depth:
            return _CUT
        merged = {**_as_mapping(body, ptr), **siblings}
        return _node(merged, f"#/$defs/{name}", ctx, {**depth, name: count + 1})
    if siblings:  # R2: siblings win over the target's keywords
        return _node({**_as_mapping(body, ptr), **siblings}, ptr, ctx, depth)
    adapted = _shared_def(name, ctx)
    if ctx.profile == "jsonschema" and name not in ctx.inline_only:
        return {"$ref": "#/$defs/" + name.replace("~", "~0").replace("/", "~1")}
    copied: dict[str, Any] = _copy(adapted)
    return copied


def _shared_def(name: str, ctx: _Ctx) -> dict[str, Any]:
    """Adapt a non-recursive definition once; its result does not depend on the path (see module doc)."""
    if name not in ctx.shared:
        if name in ctx.in_progress:  # pragma: no cover - impossible for non-recursive defs
            raise SchemaAdaptationError(f"#/$defs/{name}", "reference cycle")
        ctx.in_progress.add(name)
        out = _node(ctx.defs[name], f"#/$defs/{name}", ctx, {})
        ctx.in_progress.discard(name)
        assert isinstance(out, dict)
        ctx.shared[name] = _ordered(out)
        if out.get("type") not in ("object", "array") or "anyOf" in out:
            ctx.inline_only.add(name)
    return ctx.shared[name]


def _as_mapping(body: Any, ptr: str) -> Mapping[str, Any]:
    if body is True:
        return {}
    if not isinstance(body, Mapping):
        raise SchemaAdaptationError(ptr, "a referenced definition must be a JSON object")
    return body


def _merge_all_of(node: dict[str, Any], ptr: str, ctx: _Ctx) -> dict[str, Any]:
    """R6: fold `allOf` members (refs resolved, non-recursive only) into the parent."""
    while "allOf" in node:
        members = node.pop("allOf")
        if not isinstance(members, list):
            raise SchemaAdaptationError(ptr + "/allOf", "`allOf` must be a list")
        merged: dict[str, Any] = {}
        for index, member in enumerate([*members, node]):
            mptr = f"{ptr}/allOf/{index}"
            member = _as_mapping(member, mptr)
            while "$ref" in member:
                name = _ref_name(member["$ref"], mptr)
                if name not in ctx.defs:
                    raise SchemaAdaptationError(mptr, f"reference {member['$ref']!r} points to no definition")
                if name in ctx.recursive:
                    raise SchemaAdaptationError(mptr, "`allOf` over a recursive definition cannot be expressed")
                member = {**_as_mapping(ctx.defs[name], mptr), **{k: v for k, v in member.items() if k != "$ref"}}
            for key, value in member.items():
                if key in _ANNOTATIONS:
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


def _split_type_list(node: dict[str, Any]) -> dict[str, Any]:
    """R5: `type: [a, b]` becomes `anyOf` of one-type schemas; type-specific keywords follow their type."""
    kind = node.get("type")
    if not isinstance(kind, list):
        return node
    kinds = [k for k in kind if isinstance(k, str)]
    if len(kinds) == 1:
        return {**node, "type": kinds[0]}
    specific = {key for k in kinds for key in _TYPE_KEYS.get(k, ())}
    shared = {k: v for k, v in node.items() if k != "type" and k not in specific}
    branches = [{"type": k, **{key: node[key] for key in _TYPE_KEYS.get(k, ()) if key in node}} for k in kinds]
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


def _split_enum(node: dict[str, Any], ptr: str, ctx: _Ctx) -> dict[str, Any]:
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
        groups.append(dict(_NULL))
    rest = {k: v for k, v in node.items() if k not in ("anyOf", "oneOf")}
    if len(groups) == 1:
        only = groups[0]
        keep = {k: v for k, v in rest.items() if k in _TYPE_KEYS.get(only["type"], ()) or k not in _all_type_keys()}
        return {**keep, **only}
    return {k: v for k, v in rest.items() if k not in _all_type_keys()} | {"anyOf": groups}


def _all_type_keys() -> frozenset[str]:
    return frozenset(k for keys in _TYPE_KEYS.values() for k in keys)


def _unique(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if not any(value == seen and type(value) is type(seen) for seen in out):
            out.append(value)
    return out


# -- unions -------------------------------------------------------------------------------------------
def _union(node: dict[str, Any], ptr: str, ctx: _Ctx, depth: dict[str, int]) -> dict[str, Any] | _Cut:
    """R5: oneOf→anyOf, flatten, dedupe, one null branch last; openapi uses `nullable` instead."""
    raw_branches: list[tuple[str, Any]] = []
    for key in ("anyOf", "oneOf"):
        if key in node:
            members = node.pop(key)
            if not isinstance(members, list) or not members:
                raise SchemaAdaptationError(f"{ptr}/{key}", f"`{key}` must be a non-empty list")
            raw_branches += [(f"{ptr}/{key}/{i}", m) for i, m in enumerate(members)]
    description = node.pop("description", None)
    shared = node  # keywords next to anyOf apply to every branch
    branches: list[dict[str, Any]] = []
    has_null = False
    for bptr, member in raw_branches:
        if isinstance(member, Mapping) and member.get("type") == "null" and set(member) - _ANNOTATIONS <= {
            "type", "description"
        }:
            has_null = True  # never adapted alone: openapi would turn it into a nullable string
            continue
        if shared and isinstance(member, Mapping):
            member = {**shared, **member}
        out = _node(member, bptr, ctx, depth)
        if isinstance(out, _Cut):
            ctx.note("R4", bptr, f"recursion cut at depth {ctx.max_depth}: this branch is removed (lossy)")
            continue
        if ctx.profile == "openapi" and out.get("nullable") is True:
            has_null = True
            out = {k: v for k, v in out.items() if k != "nullable"}
        inner = out.get("anyOf") if set(out) == {"anyOf"} else None
        for branch in inner if isinstance(inner, list) else [out]:
            if branch.get("type") == "null" and set(branch) <= {"type", "description"}:
                has_null = True
            elif branch not in branches:
                branches.append(branch)
    if not branches and not has_null:
        raise SchemaAdaptationError(ptr, "recursion with no finite terminal: every branch of the union was cut")
    if ctx.profile == "jsonschema":
        if has_null:
            branches.append(dict(_NULL))
        if len(branches) == 1:
            return _with_description(branches[0], description, ctx)
        out = {"anyOf": branches}
        if description is not None:
            out["description"] = description
        return out
    if not branches:  # openapi cannot say "null only" portably: a nullable string with a hint (lossy)
        ctx.note("R5", ptr, "a value that can only be null is sent as a nullable string (openapi profile)")
        return _with_description({"type": "string", "nullable": True, "description": "must be null"}, description, ctx)
    if has_null:
        branches = [{**b, "nullable": True} for b in branches]
    if len(branches) == 1:
        return _with_description(branches[0], description, ctx)
    if description is not None:
        branches = [b if "description" in b else {**b, "description": description} for b in branches]
    return {"anyOf": branches}


def _with_description(node: dict[str, Any], description: Any, ctx: _Ctx) -> dict[str, Any]:
    """A collapsed union keeps the parent's description; the branch's own text follows in parentheses."""
    if description is None:
        return node
    if "$ref" in node:  # a $ref may carry no siblings: use a copy of the target instead
        node = _copy(ctx.shared[_ref_name(node["$ref"], "#")])
    own = node.get("description")
    text = description if own is None or own == description else f"{description} ({own})"
    return {**node, "description": text}


# -- typed nodes --------------------------------------------------------------------------------------
def _typed(node: dict[str, Any], ptr: str, ctx: _Ctx, depth: dict[str, int]) -> dict[str, Any]:
    kind = node.get("type")
    if kind is None:
        if "properties" in node or "additionalProperties" in node:
            kind = "object"
        elif "items" in node or "prefixItems" in node:
            kind = "array"
    hints: list[str] = []
    out: dict[str, Any] = {}
    if kind is None:
        out = _untyped(node, ptr, ctx)
    elif kind == "object":
        out = _object(node, ptr, ctx, depth)
    elif kind == "array":
        out = _array(node, ptr, ctx, depth, hints)
    elif kind == "string":
        out = _string(node, ptr, ctx, hints)
    elif kind in ("integer", "number"):
        out = _number(node, kind, ctx.profile, hints)
    elif kind == "boolean":
        out = {"type": "boolean"}
        if node.get("enum") and len(node["enum"]) == 1:
            hints.append(f"must be {json.dumps(node['enum'][0])}")
    elif kind == "null":
        if ctx.profile == "openapi":
            ctx.note("R5", ptr, "a value that can only be null is sent as a nullable string (openapi profile)")
            out = {"type": "string", "nullable": True}
            hints.append("must be null")
        else:
            out = dict(_NULL)
    else:
        raise SchemaAdaptationError(ptr, f"unknown type {kind!r}")
    description = node.get("description")
    if description is not None and not isinstance(description, str):
        description = str(description)
    text = _describe(description, hints)
    if text is not None:
        if ctx.profile == "openapi" and "anyOf" in out:  # an openapi anyOf carries no siblings
            out["anyOf"] = [b if "description" in b else {**b, "description": text} for b in out["anyOf"]]
        else:
            out["description"] = text
    if ctx.profile == "openapi" and node.get("nullable") is True:
        out["nullable"] = True
    return out


def _describe(description: str | None, hints: list[str]) -> str | None:
    """R14: hints join with '; ', appended in parentheses to the description or used alone."""
    if not hints:
        return description
    joined = "; ".join(hints)
    return f"{description} ({joined})" if description else joined


def _untyped(node: dict[str, Any], ptr: str, ctx: _Ctx) -> dict[str, Any]:
    """R13: `{}` stays any-JSON for jsonschema responses; elsewhere a scalar union (lossy)."""
    if ctx.profile == "jsonschema" and ctx.target == "response_format":
        ctx.note("R13", ptr, "untyped schema (any JSON value) kept as {}; Gemini may answer any shape")
        return {}
    ctx.note("R13", ptr, "untyped schema replaced by string|number|boolean|null; objects and arrays are lost")
    if ctx.profile == "jsonschema":
        return {"anyOf": [{"type": k} for k in _SCALARS] + [dict(_NULL)]}
    return {"anyOf": [{"type": k, "nullable": True} for k in _SCALARS]}


def _object(node: dict[str, Any], ptr: str, ctx: _Ctx, depth: dict[str, int]) -> dict[str, Any]:
    """R12: keep properties (names untouched, order kept), filter `required`, keep useful additionalProperties."""
    out: dict[str, Any] = {"type": "object"}
    props = node.get("properties")
    if props is not None and not isinstance(props, Mapping):
        raise SchemaAdaptationError(ptr + "/properties", "`properties` must be an object")
    if props is not None:
        adapted: dict[str, Any] = {}
        for name, sub in props.items():
            pptr = f"{ptr}/properties/{_escape(name)}"
            value = _node(sub, pptr, ctx, depth)
            if isinstance(value, _Cut):
                raise SchemaAdaptationError(
                    pptr, f"recursion with no finite terminal: property {name!r} must always hold another copy of "
                    "its own model; make it Optional or a list so the recursion can end"
                )
            if name.startswith("$"):
                ctx.note("R12", pptr, f"property name {name!r} starts with '$' and may confuse reference handling")
            if ctx.target == "tool_parameters" and not _TOOL_PROPERTY.match(name):
                ctx.note("R15", pptr, f"property name {name!r} is outside Gemini's [A-Za-z_][A-Za-z0-9_]{{0,63}}")
            adapted[name] = value
        out["properties"] = adapted
        required = node.get("required", [])
        out["required"] = [n for n in adapted if isinstance(required, list) and n in required]
        if ctx.profile == "openapi" and len(adapted) >= 2:
            out["propertyOrdering"] = list(adapted)
    extra = node.get("additionalProperties")
    if extra is False:
        out["additionalProperties"] = False
    elif isinstance(extra, Mapping) and extra:
        aptr = ptr + "/additionalProperties"
        value = _node(extra, aptr, ctx, depth)
        if isinstance(value, _Cut):
            if node.get("minProperties", 0):
                raise SchemaAdaptationError(aptr, "recursion with no finite terminal: minProperties > 0")
            ctx.note("R4", aptr, f"recursion cut at depth {ctx.max_depth}: only an empty object is allowed here")
            out["additionalProperties"] = {"type": "object", "properties": {}, "required": [],
                                           "additionalProperties": False}
        else:
            out["additionalProperties"] = value
            if ctx.profile == "openapi":
                ctx.note("R12", aptr, "schema-valued additionalProperties kept (Vertex supports it; the Developer "
                         "API does not)")
    if props is None and not isinstance(out.get("additionalProperties"), Mapping):
        ctx.note("R12", ptr, "free-form object without properties: Gemini may return {} or reject it")
    for key in ("patternProperties", "propertyNames", "minProperties", "maxProperties", "unevaluatedProperties"):
        if key in node:
            ctx.note("R12", ptr, f"dropped `{key}` (not supported by Gemini; lossy)")
    return out


def _array(node: dict[str, Any], ptr: str, ctx: _Ctx, depth: dict[str, int], hints: list[str]) -> dict[str, Any]:
    """R11: every array gets `items`; tuples collapse when homogeneous; uniqueness becomes a hint."""
    out: dict[str, Any] = {"type": "array"}
    min_items = node.get("minItems")
    max_items = node.get("maxItems")
    prefix = node.get("prefixItems")
    if isinstance(prefix, list) and prefix:
        positions = []
        for i, sub in enumerate(prefix):
            value = _node(sub, f"{ptr}/prefixItems/{i}", ctx, depth)
            if isinstance(value, _Cut):
                raise SchemaAdaptationError(f"{ptr}/prefixItems/{i}", "recursion with no finite terminal in a tuple")
            positions.append(value)
        count = len(positions)
        tail = node.get("items")
        if all(p == positions[0] for p in positions) and tail in (None, False):
            out["items"] = positions[0]
        elif ctx.profile == "jsonschema":
            out["prefixItems"] = positions
            if tail not in (None, False):
                out["items"] = _items(tail, ptr, ctx, depth, min_items)
        else:
            unique = [p for i, p in enumerate(positions) if p not in positions[:i]]
            out["items"] = unique[0] if len(unique) == 1 else {"anyOf": unique}
            hints.append("positional types: " + ", ".join(str(p.get("type", "any")) for p in positions))
            ctx.note("R11", ptr, "tuple sent as a list of alternatives; the position of each type is a hint (lossy)")
        if tail in (None, False):
            min_items = count if min_items is None else max(min_items, count)
            max_items = count if max_items is None else min(max_items, count)
        else:
            min_items = count if min_items is None else max(min_items, count)
    else:
        out["items"] = _items(node.get("items"), ptr, ctx, depth, min_items)
        if out["items"] is None:
            out = {"type": "array", "items": {"type": "string"}}
            max_items = 0
    if min_items:
        out["minItems"] = min_items
    if max_items is not None:
        out["maxItems"] = max_items
    if node.get("uniqueItems"):
        hints.append("items must be unique")
    for key in ("contains", "minContains", "maxContains", "unevaluatedItems"):
        if key in node:
            ctx.note("R11", ptr, f"dropped `{key}` (not supported by Gemini; lossy)")
    return out


def _items(raw: Any, ptr: str, ctx: _Ctx, depth: dict[str, int], min_items: Any) -> Any:
    """Adapt `items`; a recursion cut returns None and the caller allows only []."""
    value = _node({} if raw is None else raw, ptr + "/items", ctx, depth)
    if isinstance(value, _Cut):
        if min_items:
            raise SchemaAdaptationError(ptr + "/items", "recursion with no finite terminal: minItems > 0")
        ctx.note("R4", ptr + "/items", f"recursion cut at depth {ctx.max_depth}: only an empty list is allowed")
        return None
    return value


def _string(node: dict[str, Any], ptr: str, ctx: _Ctx, hints: list[str]) -> dict[str, Any]:
    """R9: allow-listed formats stay; other formats and length/pattern constraints become hints."""
    out: dict[str, Any] = {"type": "string"}
    if "enum" in node:
        out["enum"] = node["enum"]
    fmt = node.get("format")
    if isinstance(fmt, str):
        if fmt in _FORMATS[ctx.profile]:
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


def _number(node: dict[str, Any], kind: str, profile: str, hints: list[str]) -> dict[str, Any]:
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


# -- output helpers ------------------------------------------------------------------------------------
def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _copy(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _copy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy(v) for v in node]
    return node


def _ordered(node: Any) -> Any:
    """Canonical key order at schema positions; names inside properties/$defs keep their order."""
    if isinstance(node, list):
        return [_ordered(v) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key in sorted(node, key=lambda k: _ORDER.get(k, len(_ORDER))):
        value = node[key]
        if key in ("properties", "$defs"):
            out[key] = {name: _ordered(sub) for name, sub in value.items()}
        elif key in ("enum", "required", "propertyOrdering"):
            out[key] = list(value)
        else:
            out[key] = _ordered(value)
    return out


def _complexity_notes(out: dict[str, Any], ctx: _Ctx) -> None:
    """R17: report (never change) what risks Gemini's size/depth limits."""
    defs = out.get("$defs", {})
    size = len(json.dumps(out))
    deepest = _depth(out, defs, {})
    if deepest > 5:
        ctx.note("R17", "#", f"object/array nesting depth {deepest} (refs resolved) exceeds 5: Gemini may reject it")
    if size > 40_000:
        ctx.note("R17", "#", f"schema is {size} characters: Gemini may answer 'too many states'")


def _depth(node: Any, defs: Mapping[str, Any], memo: dict[str, int]) -> int:
    """Object/array levels below and including `node`, refs resolved (memoized per definition)."""
    if not isinstance(node, dict):
        return 0
    if "$ref" in node:
        name = _ref_name(node["$ref"], "#")
        if name not in memo:
            memo[name] = 0  # output refs are acyclic; this only guards against bad input
            memo[name] = _depth(defs.get(name), defs, memo)
        return memo[name]
    children: list[Any] = list((node.get("properties") or {}).values())
    children += [node.get("items"), node.get("additionalProperties")]
    children += list(node.get("anyOf") or []) + list(node.get("prefixItems") or [])
    below = max((_depth(child, defs, memo) for child in children), default=0)
    return below + (1 if node.get("type") in ("object", "array") else 0)
