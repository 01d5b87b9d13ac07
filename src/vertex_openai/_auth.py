"""Google access tokens for every request: cached, refreshed ahead of expiry, one refresh at a time.

google-auth's refresh is blocking I/O. A refresh always runs in its own short-lived daemon thread and
publishes its result through a `concurrent.futures.Future` that every waiter shares: threads block
on it, coroutines await it (on whatever event loop they run), so 100 threads and 100 coroutines that
hit an expired token cause exactly one refresh, no event loop is blocked, and no lock or future is
bound to a loop. Waiting is bounded by `refresh_timeout`, so a hung token endpoint cannot hang a call.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as _dt
import inspect
import os
import re
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from ._exceptions import VertexAuthError
from ._redact import redact

__all__ = [
    "CLOUD_PLATFORM_SCOPE",
    "CallableTokenSource",
    "CredentialsTokenSource",
    "TokenProvider",
    "TokenSource",
    "check_quota_project",
    "check_token",
]

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
_FIX_HINT = (
    "To fix: run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a "
    "service-account key file, or pass credentials= to the client."
)

TokenProvider = Callable[[], str | Awaitable[str]]
Clock = Callable[[], _dt.datetime]

def _utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)


_EPOCH = _dt.datetime(1970, 1, 1)  # naive UTC, as `_utcnow` returns


def _naive_utc(value: _dt.datetime) -> _dt.datetime:
    if value.tzinfo is not None:
        value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return value


def check_quota_project(value: object, source: str) -> str | None:
    """A quota project must be sendable as the x-goog-user-project header; checked once per credentials."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise VertexAuthError(f"The quota project from {source} is a {type(value).__name__}, not a project id str.")
    bad = [ch for ch in value if ord(ch) < 0x20 or ord(ch) == 0x7F or not ch.isascii()]
    if bad:
        shown = ascii(value[:60])
        what = "CR/LF/NUL or other control characters" if any(ch.isascii() for ch in bad) else "non-ASCII characters"
        raise VertexAuthError(
            f"The quota project {shown} from {source} contains {what}, which cannot be sent in the "
            "x-goog-user-project header. Fix it there (a project id such as 'my-project'), e.g. "
            "`gcloud auth application-default set-quota-project my-project`."
        )
    return value


def quota_project_source(credentials: Any, value: object, origin: str | None = None) -> str:
    """Where a credentials object's quota project most likely came from (`origin`: where they were loaded)."""
    if isinstance(value, str) and value and os.environ.get("GOOGLE_CLOUD_QUOTA_PROJECT") == value:
        return "the GOOGLE_CLOUD_QUOTA_PROJECT environment variable"
    if origin:
        return f"the quota_project_id in {origin}"
    path = getattr(credentials, "_cred_file_path", None)
    if isinstance(path, str) and path:
        return f"the quota_project_id of {path}"
    return f"the quota_project_id of the credentials ({type(credentials).__name__})"


def check_token(token: object, source: str) -> str:
    """A token must be a non-empty header-safe string; say so without ever echoing it."""
    if not isinstance(token, str) or not token:
        raise VertexAuthError(f"{source} returned {type(token).__name__} instead of a non-empty access token str.")
    if any(ch in token for ch in "\r\n\0") or not token.isascii():
        raise VertexAuthError(f"{source} returned a token with characters not allowed in an HTTP header.")
    return token


class TokenSource(Protocol):
    """What the client needs from a credential: a current token, now, in sync or async code."""

    description: str

    @property
    def quota_project(self) -> str | None: ...

    def token(self, timeout: float | None = None) -> str: ...

    async def atoken(self, timeout: float | None = None) -> str: ...

    def invalidate(self, token: str) -> None: ...


