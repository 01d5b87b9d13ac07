"""What Google is documented or reported to reject in request schemas (docs/structured-output.md,
"The rules and their sources"), as the fake's check.

Deliberately NOT our adapter's rules: only rejections with a source, answered with Google's error text, so
tests of `parse()` fail when a known-bad schema is sent and do not pass by construction.

Two dialects, because it is not documented which one Vertex's compat layer uses:
* "jsonschema" (`strict_schemas=True`): rejections reported for any dialect / the compat layer:
  list-valued `type`, `const`, `$schema` / `propertyNames` / `examples` (Unknown name ...), `$ref` with
  sibling keywords (2026 message), `minLength` in a response schema (Vertex 501), function parameters
  whose root is not an object or with an untyped node, tools together with a JSON response format on
  Gemini < 3, and a reference cycle ("fully recursive schemas are not supported", Google's OpenAI-library page).
* "openapi" (`strict_schemas="openapi"`): additionally the proto `Schema` message — any key that is not a
  proto field is an Unknown name (`$ref`, `$defs`, `oneOf`, `prefixItems`, ...), numeric/boolean enum values
  (TYPE_STRING) and `type: "null"` (older API).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["schema_rejection"]

_UNKNOWN_ANYWHERE = ("const", "$schema", "propertyNames", "examples")
# Proto `Schema` fields (googleapis aiplatform v1 openapi.proto + current REST Schema), camelCase on the wire.
_PROTO_FIELDS = frozenset(
    [
        "type", "format", "title", "description", "nullable", "default", "items", "minItems", "maxItems",
        "enum", "properties", "propertyOrdering", "required", "minProperties", "maxProperties", "minimum",
        "maximum", "minLength", "maxLength", "pattern", "example", "anyOf", "additionalProperties",
    ]
)
_OLD_GEMINI = re.compile(r"(^|/)gemini-(1|2)([.-]|$)")
_REF_SIBLINGS_OK = frozenset({"description", "default"})


class _Rejected(Exception):
    def __init__(self, status: int, google_status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.google_status = google_status
        self.message = message


def schema_rejection(body: Mapping[str, Any], dialect: str = "jsonschema") -> tuple[int, str, str] | None:
    """(HTTP status, Google status, message) Google would answer for this chat body's schemas, or None."""
    try:
        _check_body(body, dialect)
    except _Rejected as rejected:
        return rejected.status, rejected.google_status, rejected.message
    return None


def _check_body(body: Mapping[str, Any], dialect: str) -> None:
    tools = body.get("tools")
    rf = body.get("response_format")
    json_format = isinstance(rf, Mapping) and rf.get("type") in ("json_schema", "json_object")
    model = body.get("model")
    if tools and json_format and isinstance(model, str) and _OLD_GEMINI.search(model):
        raise _Rejected(400, "INVALID_ARGUMENT",
                        "Function calling with a response mime type: 'application/json' is unsupported")
    if isinstance(rf, Mapping) and rf.get("type") == "json_schema":
        schema = (rf.get("json_schema") or {}).get("schema")
        if isinstance(schema, Mapping):
            _check_schema(schema, "generation_config.response_schema", dialect, response=True)
    for i, tool in enumerate(tools if isinstance(tools, list) else []):
        function = tool.get("function") if isinstance(tool, Mapping) else None
        if not isinstance(function, Mapping) or "parameters" not in function:
            continue
        params = function["parameters"]
        path = f"tools[{i}].function_declarations[0].parameters"
        name = function.get("name")
        if not isinstance(params, Mapping) or _resolve(params, params).get("type") != "object":
            raise _Rejected(400, "INVALID_ARGUMENT", f"Unable to submit request because {name} functionDeclaration "
                            "parameters schema should be of type OBJECT")
        _check_schema(params, path, dialect, response=False)
        _check_typed(params, params, "", str(name))


def _check_schema(schema: Mapping[str, Any], path: str, dialect: str, *, response: bool) -> None:
    defs = schema.get("$defs") if isinstance(schema.get("$defs"), Mapping) else {}
    if _has_cycle(defs):
        raise _Rejected(400, "INVALID_ARGUMENT", "Request contains an invalid argument.")
    _walk(schema, path, dialect, response, root=True)
    for name, body in (defs or {}).items():
        if dialect == "jsonschema" and isinstance(body, Mapping):
            _walk(body, f'{path}.defs["{name}"]', dialect, response, root=False)


