"""`embedding_extra_body`: task type, title and truncation for Google's embedding models, checked before sending.

Google's text-embedding method takes a `task_type` and a `title` per text and an `autoTruncate` parameter;
the OpenAI SDK's `embeddings.create` has no keyword for them, so they travel in its `extra_body=` and the
client moves them to their place in Google's request (docs/embeddings.md).
"""

from __future__ import annotations

from typing import Any, Literal

__all__ = ["EMBEDDING_TASK_TYPES", "EmbeddingTaskType", "check_embedding_options", "embedding_extra_body"]

EmbeddingTaskType = Literal[
    "RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT", "SEMANTIC_SIMILARITY", "CLASSIFICATION", "CLUSTERING",
    "QUESTION_ANSWERING", "FACT_VERIFICATION", "CODE_RETRIEVAL_QUERY",
]
# The task types of Google's text-embeddings API (docs/vertex-endpoint.md, "Embeddings").
EMBEDDING_TASK_TYPES: tuple[str, ...] = (
    "RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT", "SEMANTIC_SIMILARITY", "CLASSIFICATION", "CLUSTERING",
    "QUESTION_ANSWERING", "FACT_VERIFICATION", "CODE_RETRIEVAL_QUERY",
)
_KEYS = ("task_type", "title", "auto_truncate")


def embedding_extra_body(
    task_type: EmbeddingTaskType | str | None = None,
    title: str | None = None,
    auto_truncate: bool | None = None,
) -> dict[str, Any]:
    """The dict to pass as `extra_body=` to `client.embeddings.create(...)` for a Google embedding model.

    `task_type` is one of `EMBEDDING_TASK_TYPES` (an unknown one raises ValueError listing them); `title`
    is the document title Google uses with `RETRIEVAL_DOCUMENT`; `auto_truncate=False` makes Google refuse
    a text over its per-text token limit instead of cutting it silently. Keywords left at None are not sent.
    """
    return check_embedding_options({"task_type": task_type, "title": title, "auto_truncate": auto_truncate},
                                   "embedding_extra_body()")


def check_embedding_options(options: dict[str, Any], source: str) -> dict[str, Any]:
    """`options` (task_type / title / auto_truncate) checked, without the None values; `source` names the caller."""
    unknown = sorted(set(options) - set(_KEYS))
    if unknown:
        raise ValueError(
            f"{source}: {', '.join(map(repr, unknown))} not understood for Google's embedding models; the settings "
            f"they take are {', '.join(_KEYS)}. Build them with vertex_openai.gemini.embedding_extra_body(...)."
        )
    checked: dict[str, Any] = {}
    task_type = options.get("task_type")
    if task_type is not None:
        if not isinstance(task_type, str) or task_type.upper() not in EMBEDDING_TASK_TYPES:
            raise ValueError(
                f"{source}: task_type {task_type!r} is not one of Google's embedding task types: "
                f"{', '.join(EMBEDDING_TASK_TYPES)}"
            )
        checked["task_type"] = task_type.upper()
    title = options.get("title")
    if title is not None:
        if not isinstance(title, str):
            raise TypeError(f"{source}: title must be a str, got {type(title).__name__}")
        checked["title"] = title
    auto_truncate = options.get("auto_truncate")
    if auto_truncate is not None:
        if not isinstance(auto_truncate, bool):
            raise TypeError(f"{source}: auto_truncate must be True or False, got {auto_truncate!r}")
        checked["auto_truncate"] = auto_truncate
    return checked
