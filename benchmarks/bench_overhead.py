"""Per-request overhead: each peer against the floor, sync and async, plain and streamed.

Requests run one at a time (latency, not throughput) against a fake in a child process. Peers take
turns in small blocks, in a rotating order, so drift on the machine hits every peer alike; the
ratios to the floor are computed from the same run. A fifth mode sends a chat with strict function
tools and a `json_schema` response_format, so schema adaptation (cached per schema) is on the hot path;
every peer sends the same body (the fake accepts it unadapted).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any, Literal

from _peers import GOOGLE_NOTE, BenchCredentials, Peer, peers
from _server import MESSAGES, MODEL, remote_fake
from _stats import median, percentile, ratio, table
from pydantic import BaseModel, Field

GOAL = "goal: ratio <= 1.05 at median and p99"

Samples = tuple[dict[str, list[float]], dict[str, list[float]]]  # wall and CPU seconds per request
# A non-strict tool as frameworks send it (pydantic's schema: a const tag, oneOf, $defs), adapted per request.
LOOSE_TOOLS = [{"type": "function", "function": {"name": "send", "parameters": {
    "$defs": {"Card": {"properties": {"kind": {"const": "card", "type": "string"}, "last4": {"type": "string"}},
                       "required": ["kind", "last4"], "title": "Card", "type": "object"},
              "Iban": {"properties": {"kind": {"const": "iban", "type": "string"}, "iban": {"type": "string"}},
                       "required": ["kind", "iban"], "title": "Iban", "type": "object"}},
    "properties": {"pay": {"oneOf": [{"$ref": "#/$defs/Card"}, {"$ref": "#/$defs/Iban"}]}},
    "required": ["pay"], "title": "Send", "type": "object"}}}]


class _Address(BaseModel):
    street: str
    city: str
    country: Literal["DE", "FR", "US", "JP"] = "US"


class _Contact(BaseModel):
    name: str = Field(description="full name")
    email: str | None = None
    age: int | None = Field(None, ge=0, le=150)
    addresses: list[_Address] = []
    tags: list[str] = []


def _tools_and_format() -> dict[str, Any]:
    """Body keys of a structured chat: two strict function tools and a json_schema response_format."""
    from openai.lib._pydantic import to_strict_json_schema

    contact = to_strict_json_schema(_Contact)
    lookup = {"type": "object", "properties": {"city": {"type": "string"},
                                               "units": {"type": ["string", "null"], "enum": ["c", "f", None]}},
              "required": ["city", "units"], "additionalProperties": False}
    return {
        "model": "google/gemini-3-flash-preview",  # tools + a JSON response format need Gemini 3
        "tools": [{"type": "function", "function": {"name": "save_contact", "strict": True, "parameters": contact}},
                  {"type": "function", "function": {"name": "weather", "strict": True, "parameters": lookup}}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "Contact", "strict": True,
                                                                    "schema": contact}},
    }


# (label, stream, extra body keys)
MODES: list[tuple[str, bool, dict[str, Any]]] = [("", False, {}), (" stream", True, {}),
                                                 (" non-strict tools", False, {"tools": LOOSE_TOOLS}),
                                                 (" tools+schema", False, _tools_and_format())]


def _call_sync(client: Any, stream: bool, extra: dict[str, Any]) -> None:
    body = {"model": MODEL, "messages": MESSAGES, **extra}
    if stream:
        for _ in client.chat.completions.create(**body, stream=True):
            pass
    else:
        client.chat.completions.create(**body)


async def _call_async(client: Any, stream: bool, extra: dict[str, Any]) -> None:
    body = {"model": MODEL, "messages": MESSAGES, **extra}
    if stream:
        async for _ in await client.chat.completions.create(**body, stream=True):
            pass
    else:
        await client.chat.completions.create(**body)


def _measure_sync(clients: dict[str, Any], stream: bool, extra: dict[str, Any], rounds: int, block: int,
                  warmup: int) -> Samples:
    samples: dict[str, list[float]] = {name: [] for name in clients}
    cpu_samples: dict[str, list[float]] = {name: [] for name in clients}
    for client in clients.values():
        for _ in range(warmup):
            _call_sync(client, stream, extra)
    names = list(clients)
    for r in range(rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:
            client = clients[name]
            for _ in range(block):
                start, cpu = time.perf_counter(), time.process_time()
                _call_sync(client, stream, extra)
                samples[name].append(time.perf_counter() - start)
                cpu_samples[name].append(time.process_time() - cpu)
    return samples, cpu_samples


async def _measure_async(clients: dict[str, Any], stream: bool, extra: dict[str, Any], rounds: int,
                         block: int, warmup: int) -> Samples:
    samples: dict[str, list[float]] = {name: [] for name in clients}
    cpu_samples: dict[str, list[float]] = {name: [] for name in clients}
    for client in clients.values():
        for _ in range(warmup):
            await _call_async(client, stream, extra)
    names = list(clients)
    for r in range(rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:
            client = clients[name]
            for _ in range(block):
                start, cpu = time.perf_counter(), time.process_time()
                await _call_async(client, stream, extra)
                samples[name].append(time.perf_counter() - start)
                cpu_samples[name].append(time.process_time() - cpu)
    for client in clients.values():
        await client.close()
    return samples, cpu_samples


def run(requests: int = 600, block: int = 1, warmup: int = 30, contenders: list[Peer] | None = None) -> str:
    """One table: median and p99 latency per peer and mode, and their ratio to the floor."""
    contenders = contenders or peers()
    rounds = max(1, requests // block)
    rows: list[list[object]] = []
    with remote_fake() as base_url:
        for is_async in (False, True):
            for label, stream, extra in MODES:
                if is_async and extra:
                    continue  # the schema row runs once (sync): adaptation is the same code on both clients
                clients = {p.name: p.build(base_url, BenchCredentials(), is_async, 300.0) for p in contenders}
                if is_async:
                    samples, cpu = asyncio.run(_measure_async(clients, stream, extra, rounds, block, warmup))
                else:
                    samples, cpu = _measure_sync(clients, stream, extra, rounds, block, warmup)
                    for client in clients.values():
                        client.close()
                floor = contenders[0].name
                floor_med, floor_p99, floor_cpu = (median(samples[floor]), percentile(samples[floor], 99),
                                                   median(cpu[floor]))
                mode = ("async" if is_async else "sync") + label
                for name, values in samples.items():
                    med, p99, cpu_med = median(values), percentile(values, 99), median(cpu[name])
                    rows.append([mode, name, len(values), f"{med * 1e3:.3f}", f"{p99 * 1e3:.3f}",
                                 ratio(med, floor_med), ratio(p99, floor_p99), f"{cpu_med * 1e6:.0f}",
                                 ratio(cpu_med, floor_cpu)])
    headers = ["mode", "client", "n", "median ms", "p99 ms", "median / floor", "p99 / floor",
               "client CPU us (median)", "CPU / floor"]
    return (f"### 1. Per-request overhead ({GOAL})\n\n" + table(headers, rows) + "\n\n"
            "One request at a time; clients take turns request by request. CPU: this process only (the fake "
            "runs in a child process), the steadiest measure of what a client adds.\n" + GOOGLE_NOTE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=600, help="requests per client and mode")
    args = parser.parse_args(argv)
    print(run(requests=args.requests))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
