"""What one bulk embedding item sends: its text, the model's documented limits, and the options checked up front.

Limits from Google's "Get text embeddings" page
(https://cloud.google.com/vertex-ai/generative-ai/docs/embeddings/get-text-embeddings): `gemini-embedding-001`
takes one text per request and up to 3072 dimensions; `text-embedding-005` and
`text-multilingual-embedding-002` take up to 250 texts and 20,000 tokens per request and up to 768 dimensions;
every model reads at most 2048 tokens of a text. Task types from the same page.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ._items import BulkInputError, Item

__all__ = [
    "GOOGLE_EMBEDDING_MODELS",
    "TASK_TYPES",
    "EmbedLimits",
    "batch_instance",
    "check_dimensions",
    "check_task_type",
    "estimated_tokens",
    "google_embedding_name",
    "group_items",
    "limits_for",
    "text_of",
]


@dataclass(frozen=True)
class EmbedLimits:
    """One model's documented per-request limits."""

    max_dimensions: int
    texts_per_request: int
    tokens_per_request: int


GOOGLE_EMBEDDING_MODELS: dict[str, EmbedLimits] = {
    "gemini-embedding-001": EmbedLimits(3072, 1, 2048),
    "text-embedding-005": EmbedLimits(768, 250, 20_000),
    "text-multilingual-embedding-002": EmbedLimits(768, 250, 20_000),
}
TASK_TYPES = (
    "RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT", "SEMANTIC_SIMILARITY", "CLASSIFICATION", "CLUSTERING",
    "QUESTION_ANSWERING", "FACT_VERIFICATION", "CODE_RETRIEVAL_QUERY",
)


def google_embedding_name(model: str) -> str | None:
    """`text-embedding-005` for `text-embedding-005`, `google/…` or `publishers/google/models/…`; None otherwise."""
    name = model
    for prefix in ("publishers/google/models/", "google/"):
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    name = name.split("@", 1)[0]
    return name if name in GOOGLE_EMBEDDING_MODELS else None


def limits_for(model: str) -> EmbedLimits | None:
    name = google_embedding_name(model)
    return None if name is None else GOOGLE_EMBEDDING_MODELS[name]


def check_task_type(task_type: str | None) -> None:
    if task_type is not None and task_type not in TASK_TYPES:
        raise BulkInputError(f"task_type {task_type!r} is not one of Google's task types: {', '.join(TASK_TYPES)}")


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


def estimated_tokens(text: str) -> int:
    """A generous token estimate: UTF-8 bytes / 3 (≥ 1 token per CJK character, ≥ 1 per 3 ASCII characters)."""
    return len(text.encode("utf-8")) // 3 + 1


def group_items(items: Iterable[tuple[Item, str]], model: str) -> Iterator[list[tuple[Item, str]]]:
    """(item, text) pairs grouped so that each group fits one request of the model's documented limits.

    Unknown models (MaaS embedding models, self-deployed endpoints) get one item per request.
    """
    limits = limits_for(model)
    if limits is None or limits.texts_per_request == 1:
        for pair in items:
            yield [pair]
        return
    group: list[tuple[Item, str]] = []
    tokens = 0
    for pair in items:
        cost = estimated_tokens(pair[1])
        if group and (len(group) >= limits.texts_per_request or tokens + cost > limits.tokens_per_request):
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
