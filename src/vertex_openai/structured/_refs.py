"""`$defs` and `$ref` for the schema adapter: collecting definitions, finding recursive ones, measuring depth."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from ._context import SchemaAdaptationError


def collect_defs(schema: Mapping[str, Any]) -> dict[str, Any]:
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


def ref_name(ref: Any, pointer: str) -> str:
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
                    out.add(ref_name(value, "#"))
            elif key in ("properties", "$defs", "definitions") and isinstance(value, Mapping):
                for sub in value.values():
                    _refs_in(sub, out)
            else:
                _refs_in(value, out)
    elif isinstance(node, list):
        for item in node:
            _refs_in(item, out)


def recursive_defs(defs: Mapping[str, Any]) -> frozenset[str]:
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


def used_defs(node: Any, shared: Mapping[str, Any]) -> set[str]:
    used: set[str] = set()
    pending = [node]
    while pending:
        found: set[str] = set()
        _refs_in(pending.pop(), found)
        for name in found - used:
            used.add(name)
            pending.append(shared[name])
    return used


def depth(node: Any, defs: Mapping[str, Any], memo: dict[str, int]) -> int:
    """Object/array levels below and including `node`, refs resolved (memoized per definition)."""
    if not isinstance(node, dict):
        return 0
    if "$ref" in node:
        name = ref_name(node["$ref"], "#")
        if name not in memo:
            memo[name] = 0  # output refs are acyclic; this only guards against bad input
            memo[name] = depth(defs.get(name), defs, memo)
        return memo[name]
    children: list[Any] = list((node.get("properties") or {}).values())
    children += [node.get("items"), node.get("additionalProperties")]
    children += list(node.get("anyOf") or []) + list(node.get("prefixItems") or [])
    below = max((depth(child, defs, memo) for child in children), default=0)
    return below + (1 if node.get("type") in ("object", "array") else 0)
