"""Google's native embedding exchange: the caller's input checked and split, the `:predict` body, the answer
made OpenAI-shaped.

Request (text-embeddings API reference): `{"instances": [{"content", "task_type", "title"}], "parameters":
{"outputDimensionality", "autoTruncate"}}`. Answer: `{"predictions": [{"embeddings": {"values": [...],
"statistics": {"token_count", "truncated"}}}], "metadata": {...}}`, one prediction per instance, in order.
"""

from __future__ import annotations

import array
import base64
import re
import struct
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..gemini._embedding import check_embedding_options
from ._models import NativeModel

__all__ = [
    "EmbeddingCall", "decode_base64", "encode_base64", "is_limit_error", "native_answer", "plan_call", "split_ranges",
]

_PREDICT_PATH = re.compile(r"/publishers/google/models/(?P<model>[^/:]+):predict$")
_TOKEN_IDS_FIX = (
    "Google's embedding models take text, not token ids: pass the strings themselves. With langchain-openai's "
    "OpenAIEmbeddings set check_embedding_ctx_length=False (it tokenizes with tiktoken and sends token ids "
    "otherwise); with llama-index pass text."
)


@dataclass(frozen=True)
class EmbeddingCall:
    """One `embeddings.create` call to a Google model: its texts, settings and the requests it needs."""

    model: NativeModel
    model_id: str  # as the caller wrote it; the answer's `model`
    texts: list[str]
    instance_fields: dict[str, str]
    parameters: dict[str, Any]
    encoding: str | None  # the caller's encoding_format: None (the SDK's default), "float" or "base64"
    batches: list[range]

    def body(self, batch: range) -> dict[str, Any]:
        instances = [{"content": self.texts[i], **self.instance_fields} for i in batch]
        body: dict[str, Any] = {"instances": instances}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (bytes, bytearray)):
        raise TypeError("input must be a str or a list of str, got bytes; decode it first")
    if isinstance(value, Mapping) or not hasattr(value, "__iter__"):
        raise TypeError(f"input must be a str or a list of str, got {type(value).__name__}")
    items = list(value)  # type: ignore[call-overload]
    if items and all(isinstance(item, int) and not isinstance(item, bool) for item in items):
        raise ValueError(f"input is a list of token ids. {_TOKEN_IDS_FIX}")
    if not items:
        raise ValueError("input is an empty list; pass at least one text")
    for position, item in enumerate(items):
        if isinstance(item, str):
            continue
        if isinstance(item, int) or (isinstance(item, (list, tuple)) and all(isinstance(t, int) for t in item)):
            raise ValueError(f"input holds token ids (input[{position}] is {type(item).__name__}). {_TOKEN_IDS_FIX}")
        raise TypeError(f"input[{position}] is a {type(item).__name__}; every item must be a str")
    return items


def estimate_tokens(text: str) -> int:
    """A generous guess of Google's token count: one token per 3 UTF-8 bytes (CJK: about one per character)."""
    return len(text.encode("utf-8", "surrogatepass")) // 3 + 1


def split_ranges(texts: Sequence[str], model: NativeModel) -> list[range]:
    """Consecutive runs of `texts` within the model's instances and (estimated) tokens per request."""
    batches: list[range] = []
    start, tokens = 0, 0
    for i, text in enumerate(texts):
        cost = estimate_tokens(text)
        if i > start and (i - start >= model.max_instances or tokens + cost > model.max_request_tokens):
            batches.append(range(start, i))
            start, tokens = i, 0
        tokens += cost
    batches.append(range(start, len(texts)))
    return batches


def plan_call(model: NativeModel, model_id: str, input: object, dimensions: object, encoding_format: object,
              extra_body: object) -> EmbeddingCall:
    """The checked call; raises (before anything is sent) for input or settings Google would not take."""
    texts = _texts(input)
    parameters: dict[str, Any] = {}
    if dimensions is not None:
        if isinstance(dimensions, bool) or not isinstance(dimensions, int) or not dimensions >= 1:
            raise ValueError(f"dimensions must be a positive int (at most {model.max_dimensions} for "
                             f"{model.name}), got {dimensions!r}")
        parameters["outputDimensionality"] = dimensions
    if encoding_format not in (None, "float", "base64"):
        raise ValueError(f"encoding_format must be 'float' or 'base64', got {encoding_format!r}")
    if extra_body is not None and not isinstance(extra_body, Mapping):
        raise TypeError(f"extra_body must be a dict, got {type(extra_body).__name__}")
    options = check_embedding_options(dict(extra_body or {}), "embeddings.create(extra_body=...)")
    fields = {key: options[key] for key in ("task_type", "title") if key in options}
    if "auto_truncate" in options:
        parameters["autoTruncate"] = options["auto_truncate"]
    return EmbeddingCall(model, model_id, texts, fields, parameters, encoding_format,  # type: ignore[arg-type]
                         split_ranges(texts, model))


def encode_base64(values: Sequence[float]) -> str:
    """Little-endian float32 bytes in base64, as OpenAI answers `encoding_format="base64"`."""
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode("ascii")


def decode_base64(encoded: str) -> list[float]:
    """The floats of `encode_base64`'s text (float32 precision), as the SDK decodes OpenAI's base64 answers."""
    values = array.array("f", base64.b64decode(encoded))
    if sys.byteorder == "big":
        values.byteswap()
    return values.tolist()


def native_answer(data: object, path: str) -> dict[str, Any] | None:
    """Google's `:predict` answer as the OpenAI embeddings list, vectors in base64 (as OpenAI answers the SDK's
    default request); None when `path` is not the native method. `decode_base64` gives the floats back.

    Raises ValueError for an answer without one vector per instance.
    """
    match = _PREDICT_PATH.search(path)
    if match is None or not isinstance(data, Mapping) or "predictions" not in data:
        return None
    predictions = data["predictions"]
    if not isinstance(predictions, list):
        raise ValueError("Vertex AI's embedding answer has no list of predictions")
    items, tokens = [], 0
    for index, prediction in enumerate(predictions):
        embeddings = prediction.get("embeddings") if isinstance(prediction, Mapping) else None
        values = embeddings.get("values") if isinstance(embeddings, Mapping) else None
        if not isinstance(values, list):
            raise ValueError(f"Vertex AI's embedding answer has no vector for prediction {index}")
        statistics = embeddings.get("statistics") if isinstance(embeddings, Mapping) else None
        count = statistics.get("token_count") if isinstance(statistics, Mapping) else None
        if isinstance(count, (int, float)) and not isinstance(count, bool):
            tokens += int(count)
        try:  # base64 for the SDK to build its model from: one str, not one Python object per float
            encoded = encode_base64(values)
        except (struct.error, TypeError) as err:
            raise ValueError(f"Vertex AI's embedding answer has a vector that is not numbers at prediction {index}") \
                from err
        items.append({"object": "embedding", "index": index, "embedding": encoded})
    return {"object": "list", "data": items, "model": match["model"],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}


_LIMIT_WORDS = ("count", "limit", "exceed", "too many", "too long", "maximum", "up to", "at most", "supports")


def is_limit_error(status: int, message: str) -> bool:
    """Google's 400 for a request over its per-request token (or instance) limit: worth splitting and retrying.

    Google does not document the wording, so: a 400 whose message speaks of tokens or instances together with a
    count or a limit. Anything else (a bad dimension, a bad field) is raised at once, never split.
    """
    if status != 400:
        return False
    lowered = message.lower()
    return ("token" in lowered or "instance" in lowered) and any(word in lowered for word in _LIMIT_WORDS)