class CallableTokenSource:
    """A user's token provider, called on every attempt; caching and expiry are the provider's business."""

    quota_project = None

    def __init__(self, provider: TokenProvider) -> None:
        self._provider = provider
        name = getattr(provider, "__qualname__", None) or type(provider).__name__
        self.description = f"the token provider {name}"

    def __repr__(self) -> str:
        return f"CallableTokenSource({self.description})"

    def token(self, timeout: float | None = None) -> str:
        value = self._call()
        if inspect.isawaitable(value):
            if inspect.iscoroutine(value):
                value.close()
            raise VertexAuthError(
                f"{self.description} is async; use it with async_vertex_openai_client() / AsyncOpenAI, "
                "or pass a sync callable to the sync client."
            )
        return check_token(value, self.description)

    async def atoken(self, timeout: float | None = None) -> str:
        value = self._call()
        if inspect.isawaitable(value):
            value = await value
        return check_token(value, self.description)

    def _call(self) -> object:
        try:
            return self._provider()
        except VertexAuthError:
            raise
        except Exception as err:  # the provider's own words, masked; its traceback is not chained (keys)
            failure = f"{self.description} failed: {type(err).__name__}: {redact(str(err))}"
        raise VertexAuthError(failure)

    def invalidate(self, token: str) -> None:
        """Nothing is cached here; the provider is simply called again."""