def _walk(node: Any, path: str, dialect: str, response: bool, *, root: bool) -> None:
    if not isinstance(node, Mapping):
        return
    for key in node:
        if key in _UNKNOWN_ANYWHERE or (dialect == "openapi" and key not in _PROTO_FIELDS):
            raise _Rejected(400, "INVALID_ARGUMENT",
                            f"Invalid JSON payload received. Unknown name \"{key}\" at '{path}': Cannot find field.")
    kind = node.get("type")
    if isinstance(kind, list):
        raise _Rejected(400, "INVALID_ARGUMENT", f"Invalid JSON payload received. Unknown name \"type\" at '{path}': "
                        "Proto field is not repeating, cannot start list.")
    if "$ref" in node:
        extra = [k for k in node if k != "$ref" and not k.startswith("$") and k not in _REF_SIBLINGS_OK]
        if extra:
            name = str(node["$ref"]).rsplit("/", 1)[-1]
            raise _Rejected(400, "INVALID_ARGUMENT", f"$ref '{name}' was set alongside unsupported fields. If a schema "
                            "node has $ref set, then only description and default can be set alongside it")
    if response and "minLength" in node:
        raise _Rejected(501, "UNIMPLEMENTED", "Unable to submit request because one or more response schemas "
                        "specified unsupported field min_length")
    if dialect == "openapi":
        if kind == "null":
            raise _Rejected(400, "INVALID_ARGUMENT", f"Invalid value at '{path}.type' "
                            "(type.googleapis.com/google.cloud.aiplatform.v1.Type), \"null\"")
        for i, value in enumerate(node.get("enum") or []):
            if not isinstance(value, str):
                raise _Rejected(400, "INVALID_ARGUMENT", f"Invalid value at '{path}.enum[{i}]' (TYPE_STRING), {value}")
    props = node.get("properties")
    if isinstance(props, Mapping):
        for i, sub in enumerate(props.values()):
            _walk(sub, f"{path}.properties[{i}].value", dialect, response, root=False)
    if isinstance(node.get("items"), Mapping):
        _walk(node["items"], f"{path}.items", dialect, response, root=False)
    if isinstance(node.get("additionalProperties"), Mapping):
        _walk(node["additionalProperties"], f"{path}.additional_properties", dialect, response, root=False)
    for key, field in (("anyOf", "any_of"), ("oneOf", "one_of"), ("prefixItems", "prefix_items")):
        for i, sub in enumerate(node.get(key) or []):
            _walk(sub, f"{path}.{field}[{i}]", dialect, response, root=False)


def _resolve(node: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = node.get("$ref")
    defs = root.get("$defs")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and isinstance(defs, Mapping):
        target = defs.get(ref[len("#/$defs/"):])
        if isinstance(target, Mapping):
            return target
    return node


def _check_typed(node: Any, root: Mapping[str, Any], path: str, name: str, seen: frozenset[str] = frozenset()) -> None:
    """Vertex function declarations: every node must say its type (an anyOf counts)."""
    if not isinstance(node, Mapping):
        return
    ref = node.get("$ref")
    if isinstance(ref, str):
        if ref in seen:
            return
        seen = seen | {ref}
        node = _resolve(node, root)
    if "type" not in node and "anyOf" not in node and "oneOf" not in node:
        raise _Rejected(400, "INVALID_ARGUMENT", f"Unable to submit request because `{name}` functionDeclaration "
                        f"`parameters{path}` schema didn't specify the schema type field.")
    for prop, sub in (node.get("properties") or {}).items():
        _check_typed(sub, root, f"{path}.{prop}", name, seen)
    if isinstance(node.get("items"), Mapping):
        _check_typed(node["items"], root, f"{path}.items", name, seen)
    for key in ("anyOf", "oneOf", "prefixItems"):
        for i, sub in enumerate(node.get(key) or []):
            _check_typed(sub, root, f"{path}.{key}[{i}]", name, seen)


def _has_cycle(defs: Any) -> bool:
    if not isinstance(defs, Mapping):
        return False
    edges = {name: _refs(body) for name, body in defs.items()}
    state: dict[str, int] = {}

    def visit(name: str) -> bool:
        if state.get(name) == 1:
            return True
        if state.get(name) == 2 or name not in edges:
            return False
        state[name] = 1
        if any(visit(n) for n in edges[name]):
            return True
        state[name] = 2
        return False

    return any(visit(name) for name in edges)


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                found.add(value[len("#/$defs/"):])
            else:
                found |= _refs(value)
    elif isinstance(node, list):
        for item in node:
            found |= _refs(item)
    return found
