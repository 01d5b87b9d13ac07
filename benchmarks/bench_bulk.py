"""Bulk extraction: adaptive concurrency against quota fakes, cost per item, and kill-and-resume.

The quota fake (`QuotaFakeVertex`, constructed from Google's documented 429 shape) runs in a child
process so its Python work does not compete with the client for one GIL. Five measurements:
(a) a per-second quota answering 429 + RetryInfo above `rate` requests/s: vertex-openai's bulk runner
beside a fixed-concurrency loop with the SDK's own retries (what users write today);
(b) shared-capacity storms, random 429s without RetryInfo for `storm` of every `period` seconds;
(c) client CPU and memory per item over `--items` items with no quota;
(d) a run killed with SIGKILL at random points and resumed until done;
(e) shared-capacity storms with no quota: the calm-period rate beside the rate with storms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _stats import rss_kib, table
from pydantic import BaseModel

MODEL = "google/gemini-2.5-flash"
GOAL = "goal (a): >= 90% of the quota's ceiling with < 5% of requests answered 429"

_CHILD = """
import json, sys
from vertex_openai.testing import QuotaFakeVertex
with QuotaFakeVertex(require_auth=False, keep_requests=False) as fake:
    print(fake.base_url, flush=True)
    for line in sys.stdin:
        command, _, rest = line.strip().partition(" ")
        if command == "configure":
            fake.configure(**json.loads(rest))
            print("ok", flush=True)
        elif command == "stats":
            print(json.dumps({"admitted": fake.admitted, "throttled": fake.throttled}), flush=True)
"""


class Invoice(BaseModel):
    vendor: str
    total: int


class QuotaChild:
    """The quota fake in a child process, configured and read over its stdin/stdout."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", _CHILD], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.process.stdout is not None
        self.base_url = self.process.stdout.readline().strip()
        if not self.base_url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the quota fake did not start (said {self.base_url!r})")

    def _ask(self, line: str) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def configure(self, **settings: Any) -> None:
        if self._ask("configure " + json.dumps(settings)) != "ok":
            raise RuntimeError("the quota fake refused its settings")

    def stats(self) -> dict[str, int]:
        result: dict[str, int] = json.loads(self._ask("stats"))
        return result

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(10)
        if self.process.stdout is not None:
            self.process.stdout.close()


@contextmanager
def quota_child() -> Iterator[QuotaChild]:
    child = QuotaChild()
    try:
        yield child
    finally:
        child.close()


def _client(base_url: str) -> Any:
    from vertex_openai import AsyncOpenAI
    from vertex_openai.testing import FakeCredentials

    return AsyncOpenAI(project="fake-project", location="global", base_url=base_url, credentials=FakeCredentials())


def _items(count: int, offset: int = 0) -> list[dict[str, Any]]:
    return [{"id": f"inv-{offset + i}", "text": f"Invoice {i} from ACME, total {i} EUR"} for i in range(count)]


async def _sample(count: Any, timeline: list[tuple[float, int]], period: float = 0.25) -> None:
    """Record (time, items done) every `period` seconds until cancelled."""
    while True:
        timeline.append((time.perf_counter(), count()))
        await asyncio.sleep(period)


def sustained(timeline: list[tuple[float, int]], skip: float = 2.0) -> float:
    """Items/s after the first `skip` seconds (start-up) and before the last second (the tail)."""
    if len(timeline) < 2:
        return float("nan")
    start, end = timeline[0][0] + skip, timeline[-1][0] - 1.0
    inside = [(t, n) for t, n in timeline if start <= t <= end]
    if len(inside) < 2:
        inside = [timeline[0], timeline[-1]]
    (t0, n0), (t1, n1) = inside[0], inside[-1]
    return (n1 - n0) / (t1 - t0) if t1 > t0 else float("nan")


