"""Token expiry storm: many callers hit an expired token at the same moment while a refresh takes 1 s.

Per client: 200 coroutines on one event loop, then 32 threads, all start together after the token
has gone stale. We count token-endpoint calls (credential refreshes) and, for the coroutines, the
event loop's worst stall, seen by a ticker coroutine that wakes every millisecond. The fake runs in
this process and checks every token, so a request sent with an expired token shows as a rejection.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from typing import Any

from _peers import GOOGLE_NOTE, STATIC_TOKEN, BenchCredentials, Peer, peers
from _server import MESSAGES, MODEL
from _stats import table

from vertex_openai.testing import FakeVertex

GOAL = "goal: exactly 1 token-endpoint call; loop stall during the refresh under 10 ms"
SHORT_LIFE = 0.3  # seconds: the lifetime of the token the storm finds expired


def _stale_client(peer: Peer, fake: FakeVertex, is_async: bool, short_life: float) -> tuple[Any, BenchCredentials]:
    """A client that has used a token that expires in `short_life` s; `_arm` then waits it out."""
    creds = BenchCredentials(server=fake, lifetime=short_life)
    client = peer.build(fake.base_url, creds, is_async, 0.0)
    if not is_async:
        client.chat.completions.create(model=MODEL, messages=MESSAGES)
    return client, creds


def _arm(creds: BenchCredentials, latency: float, short_life: float) -> int:
    time.sleep(short_life + 0.05)  # let the warm-up token expire, for every client alike
    creds.lifetime, creds.latency = 3600.0, latency
    return int(creds.refresh_count)


async def _storm_async(peer: Peer, fake: FakeVertex, callers: int, latency: float,
                       short_life: float) -> dict[str, Any]:
    client, creds = _stale_client(peer, fake, True, short_life)
    await client.chat.completions.create(model=MODEL, messages=MESSAGES)  # warm up on this loop
    before = _arm(creds, latency, short_life)
    stop = asyncio.Event()
    gaps: list[tuple[float, float]] = []
    spans_before = len(creds.refresh_spans)

    async def ticker() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append((last, now))
            last = now

    async def call() -> str | None:
        try:
            await client.chat.completions.create(model=MODEL, messages=MESSAGES)
            return None
        except Exception as err:
            return type(err).__name__

    tick = asyncio.ensure_future(ticker())
    await asyncio.sleep(0.01)
    rejected = fake.rejected_token_count
    start = time.perf_counter()
    errors = [e for e in await asyncio.gather(*(call() for _ in range(callers))) if e]
    elapsed = time.perf_counter() - start
    stop.set()
    await tick
    await client.close()
    spans = creds.refresh_spans[spans_before:]
    return {"refreshes": creds.refresh_count - before, "stall": max(end - begin for begin, end in gaps) - 0.001,
            "refresh_stall": _stall_during(spans, gaps, threading.get_ident()), "elapsed": elapsed,
            "errors": len(errors), "rejected": fake.rejected_token_count - rejected}


def _stall_during(spans: list[tuple[float, float, int]], gaps: list[tuple[float, float]], loop_thread: int) -> float:
    """The loop's worst stall while a refresh was in flight, not counting the request burst around it.

    A refresh run on the loop's own thread stalls the loop for its whole duration. Otherwise the worst
    ticker gap that lies wholly inside a refresh counts: gaps that began before the refresh (callers
    building their requests) or ended after it (callers sending them) are the burst, which the floor has too.
    """
    worst = 0.0
    for begin, end, thread in spans:
        if thread == loop_thread:
            worst = max(worst, end - begin)
        inside = [b - a - 0.001 for a, b in gaps if a >= begin and b <= end]
        worst = max([worst, *inside])
    return worst


def _storm_threads(peer: Peer, fake: FakeVertex, callers: int, latency: float, short_life: float) -> dict[str, Any]:
    client, creds = _stale_client(peer, fake, False, short_life)
    before = _arm(creds, latency, short_life)
    barrier = threading.Barrier(callers)
    errors: list[str] = []

    def call() -> None:
        barrier.wait(10)
        try:
            client.chat.completions.create(model=MODEL, messages=MESSAGES, timeout=30)
        except Exception as err:
            errors.append(type(err).__name__)

    rejected = fake.rejected_token_count
    threads = [threading.Thread(target=call, daemon=True) for _ in range(callers)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    elapsed = time.perf_counter() - start
    client.close()
    return {"refreshes": creds.refresh_count - before, "stall": None, "refresh_stall": None, "elapsed": elapsed,
            "errors": len(errors), "rejected": fake.rejected_token_count - rejected}


def run(coroutines: int = 200, threads: int = 32, latency: float = 1.0, short_life: float = SHORT_LIFE,
        contenders: list[Peer] | None = None) -> str:
    """One table: refreshes, worst stall and wall time per client, coroutines and threads."""
    contenders = contenders or peers()
    rows: list[list[object]] = []
    with FakeVertex(keep_requests=False) as fake:
        fake.accept_token(STATIC_TOKEN, 10 * 3600.0)
        for peer in contenders:
            result = asyncio.run(_storm_async(peer, fake, coroutines, latency, short_life))
            rows.append(_row(peer, f"{coroutines} coroutines", result))
        for peer in contenders:
            result = _storm_threads(peer, fake, threads, latency, short_life)
            rows.append(_row(peer, f"{threads} threads", result))
    headers = ["callers", "client", "token-endpoint calls", "loop stall during refresh ms",
               "worst loop stall ms (incl. burst)", "wall s", "errors", "rejected tokens"]
    return (f"### 2. Token expiry storm, refresh takes {latency:g} s ({GOAL})\n\n" + table(headers, rows)
            + "\n\nThe floor never refreshes (static key): its worst stall is what building and parsing "
            f"{coroutines} requests at once costs the loop, with or without auth.\n" + GOOGLE_NOTE)


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value * 1e3:.1f}"


def _row(peer: Peer, callers: str, result: dict[str, Any]) -> list[object]:
    refresh_stall = _ms(result["refresh_stall"]) if peer.refreshes else "n/a"
    return [callers, peer.name, result["refreshes"] if peer.refreshes else "0 (static)", refresh_stall,
            _ms(result["stall"]), f"{result['elapsed']:.2f}", result["errors"], result["rejected"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=1.0, help="seconds each token refresh takes")
    args = parser.parse_args(argv)
    print(run(latency=args.latency))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
