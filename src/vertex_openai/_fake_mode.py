"""Fake mode: two environment variables that point every client at a loopback fake instead of Vertex AI.

`VERTEX_OPENAI_FAKE_BASE_URL` (the fake's base URL) and `VERTEX_OPENAI_FAKE_TOKEN` (the token it accepts), as
printed by `python -m vertex_openai.testing serve`. They count only when both are set and the URL's host is a
loopback IP literal or `localhost`; then the client sends only that token and never loads Google credentials.
One of the two without the other, or a URL that leaves the machine, is refused: a half-set fake mode must not
quietly fall back to real Google credentials, and a fake token must never leave the machine.

Copies (`with_options` / `copy`) of a fake-mode client keep that rule: a copy may move to another loopback
URL (still with the fake token); a copy that changes both `base_url` and `credentials` leaves fake mode
explicitly; a copy that changes only one of them in a way that would mix the fake with anything else is refused.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["FAKE_BASE_URL_ENV", "FAKE_TOKEN_ENV", "FakeMode", "fake_copy_stays_fake", "fake_mode_from_env"]

FAKE_BASE_URL_ENV = "VERTEX_OPENAI_FAKE_BASE_URL"
FAKE_TOKEN_ENV = "VERTEX_OPENAI_FAKE_TOKEN"

_HOW = (
    "Start a fake with `python -m vertex_openai.testing serve` and export the two lines it prints, or unset "
    f"both {FAKE_BASE_URL_ENV} and {FAKE_TOKEN_ENV} to talk to Vertex AI."
)


@dataclass(frozen=True)
class FakeMode:
    """A loopback fake's base URL and the token it accepts (not a secret: the fake made it up)."""

    base_url: str
    token: str

    def token_provider(self) -> Callable[[], str]:
        token = self.token

        def fake_token() -> str:
            return token

        return fake_token

    @property
    def warning(self) -> str:
        return (
            f"vertex-openai fake mode: {FAKE_BASE_URL_ENV} and {FAKE_TOKEN_ENV} are set, so this client talks to "
            f"the loopback fake at {self.base_url} with the fake token; Google credentials are not loaded."
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _loopback_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and _is_loopback(host) and not parts.username and not parts.password


def fake_copy_stays_fake(base_url: str | None, credentials: object) -> bool:
    """For a copy of a fake-mode client: True if it stays in fake mode, False if it leaves it (both changed).

    ValueError for a copy that would send the fake token off this machine, or other credentials to the fake.
    """
    if base_url is not None and credentials is not None:
        return False
    if credentials is not None:
        raise ValueError(
            "this client is in fake mode (it talks to the loopback fake with the fake token), so a copy with "
            "credentials= alone would send those credentials' tokens to the fake. Pass base_url= as well to leave "
            "fake mode, or leave credentials= out to keep the fake token."
        )
    if base_url is not None and not _loopback_url(base_url):
        raise ValueError(
            "this client is in fake mode, which only talks to a loopback address (127.0.0.1, ::1 or localhost) so "
            "the fake token never leaves this machine; a copy with a base_url= elsewhere would take it there. Pass "
            "credentials= as well to leave fake mode with credentials of your own."
        )
    return True


def fake_mode_from_env(environ: Mapping[str, str] | None = None) -> FakeMode | None:
    """The fake mode the environment asks for; None when neither variable is set; ValueError when it is unsafe."""
    env = os.environ if environ is None else environ
    url = (env.get(FAKE_BASE_URL_ENV) or "").strip()
    token = (env.get(FAKE_TOKEN_ENV) or "").strip()
    if not url and not token:
        return None
    if not url or not token:
        present, missing = (FAKE_TOKEN_ENV, FAKE_BASE_URL_ENV) if token else (FAKE_BASE_URL_ENV, FAKE_TOKEN_ENV)
        raise ValueError(f"{present} is set but {missing} is not: fake mode needs both. {_HOW}")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise ValueError(f"{FAKE_BASE_URL_ENV}={url!r} is not a URL. {_HOW}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError(f"{FAKE_BASE_URL_ENV}={url!r} is not an http:// URL. {_HOW}")
    if not _is_loopback(host) or parts.username or parts.password:
        raise ValueError(
            f"{FAKE_BASE_URL_ENV}={url!r} does not point at this machine: fake mode only talks to a loopback "
            f"address (127.0.0.1, ::1 or localhost), so the fake token never leaves it. {_HOW}"
        )
    if not token.isascii() or not token.isprintable() or any(ch.isspace() for ch in token):
        raise ValueError(f"{FAKE_TOKEN_ENV} must be printable ASCII without spaces (its value is not shown). {_HOW}")
    return FakeMode(base_url=url.rstrip("/"), token=token)
