"""adapt_schema: the global invariants (R0) over the corpus, and the rules (docs/structured-output.md) one by one."""

from __future__ import annotations

import copy
import json
from typing import Any, Literal

import openai
import pytest
from pydantic import BaseModel, Field

from schema_corpus import CORPUS, L1, Constrained, Event, Geo, Inventory, PetOwner, Settings, Shipment, Tricky
from vertex_openai.structured import (
    SchemaAdaptationError,
    adapt_response_format,
    adapt_schema,
    adapt_tool,
    adaptation_notes,
    strict_schema_for,
)

ALLOWED = {
    "jsonschema": {"type", "anyOf", "properties", "required", "additionalProperties", "items", "prefixItems",
                   "minItems", "maxItems", "enum", "format", "minimum", "maximum", "description", "$defs", "$ref"},
    "openapi": {"type", "anyOf", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
                "enum", "format", "minimum", "maximum", "description", "nullable", "propertyOrdering"},
}
KWARGS = [(p, t) for p in ("jsonschema", "openapi") for t in ("response_format", "tool_parameters")]


def schema_of(model: Any) -> dict[str, Any]:
    return strict_schema_for(model)


def walk(node: Any, pointer: str = "#") -> Any:
    """Yield (pointer, node) for every schema position (names inside properties/$defs are not keywords)."""
    if not isinstance(node, dict):
        return
    yield pointer, node
    for name, sub in (node.get("properties") or {}).items():
        yield from walk(sub, f"{pointer}/properties/{name}")
    for name, sub in (node.get("$defs") or {}).items():
        yield from walk(sub, f"{pointer}/$defs/{name}")
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            yield from walk(node[key], f"{pointer}/{key}")
    for key in ("anyOf", "prefixItems"):
        for i, sub in enumerate(node.get(key) or []):
            yield from walk(sub, f"{pointer}/{key}/{i}")


def check_invariants(source: dict[str, Any], out: dict[str, Any], profile: str) -> None:
    json.dumps(out)
    defs = out.get("$defs", {})
    for pointer, node in walk(out):
        assert set(node) <= ALLOWED[profile], (pointer, set(node) - ALLOWED[profile])
        assert not isinstance(node.get("type"), list), pointer
        if "$ref" in node:
            assert set(node) == {"$ref"}, pointer
            assert node["$ref"].removeprefix("#/$defs/") in defs, pointer
        if "$defs" in node:
            assert pointer == "#", pointer
        if "properties" in node:
            assert all(r in node["properties"] for r in node.get("required", [])), pointer
            order = list(node["properties"])
            assert node.get("required", []) == [n for n in order if n in node.get("required", [])], pointer
    # no $ref cycle
    def reach(name: str, seen: frozenset[str]) -> None:
        assert name not in seen, f"ref cycle through {name}"
        for _, node in walk(defs[name]):
            if "$ref" in node:
                reach(node["$ref"].removeprefix("#/$defs/"), seen | {name})

    for name in defs:
        reach(name, frozenset())


@pytest.mark.parametrize("profile,target", KWARGS)
@pytest.mark.parametrize("name", sorted(CORPUS))
def test_r0_invariants_hold_for_the_corpus(name: str, profile: Any, target: Any) -> None:
    source = schema_of(CORPUS[name].model)
    if target == "tool_parameters" and source.get("type") != "object":
        with pytest.raises(SchemaAdaptationError, match="OBJECT"):
            adapt_schema(source, profile=profile, target=target)
        return
    before = copy.deepcopy(source)
    out = adapt_schema(source, profile=profile, target=target)
    assert source == before, "input mutated"
    again = adapt_schema(source, profile=profile, target=target)
    assert json.dumps(again) == json.dumps(out), "not deterministic"
    assert adapt_schema(out, profile=profile, target=target) == out, "not idempotent"
    check_invariants(source, out, profile)
    # property order kept at the root
    if "properties" in source:
        assert list(out["properties"]) == list(source["properties"])


def test_corpus_is_big_enough() -> None:
    assert len(CORPUS) >= 20


# -- R1 ------------------------------------------------------------------------------------------------
class R1(BaseModel):
    title: str = Field("x", title="T", examples=["a"])
    kind: Literal["a"] = "a"
    n: int = Field(5, deprecated=True)


