"""FakeBatch's answer to one embeddings batch line: deterministic vectors, Google's documented row shapes.

Constructed from Google's "Get batch text embeddings predictions" page
(https://cloud.google.com/vertex-ai/generative-ai/docs/embeddings/batch-prediction-genai-embeddings), not
captured from Google: each input line is an instance `{"content": "..."}` (our lines may add the online
instance's `task_type` and `title`); each output line is `{"instance": <the input line>, "predictions":
[{"embeddings": {"statistics": {"token_count", "truncated"}, "values": [...]}}], "status": ""}`, and a row
that failed has a non-empty `status` and no predictions. The job's `modelParameters` carry
`outputDimensionality` (the online `parameters` of the text-embeddings API reference).

Vectors are unit length and depend only on the text, the task type and the dimensions, so the same text
always gets the same vector and different texts get different ones.
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections.abc import Mapping
from typing import Any

__all__ = ["EMBEDDING_MODELS", "TASK_TYPES", "embedding_model_name", "embedding_row", "fake_embedding"]

# Google's embedding models and their largest output dimensionality ("Get text embeddings").
EMBEDDING_MODELS = {
    "gemini-embedding-001": 3072,
    "text-embedding-005": 768,
    "text-multilingual-embedding-002": 768,
}
TASK_TYPES = frozenset({
    "RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT", "SEMANTIC_SIMILARITY", "CLASSIFICATION", "CLUSTERING",
    "QUESTION_ANSWERING", "FACT_VERIFICATION", "CODE_RETRIEVAL_QUERY",
})
_MAX_TOKENS_PER_TEXT = 2048


def embedding_model_name(model_path: str) -> str | None:
    """`text-embedding-005` for `publishers/google/models/text-embedding-005` (any prefix), if it is one we know."""
    name = model_path.rsplit("/", 1)[-1].split("@", 1)[0]
    return name if name in EMBEDDING_MODELS else None


def fake_embedding(text: str, dimensions: int, task_type: str | None = None) -> list[float]:
    """A deterministic unit vector of `dimensions` floats for this text (and task type)."""
    seed = hashlib.blake2b(f"{task_type or ''}\x00{text}".encode(), digest_size=32).digest()
    raw: list[float] = []
    counter = 0
    while len(raw) < dimensions:
        block = hashlib.blake2b(seed + counter.to_bytes(4, "little"), digest_size=64).digest()
        raw.extend((value / 2147483648.0) for value in struct.unpack("<16i", block))
        counter += 1
    del raw[dimensions:]
    norm = math.sqrt(sum(value * value for value in raw)) or 1.0
    return [round(value / norm, 6) for value in raw]


def _status(message: str, code: int = 400, status: str = "INVALID_ARGUMENT") -> str:
    return f'Bad Request: {{"error": {{"code": {code}, "message": "{message}", "status": "{status}"}}}}'


def embedding_row(instance: Any, model: str, parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    """The output line for one input line of an embeddings job (a failed row has a `status`)."""
    line: dict[str, Any] = {"instance": instance, "status": ""}
    maximum = EMBEDDING_MODELS[model]
    dimensions = (parameters or {}).get("outputDimensionality", maximum)
    content = instance.get("content") if isinstance(instance, Mapping) else None
    task_type = instance.get("task_type") if isinstance(instance, Mapping) else None
    if not isinstance(content, str) or not content:
        line["status"] = _status("The instance needs a non-empty string field 'content'.")
    elif task_type is not None and task_type not in TASK_TYPES:
        line["status"] = _status(f"Unsupported task type: {task_type}.")
    elif not isinstance(dimensions, int) or not 1 <= dimensions <= maximum:
        line["status"] = _status(f"outputDimensionality must be between 1 and {maximum} for {model}.")
    if line["status"] or not isinstance(content, str):
        return line
    tokens = max(1, math.ceil(len(content) / 4))
    counted = float(min(tokens, _MAX_TOKENS_PER_TEXT))
    line["predictions"] = [{"embeddings": {
        "statistics": {"token_count": counted, "truncated": tokens > _MAX_TOKENS_PER_TEXT},
        "values": fake_embedding(content, dimensions, task_type),
    }}]
    return line
