"""The clients compared side by side, each built against the same loopback fake.

* floor: bare `openai.OpenAI(api_key=<static token>)`, no Google auth at all: the fastest possible call.
* vertex-openai: this project's client.
* openai provider: `openai.OpenAI(provider=openai.providers.vertex(base_url=..., credentials=...))`,
  only when the installed openai has `openai.providers` (3.x).
* google sample: a re-creation of Google's documented `OpenAICredentialsRefresher` pattern (written here
  from its description; not Google's code): a wrapper that checks `creds.valid` on every attribute access,
  refreshes in the caller's thread, and overwrites `client.api_key`.
"""

from __future__ import annotations

import datetime as _dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import openai

from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai.testing import FakeCredentials

STATIC_TOKEN = "static-bench-token"


class BenchCredentials(FakeCredentials):
    """FakeCredentials whose `valid` the benchmark controls, and that time each refresh.

    google-auth calls a token invalid 3 min 45 s before expiry, which would make a 2-second token
    refresh on every request. Here `expired` uses `margin` seconds instead, so peers that trust
    `creds.valid` see the same token lifetime as our client does with `token_refresh_margin`.
    """

    def __init__(self, *, margin: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.margin = margin
        self.refresh_spans: list[tuple[float, float, int]] = []  # (start, end, thread id)
        self._span_lock = threading.Lock()

    @property
    def expired(self) -> bool:
        if not self.expiry:
            return False
        return bool(self._clock() >= self.expiry - _dt.timedelta(seconds=self.margin))

    def refresh(self, request: Any) -> None:
        start = time.perf_counter()
        try:
            super().refresh(request)
        finally:
            with self._span_lock:
                self.refresh_spans.append((start, time.perf_counter(), threading.get_ident()))


class OpenAICredentialsRefresher:
    """Re-creation of Google's `OpenAICredentialsRefresher` sample (refresh when `not creds.valid`).

    The sample loads ADC with `google.auth.default(scopes=[cloud-platform])`; here the credentials are
    passed in. `client_class` lets the same wrapper sit around `openai.AsyncOpenAI`, as its public
    async copies do (the refresh then blocks the event loop).
    """

    def __init__(self, credentials: Any, client_class: type[Any] = openai.OpenAI, **kwargs: Any) -> None:
        self.client = client_class(**kwargs, api_key="PLACEHOLDER")
        self.creds = credentials

    def __getattr__(self, name: str) -> Any:
        import google.auth.transport.requests

        if not self.creds.valid:
            self.creds.refresh(google.auth.transport.requests.Request())
            if not self.creds.valid:
                raise RuntimeError("Unable to refresh auth")
            self.client.api_key = self.creds.token
        return getattr(self.client, name)


def has_provider() -> bool:
    return hasattr(openai, "providers") and hasattr(openai.providers, "vertex")


@dataclass(frozen=True)
class Peer:
    """How to build one contender; `refreshes` says whether it uses the credentials at all."""

    name: str
    build: Callable[[str, Any, bool, float], Any]  # (base_url, credentials, is_async, refresh_margin)
    refreshes: bool = True


def _floor(base_url: str, credentials: Any, is_async: bool, margin: float) -> Any:
    cls = openai.AsyncOpenAI if is_async else openai.OpenAI
    return cls(api_key=STATIC_TOKEN, base_url=base_url)


def _ours(base_url: str, credentials: Any, is_async: bool, margin: float) -> Any:
    factory = async_vertex_openai_client if is_async else vertex_openai_client
    return factory("fake-project", base_url=base_url, credentials=credentials, token_refresh_margin=margin,
                   token_refresh_timeout=30.0)


def _provider(base_url: str, credentials: Any, is_async: bool, margin: float) -> Any:
    if isinstance(credentials, BenchCredentials):
        credentials.margin = margin
    cls = openai.AsyncOpenAI if is_async else openai.OpenAI
    return cls(provider=openai.providers.vertex(base_url=base_url, credentials=credentials))  # type: ignore[attr-defined]


def _google(base_url: str, credentials: Any, is_async: bool, margin: float) -> Any:
    if isinstance(credentials, BenchCredentials):
        credentials.margin = margin
    cls = openai.AsyncOpenAI if is_async else openai.OpenAI
    return OpenAICredentialsRefresher(credentials, client_class=cls, base_url=base_url)


FLOOR = Peer("floor: openai, static key", _floor, refreshes=False)
OURS = Peer("vertex-openai", _ours)
PROVIDER = Peer("openai providers.vertex", _provider)
GOOGLE = Peer("Google refresher sample*", _google)

GOOGLE_NOTE = (
    "*Google refresher sample: a re-creation of Google's documented `OpenAICredentialsRefresher` pattern "
    "(checks `creds.valid` on each attribute access), written for this benchmark."
)


def peers() -> list[Peer]:
    """Every contender available with the installed openai, floor first."""
    found = [FLOOR, OURS]
    if has_provider():
        found.append(PROVIDER)
    found.append(GOOGLE)
    return found
