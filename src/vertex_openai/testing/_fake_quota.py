"""FakeVertex with a quota: 429 `RESOURCE_EXHAUSTED` above a request rate, and shared-capacity storms.

Constructed from Google's documented error shapes, not captured: the 429 body is the list-wrapped
Google error with the shared-capacity message and, for the rate quota, a `google.rpc.RetryInfo` detail
whose `retryDelay` ("0.120s") says when the next request would be admitted. The rate quota counts
requests in fixed windows of `window` seconds (`rate * window` admitted per window, as Google's
per-minute quotas count per minute), or, with `burst=`, is a token bucket `burst` deep. `storm` plays
Dynamic Shared Quota: while a storm is
on, each request gets a 429 with probability `storm_429`, without RetryInfo. `latency` delays every
admitted answer, as a model would. Binds to 127.0.0.1 like FakeVertex.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from ._fake_script import Fault, RecordedRequest, Reply, google_error_body
from ._fake_server import FakeVertex

__all__ = ["QuotaFakeVertex"]

_MESSAGE = ("Resource exhausted. Please try again later. Please refer to "
            "https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.")


class QuotaFakeVertex(FakeVertex):
    """A FakeVertex that throttles: see the module docstring. Counters: `admitted`, `throttled`."""

    def __init__(self, *, rate: float | None = None, window: float = 1.0, burst: float | None = None,
                 latency: float = 0.0,
                 storm_period: float = 0.0, storm_length: float = 0.0, storm_429: float = 0.0,
                 calm_429: float = 0.0, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rate = rate
        self.window = window
        self.burst = None if burst is None else max(1.0, burst)
        self.latency = latency
        self.storm_period = storm_period
        self.storm_length = storm_length
        self.storm_429 = storm_429
        self.calm_429 = calm_429
        self.admitted = 0
        self.throttled = 0
        self._bucket = self.burst or 0.0
        self._window_start = time.monotonic()
        self._window_count = 0
        self._refilled = time.monotonic()
        self._born = time.monotonic()
        self._quota_lock = threading.Lock()
        self._random = random.Random(seed)

    def configure(self, **settings: Any) -> None:
        """Change the quota (rate, window, burst, latency, storm_*) and start counting afresh."""
        with self._quota_lock:
            for name, value in settings.items():
                if not hasattr(self, name) or name.startswith("_"):
                    raise AttributeError(f"QuotaFakeVertex has no setting {name!r}")
                setattr(self, name, value)
            now = time.monotonic()
            self.admitted = self.throttled = 0
            self._bucket = self.burst or 0.0
            self._refilled = self._window_start = self._born = now
            self._window_count = 0

    def storming(self, now: float | None = None) -> bool:
        if not self.storm_period or not self.storm_length:
            return False
        phase = ((now if now is not None else time.monotonic()) - self._born) % self.storm_period
        return phase >= self.storm_period - self.storm_length

    def _verdict(self) -> Fault | None:
        now = time.monotonic()
        with self._quota_lock:
            chance = self.storm_429 if self.storming(now) else self.calm_429
            if chance and self._random.random() < chance:
                self.throttled += 1
                return Fault(status=429, body=google_error_body(429, "RESOURCE_EXHAUSTED", _MESSAGE))
            if self.rate is not None and self.burst is not None:
                self._bucket = min(self.burst, self._bucket + (now - self._refilled) * self.rate)
                self._refilled = now
                if self._bucket < 1.0:
                    return self._throttle((1.0 - self._bucket) / self.rate)
                self._bucket -= 1.0
            elif self.rate is not None:
                if now - self._window_start >= self.window:
                    self._window_start += (now - self._window_start) // self.window * self.window
                    self._window_count = 0
                if self._window_count >= self.rate * self.window:
                    return self._throttle(self._window_start + self.window - now)
                self._window_count += 1
            self.admitted += 1
            return None

    def _throttle(self, wait: float) -> Fault:
        self.throttled += 1
        detail = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{max(wait, 0.001):.3f}s"}
        return Fault(status=429, body=google_error_body(429, "RESOURCE_EXHAUSTED", _MESSAGE, [detail]))

    def _latency(self) -> float:
        return 0.0  # here `latency` delays admitted answers only (in `_record`), never a 429

    def _record(self, request: RecordedRequest) -> tuple[Fault | None, Reply | None, int]:
        fault, reply, number = super()._record(request)
        if fault is None and request.path.endswith(("/chat/completions", ":predict")):
            fault = self._verdict()
            if fault is None and self.latency:
                time.sleep(self.latency)
        return fault, reply, number
