"""The schema adapter proper: one pass over a JSON schema applying the rules R1–R14 and R17
of docs/structured-output.md ("The rules and their sources").

Pure: the input is never mutated, output is built fresh with a canonical key order so that adapting
twice gives the same bytes (idempotence, R0.3). Wrappers for `response_format` and tools live in
`_wire.py`; the public names are re-exported by `vertex_openai.structured`. Single-node rewrites live in
`_keywords.py`, `$defs` and recursion in `_refs.py`, the vocabulary in `_context.py`.

Unsettled (not documented by Google) and the safe option taken here:
* which dialect the compat layer uses: both profiles exist; `jsonschema` is the default, switchable per client/call;
* whether any cycle is rejected: every recursive reference is unrolled, none is left as `$ref`;
* `{}` in a response schema: kept as "any" (jsonschema responses only), replaced by a scalar union elsewhere;
* the nesting-depth limit: never changed, only reported (R17);
* a null-only node in the proto dialect: a nullable string with the hint "must be null" (old APIs reject
  `type: "null"`); `strict: true` on tools is passed through unchanged (`_wire.py`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["AdaptationNote", "Profile", "SchemaAdaptationError", "Target", "adapt_schema"]

from ._context import (
    ANNOTATIONS,
    CONDITIONALS,
    CUT,
    NULL,
    PROFILES,
    TARGETS,
    TOOL_PROPERTY,
    AdaptationNote,
    Ctx,
    Cut,
    Profile,
    SchemaAdaptationError,
    Target,
    fail,
)
from ._keywords import (
    as_mapping,
    complexity_notes,
    copy_schema,
    escape_pointer,
    merge_all_of,
    number_node,
    ordered,
    split_enum,
    split_type_list,
    string_node,
    untyped_node,
    with_description,
    with_hints,
)
from ._refs import collect_defs, recursive_defs, ref_name, used_defs

__all__ = ["AdaptationNote", "Profile", "SchemaAdaptationError", "Target", "adapt_schema"]


def adapt_schema(
    schema: Mapping[str, Any] | bool,
    *,
    profile: Profile = "jsonschema",
    target: Target = "response_format",
    max_recursion_depth: int = 3,
    notes: list[AdaptationNote] | None = None,
) -> dict[str, Any]:
    """Return a Gemini-safe copy of `schema` (the rules: structured-output.html in the docs); append what changed to
    `notes`.

    Raises SchemaAdaptationError, naming the JSON pointer, when the schema cannot be expressed.
    """
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
    if max_recursion_depth < 0:
        raise ValueError(f"max_recursion_depth must be >= 0, got {max_recursion_depth!r}")
    if isinstance(schema, bool):
        schema = {} if schema else fail("#", "the schema `false` accepts nothing")
    if not isinstance(schema, Mapping):
        raise SchemaAdaptationError("#", f"a schema must be a JSON object, got {type(schema).__name__}")
    defs = collect_defs(schema)
    ctx = Ctx(profile, target, max_recursion_depth, defs, recursive_defs(defs), notes if notes is not None else [])
    root = {k: v for k, v in schema.items() if k not in ("$defs", "definitions")}
    out = _node(root, "#", ctx, {})
    if isinstance(out, Cut):  # pragma: no cover - a root cannot be cut: counters start at zero
        raise SchemaAdaptationError("#", "recursion with no finite terminal")
    if "$ref" in out:  # a root reference is replaced by its target
        out = copy_schema(ctx.shared[ref_name(out["$ref"], "#")])
    if target == "tool_parameters" and out.get("type") != "object":
        raise SchemaAdaptationError("#", "function parameters must be a JSON object schema (Gemini requires OBJECT)")
    if profile == "jsonschema":
        used = used_defs(out, ctx.shared)
        if used:
            out["$defs"] = {name: ctx.shared[name] for name in sorted(used)}
    complexity_notes(out, ctx)
    result: dict[str, Any] = ordered(out)
    return result


def _node(raw: Any, ptr: str, ctx: Ctx, depth: dict[str, int]) -> dict[str, Any] | Cut:
    """Adapt one schema position. `depth` counts expansions of each recursive definition on this path."""
    if raw is True:
        raw = {}
    if raw is False:
        raise SchemaAdaptationError(ptr, "the schema `false` accepts nothing and cannot be sent")
    if not isinstance(raw, Mapping):
        raise SchemaAdaptationError(ptr, f"a schema must be a JSON object, got {type(raw).__name__}")
    node = {k: v for k, v in raw.items() if k not in ANNOTATIONS}
    if "$ref" in node:
        return _ref(node, ptr, ctx, depth)
    node = merge_all_of(node, ptr, ctx)
    for key in CONDITIONALS:
        if key in node:
            del node[key]
            ctx.note("R6", ptr, f"dropped `{key}`: conditional schemas cannot be expressed for Gemini (lossy)")
    if "const" in node:  # R7
        const = node.pop("const")
        if "enum" not in node:
            node["enum"] = [const]
    node = split_type_list(node)
    if node.get("nullable") is True and ctx.profile == "jsonschema":  # hand-written OpenAPI style
        rest = {k: v for k, v in node.items() if k not in ("nullable", "description")}
        node = {"anyOf": [rest, dict(NULL)], **({"description": node["description"]} if "description" in node else {})}
    if "enum" in node:
        node = split_enum(node, ptr, ctx)
    if "anyOf" in node or "oneOf" in node:
        return _union(node, ptr, ctx, depth)
    return _typed(node, ptr, ctx, depth)


def _ref(node: dict[str, Any], ptr: str, ctx: Ctx, depth: dict[str, int]) -> dict[str, Any] | Cut:
    name = ref_name(node["$ref"], ptr)
    if name not in ctx.defs:
        raise SchemaAdaptationError(ptr, f"reference {node['$ref']!r} points to no definition")
    siblings = {k: v for k, v in node.items() if k != "$ref"}
    body = ctx.defs[name]
    if name in ctx.recursive:  # R4: always inlined, bounded per path
        count = depth.get(name, 0)
        if count >= ctx.max_depth:
            return CUT
        merged = {**as_mapping(body, ptr), **siblings}
        return _node(merged, f"#/$defs/{name}", ctx, {**depth, name: count + 1})
    if siblings:  # R2: siblings win over the target's keywords
        return _node({**as_mapping(body, ptr), **siblings}, ptr, ctx, depth)
    adapted = _shared_def(name, ctx)
    if ctx.profile == "jsonschema" and name not in ctx.inline_only:
        return {"$ref": "#/$defs/" + name.replace("~", "~0").replace("/", "~1")}
    copied: dict[str, Any] = copy_schema(adapted)
    return copied


def _shared_def(name: str, ctx: Ctx) -> dict[str, Any]:
    """Adapt a non-recursive definition once; its result does not depend on the path (see module doc)."""
    if name not in ctx.shared:
        if name in ctx.in_progress:  # pragma: no cover - impossible for non-recursive defs
            raise SchemaAdaptationError(f"#/$defs/{name}", "reference cycle")
        ctx.in_progress.add(name)
        out = _node(ctx.defs[name], f"#/$defs/{name}", ctx, {})
        ctx.in_progress.discard(name)
        assert isinstance(out, dict)
        ctx.shared[name] = ordered(out)
        if out.get("type") not in ("object", "array") or "anyOf" in out:
            ctx.inline_only.add(name)
    return ctx.shared[name]


def _union(node: dict[str, Any], ptr: str, ctx: Ctx, depth: dict[str, int]) -> dict[str, Any] | Cut:
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
        if isinstance(member, Mapping) and member.get("type") == "null" and set(member) - ANNOTATIONS <= {
            "type", "description"
        }:
            has_null = True  # never adapted alone: openapi would turn it into a nullable string
            continue
        if shared and isinstance(member, Mapping):
            member = {**shared, **member}
        out = _node(member, bptr, ctx, depth)
        if isinstance(out, Cut):
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
            branches.append(dict(NULL))
        if len(branches) == 1:
            return with_description(branches[0], description, ctx)
        out = {"anyOf": branches}
        if description is not None:
            out["description"] = description
        return out
    if not branches:  # openapi cannot say "null only" portably: a nullable string with a hint (lossy)
        ctx.note("R5", ptr, "a value that can only be null is sent as a nullable string (openapi profile)")
        return with_description({"type": "string", "nullable": True, "description": "must be null"}, description, ctx)
    if has_null:
        branches = [{**b, "nullable": True} for b in branches]
    if len(branches) == 1:
        return with_description(branches[0], description, ctx)
    if description is not None:
        branches = [b if "description" in b else {**b, "description": description} for b in branches]
    return {"anyOf": branches}


def _typed(node: dict[str, Any], ptr: str, ctx: Ctx, depth: dict[str, int]) -> dict[str, Any]:
    kind = node.get("type")
    if kind is None:
        if "properties" in node or "additionalProperties" in node:
            kind = "object"
        elif "items" in node or "prefixItems" in node:
            kind = "array"
    hints: list[str] = []
    out: dict[str, Any] = {}
    if kind is None:
        out = untyped_node(node, ptr, ctx)
    elif kind == "object":
        out = _object(node, ptr, ctx, depth)
    elif kind == "array":
        out = _array(node, ptr, ctx, depth, hints)
    elif kind == "string":
        out = string_node(node, ptr, ctx, hints)
    elif kind in ("integer", "number"):
        out = number_node(node, kind, ctx.profile, hints)
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
            out = dict(NULL)
    else:
        raise SchemaAdaptationError(ptr, f"unknown type {kind!r}")
    description = node.get("description")
    if description is not None and not isinstance(description, str):
        description = str(description)
    text = with_hints(description, hints)
    if text is not None:
        if ctx.profile == "openapi" and "anyOf" in out:  # an openapi anyOf carries no siblings
            out["anyOf"] = [b if "description" in b else {**b, "description": text} for b in out["anyOf"]]
        else:
            out["description"] = text
    if ctx.profile == "openapi" and node.get("nullable") is True:
        out["nullable"] = True
    return out


def _object(node: dict[str, Any], ptr: str, ctx: Ctx, depth: dict[str, int]) -> dict[str, Any]:
    """R12: keep properties (names untouched, order kept), filter `required`, keep useful additionalProperties."""
    out: dict[str, Any] = {"type": "object"}
    props = node.get("properties")
    if props is not None and not isinstance(props, Mapping):
        raise SchemaAdaptationError(ptr + "/properties", "`properties` must be an object")
    if props is not None:
        adapted: dict[str, Any] = {}
        for name, sub in props.items():
            pptr = f"{ptr}/properties/{escape_pointer(name)}"
            value = _node(sub, pptr, ctx, depth)
            if isinstance(value, Cut):
                raise SchemaAdaptationError(
                    pptr, f"recursion with no finite terminal: property {name!r} must always hold another copy of "
                    "its own model; make it Optional or a list so the recursion can end"
                )
            if name.startswith("$"):
                ctx.note("R12", pptr, f"property name {name!r} starts with '$' and may confuse reference handling")
            if ctx.target == "tool_parameters" and not TOOL_PROPERTY.match(name):
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
        if isinstance(value, Cut):
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


def _array(node: dict[str, Any], ptr: str, ctx: Ctx, depth: dict[str, int], hints: list[str]) -> dict[str, Any]:
    """R11: every array gets `items`; tuples collapse when homogeneous; uniqueness becomes a hint."""
    out: dict[str, Any] = {"type": "array"}
    min_items = node.get("minItems")
    max_items = node.get("maxItems")
    prefix = node.get("prefixItems")
    if isinstance(prefix, list) and prefix:
        positions = []
        for i, sub in enumerate(prefix):
            value = _node(sub, f"{ptr}/prefixItems/{i}", ctx, depth)
            if isinstance(value, Cut):
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


def _items(raw: Any, ptr: str, ctx: Ctx, depth: dict[str, int], min_items: Any) -> Any:
    """Adapt `items`; a recursion cut returns None and the caller allows only []."""
    value = _node({} if raw is None else raw, ptr + "/items", ctx, depth)
    if isinstance(value, Cut):
        if min_items:
            raise SchemaAdaptationError(ptr + "/items", "recursion with no finite terminal: minItems > 0")
        ctx.note("R4", ptr + "/items", f"recursion cut at depth {ctx.max_depth}: only an empty list is allowed")
        return None
    return value
