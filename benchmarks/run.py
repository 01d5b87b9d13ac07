"""Run every benchmark (`make bench`) and print its tables, under a header naming the machine.

Picks up every `benchmarks/bench_*.py` that defines `main()`: ours first in a fixed order, then any
others alphabetically. `--only overhead,storm` runs a subset; `--output FILE` also writes the report.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import importlib
import io
import os
import platform
import sys
import time
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
ORDER = ["overhead", "storm", "throughput", "longrun", "import", "responses", "responses_chain", "bulk", "embed"]


def discover() -> list[tuple[str, ModuleType]]:
    """(short name, module) for every bench_*.py with a main(), in report order."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    names = sorted(p.stem[len("bench_"):] for p in HERE.glob("bench_*.py"))
    ordered = [n for n in ORDER if n in names] + [n for n in names if n not in ORDER]
    found = []
    for name in ordered:
        module = importlib.import_module(f"bench_{name}")
        if callable(getattr(module, "main", None)):
            found.append((name, module))
    return found


def machine() -> str:
    """Where the numbers came from: they are only comparable within one run on one machine."""
    import openai

    cpu = "unknown CPU"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as info:
        cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    http = "httpx2" if int(openai.__version__.split(".")[0]) >= 3 else "httpx"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return (f"Machine: {os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; openai {openai.__version__} ({http}); "
            f"load average at start {load}; {_dt.datetime.now(_dt.timezone.utc):%Y-%m-%d %H:%M} UTC.")


def _call_main(module: ModuleType) -> None:
    """Call main() with its defaults; its own argparse (if any) must not see run.py's arguments."""
    saved = sys.argv
    sys.argv = [str(module.__file__)]
    try:
        result = module.main()
    finally:
        sys.argv = saved
    if isinstance(result, int) and result:
        raise SystemExit(result)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="", help="comma-separated benchmark names, e.g. overhead,storm")
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    wanted = {n.strip() for n in args.only.split(",") if n.strip()}
    report = io.StringIO()

    def emit(text: str) -> None:
        print(text, flush=True)
        report.write(text + "\n")

    emit("## Benchmark results\n\n" + machine() + "\n")
    total = time.perf_counter()
    for name, module in discover():
        if wanted and name not in wanted:
            continue
        print(f"(running {name} ...)", file=sys.stderr, flush=True)
        start = time.perf_counter()
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            _call_main(module)
        emit(buffer.getvalue().rstrip() + f"\n\n({name}: {time.perf_counter() - start:.0f} s)\n")
    emit(f"Total: {time.perf_counter() - total:.0f} s.")
    if args.output:
        args.output.write_text(report.getvalue(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