async def _ours(base_url: str, count: int, ceiling: int, output: Path) -> dict[str, Any]:
    from vertex_openai.bulk import aextract

    timeline: list[tuple[float, int]] = []
    sampler = asyncio.ensure_future(_sample(lambda: _lines(output), timeline))
    client = _client(base_url)
    start = time.perf_counter()
    summary = await aextract(client, _items(count), prompt="Extract:\n{text}", response_format=Invoice,
                             model=MODEL, output=output, concurrency=ceiling, progress=False)
    seconds = time.perf_counter() - start
    await client.close()
    timeline.append((time.perf_counter(), _lines(output)))
    sampler.cancel()
    return {"seconds": seconds, "ok": summary.succeeded, "failed": summary.failed, "sustained": sustained(timeline),
            "concurrency": f"adaptive (ended at {summary.final_concurrency:.0f})"}


async def _fixed(base_url: str, count: int, concurrency: int) -> dict[str, Any]:
    """The loop users write today: a semaphore and the SDK's default retries (2, honouring retry-after)."""
    client = _client(base_url)
    gate = asyncio.Semaphore(concurrency)
    results = {"ok": 0, "failed": 0}

    async def one(item: dict[str, Any]) -> None:
        async with gate:
            try:
                await client.chat.completions.parse(model=MODEL, response_format=Invoice, messages=[
                    {"role": "user", "content": f"Extract:\n{item['text']}"}])
                results["ok"] += 1
            except Exception:
                results["failed"] += 1

    timeline: list[tuple[float, int]] = []
    sampler = asyncio.ensure_future(_sample(lambda: results["ok"], timeline))
    start = time.perf_counter()
    await asyncio.gather(*(one(item) for item in _items(count)))
    seconds = time.perf_counter() - start
    timeline.append((time.perf_counter(), results["ok"]))
    sampler.cancel()
    await client.close()
    return {"seconds": seconds, **results, "sustained": sustained(timeline), "concurrency": f"fixed {concurrency}"}


def _row(name: str, result: dict[str, Any], stats: dict[str, int], ceiling: float) -> list[object]:
    requests = stats["admitted"] + stats["throttled"]
    rate = result["ok"] / result["seconds"]
    share = f"{stats['throttled'] / requests:.1%}" if requests else "n/a"
    return [name, result["concurrency"], f"{result['sustained']:.1f}", f"{result['sustained'] / ceiling:.0%}",
            f"{rate:.1f}", share, result["failed"], f"{result['seconds']:.1f}"]


_HEADERS = ["runner", "concurrency", "sustained items/s", "of ceiling", "overall items/s", "429 share", "failed",
            "seconds"]


def quota_table(child: QuotaChild, rate: float, seconds: float, latency: float, fixed: int, ceiling: int,
                workdir: Path, runs: int = 1) -> str:
    count = int(rate * seconds)
    rows = []
    for name in ["vertex-openai bulk"] * runs + ["fixed-concurrency loop"]:
        child.configure(rate=rate, window=1.0, burst=None, latency=latency, storm_period=0.0, storm_length=0.0,
                        storm_429=0.0, calm_429=0.0)
        if name.startswith("vertex"):
            result = asyncio.run(_ours(child.base_url, count, ceiling, workdir / f"quota-{time.time_ns()}.jsonl"))
        else:
            result = asyncio.run(_fixed(child.base_url, count, fixed))
        rows.append(_row(name, result, child.stats(), rate))
    head = (f"(a) quota: {rate:.0f} requests/s in 1-second windows, 429 + RetryInfo above it; "
            f"{latency * 1000:.0f} ms per answer; {count} items. {GOAL}. Sustained = items/s after the first 2 s "
            "and before the last 1 s; overall includes start-up and tail.")
    return head + "\n\n" + table(_HEADERS, rows)


