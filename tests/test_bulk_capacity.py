"""AIMD concurrency: cuts once per congestion event, honours RetryInfo, stays under the ceiling, and
holds a quota's rate with few 429s against the constructed quota fake."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import BaseModel

from vertex_openai import AsyncOpenAI
from vertex_openai.bulk import AdaptiveLimit, aextract
from vertex_openai.testing import FakeCredentials


def test_slow_start_then_one_cut_per_round_trip() -> None:
    async def scenario() -> None:
        limit = AdaptiveLimit(64, initial=4, decrease=0.7)
        epochs = [await limit.acquire() for _ in range(4)]
        for epoch in epochs:
            await limit.release(epoch)
        assert limit.limit == 6  # slow start: +0.5 per success, 1.5x per round trip
        epochs = [await limit.acquire() for _ in range(6)]
        await limit.release(epochs[0], throttled=True)
        assert limit.limit == 3  # the 429 that ends slow start halves the window
        await limit.release(epochs[1], throttled=True)  # same round trip: no second cut
        assert limit.limit == 3 and limit.stats.decreases == 1 and limit.stats.throttled == 2
        for epoch in epochs[2:5]:
            await limit.release(epoch)  # shared capacity is back: climb half the distance to 6 per round trip
        climbed = limit.limit
        assert 3.5 < climbed < 6
        later = await limit.acquire()
        await limit.release(later, throttled=True)  # sent after the cut: a new event, cut by 0.7
        assert limit.stats.decreases == 2 and limit.limit == pytest.approx(climbed * 0.7)
        await limit.release(epochs[5])

    asyncio.run(scenario())


def test_additive_increase_is_slow_and_capped_by_the_ceiling() -> None:
    async def scenario() -> None:
        limit = AdaptiveLimit(6, initial=4, decrease=0.5)
        first = await limit.acquire()
        await limit.release(first, throttled=True)
        assert limit.limit == 2
        for _ in range(200):
            epochs = [await limit.acquire() for _ in range(int(limit.limit))]
            for epoch in epochs:
                await limit.release(epoch)
        assert limit.limit == 6

    asyncio.run(scenario())


def test_a_quota_429_cuts_less_and_grows_back_gently() -> None:
    async def scenario() -> None:
        limit = AdaptiveLimit(64, initial=10)
        first = await limit.acquire()
        await limit.release(first, throttled=True, retry_delay=0.001)
        assert limit.limit == 8  # 0.8, not the slow-start halving: the pause does the rest
        epochs = [await limit.acquire() for _ in range(8)]
        for _ in range(8):  # one round trip with the window kept full
            await limit.release(epochs.pop(0), latency=0.1)
            epochs.append(await limit.acquire())
        assert limit.limit == pytest.approx(8.5, abs=0.02)  # +1/2 per round trip below the quota level
        assert limit.round_trip == pytest.approx(0.1)

    asyncio.run(scenario())


def test_after_a_storm_of_cuts_the_limit_climbs_back_to_where_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shared-capacity storm cuts once per round trip for as long as it lasts; once it is over, the limit
    returns to its level from before the storm within a few round trips, not to a level lowered by every cut."""
    clock = [1000.0]
    monkeypatch.setattr("vertex_openai.bulk._capacity.time.monotonic", lambda: clock[0])

    async def scenario() -> None:
        limit = AdaptiveLimit(64, initial=20)
        first = await limit.acquire()
        await limit.release(first, latency=0.25)  # round trip 0.25 s, still in slow start
        limit.limit = 20.0
        for _ in range(4):  # a 1 s storm, most answers 429s: one cut per round trip
            clock[0] += 0.3
            epochs = [await limit.acquire() for _ in range(min(5, int(limit.limit)))]
            for epoch in epochs:
                await limit.release(epoch, throttled=True)
        assert limit.stats.decreases == 4
        assert limit.limit < 6
        epochs = [await limit.acquire() for _ in range(int(limit.limit))]
        for _ in range(4):  # four round trips of successes with the window kept full
            clock[0] += 0.25
            for _ in range(len(epochs)):
                await limit.release(epochs.pop(0), latency=0.25)
                while limit.in_flight < int(limit.limit):
                    epochs.append(await limit.acquire())
        assert limit.limit >= 16, f"climbed back only to {limit.limit:.1f} of 20"

    asyncio.run(scenario())


