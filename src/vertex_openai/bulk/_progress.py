"""Progress on stderr: a tqdm bar on a terminal when tqdm is installed, plain lines otherwise.

tqdm (the `progress` extra) was chosen over rich: it is one small pure-Python package with no
dependencies of its own, writes to stderr by default, and is maintained and ubiquitous. Without it,
a terminal gets one self-rewriting status line. When stderr is not a terminal nothing is redrawn: a
plain status line is printed at most every `log_every` seconds. The final summary is printed either way.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any

__all__ = ["Progress", "format_summary"]


def _rate_eta(done: int, total: int | None, started: float) -> tuple[float, str]:
    elapsed = max(1e-9, time.monotonic() - started)
    rate = done / elapsed
    if total is None or rate <= 0:
        return rate, "?"
    left = max(0, total - done) / rate
    return rate, f"{int(left // 60)}m{int(left % 60):02d}s"


class Progress:
    """Counts done/failed/tokens and shows them; `enabled=False` keeps only the counters."""

    def __init__(self, total: int | None, *, enabled: bool = True, stream: IO[str] | None = None,
                 log_every: float = 30.0, min_redraw: float = 0.2) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.log_every = log_every
        self.min_redraw = min_redraw
        self.done = 0
        self.failed = 0
        self.tokens = 0
        self.started = time.monotonic()
        self._last = self.started
        self._tty = enabled and bool(getattr(self.stream, "isatty", lambda: False)())
        self._bar: Any = None
        self._plain_drawn = False
        if self._tty:
            try:
                from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self._bar = tqdm(total=total, file=self.stream, unit="item", dynamic_ncols=True,
                                 mininterval=min_redraw, smoothing=0.1)

    def status(self) -> str:
        rate, eta = _rate_eta(self.done + self.failed, self.total, self.started)
        total = f"/{self.total}" if self.total is not None else ""
        return (f"{self.done + self.failed}{total} done ({self.failed} failed), {rate:.1f}/s, "
                f"ETA {eta}, {self.tokens:,} tokens")

    def advance(self, *, ok: bool, tokens: int = 0, note: str = "") -> None:
        if ok:
            self.done += 1
        else:
            self.failed += 1
        self.tokens += tokens
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix_str(f"failed={self.failed} tokens={self.tokens:,}{note}", refresh=False)
            return
        now = time.monotonic()
        if self._tty:
            if now - self._last >= self.min_redraw:
                self._last = now
                self.stream.write("\r\x1b[2K" + self.status() + note)
                self.stream.flush()
                self._plain_drawn = True
        elif now - self._last >= self.log_every:
            self._last = now
            self.stream.write(self.status() + note + "\n")
            self.stream.flush()

    def show(self, done: int, failed: int, note: str = "") -> None:
        """Set the counts (batch jobs report totals, not single items) and show them."""
        step = done + failed - (self.done + self.failed)
        self.done, self.failed = done, failed
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(step)
            self._bar.set_postfix_str(f"failed={failed}{note}", refresh=True)
            return
        now = time.monotonic()
        # A batch job's status is drawn at once the first time (a short job may end before min_redraw has passed).
        if self._tty and (not self._plain_drawn or now - self._last >= self.min_redraw):
            self._last = now
            self.stream.write("\r\x1b[2K" + self.status() + note)
            self.stream.flush()
            self._plain_drawn = True
        elif not self._tty and now - self._last >= self.log_every:
            self._last = now
            self.stream.write(self.status() + note + "\n")
            self.stream.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self._plain_drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._plain_drawn = False


def format_summary(summary: Any) -> str:
    """The final summary line(s) for a run."""
    lines = [
        f"{summary.succeeded} succeeded, {summary.failed} failed, {summary.skipped} already done "
        f"in {summary.elapsed:.1f} s ({summary.prompt_tokens:,} prompt + {summary.completion_tokens:,} completion "
        f"tokens)"
    ]
    if summary.cost is not None:
        lines.append(f"estimated cost: ${summary.cost:.4f}")
    if summary.throttled:
        lines.append(f"429 answers: {summary.throttled} (concurrency settled at {summary.final_concurrency:.0f})")
        if getattr(summary, "quota_rate", None):
            lines.append(f"quota learned from its 429s: about {summary.quota_rate:.1f} requests/s; "
                         "requests were paced just below it")
    if summary.repaired_bytes:
        lines.append(f"repaired a torn last line in the output ({summary.repaired_bytes} bytes cut)")
    if summary.failed:
        lines.append(f"failed items are in {summary.output} with \"ok\": false")
    if summary.missing:
        lines.append(f"{summary.missing} item(s) got no answer from the batch job: run again to send them")
    if summary.detached:
        names = " ".join(summary.jobs)
        lines.append(f"detached: the job(s) keep running on Vertex AI: {names}; run the same command again (or "
                     "add --resume-job NAME) to collect the results")
    return "\n".join(lines)