def storm_table(child: QuotaChild, seconds: float, latency: float, fixed: int, ceiling: int, workdir: Path,
                capacity: float) -> str:
    count = int(capacity * seconds)
    rows = []
    for name in ("vertex-openai bulk", "fixed-concurrency loop"):
        child.configure(rate=capacity, window=1.0, burst=None, latency=latency, storm_period=4.0, storm_length=1.0,
                        storm_429=0.7, calm_429=0.01)
        if name.startswith("vertex"):
            result = asyncio.run(_ours(child.base_url, count, ceiling, workdir / f"storm-{time.time_ns()}.jsonl"))
        else:
            result = asyncio.run(_fixed(child.base_url, count, fixed))
        rows.append(_row(name, result, child.stats(), capacity))
    head = (f"(b) shared-capacity storms: 70% of requests get 429 (no RetryInfo) for 1 s of every 4 s, 1% otherwise; "
            f"quota {capacity:.0f} requests/s; {latency * 1000:.0f} ms per answer; {count} items. Goal: every item "
            "done, no collapse (sustained items/s near the quota x 3/4, the share of time without storms).")
    return head + "\n\n" + table(_HEADERS, rows)


def calm_storm_table(child: QuotaChild, seconds: float, latency: float, ceiling: int, workdir: Path,
                     runs: int = 1) -> str:
    """Shared-capacity storms with no quota at all: how much of the calm-period throughput survives.

    Answers take `latency` (1 s by default), so the calm level needs many requests in flight (as many as
    the client can turn around per second): a limit held low after the storms shows as lost throughput
    even when the client's CPU is the bottleneck of a loaded machine.
    """
    rows = []
    calm_rate = 0.0
    settings = [("calm (no storms)", 0.0, 0.0, 0.0), ("storms 1 s of every 4 s", 4.0, 1.0, 0.7),
                ("storms 3 s of every 6 s", 6.0, 3.0, 0.7)]
    for name, period, length, share in settings:
        for _ in range(runs if period == 4.0 else 1):
            child.configure(rate=None, latency=latency, storm_period=period, storm_length=length, storm_429=share,
                            calm_429=0.01 if period else 0.0)
            count = int(max(calm_rate, 10.0) * seconds) if period else int(60 * seconds)
            result = asyncio.run(_ours(child.base_url, count, ceiling, workdir / f"calm-{time.time_ns()}.jsonl"))
            stats = child.stats()
            requests = stats["admitted"] + stats["throttled"]
            if not period:
                calm_rate = result["sustained"]
            calm_time = 1.0 - (length / period if period else 0.0)
            rows.append([name, result["concurrency"], f"{result['sustained']:.1f}",
                         f"{result['sustained'] / calm_rate:.0%}" if calm_rate else "n/a",
                         f"{result['sustained'] / (calm_rate * calm_time):.0%}" if calm_rate else "n/a",
                         f"{stats['throttled'] / requests:.1%}" if requests else "n/a", result["failed"],
                         f"{result['seconds']:.1f}"])
    head = (f"(e) shared-capacity storms without a quota: 70% of requests get 429 (no RetryInfo) while a storm is "
            f"on, 1% otherwise; no rate limit; {latency * 1000:.0f} ms per answer; concurrency ceiling {ceiling}. "
            "Goal: the calm periods run at the calm-period level (\"of calm share\" near 100%: sustained items/s "
            "over the calm run's rate times the share of time without storms).")
    return head + "\n\n" + table(["run", "concurrency", "sustained items/s", "of calm rate", "of calm share",
                                   "429 share", "failed", "seconds"], rows)


def cost_table(child: QuotaChild, items: int, workdir: Path) -> str:
    child.configure(rate=None, latency=0.0, storm_period=0.0, storm_length=0.0, storm_429=0.0, calm_429=0.0)
    asyncio.run(_ours(child.base_url, min(200, items), 64, workdir / "warm.jsonl"))
    before_rss, cpu = rss_kib(), time.process_time()
    result = asyncio.run(_ours(child.base_url, items, 64, workdir / "cost.jsonl"))
    cpu_per_item = (time.process_time() - cpu) / items
    growth = rss_kib() - before_rss
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows = [["vertex-openai bulk", items, f"{result['ok'] / result['seconds']:.0f}", f"{cpu_per_item * 1e6:.0f}",
             f"{growth / items * 1000:.0f}", f"{peak / 1024:.0f}"]]
    return ("(c) client cost per item, no quota, answers at once (the client is the bottleneck).\n\n"
            + table(["runner", "items", "items/s", "client CPU µs/item", "RSS growth KiB/1000 items",
                     "peak RSS MiB"], rows))


