"""Embeddings: `client.embeddings.create` throughput next to the floor, and `vertex-openai embed` at 100,000 rows.

The fake (`FakeVertex`, constructed from Google's documents, serving the native `:predict` with Google's
per-request limits and deterministic vectors) runs in a child process so its Python work does not compete
with the client for one GIL. Three measurements:
(a) one `create` call with 1,000 texts per model, sync and async, next to the floor: the same native
    `:predict` requests (the same split, from the client's own planner) sent with the SDK's HTTP library
    directly, at the same concurrency, the JSON answers parsed and nothing else; client CPU per text;
(b) peak memory (the process's VmHWM) of `vertex-openai embed` (local engine) over `--rows` rows, next to 1,000;
(c) resume time of a `--rows`-line output: the same command when every id is already done (nothing is sent).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _stats import ratio, table

MODELS = ("gemini-embedding-001", "text-embedding-005", "text-multilingual-embedding-002")

_CHILD = """
import sys
from vertex_openai.testing import FakeVertex
with FakeVertex(require_auth=False, keep_requests=False) as fake:
    print(fake.base_url, flush=True)
    sys.stdin.read()
"""

# `vertex-openai embed` in a process that reports its own peak RSS (KiB) on its last stderr line. VmHWM, not
# getrusage's ru_maxrss: Linux carries ru_maxrss over fork and exec, so a child would report its parent's peak.
_MEASURED_CLI = """
import sys
from vertex_openai.cli import main
code = main(sys.argv[1:])
peak = 0
with open("/proc/self/status", encoding="ascii") as status:
    for line in status:
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1])
print(f"maxrss_kib={peak}", file=sys.stderr)
raise SystemExit(code)
"""


@contextmanager
def fake_child() -> Iterator[str]:
    """A FakeVertex in a child process; yields its base URL."""
    process = subprocess.Popen([sys.executable, "-c", _CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None and process.stdin is not None
    base_url = process.stdout.readline().strip()
    try:
        if not base_url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the fake did not start (said {base_url!r})")
        yield base_url
    finally:
        process.stdin.close()
        process.wait(timeout=30)


def _texts(count: int) -> list[str]:
    return [f"Chunk {n} of the handbook: how to file expenses, section {n % 17}, paragraph {n % 5}."
            for n in range(count)]


def _http_library() -> Any:
    """The HTTP library the installed SDK uses (httpx2 from openai 3, httpx before)."""
    import openai

    if int(openai.__version__.split(".")[0]) >= 3:
        import httpx2

        return httpx2
    import httpx

    return httpx


def _plan(model: str, texts: list[str]) -> list[dict[str, Any]]:
    """The native bodies our client sends for one call (its own planner), for the floor to send as well."""
    from vertex_openai.embeddings._models import GOOGLE_EMBEDDING_MODELS
    from vertex_openai.embeddings._wire import split_ranges

    return [{"instances": [{"content": texts[i]} for i in part]}
            for part in split_ranges(texts, GOOGLE_EMBEDDING_MODELS[model])]


def _native_url(base_url: str, model: str) -> str:
    return base_url.removesuffix("/endpoints/openapi") + f"/publishers/google/models/{model}:predict"


def _timed(call: Any, rounds: int) -> tuple[float, float]:
    """(median seconds per call, client CPU seconds per call) over `rounds` calls after one warm-up."""
    call()
    walls, cpus = [], []
    for _ in range(rounds):
        cpu, wall = time.process_time(), time.perf_counter()
        call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def throughput_table(base_url: str, texts: int, rounds: int) -> str:
    from vertex_openai import AsyncOpenAI, OpenAI
    from vertex_openai.testing import FakeCredentials

    http = _http_library()
    batch = _texts(texts)
    rows: list[list[object]] = []
    sync_client = OpenAI(project="fake-project", base_url=base_url, credentials=FakeCredentials(), max_retries=0)
    concurrency = sync_client.embeddings.max_concurrency
    plain = http.Client(timeout=120, headers={"Authorization": "Bearer floor"},
                        limits=http.Limits(max_connections=concurrency))
    pool = ThreadPoolExecutor(concurrency)
    for model in MODELS:
        bodies = _plan(model, batch)
        url = _native_url(base_url, model)

        def floor_sync(bodies: list[dict[str, Any]] = bodies, url: str = url) -> None:
            answers = list(pool.map(lambda body: plain.post(url, json=body).json(), bodies))
            assert sum(len(a["predictions"]) for a in answers) == texts

        def ours_sync(model: str = model) -> None:
            answer = sync_client.embeddings.create(model=model, input=batch)
            assert len(answer.data) == texts

        async def floor_async_call(bodies: list[dict[str, Any]] = bodies, url: str = url) -> None:
            gate = asyncio.Semaphore(concurrency)
            async with http.AsyncClient(timeout=120, headers={"Authorization": "Bearer floor"}) as client:
                async def one(body: dict[str, Any]) -> int:
                    async with gate:
                        return len((await client.post(url, json=body)).json()["predictions"])

                assert sum(await asyncio.gather(*(one(b) for b in bodies))) == texts

        async def ours_async_call(model: str = model) -> None:
            async with AsyncOpenAI(project="fake-project", base_url=base_url, credentials=FakeCredentials(),
                                   max_retries=0) as client:
                answer = await client.embeddings.create(model=model, input=batch)
                assert len(answer.data) == texts

        measured = {
            "floor sync": _timed(floor_sync, rounds),
            "vertex-openai sync": _timed(ours_sync, rounds),
            "floor async": _timed(lambda f=floor_async_call: asyncio.run(f()), rounds),
            "vertex-openai async": _timed(lambda f=ours_async_call: asyncio.run(f()), rounds),
        }
        for name, (wall, cpu) in measured.items():
            floor = measured["floor async" if "async" in name else "floor sync"]
            rows.append([model, name, len(bodies), f"{wall * 1000:.0f}", f"{texts / wall:.0f}",
                         ratio(wall, floor[0]), f"{cpu / texts * 1e6:.0f}", ratio(cpu, floor[1])])
    pool.shutdown()
    plain.close()
    sync_client.close()
    headers = ["model", "contender", "requests", "ms per call", "texts/s", "time / floor", "client CPU µs/text",
               "CPU / floor"]
    return (f"(a) one `create` call with {texts:,} texts (default dimensions, the SDK's default base64 encoding), "
            f"concurrency {concurrency} (the resource's default `max_concurrency`), median of {rounds} calls:\n\n"
            + table(headers, rows))


def _write_input(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for n in range(rows):
            handle.write(json.dumps({"id": f"c{n}", "text": f"Chunk {n} of the corpus, about topic {n % 97}."}) + "\n")


def _run_cli(base_url: str, items: Path, output: Path, model: str, dimensions: int) -> tuple[float, int, str]:
    """(seconds, peak RSS KiB, stderr) of one `vertex-openai embed` run in fake mode."""
    import os

    env = {**os.environ, "VERTEX_OPENAI_FAKE_BASE_URL": base_url, "VERTEX_OPENAI_FAKE_TOKEN": "bench-token"}
    args = ["embed", str(items), "--model", model, "--output", str(output), "--dimensions", str(dimensions),
            "--no-progress"]
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _MEASURED_CLI, *args], env=env, capture_output=True, text=True,
                          check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"vertex-openai embed failed ({done.returncode}): {done.stderr[-500:]}")
    peak = int(done.stderr.rsplit("maxrss_kib=", 1)[1].split()[0])
    return seconds, peak, done.stderr


def cli_tables(base_url: str, rows: int, workdir: Path, model: str = "text-embedding-005",
               dimensions: int = 64) -> str:
    sizes = sorted({min(1000, rows), rows})
    memory_rows: list[list[object]] = []
    resume_rows: list[list[object]] = []
    for size in sizes:
        items = workdir / f"items-{size}.jsonl"
        output = workdir / f"vectors-{size}.jsonl"
        _write_input(items, size)
        seconds, peak, stderr = _run_cli(base_url, items, output, model, dimensions)
        lines = sum(1 for _ in output.open("rb"))
        assert lines == size, f"{lines} lines for {size} rows"
        memory_rows.append([size, f"{seconds:.1f}", f"{size / seconds:.0f}", f"{peak / 1024:.0f}",
                            f"{output.stat().st_size / 2**20:.0f}"])
        again, again_peak, stderr = _run_cli(base_url, items, output, model, dimensions)
        assert f"0 embedded, 0 failed, {size} already done" in stderr, stderr
        resume_rows.append([size, f"{again:.2f}", f"{again_peak / 1024:.0f}"])
    memory = (f"(b) `vertex-openai embed` (local engine, {model}, --dimensions {dimensions}, in fake mode against the "
              "fake child), one process per run; peak RSS of the command's process:\n\n"
              + table(["rows", "seconds", "rows/s", "peak RSS MiB", "output MiB"], memory_rows))
    resume = ("(c) resume: the same command again on the finished output (every id done, nothing sent): the whole "
              "process, start-up included:\n\n" + table(["output lines", "seconds", "peak RSS MiB"], resume_rows))
    return memory + "\n\n" + resume


def run(texts: int = 1000, rounds: int = 3, rows: int = 100_000, parts: str = "abc") -> str:
    """The report: (a) the create throughput table, (b)+(c) the command's tables (`parts` picks them)."""
    with fake_child() as base_url, tempfile.TemporaryDirectory() as tmp:
        reports = []
        if "a" in parts:
            reports.append(throughput_table(base_url, texts, rounds))
        if "b" in parts or "c" in parts:
            reports.append(cli_tables(base_url, rows, Path(tmp)))
        return "\n\n".join(reports)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=1000, help="texts per create call (default: 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="measured calls per contender (default: 3)")
    parser.add_argument("--rows", type=int, default=100_000, help="rows for the command (default: 100,000)")
    parser.add_argument("--parts", default="abc", help="which tables: a (create), b and c (the command)")
    args = parser.parse_args(argv)
    print("### Embeddings\n")
    print(run(texts=args.texts, rounds=args.rounds, rows=args.rows, parts=args.parts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