def test_retry_info_delays_every_new_request() -> None:
    async def scenario() -> float:
        limit = AdaptiveLimit(8, initial=8)
        epoch = await limit.acquire()
        await limit.release(epoch, throttled=True, retry_delay=0.3)
        start = time.monotonic()
        await limit.acquire()
        return time.monotonic() - start

    assert asyncio.run(scenario()) >= 0.29


def test_bad_ceiling_is_refused() -> None:
    with pytest.raises(ValueError, match="whole number >= 1"):
        AdaptiveLimit(0)


class Row(BaseModel):
    name: str


_QUOTA_CHILD = """
import json, sys
from vertex_openai.testing import QuotaFakeVertex
with QuotaFakeVertex(rate=20.0, window=1.0, latency=0.4, require_auth=False, keep_requests=False) as fake:
    print(fake.base_url, flush=True)
    for line in sys.stdin:
        print(json.dumps({"admitted": fake.admitted, "throttled": fake.throttled}), flush=True)
        fake.configure()
"""


async def _fixed_loop(client: AsyncOpenAI, count: int, concurrency: int) -> None:
    """What users write today: a semaphore around parse() and the SDK's own retries."""
    gate = asyncio.Semaphore(concurrency)

    async def one(n: int) -> None:
        async with gate:
            with contextlib.suppress(Exception):
                await client.chat.completions.parse(model="google/gemini-2.5-flash", response_format=Row,
                                                    messages=[{"role": "user", "content": f"x {n}"}])

    await asyncio.gather(*(one(n) for n in range(count)))


