"""What the cassette kit counts as token traffic: decided by host, path and form content type, never by words
in a request body; and which answers hand out a credential (decided by their JSON's top-level keys)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

__all__ = ["hands_out_credentials", "is_token_traffic"]

# Hosts that only ever exchange or mint credentials: OAuth, workload identity (STS), impersonation,
# and the GCE/GKE/Cloud Run metadata server.
_TOKEN_HOSTS = frozenset({
    "oauth2.googleapis.com",
    "accounts.google.com",
    "sts.googleapis.com",
    "iamcredentials.googleapis.com",
    "metadata.google.internal",
    "metadata",
    "169.254.169.254",
    "fd00:ec2::254",
})
# Token paths on any host (a custom token_uri, a proxy, a loopback fake's token endpoint).
_TOKEN_PATHS = re.compile(
    r"(^/oauth2/|/token/?$|/computeMetadata/|:generateAccessToken$|:generateIdToken$|:signJwt$|:signBlob$)"
)
# OAuth token requests are form posts; Vertex's API never is.
_FORM_TYPE = "application/x-www-form-urlencoded"
# Top-level keys of a JSON answer that hands out a credential of any kind.
_TOKEN_RESPONSE_KEYS = frozenset({
    "access_token", "accessToken", "id_token", "idToken", "refresh_token", "signedJwt", "signedBlob",
    "private_key",
})


def is_token_traffic(uri: str, headers: Any) -> bool:
    """Whether a request exchanges or mints credentials: by its host, its path, or a form content type."""
    parts = urlsplit(uri)
    if (parts.hostname or "").lower() in _TOKEN_HOSTS or _TOKEN_PATHS.search(parts.path):
        return True
    content_type = ""
    for name, value in (headers or {}).items():
        if str(name).lower() == "content-type":
            content_type = value if isinstance(value, str) else " ".join(map(str, value))
    return content_type.split(";", 1)[0].strip().lower() == _FORM_TYPE


def hands_out_credentials(body: bytes) -> bool:
    """A JSON object whose top-level keys name a credential (an OAuth/STS/IAM/metadata answer)."""
    if not body.lstrip().startswith(b"{"):
        return False
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return False
    return isinstance(value, dict) and not _TOKEN_RESPONSE_KEYS.isdisjoint(value)
