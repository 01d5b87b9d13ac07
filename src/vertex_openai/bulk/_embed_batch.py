"""The batch engine for embeddings: items as a Vertex AI batch prediction job of a Google embedding model.

Google's "Get batch text embeddings predictions" page
(https://cloud.google.com/vertex-ai/generative-ai/docs/embeddings/batch-prediction-genai-embeddings): the input
is a JSONL file in Cloud Storage, one instance `{"content": "..."}` per line, at most 30,000 per batch request;
each output line holds the instance, its `predictions` (`embeddings.values`, `embeddings.statistics`) and a
`status` that is empty unless the row failed. The job names the publisher model
(`publishers/google/models/<model>`); the output dimensionality travels as the job's `modelParameters`
(`outputDimensionality`, as in the online `parameters`), the task type in each instance (`task_type`, as online).
The page's current copy names `gemini-embedding-001` as the one text embedding model batch prediction does not
serve: it is refused before anything is uploaded.

The job flow (staging, splitting, polling, Ctrl-C, state file, `resume_job`) is the extract batch engine's
(`_batch.BatchRun`); this subclass says what an item sends and what line it writes. Output rows do not echo
a row key, so each is tied to its item by a digest of the echoed instance (its text and task type): rows
with the same digest have the same text and therefore the same vector, so any one of them serves any of
those items.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._endpoints import validate_location, validate_project
from ._batch import MAX_BYTES_PER_JOB, BatchRun
from ._batch_job import BatchApi, endpoints_for
from ._embed_request import batch_instance, google_embedding_name, text_of
from ._items import BulkInputError, Item
from ._output import ResultWriter
from ._summary import ExtractSummary

__all__ = ["MAX_PROMPTS_PER_EMBEDDING_JOB", "EmbedBatchRun", "embedding_result"]

MAX_PROMPTS_PER_EMBEDDING_JOB = 30_000


def _instance_digest(instance: Any) -> str:
    """A digest of what decides an instance's vector: its text and its task type."""
    if not isinstance(instance, Mapping):
        instance = {}
    key = [instance.get("content"), instance.get("task_type") or instance.get("taskType")]
    return hashlib.blake2b(json.dumps(key, ensure_ascii=False).encode("utf-8"), digest_size=16).hexdigest()


def embedding_result(line: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """One output line as (`{"embedding": [...]}` or `{"error": {...}}`, tokens counted)."""
    status = line.get("status")
    predictions = line.get("predictions")
    first = predictions[0] if isinstance(predictions, list) and predictions else None
    embeddings = first.get("embeddings") if isinstance(first, Mapping) else None
    values = embeddings.get("values") if isinstance(embeddings, Mapping) else None
    if status or not isinstance(values, list):
        message = str(status or "the batch job returned no embedding for this row")
        return {"error": {"type": "batch_error", "message": message}}, 0
    statistics = embeddings.get("statistics") if isinstance(embeddings, Mapping) else None
    tokens = statistics.get("token_count", 0) if isinstance(statistics, Mapping) else 0
    return {"embedding": [float(value) for value in values]}, int(tokens or 0)


class EmbedBatchRun(BatchRun):
    """One batch run of `bulk.embed(engine="batch")`; see the module docstring."""

    def __init__(self, client: Any, *, model: str, writer: ResultWriter, text_field: str, dimensions: int | None,
                 task_type: str | None, gcs: str | None, location: str | None, progress: bool,
                 poll_interval: float, max_rows_per_job: int, max_bytes_per_job: int, interactive: bool | None,
                 display_name: str | None, allow_mismatch: bool = False) -> None:
        # Not BatchRun.__init__: that one prepares chat prompts and schemas; this sets what the job flow uses.
        self.allow_mismatch = allow_mismatch
        source = getattr(client, "token_source", None)
        config = getattr(client, "_vertex_config", None)
        if source is None or config is None:
            raise BulkInputError("engine='batch' needs a vertex-openai client (it reuses its Google credentials)")
        name = google_embedding_name(model)
        if name is None:
            raise BulkInputError(
                f"engine='batch' embeds with Google's embedding models (gemini-embedding-001, text-embedding-005, "
                f"text-multilingual-embedding-002), not {model!r}; use engine='local' for other models"
            )
        if name == "gemini-embedding-001":
            raise BulkInputError(
                "Google's batch text embeddings page lists gemini-embedding-001 as the one model batch prediction does "
                "not serve; use engine='local' (--engine local) for it, or text-embedding-005 / "
                "text-multilingual-embedding-002 in a batch job"
            )
        self.location = validate_location(location or config.target.location)
        project = config.target.project
        if not project:
            raise BulkInputError(
                "engine='batch' needs a Google Cloud project for the job names (projects/PROJECT/...): pass "
                "project= to the client, --project, or set GOOGLE_CLOUD_PROJECT"
            )
        self.model = name
        vertex, storage = endpoints_for(self.location, str(config.target.base_url))
        self.api = BatchApi(source, vertex, storage, validate_project(project), self.location)
        self.gcs = gcs
        self.writer = writer
        self.text_field = text_field
        self.dimensions = dimensions
        self.task_type = task_type
        self.progress_enabled = progress
        self.poll_interval = poll_interval
        self.max_rows = min(max_rows_per_job, MAX_PROMPTS_PER_EMBEDDING_JOB)
        self.max_bytes = min(max_bytes_per_job, MAX_BYTES_PER_JOB)
        self.interactive = interactive
        self.display_name = display_name or f"vertex-openai-embed-{Path(writer.path).stem}"
        self.state_path = writer.path.with_name(writer.path.name + ".batch.json")
        self.summary = ExtractSummary(output=str(writer.path), engine="batch", repaired_bytes=writer.repaired_bytes)

    def _model_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"model": f"publishers/google/models/{self.model}"}
        if self.dimensions is not None:
            fields["modelParameters"] = {"outputDimensionality": self.dimensions}
        return fields

    def _line(self, item: Item, key: str) -> tuple[dict[str, Any], str]:
        instance = batch_instance(text_of(item, self.text_field), self.task_type)
        return instance, _instance_digest(instance)

    def _row(self, line: Mapping[str, Any], keys: Mapping[str, str], digests: Mapping[str, list[str]],
             seen: set[str]) -> None:
        candidates = [key for key in digests.get(_instance_digest(line.get("instance")), []) if key not in seen]
        if not candidates:
            return
        key = candidates[0]
        seen.add(key)
        try:
            result, tokens = embedding_result(line)
        except (TypeError, ValueError, AttributeError) as err:
            result, tokens = {"error": {"type": "batch_error",
                                        "message": f"the batch output row is malformed ({type(err).__name__})"}}, 0
        self.summary.prompt_tokens += tokens
        self._record({"id": keys[key], **result})

    def _record(self, record: dict[str, Any]) -> None:
        """Write one line in embed's shape (no `ok`: an `embedding` or an `error`)."""
        if record["id"] in self.writer.done:
            return
        ok = record.pop("ok", "error" not in record)
        self.writer.write(record)
        if ok and "error" not in record:
            self.summary.succeeded += 1
        else:
            self.summary.failed += 1
