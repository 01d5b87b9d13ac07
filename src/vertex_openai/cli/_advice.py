"""What a failed token refresh means, and the offline route, in the same words for `doctor` and `chat`.

A token endpoint that cannot be reached (offline, a proxy or firewall in the way) is not a bad login; telling the
user to log in again sends them the wrong way. The text comes from `VertexAuthError`, which names the failing
exception's type; the client's own "To fix: ..." sentence is replaced by the one fix that fits the failure.
"""

from __future__ import annotations

__all__ = ["OFFLINE_ROUTE", "token_failure"]

_GOOGLE_TOKEN_HOST = "oauth2.googleapis.com"
_LOGIN_FIX = "Log in again: `gcloud auth application-default login` (or use a fresh service-account key)."
# Offered wherever the command finds no Google credentials: how to go on without a Google account.
OFFLINE_ROUTE = ("No Google account at hand? `vertex-openai chat --fake \"Hello\"` and `vertex-openai doctor --fake` "
                 "use a loopback fake; `python -m vertex_openai.testing serve` runs one for your own code.")


def _network_fix(host: str, timeout: float | None) -> str:
    more = ", or raise --timeout" if timeout is not None else ""
    return f"Check network access to {host} (offline, or a proxy/firewall in the way?){more}; the login itself " \
        "may be fine."


def _without_client_fix(message: str) -> str:
    """The message without the client's generic "To fix: ..." sentence (the caller gives the fitting fix)."""
    return message.split(" To fix: ", 1)[0]


def token_failure(message: str, timeout: float | None = None, host: str | None = None) -> tuple[str, str]:
    """(what happened, how to fix it) for a token refresh that failed with `message`.

    `host` is the token endpoint of the credentials (their `token_uri`); Google's own one when unknown.
    """
    host = host or _GOOGLE_TOKEN_HOST
    endpoint = "Google's token endpoint" if host == _GOOGLE_TOKEN_HOST else f"the token endpoint at {host}"
    if "Timed out" in message:
        waited = f" within {timeout:g}s" if timeout is not None else ""
        return (f"no answer from {endpoint}{waited}: this needs network access to it: {message}",
                _network_fix(host, timeout))
    if "invalid_grant" in message or "RefreshError" in message:
        return f"the credentials were refused: {_without_client_fix(message)}", _LOGIN_FIX
    if "TransportError" in message or "Connection" in message or "NameResolution" in message:
        return (f"could not reach {endpoint} (network): {_without_client_fix(message)}",
                _network_fix(host, None))
    return _without_client_fix(message), "Re-create the credentials: `gcloud auth application-default login`."
