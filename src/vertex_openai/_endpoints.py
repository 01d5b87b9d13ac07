"""Where a request goes: Vertex host and path rules, and validation of what users pass in.

Validation follows what Vertex itself allows (not an allow-list of regions), so new regions work
the day Google adds them, and bad input fails here with a message instead of as a 404 later.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["VertexTarget", "build_base_url", "validate_base_url", "vertex_model_name"]

_LOCATION_RE = re.compile(r"[a-z0-9-]+")
_ENDPOINT_RE = re.compile(r"openapi|[0-9]+|[a-z][a-z0-9-]{0,62}")
_API_VERSIONS = ("v1", "v1beta1")
_MULTI_REGIONS = {"us": "aiplatform.us.rep.googleapis.com", "eu": "aiplatform.eu.rep.googleapis.com"}


@dataclass(frozen=True)
class VertexTarget:
    """The resolved project/location/endpoint triple and the base URL the SDK should use."""

    project: str | None
    location: str
    endpoint: str
    api_version: str
    base_url: str

    @property
    def is_openapi(self) -> bool:
        return self.endpoint == "openapi"


# A project id or number becomes one segment of the URL path: these would change the path, be decoded
# by a server or proxy into something else ('%2F', '%2E%2E'), or start parameters/userinfo (';', '@').
_PATH_UNSAFE = frozenset("/?#%;@\\")


def validate_project(project: object, source: str = "the project argument") -> str:
    """A project id or number that is safe as one URL path segment; the error names `source`."""
    if not isinstance(project, str):
        raise TypeError(
            f"project must be a str (a Google Cloud project id), got {type(project).__name__} from {source}"
        )
    if not project:
        raise ValueError(f"project is empty (from {source}); pass a Google Cloud project id such as 'my-project'")
    bad = sorted({ch for ch in project if ch in _PATH_UNSAFE or ch.isspace() or not ch.isprintable()
                  or not ch.isascii()})
    if bad or project in (".", ".."):
        what = "contains " + ", ".join(repr(ch) for ch in bad) if bad else "is a relative path segment"
        raise ValueError(
            f"project {project!r} (from {source}) {what}. A Google Cloud project id or number goes into the "
            "request path, so it has no '/', '?', '#', '%', ';', '@', '\\', whitespace, control or non-ASCII "
            "characters and is not '.' or '..' (for example 'my-project', 'example.com:my-project' or the "
            f"project number '123456789012'). Fix {source}."
        )
    return project


def validate_location(location: object) -> str:
    if not isinstance(location, str):
        raise TypeError(f"location must be a str such as 'global' or 'us-central1', got {type(location).__name__}")
    if not _LOCATION_RE.fullmatch(location):
        raise ValueError(
            f"location {location!r} is not a Vertex AI location; expected lowercase letters, digits and '-' "
            "such as 'global', 'us-central1', 'europe-west4', 'us' or 'eu'"
        )
    return location


def validate_endpoint(endpoint: object) -> str:
    if not isinstance(endpoint, str):
        raise TypeError(f"endpoint must be a str ('openapi' or an endpoint id), got {type(endpoint).__name__}")
    if not _ENDPOINT_RE.fullmatch(endpoint):
        raise ValueError(
            f"endpoint {endpoint!r} is not valid; expected 'openapi' (Gemini and managed models), a numeric "
            "endpoint id, or a name matching [a-z][a-z0-9-]{0,62}"
        )
    return endpoint


def validate_api_version(api_version: object) -> str:
    if api_version not in _API_VERSIONS:
        raise ValueError(f"api_version {api_version!r} is not supported; use 'v1' or 'v1beta1'")
    assert isinstance(api_version, str)
    return api_version


def is_loopback_host(host: str) -> bool:
    """True only for `localhost` itself and loopback IP literals (127.0.0.0/8, ::1).

    Names under `.localhost` are not trusted: whether they resolve to loopback is up to the resolver (DNS
    may answer for them), and plain http must never carry a token off the machine.
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def validate_base_url(base_url: object) -> str:
    """A base URL must be https, or plain http to a loopback address (tests, local fakes)."""
    if not isinstance(base_url, str):
        base_url = str(base_url)
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise ValueError(
            f"base_url {base_url!r} is not an absolute http(s) URL; expected e.g. "
            "'https://my-psc-endpoint.p.googleapis.com/v1/projects/P/locations/L/endpoints/openapi'"
        )
    if parts.username or parts.password:
        raise ValueError("base_url must not contain user:password@; credentials travel only as OAuth tokens")
    if parts.query or parts.fragment:
        raise ValueError("base_url must not contain a query or fragment; use default_query= for query parameters")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ValueError(
            f"base_url {base_url!r} uses plain http to a non-loopback host; tokens would travel unencrypted. "
            "Use https://, or http:// only for 127.0.0.1 / localhost / ::1"
        )
    return base_url.rstrip("/")


def _host_for(location: str) -> str:
    if location == "global":
        return "aiplatform.googleapis.com"
    if location in _MULTI_REGIONS:
        return _MULTI_REGIONS[location]
    return f"{location}-aiplatform.googleapis.com"


def build_base_url(project: str, location: str, endpoint: str = "openapi", api_version: str = "v1") -> str:
    """The SDK's base URL: the SDK appends '/chat/completions' to it."""
    validate_project(project)
    host = _host_for(location)
    return f"https://{host}/{api_version}/projects/{project}/locations/{location}/endpoints/{endpoint}"


def resolve_target(
    project: str,
    location: str,
    endpoint: str,
    api_version: str,
    base_url: str | None,
    *,
    project_required: bool = True,
    project_source: str = "the project argument",
) -> VertexTarget:
    """Validate everything and build the base URL (or check the caller's override)."""
    resolved: str | None = validate_project(project, project_source) if (project or project_required) else None
    if base_url is None:  # with base_url the location does not pick the host: nothing to check it against
        location = validate_location(location)
    endpoint = validate_endpoint(endpoint)
    api_version = validate_api_version(api_version)
    if base_url is not None:
        url = validate_base_url(base_url)
    else:
        assert resolved is not None
        url = build_base_url(resolved, location, endpoint, api_version)
    return VertexTarget(resolved, location, endpoint, api_version, url)


def vertex_model_name(model: str) -> str:
    """Gemini on the `openapi` endpoint is addressed as `google/<model>`; add the publisher when missing."""
    # Case-insensitive: `Gemini-2.5-Flash` is a Gemini id too (Google then answers 404, explained by the hint).
    if "/" in model or not model.lower().startswith("gemini"):
        return model
    return f"google/{model}"
