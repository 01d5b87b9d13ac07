"""Soak: thousands of requests through short-lived tokens, revocations and 503 bursts (`make soak` only).

Bounded in time (SOAK_SECONDS, default 30) and in count; loopback only.
"""

from __future__ import annotations

import asyncio
import os
import random
import resource
import time

import pytest

from vertex_openai import async_vertex_openai_client
from vertex_openai.testing import FakeVertex, Fault, google_error_body

pytestmark = pytest.mark.soak

SECONDS = float(os.environ.get("SOAK_SECONDS", "30"))
MAX_REQUESTS = 200_000
CONCURRENCY = 16
LIFETIME = 2.0  # tokens live 2 s on the fake; the client refreshes them after half their life


def _rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def test_soak_short_tokens_revocations_and_503s() -> None:
    rng = random.Random(7)
    quick = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0s"}]
    unavailable = google_error_body(503, "UNAVAILABLE", "The service is currently unavailable.", quick)
    failures: list[BaseException] = []

    with FakeVertex(keep_requests=False) as fake:
        creds = fake.credentials(lifetime=LIFETIME)

        async def main() -> tuple[int, float, int, int]:
            client = async_vertex_openai_client(
                "fake-project", base_url=fake.base_url, credentials=creds, max_retries=3
            )
            deadline = time.perf_counter() + SECONDS
            done = 0
            rss_start = 0

            async def worker() -> None:
                nonlocal done, rss_start
                while time.perf_counter() < deadline and done < MAX_REQUESTS:
                    roll = rng.random()
                    if roll < 0.01:
                        fake.fail_next(Fault(status=503, body=unavailable))
                    elif roll < 0.012:
                        fake.revoke_tokens()
                    try:
                        out = await client.chat.completions.create(
                            model="gemini-2.5-flash", messages=[{"role": "user", "content": "soak"}]
                        )
                        assert out.choices[0].message.content == "You said: soak"
                    except BaseException as err:  # collected and reported below
                        failures.append(err)
                    done += 1
                    if done == 1000:
                        rss_start = _rss_kib()

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
            elapsed = time.perf_counter() - started
            await client.close()
            return done, elapsed, rss_start, _rss_kib()

        done, elapsed, rss_start, rss_end = asyncio.run(main())

    print(f"\nsoak: {done} requests in {elapsed:.1f}s ({done / elapsed:.0f} req/s), "
          f"{creds.refresh_count} refreshes (expected about {elapsed / (LIFETIME / 2):.0f}), "
          f"{fake.rejected_token_count} rejected tokens, max RSS growth {rss_end - rss_start} KiB")
    assert failures == [], f"{len(failures)} failures, first: {failures[0]!r}"
    assert done > 1000
    # about one refresh per half-lifetime, plus one per revocation
    assert creds.refresh_count <= elapsed / (LIFETIME / 2) + done * 0.003 + 5
    assert rss_end - rss_start < 50_000, "memory should stay flat"
