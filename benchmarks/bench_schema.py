"""Schema adaptation cost: a 50-model schema adapted cold and warm (cached), as a share of one request.

The denominator is the median time of one `chat.completions.create` with the same (already adapted)
schema and `schema_adaptation="off"`, against the loopback fake in a child process. Goal: the warm
path (what every request pays after the first) under 1% of that.

Run: `python benchmarks/bench_schema.py`; `benchmarks/run.py` imports `main()`.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from _server import MESSAGES, MODEL, remote_fake
from _stats import median, table
from pydantic import BaseModel, Field, create_model

from vertex_openai import vertex_openai_client
from vertex_openai.structured import strict_schema_for
from vertex_openai.structured._wire import adapt_chat_body, clear_cache

N_MODELS = 50


def fifty_model_schema() -> dict[str, Any]:
    """A binary tree of 50 distinct models with optional, enum, constrained and list fields."""
    models: dict[int, type[BaseModel]] = {}
    for i in reversed(range(N_MODELS)):
        fields: dict[str, Any] = {
            "name": (str, Field(description=f"name of node {i}")),
            "count": (int | None, None),
            "kind": (Literal["a", "b", 3], "a"),
            "score": (float, Field(0.5, gt=0, lt=1)),
            "tags": (list[str], []),
        }
        for child in (2 * i + 1, 2 * i + 2):
            if child < N_MODELS:
                fields[f"child_{child}"] = (models[child] | None, None)
                fields[f"many_{child}"] = (list[models[child]], [])
        models[i] = create_model(f"Node{i}", **fields)
    return strict_schema_for(models[0])


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"model": MODEL, "messages": MESSAGES,
            "response_format": {"type": "json_schema", "json_schema": {"name": "Node0", "schema": schema,
                                                                        "strict": True}}}


def _time(fn: Any, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return median(samples)


def _cold(body: dict[str, Any], profile: str) -> None:
    clear_cache()
    adapt_chat_body(body, profile)


def main(requests: int = 200) -> list[dict[str, Any]]:
    """Measure, print a table, return the rows (seconds and ratios to one request)."""
    schema = fifty_model_schema()
    body = _body(schema)
    adapted = adapt_chat_body(body, "jsonschema")
    assert adapted is not None
    with remote_fake() as base_url:
        client = vertex_openai_client("bench-project", base_url=base_url, credentials=lambda: "bench-token",
                                      schema_adaptation="off", max_retries=0)
        send = lambda: client.chat.completions.create(**adapted)  # noqa: E731
        for _ in range(20):
            send()
        request = _time(send, requests)
    rows: list[dict[str, Any]] = []
    for profile in ("jsonschema", "openapi"):
        cold = _time(lambda p=profile: _cold(body, p), 20)  # type: ignore[misc]
        adapt_chat_body(body, profile)
        warm = _time(lambda p=profile: adapt_chat_body(body, p), 2000)  # type: ignore[misc]
        for path, seconds in (("cold", cold), ("warm (cached)", warm)):
            rows.append({"benchmark": "schema", "profile": profile, "path": path, "seconds": seconds,
                         "request_seconds": request, "ratio_to_request": seconds / request})
    print(f"50-model schema: {len(str(schema))} chars; one request against the fake: {request * 1e3:.2f} ms")
    print(table(["profile", "path", "time (ms)", "share of one request"],
                [[r["profile"], r["path"], f"{r['seconds'] * 1e3:.3f}", f"{r['ratio_to_request']:.2%}"]
                 for r in rows]))
    return rows


if __name__ == "__main__":
    main()