def test_r1_annotations_stripped_but_a_property_named_title_stays() -> None:
    out = adapt_schema(schema_of(R1))
    text = json.dumps(out)
    for word in ('"title":', '"examples"', '"default"', '"deprecated"'):
        assert word not in text.replace('"title": {"type"', "")
    assert out["properties"]["title"] == {"type": "string"}


# -- R2 / R3 -----------------------------------------------------------------------------------------------
def test_r2_r3_objects_stay_shared_refs_with_siblings_inline() -> None:
    out = adapt_schema(schema_of(Shipment))
    assert set(out["$defs"]) == {"Address"}
    assert out["properties"]["destination"] == {"$ref": "#/$defs/Address"}
    assert out["properties"]["stops"]["items"] == {"$ref": "#/$defs/Address"}
    assert out["properties"]["origin"]["description"] == "where it leaves"
    assert out["properties"]["origin"]["type"] == "object"
    openapi = adapt_schema(schema_of(Shipment), profile="openapi")
    assert "$ref" not in json.dumps(openapi) and "$defs" not in openapi


def test_r2_hand_written_definitions_and_bad_refs() -> None:
    schema = {"type": "object", "properties": {"a": {"$ref": "#/definitions/A", "description": "d"}},
              "definitions": {"A": {"type": "string", "title": "A"}}}
    assert adapt_schema(schema)["properties"]["a"] == {"type": "string", "description": "d"}
    with pytest.raises(SchemaAdaptationError) as err:
        adapt_schema({"type": "object", "properties": {"a": {"$ref": "https://x/y.json"}}})
    assert err.value.pointer == "#/properties/a"
    with pytest.raises(SchemaAdaptationError, match="no definition"):
        adapt_schema({"$ref": "#/$defs/Missing"})


def test_r3_scalar_definitions_are_inlined() -> None:
    out = adapt_schema(schema_of(Settings))
    assert "$defs" not in out
    assert out["properties"]["color"] == {"type": "string", "enum": ["red", "green"]}


# -- R4 ------------------------------------------------------------------------------------------------------
class Tree(BaseModel):
    value: int
    children: list[Tree] = []


class Linked(BaseModel):
    value: int
    next: Linked | None = None


class Bad(BaseModel):
    me: Bad


def depth_of(node: dict[str, Any], key: str) -> int:
    levels = 0
    while True:
        child = node["properties"][key]
        child = child.get("items", child)
        if "anyOf" in child:
            child = child["anyOf"][0]
        if child.get("type") != "object":
            return levels
        node, levels = child, levels + 1


@pytest.mark.parametrize("profile", ["jsonschema", "openapi"])
def test_r4_recursion_unrolled_to_the_bound_with_valid_terminals(profile: Any) -> None:
    for bound in (1, 2, 3):
        tree = adapt_schema(schema_of(Tree), profile=profile, max_recursion_depth=bound)
        assert "$ref" not in json.dumps(tree)
        assert depth_of(tree, "children") == bound
        node = tree
        for _ in range(bound):
            node = node["properties"]["children"]["items"]
        assert node["properties"]["children"] == {"type": "array", "items": {"type": "string"}, "maxItems": 0}
    linked = adapt_schema(schema_of(Linked), max_recursion_depth=2)
    assert linked["properties"]["next"]["anyOf"][0]["properties"]["next"]["anyOf"][0]["properties"]["next"] == {
        "type": "null"
    }


