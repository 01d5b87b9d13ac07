"""google-auth credentials that never touch the network: for replay, tests, demos and benchmarks."""

from __future__ import annotations

import datetime as _dt
import itertools
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from google.auth import credentials as ga_credentials
from google.auth import exceptions as ga_exceptions

__all__ = ["FakeCredentials", "TokenRegistry"]


class TokenRegistry(Protocol):
    """What accepts the tokens FakeCredentials issue (a `FakeVertex` does)."""

    def accept_token(self, token: str, lifetime: float = ...) -> None: ...

_counter = itertools.count(1)


class FakeCredentials(ga_credentials.Credentials):  # type: ignore[misc]
    """Credentials whose refresh is local: count refreshes, set token lifetime and latency, inject failures.

    Tokens look like `fake-token-<n>-<random>` and are registered with `server` (a `FakeVertex`) so the
    fake accepts them until they expire. `refresh_count` says how many refreshes happened.
    """

    def __init__(
        self,
        *,
        server: TokenRegistry | None = None,
        lifetime: float = 3600.0,
        latency: float = 0.0,
        fail_with: BaseException | None = None,
        quota_project_id: str | None = None,
        project_id: str | None = None,
        service_account_email: str = "fake-sa@fake-project.iam.gserviceaccount.com",
        clock: Callable[[], _dt.datetime] | None = None,
        token_prefix: str = "fake-token",
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.server = server
        self.lifetime = lifetime
        self.latency = latency
        self.fail_with = fail_with
        self._quota_project_id = quota_project_id
        self.project_id = project_id
        self.service_account_email = service_account_email
        self._clock = clock or (lambda: _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None))
        self._prefix = token_prefix
        self._lock = threading.Lock()
        self.refresh_count = 0
        self.refresh_threads: list[str] = []

    def __repr__(self) -> str:
        return f"FakeCredentials(refreshes={self.refresh_count}, lifetime={self.lifetime})"

    @property
    def quota_project_id(self) -> str | None:
        return self._quota_project_id

    @quota_project_id.setter
    def quota_project_id(self, value: str | None) -> None:
        self._quota_project_id = value

    def refresh(self, request: Any) -> None:
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            self.refresh_threads.append(threading.current_thread().name)
            if self.fail_with is not None:
                raise self.fail_with
            self.refresh_count += 1
            token = f"{self._prefix}-{next(_counter)}-{secrets.token_hex(4)}"
            self.token = token
            self.expiry = self._clock() + _dt.timedelta(seconds=self.lifetime)
        if self.server is not None:
            self.server.accept_token(token, self.lifetime)

    def expire_now(self) -> None:
        """Make the held token look expired to the client (as if an hour had passed)."""
        with self._lock:
            self.expiry = self._clock() - _dt.timedelta(seconds=1)

    @staticmethod
    def refresh_error(message: str = "invalid_grant: Token has been expired or revoked.") -> BaseException:
        """The exception google-auth raises for a revoked user credential, for `fail_with=`."""
        return ga_exceptions.RefreshError(message)  # type: ignore[no-untyped-call]
