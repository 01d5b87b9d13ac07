"""FakeVertex's native text-embedding method: `…/publishers/google/models/{model}:predict`.

Constructed from Google's documentation (docs/vertex-endpoint.md, "Embeddings"), not captured: the request and
answer shapes of the text-embeddings API reference, and the limits of the "Get text embeddings" page — one
instance per request for `gemini-embedding-001`, 250 instances and 20,000 tokens per request for the others
(more is a 400 INVALID_ARGUMENT), 2048 tokens per text (cut silently unless `autoTruncate` is false),
3072 / 768 dimensions at most. The error message wording is ours. Tokens are counted by a stand-in
tokenizer (a run of ASCII letters/digits or any other single character is one token: CJK text comes out
near one token per character, as with Google's). Vectors are deterministic: a hash of the model, task type
and text, unit length at full size and cut from the end for a smaller `outputDimensionality`.
"""

from __future__ import annotations

import array
import hashlib
import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["NATIVE_EMBED_PATH", "FakeEmbeddingModel", "embedding_reply", "fake_token_count", "fake_vector"]

NATIVE_EMBED_PATH = re.compile(
    r"^/(?P<version>v1|v1beta1)/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"
    r"/publishers/google/models/(?P<model>[^/:]+):predict$"
)
_TOKEN = re.compile(r"[A-Za-z0-9]+|[^\sA-Za-z0-9]")
_TASK_TYPES = frozenset({
    "RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT", "SEMANTIC_SIMILARITY", "CLASSIFICATION", "CLUSTERING",
    "QUESTION_ANSWERING", "FACT_VERIFICATION", "CODE_RETRIEVAL_QUERY",
})


@dataclass(frozen=True)
class FakeEmbeddingModel:
    """What the fake enforces for one model (Google's documented limits)."""

    max_instances: int
    max_request_tokens: int
    max_text_tokens: int
    dimensions: int


MODELS: dict[str, FakeEmbeddingModel] = {
    "gemini-embedding-001": FakeEmbeddingModel(1, 2048, 2048, 3072),
    "text-embedding-005": FakeEmbeddingModel(250, 20_000, 2048, 768),
    "text-embedding-004": FakeEmbeddingModel(250, 20_000, 2048, 768),
    "text-multilingual-embedding-002": FakeEmbeddingModel(250, 20_000, 2048, 768),
}


def fake_token_count(text: str) -> int:
    return len(_TOKEN.findall(text))


def fake_vector(model: str, task_type: str, text: str, dimensions: int, size: int) -> list[float]:
    """The fake's deterministic embedding: unit length at `size` values, the first `dimensions` of them."""
    seed = f"{model}\x00{task_type}\x00{text}".encode("utf-8", "surrogatepass")
    raw = array.array("H", hashlib.shake_256(seed).digest(2 * size))
    if sys.byteorder == "big":
        raw.byteswap()
    # Eight decimals, as Google's answers show about as many (and short numbers keep the fake's JSON quick).
    scale = 1e8 / (math.hypot(*[value - 32767.5 for value in raw]) or 1.0)
    return [int((value - 32767.5) * scale) / 1e8 for value in raw[:dimensions]]


def embedding_reply(model_name: str, resource: str, body: object) -> tuple[int, Any]:
    """(status, body) for a `:predict` request: Google's answer, or (code, status, message) as an error triple."""
    model = MODELS.get(model_name)
    if model is None:
        return 404, ("NOT_FOUND", f"Publisher Model `{resource}` was not found or your project does not have "
                                  "access to it. Please ensure you are using a valid model version.")
    if not isinstance(body, Mapping) or not isinstance(body.get("instances"), list) or not body["instances"]:
        return 400, ("INVALID_ARGUMENT", "Invalid JSON payload: `instances` must be a non-empty list.")
    instances: list[Any] = body["instances"]
    parameters = body.get("parameters") or {}
    if not isinstance(parameters, Mapping):
        return 400, ("INVALID_ARGUMENT", "Invalid JSON payload: `parameters` must be an object.")
    if len(instances) > model.max_instances:
        return 400, ("INVALID_ARGUMENT", f"The model {model_name} takes at most {model.max_instances} instance(s) "
                                         f"per request; the request has {len(instances)} instances.")
    dimensions = parameters.get("outputDimensionality", model.dimensions)
    if isinstance(dimensions, bool) or not isinstance(dimensions, int) or not 1 <= dimensions <= model.dimensions:
        return 400, ("INVALID_ARGUMENT", f"outputDimensionality must be between 1 and {model.dimensions} for "
                                         f"{model_name}, got {dimensions!r}.")
    truncate = parameters.get("autoTruncate", True)
    predictions, total, characters = [], 0, 0
    for position, instance in enumerate(instances):
        content = instance.get("content") if isinstance(instance, Mapping) else None
        if not isinstance(content, str):
            return 400, ("INVALID_ARGUMENT", f"instances[{position}].content must be a string.")
        task_type = instance.get("task_type", "RETRIEVAL_QUERY")
        if task_type not in _TASK_TYPES:
            return 400, ("INVALID_ARGUMENT", f"Invalid task_type {task_type!r} in instances[{position}].")
        tokens = fake_token_count(content)
        total += tokens
        truncated = tokens > model.max_text_tokens
        if truncated and truncate is False:
            return 400, ("INVALID_ARGUMENT", f"instances[{position}] has {tokens} input tokens, more than the "
                                             f"{model.max_text_tokens} tokens {model_name} takes per text, and "
                                             "autoTruncate is false.")
        characters += len(content)
        values = fake_vector(model_name, task_type, content, dimensions, model.dimensions)
        predictions.append({"embeddings": {"statistics": {"token_count": min(tokens, model.max_text_tokens),
                                                          "truncated": truncated},
                                           "values": values}})
    if total > model.max_request_tokens and len(instances) > 1:
        return 400, ("INVALID_ARGUMENT", f"Unable to submit request because the input token count is {total} but "
                                         f"{model_name} supports up to {model.max_request_tokens} tokens per "
                                         "request. Reduce the input token count and try again.")
    return 200, {"metadata": {"billableCharacterCount": characters}, "predictions": predictions}
