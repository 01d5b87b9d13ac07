"""The schema adapter's vocabulary: its error and note types, keyword tables, and the per-call context.

`_adapt.py` walks the schema, `_keywords.py` rewrites single nodes, `_refs.py` handles `$defs` and recursion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

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
ANNOTATIONS = frozenset(
    [
        "$schema", "$id", "$anchor", "$comment", "$vocabulary", "title", "examples", "example", "default",
        "deprecated", "readOnly", "writeOnly", "discriminator", "contentEncoding", "contentMediaType",
        "contentSchema", "strict",
    ]
)


# R6: conditional keywords cannot be expressed at all: dropped with a note.
CONDITIONALS = ("not", "if", "then", "else", "dependentRequired", "dependentSchemas")


TYPE_KEYS = {
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


FORMATS: dict[str, frozenset[str]] = {
    "jsonschema": frozenset({"date-time", "date", "time"}),
    "openapi": frozenset({"date-time"}),
}


# Canonical output order; makes the output deterministic and a second pass byte-identical.
ORDER = {k: i for i, k in enumerate(
    [
        "type", "anyOf", "description", "enum", "format", "properties", "required", "additionalProperties",
        "items", "prefixItems", "minItems", "maxItems", "minimum", "maximum", "nullable",
        "propertyOrdering", "$defs", "$ref",
    ]
)}


NULL: dict[str, Any] = {"type": "null"}


SCALARS = ("string", "number", "boolean")


TOOL_PROPERTY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class Cut:
    """Marker returned where a recursive reference reached its bound; the parent picks a terminal."""


CUT = Cut()


@dataclass
class Ctx:
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


def fail(pointer: str, reason: str) -> Any:
    raise SchemaAdaptationError(pointer, reason)
