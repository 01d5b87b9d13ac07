"""Import time: `import vertex_openai` against `import openai` alone, each in a fresh interpreter.

The two are measured alternately, `runs` times each, and compared at the median.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from _stats import median, table

GOAL = "goal: as close to 1.0 as possible (openai is imported either way)"

_PROBE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def _time_import(module: str, after: str = "") -> float:
    out = subprocess.run([sys.executable, "-c", after + _PROBE.format(module=module)], capture_output=True, text=True,
                         timeout=60, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def run(runs: int = 7) -> str:
    """One table: median import time of openai alone, of vertex_openai, and of vertex_openai after openai."""
    openai_times: list[float] = []
    ours_times: list[float] = []
    extra_times: list[float] = []
    for _ in range(max(1, runs)):
        openai_times.append(_time_import("openai"))
        ours_times.append(_time_import("vertex_openai"))
        extra_times.append(_time_import("vertex_openai", after="import openai; "))
    base, ours, extra = median(openai_times), median(ours_times), median(extra_times)
    rows = [["import openai (fresh)", f"{base * 1e3:.0f}", "1.000"],
            ["import vertex_openai (fresh, imports openai)", f"{ours * 1e3:.0f}", f"{ours / base:.3f}"],
            ["import vertex_openai after openai (its own cost)", f"{extra * 1e3:.0f}",
             f"{(base + extra) / base:.3f}"]]
    return (f"### 5. Import time, median of {runs} fresh interpreters ({GOAL})\n\n"
            + table(["import", "ms", "ratio"], rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    print(run(runs=parser.parse_args(argv).runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
