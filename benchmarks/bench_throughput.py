"""Throughput of the async clients at concurrency 64 against a fake in a child process.

Each round gives every client the same number of requests, in a rotating order; req/s is summed
over the rounds, so drift on the machine hits every client alike.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from _peers import GOOGLE_NOTE, BenchCredentials, Peer, peers
from _server import MESSAGES, MODEL, remote_fake
from _stats import table

GOAL = "goal: vertex-openai >= 0.95 x the floor's req/s"


async def _burst(client: Any, requests: int, concurrency: int) -> tuple[float, int]:
    """Run `requests` calls with at most `concurrency` in flight; return (seconds, errors)."""
    queue = iter(range(requests))
    errors = 0

    async def worker() -> None:
        nonlocal errors
        for _ in queue:
            try:
                await client.chat.completions.create(model=MODEL, messages=MESSAGES)
            except Exception:
                errors += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start, errors


async def _measure(clients: dict[str, Any], requests: int, rounds: int, concurrency: int) -> dict[str, list[float]]:
    totals: dict[str, list[float]] = {name: [0.0, 0.0, 0.0] for name in clients}  # seconds, requests, errors
    for client in clients.values():
        await _burst(client, min(requests, 2 * concurrency), concurrency)  # open the connections
    names = list(clients)
    for r in range(rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:
            seconds, errors = await _burst(clients[name], requests, concurrency)
            totals[name][0] += seconds
            totals[name][1] += requests
            totals[name][2] += errors
    for client in clients.values():
        await client.close()
    return totals


def run(requests: int = 400, rounds: int = 8, concurrency: int = 64, contenders: list[Peer] | None = None) -> str:
    """One table: req/s per async client and its ratio to the floor."""
    contenders = contenders or peers()
    with remote_fake() as base_url:
        clients = {p.name: p.build(base_url, BenchCredentials(), True, 300.0) for p in contenders}
        totals = asyncio.run(_measure(clients, requests, rounds, concurrency))
    floor = totals[contenders[0].name]
    floor_rate = floor[1] / floor[0]
    rows = [[name, int(n), f"{n / s:.0f}", f"{n / s / floor_rate:.3f}", int(e)] for name, (s, n, e) in totals.items()]
    headers = ["client (async)", "requests", "req/s", "req/s / floor", "errors"]
    return (f"### 3. Throughput at concurrency {concurrency} ({GOAL})\n\n" + table(headers, rows) + "\n\n"
            + GOOGLE_NOTE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400, help="requests per client per round")
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args(argv)
    print(run(requests=args.requests, rounds=args.rounds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
