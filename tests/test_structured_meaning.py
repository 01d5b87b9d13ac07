"""Meaning preservation (invariant R0, docs/structured-output.md), checked with the `jsonschema` package.

1. Instances valid under the original model (within the recursion bound) validate against the adapted schema.
2. Instances valid against the adapted schema parse with the model, except for the documented lossy rules.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pydantic
import pytest

from schema_corpus import CORPUS
from vertex_openai.structured import adapt_schema, strict_schema_for
from vertex_openai.testing import instance_for_schema

PROFILES = ("jsonschema", "openapi")


def as_json_schema(node: Any) -> Any:
    """The openapi profile's `nullable: true` spelled in JSON Schema, so `jsonschema` can check it."""
    if isinstance(node, list):
        return [as_json_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {
        k: ({n: as_json_schema(s) for n, s in v.items()} if k in ("properties", "$defs") else as_json_schema(v))
        for k, v in node.items() if k not in ("nullable", "propertyOrdering")
    }
    return {"anyOf": [out, {"type": "null"}]} if node.get("nullable") is True else out


def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    checked = as_json_schema(schema)
    jsonschema.Draft202012Validator.check_schema(checked)
    return jsonschema.Draft202012Validator(checked)


def dumped(model: Any, sample: Any) -> Any:
    adapter = pydantic.TypeAdapter(model)
    return json.loads(adapter.dump_json(adapter.validate_python(sample), by_alias=True))


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", sorted(CORPUS))
def test_valid_model_instances_validate_against_the_adapted_schema(name: str, profile: Any) -> None:
    case = CORPUS[name]
    check = validator(adapt_schema(strict_schema_for(case.model), profile=profile))
    samples = case.samples
    if profile == "openapi" and "R13" in case.lossy:
        samples = samples[1:]  # R13 (lossy): `Any` holding an object is not representable in openapi
    for sample in samples:
        instance = dumped(case.model, sample)
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in check.iter_errors(instance)]
        assert not errors, (instance, errors)


# Rules whose constraints become hints, per profile (direction 2 can fail there). In jsonschema R4 only
# loses instances deeper than the bound (direction 1); in openapi a cut `Optional` recursion leaves a
# nullable placeholder string with the hint "must be null" (no portable null type in the proto dialect).
LOSSY_IN = {
    "jsonschema": {"R9", "R10"},
    "openapi": {"R4", "R8", "R9", "R10", "R11", "R13"},
}


def lossless_for(profile: str, lossy: frozenset[str]) -> bool:
    return not (lossy & LOSSY_IN[profile])


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", sorted(CORPUS))
def test_instances_of_the_adapted_schema_parse_with_the_model(name: str, profile: Any) -> None:
    case = CORPUS[name]
    adapted = adapt_schema(strict_schema_for(case.model), profile=profile)
    instance = instance_for_schema(adapted)
    validator(adapted).validate(instance)
    if not lossless_for(profile, case.lossy):
        pytest.skip(f"documented lossy rules {sorted(case.lossy)}: constraints are hints in this profile")
    pydantic.TypeAdapter(case.model).validate_json(json.dumps(instance))


def test_the_check_is_not_vacuous() -> None:
    """An instance that breaks the original model's structure is rejected by the adapted schema too."""
    from schema_corpus import PetOwner, TreeNode

    pets = validator(adapt_schema(strict_schema_for(PetOwner)))
    assert not pets.is_valid({"name": "x", "pet": {"kind": "cat", "good": True}, "others": []})
    tree = validator(adapt_schema(strict_schema_for(TreeNode), max_recursion_depth=1))
    assert tree.is_valid({"label": "a", "children": [{"label": "b", "children": []}]})
    assert not tree.is_valid({"label": "a", "children": [{"label": "b", "children": [{"label": "c",
                                                                                       "children": []}]}]})
