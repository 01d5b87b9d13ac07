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
from _stats import median, table

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


async def _measure(clients: dict[str, Any], requests: int, rounds: int,
                   concurrency: int) -> dict[str, list[tuple[float, float, int]]]:
    """Per client, per round: (wall seconds, this process's CPU seconds, errors)."""
    results: dict[str, list[tuple[float, float, int]]] = {name: [] for name in clients}
    for client in clients.values():
        await _burst(client, min(requests, 2 * concurrency), concurrency)  # open the connections
    names = list(clients)
    for r in range(rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:
            cpu = time.process_time()
            seconds, errors = await _burst(clients[name], requests, concurrency)
            results[name].append((seconds, time.process_time() - cpu, errors))
    for client in clients.values():
        await client.close()
    return results


def run(requests: int = 250, rounds: int = 12, concurrency: int = 64, contenders: list[Peer] | None = None) -> str:
    """One table: req/s per async client and its ratio to the floor (median over rounds)."""
    contenders = contenders or peers()
    with remote_fake() as base_url:
        clients = {p.name: p.build(base_url, BenchCredentials(), True, 300.0) for p in contenders}
        results = asyncio.run(_measure(clients, requests, rounds, concurrency))
    floor = results[contenders[0].name]
    rows: list[list[object]] = []
    for name, per_round in results.items():
        wall = sum(r[0] for r in per_round)
        ratios = [f[0] / r[0] for r, f in zip(per_round, floor, strict=True)]
        cpu = median([r[1] / requests for r in per_round])
        floor_cpu = median([f[1] / requests for f in floor])
        rows.append([name, requests * len(per_round), f"{requests * len(per_round) / wall:.0f}",
                     f"{median(ratios):.3f}", f"{min(ratios):.2f}-{max(ratios):.2f}", f"{cpu * 1e3:.2f}",
                     f"{cpu / floor_cpu:.3f}", sum(r[2] for r in per_round)])
    headers = ["client (async)", "requests", "req/s", "req/s / floor (median of rounds)", "range over rounds",
               "client CPU ms / req", "CPU / floor", "errors"]
    return (f"### 3. Throughput at concurrency {concurrency} ({GOAL})\n\n" + table(headers, rows) + "\n\n"
            f"{len(floor)} rounds of {requests} requests per client, in rotating order; a round's ratio compares "
            "it with the floor's run in the same round. CPU: this process only (the fake runs in a child).\n"
            + GOOGLE_NOTE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=250, help="requests per client per round")
    parser.add_argument("--rounds", type=int, default=12)
    args = parser.parse_args(argv)
    print(run(requests=args.requests, rounds=args.rounds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
