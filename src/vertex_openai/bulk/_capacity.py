"""How many requests may be in flight: AIMD on 429s, with Google's RetryInfo honoured.

Until the first 429 the limit grows 1.5x per round trip (a gentler slow start than TCP's doubling,
because every request of an overshoot comes back as a 429), so a large run finds its capacity in a
few seconds; the 429 that ends slow start halves the limit. Additive increase: after a success while
the window is in use, the limit grows by `increase / limit` (about +`increase` per round trip), at a
quarter of that speed while it is below the limit at which the last 429 came (probing gently where
the next one is likely), at full speed above it. Multiplicative decrease: a 429 `RESOURCE_EXHAUSTED` multiplies the
limit by `decrease`, once per round trip: 429s from requests sent before the last cut are the same
congestion event and do not cut again. When the 429 carries a delay (Google's `RetryInfo`, surfaced as
`e.retry_delay`, or a `retry-after-ms` / `retry-after` header), no new request starts before it has
passed. The limit never exceeds `ceiling` nor drops below 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

__all__ = ["AdaptiveLimit", "CapacityStats"]


@dataclass
class CapacityStats:
    """What the limiter saw: for the summary and the benchmarks."""

    throttled: int = 0
    decreases: int = 0
    paused_seconds: float = 0.0
    peak_limit: float = 0.0


class AdaptiveLimit:
    """An asyncio concurrency limit that adapts to 429s (see the module docstring)."""

    def __init__(self, ceiling: int, *, initial: int | None = None, increase: float = 1.0,
                 decrease: float = 0.7, max_pause: float = 60.0) -> None:
        if not isinstance(ceiling, int) or isinstance(ceiling, bool) or ceiling < 1:
            raise ValueError(f"the concurrency ceiling must be a whole number >= 1, got {ceiling!r}")
        if not 0 < decrease < 1:
            raise ValueError(f"decrease must be between 0 and 1, got {decrease!r}")
        self.ceiling = ceiling
        self.limit = float(min(ceiling, initial if initial is not None else min(ceiling, 4)))
        self.increase = increase
        self.decrease = decrease
        self.max_pause = max_pause
        self.in_flight = 0
        self.stats = CapacityStats(peak_limit=self.limit)
        self._epoch = 0
        self._slow_start = True
        self._last_cut_from = float(ceiling)
        self._paused_until = 0.0
        self._changed = asyncio.Condition()

    async def acquire(self) -> int:
        """Wait for a slot (and for any RetryInfo pause); return the epoch to hand back to `release`."""
        async with self._changed:
            while True:
                wait = self._paused_until - time.monotonic()
                if wait > 0:
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), wait)
                    continue
                if self.in_flight < max(1, int(self.limit)):
                    self.in_flight += 1
                    return self._epoch
                await self._changed.wait()

    async def release(self, epoch: int, *, throttled: bool = False, retry_delay: float | None = None,
                      success: bool = True) -> None:
        """Give the slot back, telling the limiter how the request went."""
        async with self._changed:
            busy = self.in_flight >= int(self.limit)
            self.in_flight -= 1
            if throttled:
                self.stats.throttled += 1
                if epoch == self._epoch:
                    self._epoch += 1
                    # Leaving slow start the window has overshot by up to 2x: halve it, as TCP does.
                    factor = min(self.decrease, 0.5) if self._slow_start else self.decrease
                    self._slow_start = False
                    self._last_cut_from = self.limit
                    self.limit = max(1.0, self.limit * factor)
                    self.stats.decreases += 1
                if retry_delay is not None and retry_delay > 0:
                    until = time.monotonic() + min(retry_delay, self.max_pause)
                    if until > self._paused_until:
                        self.stats.paused_seconds += until - max(self._paused_until, time.monotonic())
                        self._paused_until = until
            elif success and self._slow_start:
                self.limit = min(float(self.ceiling), self.limit + self.increase / 2)
            elif success and busy:
                step = self.increase / max(1.0, self.limit)
                if self.limit < self._last_cut_from:
                    step /= 4
                self.limit = min(float(self.ceiling), self.limit + step)
            self.stats.peak_limit = max(self.stats.peak_limit, self.limit)
            self._changed.notify_all()
