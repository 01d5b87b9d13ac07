"""Long run: many requests while the fake refuses every token 2 s after it was issued.

google-auth treats a token as invalid 3 min 45 s before it expires, so real 2-second tokens would be
refreshed on every request by anything that trusts `creds.valid`. The credentials here
(`BenchCredentials`) use a controllable margin instead, and our client gets the same margin through
`token_refresh_margin`: every client should refresh about once per (lifetime - margin) seconds.
The fake runs in this process, checks every token and keeps no request log; RSS is read from /proc.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from typing import Any

from _peers import GOOGLE_NOTE, OURS, BenchCredentials, Peer, peers
from _server import MESSAGES, MODEL
from _stats import rss_kib, table

from vertex_openai.testing import FakeVertex

GOAL = "goal: zero auth failures, refreshes close to elapsed / (lifetime - margin), flat memory"
LIFETIME = 2.0
MARGIN = 0.5


async def _long_run(peer: Peer, fake: FakeVertex, requests: int, concurrency: int) -> dict[str, Any]:
    creds = BenchCredentials(server=fake, lifetime=LIFETIME)
    client = peer.build(fake.base_url, creds, True, MARGIN)
    queue = iter(range(requests))
    errors: dict[str, int] = {}
    warm_at = max(1, requests // 10)
    rss: list[int] = []
    done = 0

    async def worker() -> None:
        nonlocal done
        for _ in queue:
            try:
                await client.chat.completions.create(model=MODEL, messages=MESSAGES)
            except Exception as err:
                errors[type(err).__name__] = errors.get(type(err).__name__, 0) + 1
            done += 1
            if done == warm_at:
                gc.collect()
                rss.append(rss_kib())

    rejected = fake.rejected_token_count
    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    await client.close()
    gc.collect()
    rss.append(rss_kib())
    return {"elapsed": elapsed, "refreshes": creds.refresh_count, "errors": errors,
            "rejected": fake.rejected_token_count - rejected, "rss_growth": rss[-1] - rss[0]}


def run(requests: int = 20000, peer_requests: int = 2000, concurrency: int = 32,
        contenders: list[Peer] | None = None) -> str:
    """One table: refreshes against the expected count, auth failures and RSS growth per client."""
    contenders = [p for p in (contenders or peers()) if p.refreshes]
    rows: list[list[object]] = []
    with FakeVertex(keep_requests=False) as fake:
        for peer in contenders:
            count = requests if peer is OURS else peer_requests
            result = asyncio.run(_long_run(peer, fake, count, concurrency))
            expected = result["elapsed"] / (LIFETIME - MARGIN)
            errors = ", ".join(f"{k}: {v}" for k, v in sorted(result["errors"].items())) or "0"
            rows.append([peer.name, count, f"{result['elapsed']:.1f}", f"{count / result['elapsed']:.0f}",
                         result["refreshes"], f"{expected:.1f}", f"{result['elapsed'] / LIFETIME:.1f}",
                         result["rejected"], errors, result["rss_growth"]])
    headers = ["client (async)", "requests", "elapsed s", "req/s", "refreshes", "elapsed / (life - margin)",
               "elapsed / life", "tokens refused (401)", "errors", "RSS growth KiB"]
    return (f"### 4. Long run: token lifetime {LIFETIME:g} s, refresh margin {MARGIN:g} s, concurrency "
            f"{concurrency} ({GOAL})\n\n" + table(headers, rows)
            + "\n\nRSS growth: from after the first 10% of requests to the end (the fake shares the process). "
            "Peers run fewer requests to keep `make bench` short.\n" + GOOGLE_NOTE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20000, help="requests for vertex-openai")
    parser.add_argument("--peer-requests", type=int, default=2000, help="requests for each other client")
    args = parser.parse_args(argv)
    print(run(requests=args.requests, peer_requests=args.peer_requests))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
