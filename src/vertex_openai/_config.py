"""Turn the factory's arguments (and the environment) into one immutable configuration.

Resolved once per client; `copy()` / `with_options()` hand the same object on, so copies share the
URL and the token source and never cause an extra refresh.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from ._adc import default_credentials
from ._auth import CLOUD_PLATFORM_SCOPE, CallableTokenSource, CredentialsTokenSource, TokenSource
from ._endpoints import VertexTarget, resolve_target

__all__ = ["VertexConfig", "resolve_config"]

_NO_PROJECT = (
    "No Google Cloud project found. Pass project='my-project', or set the GOOGLE_CLOUD_PROJECT environment "
    "variable, or use Application Default Credentials that carry a project "
    "(`gcloud config set project my-project` then `gcloud auth application-default login`, or a "
    "service-account key file in GOOGLE_APPLICATION_CREDENTIALS)."
)


@dataclass(frozen=True)
class VertexConfig:
    """Everything a vertex-openai client needs beyond the openai SDK's own options."""

    target: VertexTarget
    token_source: TokenSource
    max_retry_delay: float = 60.0
    token_refresh_margin: float = 300.0
    token_refresh_timeout: float = 30.0
    options: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def origin(self) -> tuple[str, str, int | None]:
        """(scheme, host, port) of the base URL; read on every request, so parsed once."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.target.base_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return (parts.scheme, parts.hostname or "", port)

    def with_options(self, **changes: Any) -> VertexConfig:
        return replace(self, options={**self.options, **changes})


def _check_seconds(name: str, value: object, *, allow_zero: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, got {type(value).__name__}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'} seconds and finite, got {value!r}")


def _is_google_credentials(value: object) -> bool:
    try:
        from google.auth.credentials import Credentials
    except ImportError:  # pragma: no cover - google-auth is a dependency
        return False
    return isinstance(value, Credentials)


def _load_adc(timeout: float) -> tuple[Any, str | None]:
    return default_credentials([CLOUD_PLATFORM_SCOPE], timeout=timeout)


def _adc_loader(timeout: float) -> Callable[[], Any]:
    return lambda: _load_adc(timeout)[0]


def resolve_config(
    project: str | None,
    location: str | None,
    *,
    endpoint: str,
    api_version: str,
    credentials: Any,
    base_url: str | None,
    token_refresh_margin: float,
    token_refresh_timeout: float,
    max_retry_delay: float,
    token_source: TokenSource | None = None,
) -> VertexConfig:
    """Resolve project, location, URL and token source; fail before any request with a clear message."""
    _check_seconds("token_refresh_margin", token_refresh_margin, allow_zero=True)
    _check_seconds("token_refresh_timeout", token_refresh_timeout, allow_zero=False)
    _check_seconds("max_retry_delay", max_retry_delay, allow_zero=True)
    project_source = "the project argument"
    if project is None:
        project = os.environ.get("GOOGLE_CLOUD_PROJECT") or None
        project_source = "the GOOGLE_CLOUD_PROJECT environment variable"
    location_source = None
    if location is None:
        location = os.environ.get("GOOGLE_CLOUD_LOCATION") or "global"
        location_source = "GOOGLE_CLOUD_LOCATION" if os.environ.get("GOOGLE_CLOUD_LOCATION") else None
    if base_url is None:
        # Before any credential is loaded: a wrong location is bad input, and the message says where it came from.
        from ._locations import check_location

        location = check_location(location, source=location_source, project=project)

    if token_source is None:
        if credentials is None:
            if project is None and base_url is None:
                loaded, adc_project = _load_adc(token_refresh_timeout)
                project = adc_project
                project_source = "the project Application Default Credentials (google.auth.default()) found"
                token_source = CredentialsTokenSource(
                    loaded, description=f"Application Default Credentials ({type(loaded).__name__})",
                    refresh_margin=token_refresh_margin, refresh_timeout=token_refresh_timeout,
                )
            else:
                token_source = CredentialsTokenSource(
                    loader=_adc_loader(token_refresh_timeout), refresh_margin=token_refresh_margin,
                    refresh_timeout=token_refresh_timeout,
                )
        elif _is_google_credentials(credentials):
            from google.auth.credentials import with_scopes_if_required

            scoped = with_scopes_if_required(credentials, [CLOUD_PLATFORM_SCOPE])  # type: ignore[no-untyped-call]
            token_source = CredentialsTokenSource(
                scoped, refresh_margin=token_refresh_margin, refresh_timeout=token_refresh_timeout
            )
            if project is None:
                project = getattr(credentials, "project_id", None) or None
                project_source = "the project_id of the credentials"
        elif isinstance(credentials, (str, bytes)):
            raise TypeError(
                "credentials must be google.auth credentials or a callable returning a token, not a str: a "
                "fixed token expires within an hour. Pass credentials=lambda: token if you manage it yourself."
            )
        elif callable(credentials):
            token_source = CallableTokenSource(credentials)
        else:
            raise TypeError(
                "credentials must be google.auth.credentials.Credentials or a callable returning an access "
                f"token str, got {type(credentials).__name__}"
            )

    if project is None and base_url is None:
        raise ValueError(_NO_PROJECT)
    target = resolve_target(
        project or "", location, endpoint, api_version, base_url, project_required=base_url is None,
        project_source=project_source,
    )
    if max_retry_delay < 0:
        raise ValueError(f"max_retry_delay must be >= 0 seconds, got {max_retry_delay!r}")
    return VertexConfig(
        target=target,
        token_source=token_source,
        max_retry_delay=float(max_retry_delay),
        token_refresh_margin=token_refresh_margin,
        token_refresh_timeout=token_refresh_timeout,
    )
