"""How many requests may be in flight, and how fast they may start: AIMD on 429s, pacing from a quota's RetryInfo.

Slow start: until the first 429 the limit grows 1.5x per round trip (gentler than TCP's doubling,
because every request of an overshoot comes back as a 429). Additive increase: after a success while
the window is in use, the limit grows by about `increase` per round trip.

A 429 without a delay is shared capacity (Google's Dynamic Shared Quota), which comes and goes by itself.
Multiplicative decrease: when such 429s are more than a tenth of the answers of the last round trip (a
lone 429 among many successes is noise, not congestion), the limit is
multiplied by `decrease` (0.7; 0.5 for the one that ends slow start), at most once per round trip: a 429
from a request sent before the last cut, or within one smoothed round trip of it, is the same event (429s
come back in milliseconds, so counting them would cut the limit to 1 in one storm). Cuts a few round trips
apart are one episode (a storm): the limit from before the episode is remembered (only 10% of it is
forgotten per episode), and below it the limit climbs back about 60% of the remaining distance per round
trip, so it is back at the calm-period level a few round trips after the storm. Above that level it grows by
a quarter per round trip while the window is in use: a storm that ended slow start early says nothing of
what calm weather carries.

A 429 that says when to come back (Google's `RetryInfo`, surfaced as `e.retry_delay`, or a `retry-after-ms`
/ `retry-after` header) is a quota: no new request starts before the delay has passed. Its answer also
tells when the quota's window opens again (now + delay); from two such moments at least `_MIN_SPAN`
apart and the requests started between them before the 429's own request (a quota admits in arrival
order, so those were admitted, in flight or not), the limiter learns the quota's rate and from then on
spaces request starts to 97% of it (pacing), probing 3% higher per learned window so that a raised quota
is found again. Until the rate is learned, a quota 429 cuts the limit by `retry_info_decrease` (0.8);
once it is learned the pacing alone holds the quota and the concurrency limit answers to shared capacity
only. The limit stays within [1, `ceiling`].
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass

__all__ = ["AdaptiveLimit", "CapacityStats"]

# Cuts closer together than this many smoothed round trips belong to one congestion episode.
_EPISODE_ROUND_TRIPS = 4
# Shared-capacity 429s cut the limit only above this share of the last round trip's answers (of at least
# _MIN_ANSWERS answers, so that a lone 429 at a small limit still counts).
_NOISE_SHARE = 0.1
_MIN_ANSWERS = 10
# The remembered pre-storm level keeps this much of itself when a new episode starts lower.
_EPISODE_MEMORY = 0.9
# Quota windows: two RetryInfo reopening times closer than this are the same window.
_MIN_SPAN = 0.5
# Pace at this share of the learned quota rate; probe this much higher per learned window.
_PACE_MARGIN = 0.97
_PACE_PROBE = 0.03
# At most this many request starts are kept to count a quota window's admissions.
_MAX_STARTS = 100_000
# Above the level remembered from before a storm, shared capacity is probed this much per round trip.
_PROBE_SHARE = 0.25


@dataclass
class CapacityStats:
    """What the limiter saw: for the summary and the benchmarks."""

    throttled: int = 0
    decreases: int = 0
    paused_seconds: float = 0.0
    peak_limit: float = 0.0
    quota_rate: float | None = None  # requests/s the last quota window admitted, when learned


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class AdaptiveLimit:
    """An asyncio concurrency limit that adapts to 429s (see the module docstring)."""

    def __init__(self, ceiling: int, *, initial: int | None = None, increase: float = 1.0,
                 decrease: float = 0.7, retry_info_decrease: float = 0.8, max_pause: float = 60.0) -> None:
        if not isinstance(ceiling, int) or isinstance(ceiling, bool) or ceiling < 1:
            raise ValueError(f"the concurrency ceiling must be a whole number >= 1, got {ceiling!r}")
        if not (0 < decrease < 1 and 0 < retry_info_decrease <= 1):
            raise ValueError(f"decrease factors must be between 0 and 1, got {decrease!r}, {retry_info_decrease!r}")
        self.ceiling = ceiling
        self.limit = float(min(ceiling, initial if initial is not None else min(ceiling, 4)))
        self.increase = increase
        self.decrease = decrease
        self.retry_info_decrease = retry_info_decrease
        self.max_pause = max_pause
        self.in_flight = 0
        self.stats = CapacityStats(peak_limit=self.limit)
        self._epoch = 0
        self._slow_start = True
        self._last_cut_from = 0.0
        self._last_cut = float("-inf")
        self._quota = False
        self.round_trip: float | None = None
        self._paused_until = 0.0
        self._waiters: set[asyncio.Future[None]] = set()
        self._storm_share = 0.0  # share of shared-capacity 429s among the answers of the last round trip
        self._recent: deque[tuple[float, bool]] = deque()
        self._recent_throttled = 0
        self.pace: float | None = None  # requests/s learned from the quota's windows (None: no pacing)
        self._next_start = 0.0
        self._learned_at = 0.0
        self._span = 0.0
        self._window_open: float | None = None  # when the quota's current window opened (RetryInfo)
        self._window_starts: deque[float] = deque(maxlen=_MAX_STARTS)  # request starts since then

    async def acquire(self) -> int:
        """Wait for a slot (and for any RetryInfo pause); return the epoch to hand back to `release`.

        Cancellation-safe on every supported Python: a waiter is a plain future (no lock held while waiting,
        no `asyncio.wait_for`, which on 3.10/3.11 could swallow a cancel that came as the wait woke up), so a
        cancelled `acquire` ends cancelled, holding nothing.
        """
        while True:
            now = time.monotonic()
            wait = max(self._paused_until, self._next_start) - now
            if wait > 0:
                await self._wait(wait)
                continue
            if self.in_flight < max(1, int(self.limit)):
                self.in_flight += 1
                if self._window_open is not None:
                    self._window_starts.append(now)
                if self.pace is not None:
                    self._next_start = max(self._next_start, now) + 1.0 / self._current_pace(now)
                return self._epoch
            await self._wait(None)

    def _current_pace(self, now: float) -> float:
        assert self.pace is not None
        return self.pace * (1.0 + _PACE_PROBE * max(0.0, now - self._learned_at) / self._span)

    def _learn_quota(self, now: float, sent: float, reopens: float) -> None:
        """A RetryInfo 429 for a request sent at `sent`: the quota's window reopens at `reopens`.

        A quota admits requests in the order they arrive, so every request started in the window before this
        one was admitted (those still in flight included): that count over the window's length is the rate.
        """
        opened = self._window_open
        if opened is not None and reopens - opened < _MIN_SPAN:
            return  # the same window (its 429s all name about the same moment)
        if opened is not None:
            # The shortest span seen is the window's length: a longer one spans windows that the run did not
            # fill (it was slower than the quota then), so only the last window's starts are counted.
            self._span = reopens - opened if not self._span else min(self._span, reopens - opened)
            admitted = sum(1 for start in self._window_starts if reopens - self._span <= start < sent)
            if admitted:
                self.pace = _PACE_MARGIN * admitted / self._span
                self._learned_at = now
                self.stats.quota_rate = admitted / self._span
        self._window_open = reopens
        self._window_starts.clear()

    async def _wait(self, timeout: float | None) -> None:
        """Sleep until `release` changes something, or `timeout` seconds have passed."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.add(waiter)
        timer = loop.call_later(timeout, _wake, waiter) if timeout is not None else None
        try:
            await waiter
        finally:
            self._waiters.discard(waiter)
            if timer is not None:
                timer.cancel()

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            _wake(waiter)

    async def release(self, epoch: int, *, throttled: bool = False, retry_delay: float | None = None,
                      success: bool = True, latency: float | None = None) -> None:
        """Give the slot back, telling the limiter how the request went (and, for a success, how long it took).

        Never waits (it is a coroutine for the callers' sake): state changes happen between two awaits of the
        one event loop, so no lock is needed, and a release runs to its end even in a cancelled task.
        """
        busy = self.in_flight >= int(self.limit)
        self.in_flight -= 1
        now = time.monotonic()
        if success and not throttled and latency is not None and latency >= 0:
            self.round_trip = latency if self.round_trip is None else 0.875 * self.round_trip + 0.125 * latency
        quota = bool(throttled and retry_delay)
        self._recent.append((now, bool(throttled and not quota)))
        self._recent_throttled += throttled and not quota
        horizon = now - (self.round_trip or 0.0)
        while len(self._recent) > _MIN_ANSWERS and self._recent[0][0] < horizon:
            self._recent_throttled -= self._recent.popleft()[1]
        self._storm_share = self._recent_throttled / len(self._recent)
        if throttled:
            self.stats.throttled += 1
            congested = self._storm_share >= _NOISE_SHARE
            if quota:
                sent = now - latency if latency is not None else now
                self._learn_quota(now, sent, now + min(float(retry_delay or 0.0), self.max_pause))
            # 429s come back in milliseconds: "once per round trip" is measured in successful round trips.
            # A quota 429 cuts only until the pacing has learned the quota; a shared-capacity 429 only in a storm.
            if (epoch == self._epoch and now - self._last_cut >= (self.round_trip or 0.0)
                    and (congested if not quota else self.pace is None)):
                # Cuts less than a few round trips apart are one congestion episode (a storm of shared-
                # capacity 429s lasts seconds): remember the limit from before its first cut, so the limit
                # climbs back to where it was once the storm is over.
                new_episode = now - self._last_cut > _EPISODE_ROUND_TRIPS * (self.round_trip or 0.0)
                self._last_cut = now
                self._epoch += 1
                if retry_delay:  # a quota said when to return: the pause below does most of the work
                    factor = self.retry_info_decrease
                else:  # leaving slow start, the window has overshot by up to 1.5x: halve it
                    factor = min(self.decrease, 0.5) if self._slow_start else self.decrease
                self._slow_start = False
                self._quota = bool(retry_delay)
                self._last_cut_from = (max(self.limit, _EPISODE_MEMORY * self._last_cut_from) if new_episode
                                       else max(self.limit, self._last_cut_from))
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
            per_round_trip = self.increase
            if self.limit < self._last_cut_from and self._quota:  # a steady quota: probe gently
                per_round_trip = self.increase / 2
            elif self.limit < self._last_cut_from:  # shared capacity is back: about 60% of the distance per trip
                per_round_trip = max(self.increase, self._last_cut_from - self.limit)
            elif not self._quota:  # above the pre-storm level: storms say nothing of the calm level, look for it
                per_round_trip = max(self.increase, _PROBE_SHARE * self.limit)
            self.limit = min(float(self.ceiling), self.limit + per_round_trip / max(1.0, self.limit))
        self.stats.peak_limit = max(self.stats.peak_limit, self.limit)
        self._notify()
