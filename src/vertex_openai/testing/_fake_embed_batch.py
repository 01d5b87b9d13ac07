"""FakeBatch's answer to one embeddings batch line: deterministic vectors, Google's documented row shapes.

Constructed from Google's "Get batch text embeddings predictions" page
(https://cloud.google.com/vertex-ai/generative-ai/docs/embeddings/batch-prediction-genai-embeddings), not
captured from Google: each input line is an instance `{"content": "..."}` (our lines may add the online
instance's `task_type` and `title`); each output line is `{"instance": <the input line>, "predictions":
[{"embeddings": {"statistics": {"token_count", "truncated"}, "values": [...]}}], "status": ""}`, and a row
that failed has a non-empty `status` and no predictions. The job's `modelParameters` carry
`outputDimensionality` (the online `parameters` of the text-embeddings API reference).

Vectors and token counts are those of FakeVertex's online `:predict` (`_fake_embeddings`), so the batch and
the online method give the same text the same vector.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._fake_embeddings import MODELS, fake_token_count, fake_vector

__all__ = ["embedding_model_name", "embedding_row"]

_TASK_TYPES = frozenset({
    "RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT", "SEMANTIC_SIMILARITY", "CLASSIFICATION", "CLUSTERING",
    "QUESTION_ANSWERING", "FACT_VERIFICATION", "CODE_RETRIEVAL_QUERY",
})


def embedding_model_name(model_path: str) -> str | None:
    """`text-embedding-005` for `publishers/google/models/text-embedding-005` (any prefix), if the fake knows it."""
    name = model_path.rsplit("/", 1)[-1].split("@", 1)[0]
    return name if name in MODELS else None


def _status(message: str, code: int = 400, status: str = "INVALID_ARGUMENT") -> str:
    return f'Bad Request: {{"error": {{"code": {code}, "message": "{message}", "status": "{status}"}}}}'


def embedding_row(instance: Any, model: str, parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    """The output line for one input line of an embeddings job (a failed row has a `status`)."""
    line: dict[str, Any] = {"instance": instance, "status": ""}
    spec = MODELS[model]
    dimensions = (parameters or {}).get("outputDimensionality", spec.dimensions)
    content = instance.get("content") if isinstance(instance, Mapping) else None
    task_type = instance.get("task_type", "RETRIEVAL_QUERY") if isinstance(instance, Mapping) else None
    if not isinstance(content, str) or not content:
        line["status"] = _status("The instance needs a non-empty string field 'content'.")
    elif task_type not in _TASK_TYPES:
        line["status"] = _status(f"Unsupported task type: {task_type}.")
    elif isinstance(dimensions, bool) or not isinstance(dimensions, int) or not 1 <= dimensions <= spec.dimensions:
        line["status"] = _status(f"outputDimensionality must be between 1 and {spec.dimensions} for {model}.")
    if line["status"] or not isinstance(content, str) or not isinstance(task_type, str):
        return line
    tokens = fake_token_count(content)
    counted = float(min(tokens, spec.max_text_tokens))
    line["predictions"] = [{"embeddings": {
        "statistics": {"token_count": counted, "truncated": tokens > spec.max_text_tokens},
        "values": fake_vector(model, task_type, content, dimensions, spec.dimensions),
    }}]
    return line
