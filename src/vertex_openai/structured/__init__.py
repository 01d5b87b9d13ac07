"""Structured output for Gemini: JSON schemas adapted so `parse()` works for real pydantic models.

The client adapts every `response_format` json_schema and every strict function tool automatically, and the
parameters of non-strict function tools for Gemini (`google/`) models on the openapi endpoint, without adding
strictness (see `schema_adaptation=` on the client). Use these functions directly to see or reuse the result::

    from vertex_openai.structured import adapt_schema, adaptation_notes
    for note in adaptation_notes(MyModel):
        print(note)   # [R9] #/properties/code: ... what changed and where

Rules and their reasons: structured-output.html#the-rules-and-their-sources in the docs (R0–R17). Unsettled
points are noted where the safe option was chosen.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._sdk import strict_json_schema
from ._adapt import AdaptationNote, Profile, SchemaAdaptationError, Target, adapt_schema
from ._parse import StructuredOutputError, aparse_with_reask, parse_with_reask, strip_json_fences
from ._wire import (
    SCHEMA_ADAPTATION_MODES,
    UnsupportedRequestError,
    adapt_response_format,
    adapt_tool,
)

__all__ = [
    "SCHEMA_ADAPTATION_MODES",
    "AdaptationNote",
    "Profile",
    "SchemaAdaptationError",
    "StructuredOutputError",
    "Target",
    "UnsupportedRequestError",
    "adapt_response_format",
    "adapt_schema",
    "adapt_tool",
    "adaptation_notes",
    "aparse_with_reask",
    "parse_with_reask",
    "strict_schema_for",
    "strip_json_fences",
]


def strict_schema_for(model: Any) -> dict[str, Any]:
    """The strict JSON schema the openai SDK would send for a pydantic model (before our adaptation)."""
    return strict_json_schema(model)


def adaptation_notes(
    schema_or_model: Mapping[str, Any] | type[Any],
    *,
    profile: Profile = "jsonschema",
    target: Target = "response_format",
    max_recursion_depth: int = 3,
) -> list[AdaptationNote]:
    """What adaptation changes for this schema or pydantic model (lossy constraints, recursion cuts...)."""
    schema = schema_or_model if isinstance(schema_or_model, Mapping) else strict_schema_for(schema_or_model)
    notes: list[AdaptationNote] = []
    adapt_schema(schema, profile=profile, target=target, max_recursion_depth=max_recursion_depth, notes=notes)
    return notes
