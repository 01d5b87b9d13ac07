"""Hard pydantic models for the schema adapter's property tests (the test models of the rules in
docs/structured-output.md, and more).

Each `Case` has a model, hand-written sample instances valid under it, and `lossy`: the rule ids whose
constraints become hints (instances valid against the adapted schema may then fail the model).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AnyUrl, BaseModel, Field, IPvAnyAddress, JsonValue, RootModel, conint, constr

T = TypeVar("T")


class Address(BaseModel):
    street: str
    city: str
    zip: str | None = None


class Shipment(BaseModel):
    origin: Address = Field(description="where it leaves")
    destination: Address
    stops: list[Address]
    billing: Address | None = None


class TreeNode(BaseModel):
    label: str
    children: list[TreeNode] = []


class LinkedNode(BaseModel):
    value: int
    next: LinkedNode | None = None


class Employee(BaseModel):
    name: str
    department: Department | None = None


class Department(BaseModel):
    title: str
    staff: list[Employee]
    head: Employee | None = None


class Directory(BaseModel):
    name: str
    entries: dict[str, Directory]


class Comment(BaseModel):
    author: str
    text: str
    replies: list[Comment] = []


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int


class Dog(BaseModel):
    kind: Literal["dog"]
    good: bool


class Bird(BaseModel):
    kind: Literal["bird"]
    wingspan: float


class PetOwner(BaseModel):
    name: str
    pet: Annotated[Cat | Dog | Bird, Field(discriminator="kind")]
    others: list[Annotated[Cat | Dog, Field(discriminator="kind")]] = []


class Mixed(BaseModel):
    values: list[int | str | float | None]
    either: Address | LinkedNode
    amount: Decimal


class Color(str, enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 3


class Settings(BaseModel):
    color: Color
    level_enum: Level
    priority: Literal[1, 3]
    level: Literal["auto", 0, 1]
    maybe: Literal["a", "b", None]
    flag: Literal[True]
    only: Literal["only"]
    mixed: Literal["x", 1, True]


class Event(BaseModel):
    id: uuid.UUID
    starts_at: dt.datetime
    day: dt.date
    at: dt.time
    duration: dt.timedelta
    link: AnyUrl
    host: IPvAnyAddress


class Constrained(BaseModel):
    rating: conint(gt=0, lt=6)  # type: ignore[valid-type]
    ratio: float = Field(gt=0, lt=1, description="share")
    step: int = Field(multiple_of=5)
    code: constr(min_length=2, max_length=5, pattern=r"^[A-Z]+$")  # type: ignore[valid-type]
    bounded: float = Field(ge=-1.5, le=1.5)


class Loose(BaseModel):
    anything: Any
    meta: dict[str, Any]
    doc: JsonValue
    bag: list  # type: ignore[type-arg]


class Geo(BaseModel):
    point: tuple[float, float]
    labeled: tuple[str, int, bool]
    many: tuple[int, ...]
    unique_tags: set[str]
    frozen: frozenset[int]


class Inventory(BaseModel):
    counts: dict[str, int]
    places: dict[str, Address]
    metadata: dict[str, str] = {}


class Tricky(BaseModel):
    title: str
    type: str
    properties: list[str]
    ref: str = Field(alias="$ref")
    first_name: str = Field(alias="first-name")
    description: str | None = None


class Empty(BaseModel):
    pass


class L5(BaseModel):
    leaf: str


class L4(BaseModel):
    items: list[L5]


class L3(BaseModel):
    inner: L4


class L2(BaseModel):
    rows: list[L3]


class L1(BaseModel):
    top: L2


class OptionalEverything(BaseModel):
    a: str | None = None
    b: int | None = None
    c: list[Address | None] | None = None
    d: dict[str, float | None] | None = None
    e: Color | None = None
    f: Literal["x", "y"] | None = None


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int


class AddressList(RootModel[list[Address]]):
    pass


class CalendarEvent(BaseModel):
    name: str
    date: str
    participants: list[str]


class Recipe(BaseModel):
    recipe_name: str
    ingredients: list[str]


class RecipeList(RootModel[list[Recipe]]):
    pass


@dataclass
class Case:
    model: Any
    samples: list[Any]
    lossy: frozenset[str] = field(default_factory=frozenset)


ADDR = {"street": "1 Main St", "city": "Springfield", "zip": None}

CORPUS: dict[str, Case] = {
    "CalendarEvent": Case(
        CalendarEvent, [{"name": "science fair", "date": "Friday", "participants": ["Alice", "Bob"]}]
    ),
    "RecipeList": Case(RecipeList, [[{"recipe_name": "soup", "ingredients": ["water", "salt"]}], []]),
    "Shipment": Case(Shipment, [{"origin": ADDR, "destination": {**ADDR, "zip": "12345"}, "stops": [ADDR, ADDR],
                                 "billing": None}]),
    "TreeNode": Case(TreeNode, [{"label": "root", "children": [{"label": "a", "children": [
        {"label": "b", "children": []}]}, {"label": "c", "children": []}]}], frozenset({"R4"})),
    "LinkedNode": Case(LinkedNode, [{"value": 1, "next": {"value": 2, "next": {"value": 3, "next": None}}},
                                    {"value": 1, "next": None}], frozenset({"R4"})),
    "Department": Case(Department, [{"title": "eng", "staff": [{"name": "ann", "department": None}],
                                     "head": {"name": "bo", "department": {"title": "ops", "staff": [],
                                                                             "head": None}}}], frozenset({"R4"})),
    "Directory": Case(Directory, [{"name": "/", "entries": {"usr": {"name": "usr", "entries": {}}}}],
                      frozenset({"R4"})),
    "Comment": Case(Comment, [{"author": "a", "text": "hi", "replies": [{"author": "b", "text": "yo",
                                                                          "replies": []}]}], frozenset({"R4"})),
    "PetOwner": Case(PetOwner, [
        {"name": "x", "pet": {"kind": "cat", "lives": 9}, "others": [{"kind": "dog", "good": True}]},
        {"name": "y", "pet": {"kind": "bird", "wingspan": 0.5}, "others": []},
    ]),
    "Mixed": Case(Mixed, [{"values": [1, "a", 2.5, None], "either": {"value": 3, "next": None}, "amount": 1.25},
                          {"values": [], "either": ADDR, "amount": "2.50"}]),
    "Settings": Case(Settings, [
        {"color": "red", "level_enum": 3, "priority": 1, "level": "auto", "maybe": None, "flag": True,
         "only": "only", "mixed": True},
        {"color": "green", "level_enum": 1, "priority": 3, "level": 1, "maybe": "b", "flag": True,
         "only": "only", "mixed": "x"},
    ], frozenset({"R8"})),
    "Event": Case(Event, [{"id": "123e4567-e89b-42d3-a456-426614174000", "starts_at": "2024-05-17T10:00:00Z",
                           "day": "2024-05-17", "at": "10:00:00", "duration": "P1D",
                           "link": "https://example.com/", "host": "192.0.2.1"}], frozenset({"R9"})),
    "Constrained": Case(Constrained, [{"rating": 5, "ratio": 0.25, "step": 10, "code": "ABC", "bounded": 1.5}],
                        frozenset({"R9", "R10"})),
    "Loose": Case(Loose, [{"anything": {"deep": [1, 2]}, "meta": {"k": [1]}, "doc": {"a": None}, "bag": [1, "x"]},
                          {"anything": 3, "meta": {}, "doc": "text", "bag": []}], frozenset({"R13"})),
    "Geo": Case(Geo, [{"point": [1.5, 2.5], "labeled": ["a", 1, True], "many": [1, 2, 3], "unique_tags": ["a", "b"],
                       "frozen": [1]}], frozenset({"R11"})),
    "Inventory": Case(Inventory, [{"counts": {"a": 1}, "places": {"home": ADDR}, "metadata": {"k": "v"}}]),
    "Tricky": Case(Tricky, [{"title": "t", "type": "x", "properties": ["p"], "$ref": "r", "first-name": "Ann",
                             "description": None}]),
    "Empty": Case(Empty, [{}]),
    "L1": Case(L1, [{"top": {"rows": [{"inner": {"items": [{"leaf": "x"}]}}]}}]),
    "OptionalEverything": Case(OptionalEverything, [
        {"a": None, "b": None, "c": None, "d": None, "e": None, "f": None},
        {"a": "x", "b": 2, "c": [ADDR, None], "d": {"k": 1.5, "n": None}, "e": "red", "f": "y"},
    ]),
    "Page[Address]": Case(Page[Address], [{"items": [ADDR], "total": 1}]),
    "AddressList": Case(AddressList, [[ADDR]]),
}