class CredentialsTokenSource:
    """google-auth credentials made safe to share between threads, coroutines and event loops.

    A token is used until `refresh_margin` seconds before its expiry (but never less than half its
    lifetime, so a server that hands out short tokens cannot cause a refresh on every request).
    """

    def __init__(
        self,
        credentials: Any | None = None,
        *,
        loader: Callable[[], Any] | None = None,
        description: str | None = None,
        refresh_margin: float = 300.0,
        refresh_timeout: float = 30.0,
        clock: Clock | None = None,
    ) -> None:
        if credentials is None and loader is None:
            raise ValueError("CredentialsTokenSource needs credentials or a loader")
        if refresh_margin < 0:
            raise ValueError(f"refresh_margin must be >= 0 seconds, got {refresh_margin!r}")
        if not refresh_timeout > 0:
            raise ValueError(f"refresh_timeout must be > 0 seconds, got {refresh_timeout!r}")
        self._credentials = credentials
        self._quota_project = _checked_quota(credentials) if credentials is not None else None
        self._loader = loader
        self._margin = _dt.timedelta(seconds=refresh_margin)
        self._refresh_timeout = float(refresh_timeout)
        self._clock: Clock = clock or _utcnow
        self._lock = threading.Lock()
        self._inflight: concurrent.futures.Future[str] | None = None
        self._token: str | None = None
        self._stale_at: _dt.datetime | None = None
        self._stale_seconds: tuple[_dt.datetime, float] | None = None  # (stale_at, as epoch seconds)
        self._rejected: str | None = None
        self.refresh_count = 0
        self.description = description or (
            "Application Default Credentials" if credentials is None else _describe(credentials)
        )

    def __repr__(self) -> str:
        return f"CredentialsTokenSource({self.description}, refreshes={self.refresh_count})"

    @property
    def credentials(self) -> Any | None:
        return self._credentials

    @property
    def quota_project(self) -> str | None:
        """The x-goog-user-project value, checked once when the credentials were given or loaded."""
        return self._quota_project

    # -- the fast path: no lock, no I/O --------------------------------------------------------
    def _current(self) -> str | None:
        token, stale_at = self._token, self._stale_at
        if token is None:
            return None
        if stale_at is None:
            return token
        if self._clock is not _utcnow:
            return None if self._clock() >= stale_at else token
        # the default clock: compare epoch seconds (time.time() is what datetime.now reads) instead of
        # building and comparing a datetime on every request; converted once per stale_at
        seconds = self._stale_seconds
        if seconds is None or seconds[0] is not stale_at:
            seconds = self._stale_seconds = (stale_at, (stale_at - _EPOCH).total_seconds())
        return None if time.time() >= seconds[1] else token

    def token(self, timeout: float | None = None) -> str:
        """The current token; waits at most `timeout` (or `refresh_timeout`, if shorter) for a refresh."""
        current = self._current()
        if current is not None:
            return current
        future = self._refresh_future()
        wait = self._wait_for(timeout)
        try:
            return future.result(timeout=wait)
        except concurrent.futures.TimeoutError:
            raise self._timeout_error(wait) from None

    async def atoken(self, timeout: float | None = None) -> str:
        current = self._current()
        if current is not None:
            return current
        future = self._refresh_future()
        wait = self._wait_for(timeout)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), wait)
        except asyncio.TimeoutError:
            raise self._timeout_error(wait) from None

    def _wait_for(self, timeout: float | None) -> float:
        return self._refresh_timeout if timeout is None else max(0.0, min(self._refresh_timeout, timeout))

    def invalidate(self, token: str) -> None:
        """Forget `token` after the server refused it; a no-op if a newer token already replaced it."""
        with self._lock:
            if self._token == token:
                self._token = None
                self._rejected = token

    # -- refresh, single flight ------------------------------------------------------------------
    def _refresh_future(self) -> concurrent.futures.Future[str]:
        with self._lock:
            current = self._current()
            if current is not None:
                done: concurrent.futures.Future[str] = concurrent.futures.Future()
                done.set_result(current)
                return done
            if self._inflight is not None:
                return self._inflight
            future: concurrent.futures.Future[str] = concurrent.futures.Future()
            # RUNNING futures cannot be cancelled: one cancelled waiter must not fail the others.
            future.set_running_or_notify_cancel()
            self._inflight = future
        thread = threading.Thread(target=self._run_refresh, args=(future,), name="vertex-openai-token", daemon=True)
        try:
            thread.start()
        except BaseException as err:  # e.g. RuntimeError("can't start new thread"): the process is out of threads
            error = self._thread_error(err)
            with self._lock:
                if self._inflight is future:
                    self._inflight = None  # the next call starts a new refresh instead of waiting on this one
            future.set_exception(error)  # callers that already joined this refresh fail now, not at their timeout
            raise error from err
        return future

    def _run_refresh(self, future: concurrent.futures.Future[str]) -> None:
        try:
            token, expiry = self._refresh_blocking()
        except BaseException as err:
            with self._lock:
                self._inflight = None
            future.set_exception(_as_auth_error(err, self.description))
            return
        now = self._clock()
        stale_at = None
        if expiry is not None:
            lifetime = expiry - now
            margin = min(self._margin, max(lifetime / 2, _dt.timedelta(0)))
            stale_at = expiry - margin
        with self._lock:
            self._token, self._stale_at = token, stale_at
            self.refresh_count += 1
            self._inflight = None
        future.set_result(token)

    def _refresh_blocking(self) -> tuple[str, _dt.datetime | None]:
        if self._credentials is None:
            assert self._loader is not None
            loaded = self._loader()
            self._quota_project = _checked_quota(loaded)
            self._credentials = loaded
        from google.auth.transport.requests import Request

        credentials = self._credentials
        adopted = self._adoptable(credentials)
        if adopted is not None:
            return adopted
        credentials.refresh(_TimeoutRequest(self._refresh_timeout, Request()))
        try:
            token = check_token(getattr(credentials, "token", None), self.description)
        except VertexAuthError as err:
            raise VertexAuthError(f"{err} {_FIX_HINT}") from None
        return token, _expiry_of(credentials)

    def _adoptable(self, credentials: Any) -> tuple[str, _dt.datetime | None] | None:
        """Reuse a token the shared credentials already hold (another client refreshed them)."""
        token = getattr(credentials, "token", None)
        expiry = _expiry_of(credentials)
        if not isinstance(token, str) or not token or token == self._rejected or expiry is None:
            return None
        if expiry - self._clock() <= self._margin:
            return None
        return token, expiry

    def _thread_error(self, err: BaseException) -> VertexAuthError:
        return VertexAuthError(
            f"Could not start the thread that refreshes the Google access token from {self.description} "
            f"({type(err).__name__}); the process may have run out of threads. No request was sent; the next "
            "call tries the refresh again."
        )

    def _timeout_error(self, waited: float) -> VertexAuthError:
        return VertexAuthError(
            f"Timed out after {waited:g}s waiting for a Google access token from "
            f"{self.description}; the token endpoint did not answer. Check network access to Google, "
            "or raise token_refresh_timeout (or the request timeout)."
        )