def test_quota_is_held_with_a_fraction_of_a_fixed_loops_429s(tmp_path: Path) -> None:
    # The fake runs in its own process, as in the benchmark: in this one it would share the GIL with the client.
    # 20 requests/s with 0.4 s answers needs the same 8 in flight as the benchmark's 40/s with 0.2 s, at half the
    # request rate; 150 items take ~8 quota windows. The absolute goal (< 5% of requests on 429s) is measured by
    # benchmarks/bench_bulk.py; here the runner must beat the fixed loop by far, however loaded the machine.
    rate, count = 20.0, 150
    child = subprocess.Popen([sys.executable, "-c", _QUOTA_CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)

    def stats() -> dict[str, int]:
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write("stats\n")
        child.stdin.flush()
        result: dict[str, int] = json.loads(child.stdout.readline())
        return result

    try:
        assert child.stdout is not None
        base_url = child.stdout.readline().strip()
        client = AsyncOpenAI(project="fake-project", location="global", base_url=base_url,
                             credentials=FakeCredentials())
        start = time.monotonic()
        summary = asyncio.run(aextract(client, [{"id": i, "t": "x"} for i in range(count)], prompt="{t}",
                                       response_format=Row, model="google/gemini-2.5-flash",
                                       output=tmp_path / "o.jsonl", concurrency=64, progress=False))
        elapsed = time.monotonic() - start
        ours = stats()
        fresh = AsyncOpenAI(project="fake-project", location="global", base_url=base_url,
                            credentials=FakeCredentials())  # its own connections: the first loop is closed
        asyncio.run(_fixed_loop(fresh, count, 32))
        fixed = stats()
    finally:
        child.kill()
        child.wait()
    assert summary.succeeded == count and summary.throttled == ours["throttled"]
    # 1-second windows: the run touches at most int(elapsed) + 1 of them, each admitting `rate` requests.
    ceiling = rate * (int(elapsed) + 1) / elapsed
    assert count / elapsed >= 0.8 * ceiling, (count / elapsed, ceiling)
    share = ours["throttled"] / (ours["throttled"] + ours["admitted"])
    fixed_share = fixed["throttled"] / (fixed["throttled"] + fixed["admitted"])
    assert share < fixed_share / 3, (ours, fixed)


def test_a_lone_shared_capacity_429_among_many_successes_is_noise(monkeypatch: pytest.MonkeyPatch) -> None:
    """1% of 429s in calm weather must not cut the limit again and again (it held 4-11 where 30+ fit)."""
    clock = [1000.0]
    monkeypatch.setattr("vertex_openai.bulk._capacity.time.monotonic", lambda: clock[0])

    async def scenario() -> None:
        limit = AdaptiveLimit(64, initial=30)
        first = await limit.acquire()
        await limit.release(first, latency=0.25)
        limit._slow_start = False
        for epoch in [await limit.acquire() for _ in range(30)]:  # a round trip of successes
            await limit.release(epoch, latency=0.25)
        for round_trip in range(20):  # 20 round trips of 30 answers each, one of them a 429 every other trip
            clock[0] += 0.25
            epochs = [await limit.acquire() for _ in range(30)]
            for n, epoch in enumerate(epochs):
                await limit.release(epoch, throttled=(n == 7 and round_trip % 2 == 0), latency=0.25)
        assert limit.stats.throttled == 10 and limit.stats.decreases == 0
        assert limit.limit >= 30

    asyncio.run(scenario())


def test_storms_do_not_ratchet_the_remembered_level_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """Storm after storm, the limit returns to its calm level within a few round trips of each."""
    clock = [1000.0]
    monkeypatch.setattr("vertex_openai.bulk._capacity.time.monotonic", lambda: clock[0])

    async def scenario() -> None:
        limit = AdaptiveLimit(64, initial=30)
        first = await limit.acquire()
        await limit.release(first, latency=0.25)
        limit._slow_start = False
        limit.limit = 30.0
        for storm in range(3):
            for _ in range(4):  # a storm of four round trips, 70% 429s
                clock[0] += 0.3
                epochs = [await limit.acquire() for _ in range(int(limit.limit))]
                for n, epoch in enumerate(epochs):
                    await limit.release(epoch, throttled=n % 10 < 7, latency=0.25)
            assert limit.limit < 12
            epochs = [await limit.acquire() for _ in range(int(limit.limit))]
            for _ in range(5):  # five calm round trips with the window kept full
                clock[0] += 0.25
                for _ in range(len(epochs)):
                    await limit.release(epochs.pop(0), latency=0.25)
                    while limit.in_flight < int(limit.limit):
                        epochs.append(await limit.acquire())
            for epoch in epochs:
                await limit.release(epoch, latency=0.25)
            assert limit.limit >= 26, f"back only to {limit.limit:.1f} of 30 after storm {storm}"

    asyncio.run(scenario())


def test_pacing_is_learned_from_the_quota_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two RetryInfo 429s a window apart and the requests admitted between them give the quota's rate."""
    clock = [1000.0]
    monkeypatch.setattr("vertex_openai.bulk._capacity.time.monotonic", lambda: clock[0])

    async def scenario() -> None:
        limit = AdaptiveLimit(64, initial=16)
        epoch = await limit.acquire()
        clock[0] = 1000.6
        await limit.release(epoch, throttled=True, retry_delay=0.4)  # the window reopens at 1001.0
        assert limit.pace is None and limit.limit == pytest.approx(12.8)  # not learned yet: cut by 0.8
        limit.limit = 64.0  # room for all of the window's requests at once
        in_flight = []
        for n in range(40):  # 40 requests started in the window [1001, 1002) and admitted
            clock[0] = 1001.0 + n * 0.024
            in_flight.append(await limit.acquire())
            if n >= 10:  # answers take 0.24 s: the last 10 are still in flight when the 429 comes
                await limit.release(in_flight.pop(0), latency=0.24)
        clock[0] = 1001.946
        late, later = await limit.acquire(), await limit.acquire()
        clock[0] = 1001.97
        limited = limit.limit
        # The 429 for the request sent at 1001.946: the next window reopens at 1002.0.
        await limit.release(late, throttled=True, retry_delay=0.03, latency=0.024)
        assert limit.stats.quota_rate == pytest.approx(40.0)
        assert limit.pace == pytest.approx(0.97 * 40.0)
        assert limit.limit == limited  # learned: the pacing holds the quota, the concurrency is not cut
        clock[0] = 1001.98  # a 429 of the same window (about the same reopening time) teaches nothing new
        await limit.release(later, throttled=True, retry_delay=0.02, latency=0.034)
        assert limit.pace == pytest.approx(0.97 * 40.0) and limit._window_open == pytest.approx(1002.0)
        for epoch in in_flight:
            await limit.release(epoch, latency=0.24)
        clock[0] = 1002.02  # after the pause
        await limit.acquire()
        assert limit._next_start == pytest.approx(1002.02 + 1 / (0.97 * 40.0))  # starts are spaced at the pace

    asyncio.run(scenario())


def test_the_summary_names_the_learned_quota() -> None:
    from vertex_openai.bulk import ExtractSummary, format_summary

    text = format_summary(ExtractSummary(output="o.jsonl", throttled=3, final_concurrency=9, quota_rate=39.64))
    assert "429 answers: 3 (concurrency settled at 9)" in text
    assert "quota learned from its 429s: about 39.6 requests/s" in text
    assert "quota learned" not in format_summary(ExtractSummary(output="o.jsonl", throttled=3))


def test_a_storm_that_ends_slow_start_early_does_not_cap_the_calm_level(monkeypatch: pytest.MonkeyPatch) -> None:
    """A storm that hits at 8 in flight says nothing of what calm weather carries: the limit looks further up
    by a quarter per round trip, not by one request per round trip (it stayed at 4-11 where 30+ fit)."""
    clock = [1000.0]
    monkeypatch.setattr("vertex_openai.bulk._capacity.time.monotonic", lambda: clock[0])

    async def scenario() -> None:
        limit = AdaptiveLimit(64, initial=8)
        first = await limit.acquire()
        await limit.release(first, latency=0.25)
        limit.limit = 8.0
        clock[0] += 0.3
        epochs = [await limit.acquire() for _ in range(8)]
        for n, epoch in enumerate(epochs):
            await limit.release(epoch, throttled=n < 6, latency=0.25)
        assert limit.stats.decreases == 1 and limit.limit == 4.0
        epochs = [await limit.acquire() for _ in range(int(limit.limit))]
        for _ in range(10):  # ten calm round trips with the window kept full
            clock[0] += 0.25
            for _ in range(len(epochs)):
                await limit.release(epochs.pop(0), latency=0.25)
                while limit.in_flight < int(limit.limit):
                    epochs.append(await limit.acquire())
        assert limit.limit >= 30, f"only {limit.limit:.1f} after ten calm round trips"

    asyncio.run(scenario())


def test_a_window_the_run_did_not_fill_does_not_lower_the_learned_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Window 2 ran at 10 requests (the client was slow), window 3 hit the 40-request quota: the rate is 40/s."""
    clock = [1000.0]
    monkeypatch.setattr("vertex_openai.bulk._capacity.time.monotonic", lambda: clock[0])

    async def scenario() -> None:
        limit = AdaptiveLimit(64, initial=64)

        async def window(start: float, count: int, throttled_at: float | None) -> None:
            for n in range(count):
                clock[0] = start + n * 0.024
                await limit.release(await limit.acquire(), latency=0.0)
            if throttled_at is not None:
                clock[0] = throttled_at
                epoch = await limit.acquire()
                await limit.release(epoch, throttled=True, retry_delay=round(start + 1.0 - throttled_at, 6),
                                    latency=0.0)

        await window(1000.0, 40, 1000.97)  # reopens at 1001: the first window seen
        await window(1001.0, 40, 1001.97)  # learned: 40/s over a 1 s window
        assert limit.stats.quota_rate == pytest.approx(40.0)
        limit.pace = None  # (no pacing in the way of this scripted clock)
        await window(1002.0, 10, None)
        await window(1003.0, 40, 1003.97)  # reopens at 1004: 2 s after the last reopening
        assert limit.stats.quota_rate == pytest.approx(40.0)

    asyncio.run(scenario())
