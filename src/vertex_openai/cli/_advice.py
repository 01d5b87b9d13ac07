"""What a failed token refresh means, in the same words for `doctor` and `chat`.

A token endpoint that cannot be reached (offline, a proxy or firewall in the way) is not a bad login; telling the
user to log in again sends them the wrong way. The text comes from `VertexAuthError`, which names the failing
exception's type.
"""

from __future__ import annotations

__all__ = ["token_failure"]

_NETWORK_FIX = ("Check network access to oauth2.googleapis.com (offline, or a proxy/firewall in the way?); the "
                "login itself may be fine.")
_LOGIN_FIX = "Log in again: `gcloud auth application-default login` (or use a fresh service-account key)."


def token_failure(message: str, timeout: float | None = None) -> tuple[str, str]:
    """(what happened, how to fix it) for a token refresh that failed with `message`."""
    if "Timed out" in message:
        waited = f" within {timeout:g}s" if timeout is not None else ""
        return (f"no answer from Google's token endpoint{waited}: this needs network access to Google: {message}",
                _NETWORK_FIX.replace("?);", "?), or raise --timeout;"))
    if "invalid_grant" in message or "RefreshError" in message:
        return f"the credentials were refused: {message}", _LOGIN_FIX
    if "TransportError" in message or "Connection" in message or "NameResolution" in message:
        return f"could not reach Google's token endpoint (network): {message}", _NETWORK_FIX
    return message, "Re-create the credentials: `gcloud auth application-default login`."