class _TimeoutRequest:
    """google-auth's Request with a bounded timeout for every token-endpoint call."""

    def __init__(self, timeout: float, inner: Any) -> None:
        self._timeout = timeout
        self._inner = inner

    def __call__(self, url: str, method: str = "GET", body: Any = None, headers: Any = None,
                 timeout: float | None = None, **kwargs: Any) -> Any:
        bounded = self._timeout if timeout is None else min(float(timeout), self._timeout)
        return self._inner(url, method=method, body=body, headers=headers, timeout=bounded, **kwargs)


def _checked_quota(credentials: Any) -> str | None:
    value = getattr(credentials, "quota_project_id", None)
    if value is None or (isinstance(value, str) and value.isascii() and value.isprintable()):
        return value or None
    return check_quota_project(value, quota_project_source(credentials, value))


def _expiry_of(credentials: Any) -> _dt.datetime | None:
    expiry = getattr(credentials, "expiry", None)
    return _naive_utc(expiry) if isinstance(expiry, _dt.datetime) else None


def _describe(credentials: Any) -> str:
    kind = type(credentials).__name__
    email = getattr(credentials, "service_account_email", None)
    if isinstance(email, str) and email and email != "default":
        return f"{kind} ({email})"
    return kind


_OAUTH_CODE = re.compile(r"[a-z][a-z_]{2,39}")
_OAUTH_WORDS = {
    "invalid_grant": "the token endpoint refused the credentials (invalid_grant: revoked, expired, or the key "
    "was deleted)",
    "invalid_client": "the token endpoint refused the OAuth client (invalid_client)",
    "unauthorized_client": "the OAuth client may not use this grant (unauthorized_client)",
    "invalid_scope": "the token endpoint refused the requested scope (invalid_scope)",
    "access_denied": "the token endpoint denied access (access_denied)",
}


def _oauth_code(err: BaseException) -> str | None:
    """The OAuth error code (`invalid_grant`...) of a refresh failure: a protocol keyword, safe to repeat."""
    for arg in err.args[1:2]:
        if isinstance(arg, dict) and isinstance(arg.get("error"), str) and _OAUTH_CODE.fullmatch(arg["error"]):
            return str(arg["error"])
    first = err.args[0] if err.args else None
    if isinstance(first, str):
        head = first.split(":", 1)[0].strip()
        if _OAUTH_CODE.fullmatch(head):
            return head
    return None


def _failure_words(err: BaseException) -> str:
    """What went wrong with a refresh, in our words: the loader's own text may quote a key or a token."""
    from google.auth import exceptions as ga_exceptions

    if isinstance(err, ga_exceptions.TransportError):
        cause = err.__cause__ or err.__context__
        if cause is None and err.args and isinstance(err.args[0], BaseException):
            cause = err.args[0]
        via = f", {type(cause).__name__}" if cause is not None else ""
        return f"could not reach the token endpoint (TransportError{via}: offline, proxy or firewall?)"
    if isinstance(err, ga_exceptions.RefreshError):
        code = _oauth_code(err)
        if code is None:
            return "the token endpoint's answer could not be used (RefreshError)"
        return _OAUTH_WORDS.get(code, f"the token endpoint refused the request ({code})") + " (RefreshError)"
    return f"the credentials raised {type(err).__name__}"


def _as_auth_error(err: BaseException, description: str) -> BaseException:
    """A refresh failure as a `VertexAuthError` without the original's text, cause or context."""
    if isinstance(err, VertexAuthError):
        return err
    if not isinstance(err, Exception):
        return err
    return VertexAuthError(f"Could not get a Google access token from {description}: {_failure_words(err)}. "
                           f"{_FIX_HINT}")