_KILLED_RUN = """
import sys
from pydantic import BaseModel
from vertex_openai import AsyncOpenAI
from vertex_openai.bulk import extract
from vertex_openai.testing import FakeCredentials
class Invoice(BaseModel):
    vendor: str
    total: int
client = AsyncOpenAI(project="fake-project", location="global", base_url=sys.argv[1], credentials=FakeCredentials())
items = [{"id": f"inv-{i}", "text": f"Invoice {i}"} for i in range(int(sys.argv[3]))]
extract(client, items, prompt="{text}", response_format=Invoice, model="google/gemini-2.5-flash", output=sys.argv[2],
        concurrency=16, progress=False, fsync_interval=0.05)
"""


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def kill_table(child: QuotaChild, items: int, workdir: Path, seed: int = 7) -> str:
    child.configure(rate=None, latency=0.02, storm_period=0.0, storm_length=0.0, storm_429=0.0, calm_429=0.0)
    out = workdir / "killed.jsonl"
    rng = random.Random(seed)
    kills = runs = 0
    while runs < 200:
        runs += 1
        target = _lines(out) + rng.randint(1, max(2, items // 5))
        process = subprocess.Popen([sys.executable, "-c", _KILLED_RUN, child.base_url, str(out), str(items)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while process.poll() is None and _lines(out) < target:
            time.sleep(rng.uniform(0, 0.01))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
            continue
        break
    ids = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    stats = child.stats()
    duplicates = len(ids) - len(set(ids))
    missing = items - len(set(ids))
    rows = [[items, kills, runs, len(ids), duplicates, missing, stats["admitted"], f"{stats['admitted'] / items:.2f}"]]
    return ("(d) kill -9 at random points, resumed until done. Goal: every id exactly once (0 duplicates, 0 missing); "
            "model calls are at-least-once.\n\n"
            + table(["items", "SIGKILLs", "runs", "lines", "duplicates", "missing", "model calls", "calls/item"], rows))


def run(rate: float = 40.0, seconds: float = 15.0, latency: float = 0.25, fixed: int = 32, ceiling: int = 64,
        items: int = 2000, kill_items: int = 300, parts: str = "abcde", runs: int = 1,
        storm_latency: float = 1.0) -> str:
    """The tables (a)-(e), or the ones named in `parts`; `runs` repeats our rows of (a) and (e)."""
    sections = []
    with quota_child() as child, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if "a" in parts:
            sections.append(quota_table(child, rate, seconds, latency, fixed, ceiling, workdir, runs))
        if "b" in parts:
            sections.append(storm_table(child, seconds, latency, fixed, ceiling, workdir, capacity=rate))
        if "c" in parts:
            sections.append(cost_table(child, items, workdir))
        if "d" in parts:
            sections.append(kill_table(child, kill_items, workdir))
        if "e" in parts:
            sections.append(calm_storm_table(child, seconds, storm_latency, ceiling, workdir, runs))
    return "### Bulk extraction\n\n" + "\n\n".join(sections)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=40.0, help="quota in requests per second (default 40)")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of the quota runs (default 15)")
    parser.add_argument("--latency", type=float, default=0.25, help="seconds per answer (default 0.25)")
    parser.add_argument("--fixed", type=int, default=32, help="concurrency of the fixed loop (default 32)")
    parser.add_argument("--items", type=int, default=2000, help="items for the cost-per-item run (default 2000)")
    parser.add_argument("--kill-items", type=int, default=300, help="items for the kill-and-resume run")
    parser.add_argument("--parts", default="abcde", help="which tables, e.g. 'ad' (default all)")
    parser.add_argument("--runs", type=int, default=1, help="repeat our runs of (a) and (e) this many times")
    args = parser.parse_args(argv)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    print(run(args.rate, args.seconds, args.latency, args.fixed, 64, args.items, args.kill_items, args.parts,
              args.runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