def test_r4_recursion_without_terminal_fails_with_pointer() -> None:
    with pytest.raises(SchemaAdaptationError, match="no finite terminal") as err:
        adapt_schema(schema_of(Bad))
    assert "/properties/me" in err.value.pointer
    with pytest.raises(SchemaAdaptationError, match="no finite terminal"):
        adapt_schema({"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/T"},
                      "$defs": {"T": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/T"}}}})
    # depth 0 leaves only the terminals: a tree becomes one node whose children must be []
    zero = adapt_schema(schema_of(Tree), max_recursion_depth=0)
    assert zero["properties"]["children"]["maxItems"] == 0


def test_r4_dict_recursion_terminal_is_the_empty_object() -> None:
    from schema_corpus import Directory

    out = adapt_schema(schema_of(Directory), max_recursion_depth=1)
    inner = out["properties"]["entries"]["additionalProperties"]
    assert inner["properties"]["entries"]["additionalProperties"] == {
        "type": "object", "properties": {}, "required": [], "additionalProperties": False
    }


# -- R5 -------------------------------------------------------------------------------------------------------
def test_r5_unions() -> None:
    out = adapt_schema(schema_of(PetOwner))
    text = json.dumps(out)
    assert "oneOf" not in text and "discriminator" not in text
    assert [b["$ref"] for b in out["properties"]["pet"]["anyOf"]] == [
        "#/$defs/Cat", "#/$defs/Dog", "#/$defs/Bird"
    ]
    nick = {"type": "object", "properties": {"nick": {"type": ["string", "null"], "description": "nickname",
                                                      "maxLength": 9}}}
    assert adapt_schema(nick)["properties"]["nick"] == {
        "anyOf": [{"type": "string", "description": "max length: 9"}, {"type": "null"}], "description": "nickname"
    }
    assert adapt_schema(nick, profile="openapi")["properties"]["nick"] == {
        "type": "string", "description": "nickname (max length: 9)", "nullable": True
    }
    email = {"type": "object", "properties": {"email": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}
    assert adapt_schema(email, profile="openapi")["properties"]["email"] == {"type": "string", "nullable": True}
    nested = {"anyOf": [{"anyOf": [{"type": "string"}, {"type": "null"}]}, {"type": "null"}, {"type": "string"}]}
    assert adapt_schema(nested) == {"anyOf": [{"type": "string"}, {"type": "null"}]}


# -- R6 / R7 -----------------------------------------------------------------------------------------------------
def test_r6_all_of_merged_conditionals_dropped_with_notes() -> None:
    combo = {"allOf": [{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
                       {"properties": {"b": {"type": "integer"}}, "required": ["b"]}]}
    out = adapt_schema(combo)
    assert list(out["properties"]) == ["a", "b"] and out["required"] == ["a", "b"]
    notes: list[Any] = []
    cond = {"type": "object", "properties": {"x": {"type": "string"}}, "if": {}, "then": {}, "not": {}}
    out = adapt_schema(cond, notes=notes)
    assert "if" not in out and len([n for n in notes if n.rule == "R6"]) == 3


def test_r7_r8_enums() -> None:
    out = adapt_schema(schema_of(Settings))["properties"]
    assert out["priority"] == {"type": "integer", "enum": [1, 3]}
    assert out["level"] == {"anyOf": [{"type": "string", "enum": ["auto"]}, {"type": "integer", "enum": [0, 1]}]}
    assert out["maybe"] == {"anyOf": [{"type": "string", "enum": ["a", "b"]}, {"type": "null"}]}
    assert out["flag"] == {"type": "boolean", "description": "must be true"}
    assert out["only"] == {"type": "string", "enum": ["only"]}
    assert "const" not in json.dumps(out)
    openapi = adapt_schema(schema_of(Settings), profile="openapi")
    for _, node in walk(openapi):
        assert all(isinstance(v, str) for v in node.get("enum", [])), node
    assert openapi["properties"]["priority"] == {"type": "integer", "description": "allowed values: 1, 3"}


# -- R9 / R10 / R14 --------------------------------------------------------------------------------------------------
def test_r9_r10_r14_constraints_become_hints() -> None:
    props = adapt_schema(schema_of(Constrained))["properties"]
    assert props["rating"] == {"type": "integer", "minimum": 1, "maximum": 5}
    assert props["ratio"] == {"type": "number", "description": "share (must be > 0; must be < 1)",
                              "minimum": 0, "maximum": 1}
    assert props["code"] == {"type": "string", "description": "min length: 2; max length: 5; pattern: ^[A-Z]+$"}
    assert props["step"] == {"type": "integer", "description": "multiple of 5"}
    event = adapt_schema(schema_of(Event))["properties"]
    assert event["id"] == {"type": "string", "description": "format: uuid"}
    assert event["starts_at"] == {"type": "string", "format": "date-time"}
    assert event["day"]["format"] == "date"
    assert adapt_schema(schema_of(Event), profile="openapi")["properties"]["day"] == {
        "type": "string", "description": "format: date"
    }


# -- R11 / R12 ------------------------------------------------------------------------------------------------------
def test_r11_arrays_and_tuples() -> None:
    props = adapt_schema(schema_of(Geo))["properties"]
    assert props["point"] == {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}
    assert len(props["labeled"]["prefixItems"]) == 3
    assert props["many"] == {"type": "array", "items": {"type": "integer"}}
    assert props["unique_tags"]["description"] == "items must be unique"
    openapi = adapt_schema(schema_of(Geo), profile="openapi")["properties"]
    assert len(openapi["labeled"]["items"]["anyOf"]) == 3
    assert openapi["labeled"]["description"] == "positional types: string, integer, boolean"


def test_r12_objects() -> None:
    notes: list[Any] = []
    out = adapt_schema(schema_of(Inventory), notes=notes)
    assert out["properties"]["counts"]["additionalProperties"] == {"type": "integer"}
    tricky = adapt_schema(schema_of(Tricky))
    assert list(tricky["properties"]) == ["title", "type", "properties", "$ref", "first-name", "description"]
    assert tricky["properties"]["$ref"] == {"type": "string"}
    openapi = adapt_schema(schema_of(Tricky), profile="openapi")
    assert openapi["propertyOrdering"] == list(openapi["properties"])
    free = adapt_schema({"type": "object", "properties": {"m": {"type": "object", "additionalProperties": True}}},
                        notes=notes)
    assert free["properties"]["m"] == {"type": "object"}
    assert any(n.rule == "R12" and "free-form" in n.message for n in notes)


# -- R13 --------------------------------------------------------------------------------------------------------
def test_r13_untyped_nodes() -> None:
    from schema_corpus import Loose

    notes: list[Any] = []
    out = adapt_schema(schema_of(Loose), notes=notes)
    assert out["properties"]["anything"] == {}
    assert sum(n.rule == "R13" for n in notes) >= 3
    tool = adapt_schema(schema_of(Loose), target="tool_parameters")
    for _, node in walk(tool):
        assert "type" in node or "anyOf" in node
    with pytest.raises(SchemaAdaptationError, match="false"):
        adapt_schema({"type": "object", "properties": {"x": False}})


# -- R15 / R16 / R17 ----------------------------------------------------------------------------------------------
class Lookup(BaseModel):
    first_name: str = Field(alias="first-name")
    q: str | None = None


def test_r15_tools_keep_the_pydantic_wrapper() -> None:
    from openai.lib._tools import PydanticFunctionTool

    tool = openai.pydantic_function_tool(Lookup)
    notes: list[Any] = []
    out = adapt_tool(tool, notes=notes)
    assert isinstance(out["function"], PydanticFunctionTool) and out["function"].model is Lookup
    assert out["function"]["strict"] is True
    assert out["function"]["parameters"]["properties"]["q"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert any("first-name" in n.message for n in notes)
    bad = {"type": "function", "function": {"name": "1bad name", "parameters": {"type": "object"}}}
    with pytest.raises(SchemaAdaptationError, match="function name"):
        adapt_tool(bad)


def test_r16_response_format_name_sanitised() -> None:
    from schema_corpus import Address, Page

    rf = {"type": "json_schema", "json_schema": {"name": "Page[Address]", "schema": schema_of(Page[Address]),
                                                 "strict": True}}
    out = adapt_response_format(rf)
    assert out["json_schema"]["name"] == "Page_Address_" and out["json_schema"]["strict"] is True
    assert adapt_response_format({"type": "json_object"}) == {"type": "json_object"}


def test_r17_depth_note() -> None:
    notes = adaptation_notes(L1, profile="openapi")
    assert any(n.rule == "R17" and "depth" in n.message for n in notes)
    assert any(n.rule == "R17" for n in adaptation_notes(L1))


def test_bad_arguments_are_explained() -> None:
    with pytest.raises(ValueError, match="profile"):
        adapt_schema({}, profile="proto")  # type: ignore[arg-type]
    with pytest.raises(SchemaAdaptationError, match="JSON object"):
        adapt_schema([])  # type: ignore[arg-type]
