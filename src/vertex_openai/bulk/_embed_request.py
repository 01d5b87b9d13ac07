"""What one bulk embedding item sends: its text, the model's documented limits, and the options checked up front.

The per-model limits (`embeddings._models.GOOGLE_EMBEDDING_MODELS`, from Google's "Get text embeddings" page:
one text per request for `gemini-embedding-001`, 250 texts and 20,000 tokens for the others), the token
estimate and the task types (`gemini.embedding_extra_body`) are the ones `client.embeddings.create` uses, so a
group made here is one request there.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..embeddings._models import GOOGLE_EMBEDDING_MODELS, NativeModel
from ..embeddings._wire import estimate_tokens
from ..gemini import embedding_extra_body
from ._items import BulkInputError, Item

__all__ = [
    "batch_instance",
    "check_dimensions",
    "checked_task_type",
    "google_embedding_name",
    "group_items",
    "limits_for",
    "text_of",
]


def google_embedding_name(model: str) -> str | None:
    """`text-embedding-005` for `text-embedding-005`, `google/…` or `publishers/google/models/…`; None otherwise."""
    name = model
    for prefix in ("publishers/google/models/", "google/"):
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    return name if name in GOOGLE_EMBEDDING_MODELS else None


def limits_for(model: str) -> NativeModel | None:
    name = google_embedding_name(model)
    return None if name is None else GOOGLE_EMBEDDING_MODELS[name]


def checked_task_type(task_type: str | None) -> str | None:
    """Google's spelling of the task type; BulkInputError listing the task types for an unknown one."""
    if task_type is None:
        return None
    try:
        return str(embedding_extra_body(task_type=task_type)["task_type"])
    except ValueError as err:
        raise BulkInputError(str(err).replace("embedding_extra_body(): ", "")) from None


def check_dimensions(dimensions: int | None, model: str) -> None:
    if dimensions is None:
        return
    if isinstance(dimensions, bool) or not isinstance(dimensions, int) or dimensions < 1:
        raise BulkInputError(f"dimensions must be a whole number of 1 or more, got {dimensions!r}")
    limits = limits_for(model)
    if limits is not None and dimensions > limits.max_dimensions:
        raise BulkInputError(f"dimensions={dimensions} is more than {model} gives (at most {limits.max_dimensions})")


def text_of(item: Item, text_field: str) -> str:
    """The item's text; BulkInputError naming the item, the field and the fix when it has none."""
    if text_field not in item.fields:
        known = ", ".join(sorted(map(str, item.fields))[:8]) or "none"
        raise BulkInputError(f"{item.where}: item {item.id!r} has no {text_field!r} field (fields: {known}); "
                             "name the text field with text_field= / --text-field")
    text = item.fields[text_field]
    if not isinstance(text, str):
        raise BulkInputError(f"{item.where}: the {text_field!r} of item {item.id!r} must be a string, "
                             f"got {type(text).__name__}")
    if not text.strip():
        raise BulkInputError(f"{item.where}: the {text_field!r} of item {item.id!r} is empty; "
                             "Google refuses an empty text: drop the item or give it text")
    return text


def group_items(items: Iterable[tuple[Item, str]], model: str) -> Iterator[list[tuple[Item, str]]]:
    """(item, text) pairs grouped so that each group fits one request of the model's documented limits.

    Unknown models (MaaS embedding models, self-deployed endpoints) get one item per request.
    """
    limits = limits_for(model)
    if limits is None or limits.max_instances == 1:
        for pair in items:
            yield [pair]
        return
    group: list[tuple[Item, str]] = []
    tokens = 0
    for pair in items:
        cost = estimate_tokens(pair[1])
        if group and (len(group) >= limits.max_instances or tokens + cost > limits.max_request_tokens):
            yield group
            group, tokens = [], 0
        group.append(pair)
        tokens += cost
    if group:
        yield group


def batch_instance(text: str, task_type: str | None) -> dict[str, Any]:
    """One input line of an embeddings batch job: Google's `{"content": ...}` plus the task type when given."""
    instance: dict[str, Any] = {"content": text}
    if task_type is not None:
        instance["task_type"] = task_type
    return instance
