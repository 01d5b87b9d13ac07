"""Keep the benchmarks from rotting: import each one and run it with a handful of requests.

These are not measurements (sizes are far too small); they check that every benchmark still runs
against the installed openai, that every contender answers, and that the tables keep their shape.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import pytest

# The benchmarks run in `make test`'s environment only; the matrix, newest and Python jobs skip them.
pytestmark = pytest.mark.once

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(scope="module", autouse=True)
def _bench_path() -> None:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))


def _bench(name: str) -> Any:
    """A benchmark module, imported from benchmarks/ (not a package, so not on mypy's path)."""
    return importlib.import_module(name)


def _rows(report: str) -> list[list[str]]:
    """The data rows of the markdown table(s) in a report, as stripped cells."""
    lines = [line for line in report.splitlines() if line.startswith("| ") and not line.startswith("| -")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def _names() -> list[str]:
    _peers = _bench("_peers")

    return [peer.name for peer in _peers.peers()]


def test_run_discovers_every_benchmark_with_a_main() -> None:
    run = _bench("run")

    names = [name for name, _ in run.discover()]
    assert names[:5] == ["overhead", "storm", "throughput", "longrun", "import"]
    import openai

    described = run.machine()
    assert "CPUs" in described and f"openai {openai.__version__}" in described and "Python" in described


def test_overhead_and_throughput_run_every_peer() -> None:
    bench_overhead = _bench("bench_overhead")
    bench_throughput = _bench("bench_throughput")

    overhead = _rows(bench_overhead.run(requests=2, warmup=1))
    assert {row[1] for row in overhead[1:]} == set(_names())
    assert len(overhead) == 1 + 6 * len(_names())  # header + 6 modes
    assert sum(row[0] == "sync non-strict tools" for row in overhead) == len(_names())
    assert sum(row[0] == "sync tools+schema" for row in overhead) == len(_names())
    throughput = _rows(bench_throughput.run(requests=4, rounds=1, concurrency=2))
    assert [row[0] for row in throughput[1:]] == _names()
    assert all(row[7] == "0" for row in throughput[1:])  # no errors


def test_storm_refreshes_once_for_vertex_openai() -> None:
    _peers = _bench("_peers")
    bench_storm = _bench("bench_storm")

    report = bench_storm.run(coroutines=6, threads=3, latency=0.05, short_life=0.1,
                             contenders=[_peers.FLOOR, _peers.OURS, _peers.GOOGLE])
    rows = {(row[0], row[1]): row for row in _rows(report)[1:]}
    assert rows[("6 coroutines", "vertex-openai")][2] == "1"
    assert rows[("3 threads", "vertex-openai")][2] == "1"
    assert rows[("6 coroutines", "floor: openai, static key")][2] == "0 (static)"
    assert all(row[6] == "0" for row in rows.values())  # no errors


def test_long_run_runs_without_refused_tokens() -> None:
    bench_longrun = _bench("bench_longrun")

    rows = _rows(bench_longrun.run(requests=12, peer_requests=6, concurrency=3))[1:]
    assert [row[0] for row in rows] == [n for n in _names() if not n.startswith("floor")]
    assert all(row[8] == "0" and row[7] == "0" for row in rows)  # no errors, no refused tokens


def test_import_time_probe_and_table(monkeypatch: pytest.MonkeyPatch) -> None:
    bench_import = _bench("bench_import")

    assert 0 < bench_import._time_import("json") < 5  # a real fresh interpreter, timed
    fake_times = {"openai": 0.5, "vertex_openai": 0.6}
    monkeypatch.setattr(bench_import, "_time_import", lambda module, after="": 0.05 if after else fake_times[module])
    rows = _rows(bench_import.run(runs=1))[1:]
    assert [(row[1], row[2]) for row in rows] == [("500", "1.000"), ("600", "1.200"), ("50", "1.100")]


def test_responses_bridge_benchmark_runs_both_calls_and_the_translation() -> None:
    bench_responses = _bench("bench_responses")

    rows = _rows(bench_responses.run(requests=2, warmup=1, repeats=3))
    calls = [(row[0], row[1]) for row in rows if row[0] in ("sync", "sync stream")]
    assert calls == [(mode, call) for mode in ("sync", "sync stream")
                     for call in ("chat.completions.create", "responses.create")]
    translations = [row for row in rows if row[0] in ("create", "create(stream=True)")]
    assert len(translations) == 2 and all(int(row[3]) > 0 for row in translations)  # CPU us per translation


def test_bulk_benchmark_runs_every_table_at_tiny_sizes() -> None:
    bench_bulk = _bench("bench_bulk")

    report = bench_bulk.run(rate=20.0, seconds=1.5, latency=0.05, fixed=4, items=20, kill_items=12,
                            storm_latency=0.05)
    for part in ("(a) quota", "(b) shared-capacity storms", "(c) client cost per item", "(d) kill -9",
                 "(e) shared-capacity storms without a quota"):
        assert part in report
    storm_rows = _rows(report.rsplit("(e) shared-capacity storms without a quota", 1)[1])
    assert [row[0] for row in storm_rows[1:]] == ["calm (no storms)", "storms 1 s of every 4 s",
                                                  "storms 3 s of every 6 s"]
    kill_row = _rows(report.rsplit("(d) kill -9", 1)[1])[1]
    assert kill_row[0] == "12" and kill_row[3] == "12" and kill_row[4:6] == ["0", "0"]  # lines, no dup, none missing


def test_embed_benchmark_runs_every_table_at_tiny_sizes() -> None:
    bench_embed = _bench("bench_embed")

    report = bench_embed.run(texts=6, rounds=1, rows=20)
    for part in ("(a) one `create` call with 6 texts", "(b) `vertex-openai embed`", "(c) resume"):
        assert part in report
    throughput = _rows(report.split("(b)", 1)[0])[1:]
    assert {(row[0], row[1]) for row in throughput} == {
        (model, contender) for model in bench_embed.MODELS
        for contender in ("floor sync", "vertex-openai sync", "floor async", "vertex-openai async")}
    assert {row[2] for row in throughput if row[0] == "gemini-embedding-001"} == {"6"}  # one text per request
    assert {row[2] for row in throughput if row[0] != "gemini-embedding-001"} == {"1"}
    memory = _rows(report.split("(b)", 1)[1].split("(c)", 1)[0])
    resume = _rows(report.split("(c)", 1)[1])
    assert [row[0] for row in memory[1:]] == ["20"] and [row[0] for row in resume[1:]] == ["20"]
