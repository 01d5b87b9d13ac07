"""Find Application Default Credentials the way google-auth does, but say where they came from, and never hang.

`google.auth.default()` answers only "here are credentials" or "none found"; `vertex-openai doctor`
needs the why: which file, which environment variable, which project source. The order is
google-auth's own (GOOGLE_APPLICATION_CREDENTIALS, then gcloud's application_default_credentials.json,
then the metadata server). The metadata-server probe is bounded (one short HTTP attempt to a
link-local address, no DNS), and skipped when NO_GCE_CHECK is set.
"""

from __future__ import annotations

import configparser
import contextlib
import http.client
import json
import os
import time
import warnings
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ._auth import CLOUD_PLATFORM_SCOPE
from ._exceptions import VertexAuthError
from ._redact import redact

__all__ = [
    "FIX",
    "OFFLINE_ROUTE",
    "Discovery",
    "FoundCredentials",
    "default_credentials",
    "discover_credentials",
    "file_problem",
    "gcloud_config_project",
    "probe_timeout",
    "token_endpoint_host",
]

_METADATA_IP = "169.254.169.254"
_METADATA_PATH = "/computeMetadata/v1/project/project-id"


@dataclass
class FoundCredentials:
    """Credentials that were found, and where, in words a user can act on."""

    credentials: Any
    source: str
    kind: str
    identity: str
    project: str | None = None
    project_source: str | None = None
    is_user: bool = False
    # The host that hands out tokens for these credentials (oauth2.googleapis.com unless the file names another).
    token_host: str = "oauth2.googleapis.com"
    # Set when the file names another token endpoint than the one google-auth uses (it ignores the file's for users).
    token_host_note: str | None = None


@dataclass
class Discovery:
    """The outcome of the search: credentials, or why none (with the places that were looked at)."""

    found: FoundCredentials | None = None
    error: str | None = None
    fix: str | None = None
    notes: list[str] = field(default_factory=list)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def gcloud_config_dir() -> str:
    from google.auth import _cloud_sdk

    return str(_cloud_sdk.get_config_path())  # type: ignore[no-untyped-call]


def gcloud_config_project() -> tuple[str | None, str | None]:
    """gcloud's default project, read from its config files (no `gcloud` subprocess, no network)."""
    env = os.environ.get("CLOUDSDK_CORE_PROJECT")
    if env:
        return env, "CLOUDSDK_CORE_PROJECT"
    config_dir = gcloud_config_dir()
    name = os.environ.get("CLOUDSDK_ACTIVE_CONFIG_NAME")
    if not name:
        try:
            with open(os.path.join(config_dir, "active_config"), encoding="utf-8") as handle:
                name = handle.read().strip() or "default"
        except OSError:
            name = "default"
    parser = configparser.ConfigParser()
    try:
        parser.read(os.path.join(config_dir, "configurations", f"config_{name}"), encoding="utf-8")
    except configparser.Error:
        return None, None
    project = parser.get("core", "project", fallback=None)
    if project:
        return project, f"gcloud config (configuration {name!r})"
    return None, None


def describe(credentials: Any) -> tuple[str, str, bool]:
    """(kind, identity, is_user) for any google-auth credentials; the identity is never a secret."""
    module = type(credentials).__module__
    email = getattr(credentials, "service_account_email", None)
    email = email if isinstance(email, str) and email and email != "default" else None
    if module == "google.oauth2.credentials":
        account = getattr(credentials, "account", None)
        identity = f"user credentials ({account})" if isinstance(account, str) and account else "user credentials"
        return "user credentials (gcloud auth application-default login)", identity, True
    if module == "google.oauth2.service_account":
        return "service-account key", email or "service account", False
    if module == "google.auth.impersonated_credentials":
        return "impersonated service account", email or "impersonated service account", False
    if module.startswith("google.auth.compute_engine"):
        return "metadata server (GCE, Cloud Run, GKE)", email or "the attached service account", False
    if module.startswith(("google.auth.identity_pool", "google.auth.aws", "google.auth.pluggable",
                          "google.auth.external_account")):
        return "workload identity federation", email or "a federated principal", False
    return type(credentials).__name__, email or type(credentials).__name__, False


_KNOWN_TYPES = ("authorized_user", "service_account", "external_account", "external_account_authorized_user",
                "impersonated_service_account", "gdch_service_account")
_REQUIRED_FIELDS = {
    "service_account": ("client_email", "private_key", "token_uri"),
    "authorized_user": ("client_id", "client_secret", "refresh_token"),
}
_FILE_LIMIT = 1 << 20
_DEFAULT_TOKEN_HOST = "oauth2.googleapis.com"
_FILE_FIX = (
    "Re-create the file: `gcloud auth application-default login`, or download a new service-account key and "
    "point GOOGLE_APPLICATION_CREDENTIALS at it."
)
FIX = (
    "Run `gcloud auth application-default login` (your user), or set GOOGLE_APPLICATION_CREDENTIALS to a "
    "service-account key file, or pass credentials= to the client, or run on Google Cloud with an attached "
    "service account."
)
# The way to go on without a Google account, offered wherever credentials are missing.
OFFLINE_ROUTE = (
    "No Google account at hand? `python -m vertex_openai.testing serve` runs a loopback fake (export the two lines "
    "it prints: fake mode), `vertex-openai chat --fake` uses one, and `pytest --vertex-fake` records cassettes "
    "against one."
)


def _json_kind(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object", type(None): "null"}.get(type(value), type(value).__name__)


def _shown(value: str) -> str:
    """A short, escaped, masked rendering of a value read from a credentials file."""
    return ascii(redact(value[:40]) + ("…" if len(value) > 40 else ""))


def file_problem(path: str) -> str:
    """What is wrong with a credentials file, in our words (never its content, which may hold a key)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(_FILE_LIMIT + 1)
    except OSError as err:
        return f"cannot be read ({type(err).__name__})"
    if len(raw) > _FILE_LIMIT:
        return f"is larger than {_FILE_LIMIT >> 20} MiB, which no credentials file is"
    try:
        info = json.loads(raw)
    except (ValueError, RecursionError):
        return "is not valid JSON"
    if not isinstance(info, dict):
        return f"holds a JSON {_json_kind(info)}, not the JSON object a credentials file is"
    kind = info.get("type")
    if not isinstance(kind, str) or not kind:
        return 'has no "type" field (expected e.g. "service_account" or "authorized_user")'
    if kind not in _KNOWN_TYPES:
        return f'has an unknown "type" {_shown(kind)}; expected one of {", ".join(_KNOWN_TYPES)}'
    for name in _REQUIRED_FIELDS.get(kind, ()):
        value = info.get(name)
        if value is None:
            return f'has type {kind} but no "{name}" field'
        if not isinstance(value, str):
            return f'has type {kind}, and its "{name}" is a JSON {_json_kind(value)}, not a string'
    if kind == "service_account" and "-----BEGIN" not in info["private_key"]:
        return 'has type service_account, but its "private_key" is not a PEM key'
    return f"has type {kind}, but google-auth could not load it"


def _host_of(url: object) -> str | None:
    if not isinstance(url, str) or not url:
        return None
    try:
        return urlsplit(url).hostname or None
    except ValueError:
        return None


def _file_token_host(path: str) -> str | None:
    """The host of the token endpoint a credentials file names (`token_uri`, or `token_url` for federation)."""
    try:
        with open(path, "rb") as handle:
            info = json.loads(handle.read(_FILE_LIMIT))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(info, dict):
        return None
    return _host_of(info.get("token_uri")) or _host_of(info.get("token_url"))


def token_endpoint_host(credentials: Any = None, path: str | None = None) -> str:
    """The host that hands out access tokens: the credentials' `token_uri`, else the one in the credentials file
    (`path`, or the file google-auth would load; nothing is loaded), else oauth2.googleapis.com."""
    host = _host_of(getattr(credentials, "token_uri", None)) if credentials is not None else None
    if host is None and path is None and credentials is None:
        place = _places().file
        path = place[0] if place is not None else None
    if host is None and path is not None:
        host = _file_token_host(path)
    return host or _DEFAULT_TOKEN_HOST


def _load_file(path: str, source: str) -> Discovery:
    import google.auth
    from google.auth.credentials import with_scopes_if_required

    failure: str | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the generic-loader and "no quota project" warnings: doctor says it
            credentials, project = google.auth.load_credentials_from_file(path)  # type: ignore[no-untyped-call]
    except Exception as err:  # the loader's text may quote the key: say what is wrong in our words instead
        failure = f"{source}: {path} {file_problem(path)} (google-auth raised {type(err).__name__})"
    if failure is not None:
        return Discovery(error=failure, fix=_FILE_FIX)
    from_env = getattr(credentials, "with_quota_project_from_environment", None)
    if callable(from_env):
        credentials = from_env()
    credentials = with_scopes_if_required(credentials, [CLOUD_PLATFORM_SCOPE])  # type: ignore[no-untyped-call]
    kind, identity, is_user = describe(credentials)
    found = FoundCredentials(credentials, f"{path} ({source})", kind, identity, is_user=is_user,
                             token_host=token_endpoint_host(credentials, path))
    named = _file_token_host(path)
    if named and named != found.token_host:
        found.token_host_note = (f"the file's token_uri ({named}) is not used: google-auth asks "
                                 f"{found.token_host} for these credentials' tokens")
    if project:
        found.project, found.project_source = project, f"the credentials file {path}"
    elif is_user:
        found.project, found.project_source = gcloud_config_project()
    return Discovery(found=found)


def _metadata_host() -> str:
    return os.environ.get("GCE_METADATA_HOST") or os.environ.get("GCE_METADATA_ROOT") or (
        os.environ.get("GCE_METADATA_IP") or _METADATA_IP
    )


def _probe_metadata(timeout: float) -> tuple[bool, str | None, str]:
    """(reachable, project id, what happened), in at most about `timeout` seconds."""
    host = _metadata_host()
    connection = http.client.HTTPConnection(host, timeout=timeout)
    try:
        connection.request("GET", _METADATA_PATH, headers={"Metadata-Flavor": "Google"})
        response = connection.getresponse()
        body = response.read(4096).decode("utf-8", "replace").strip()
        if response.getheader("Metadata-Flavor") != "Google":
            return False, None, f"{host} answered, but is not a Google metadata server"
        return True, (body if response.status == 200 and body else None), f"metadata server at {host}"
    except TimeoutError:
        return False, None, f"no answer from the metadata server at {host} within {timeout:g}s (not on Google Cloud?)"
    except OSError as err:
        reason = type(err).__name__
        return False, None, f"the metadata server at {host} is not reachable ({reason}: not on Google Cloud)"
    finally:
        connection.close()


def probe_timeout(default: float = 1.0) -> float:
    """How long one metadata-server probe may take: `default`, lowered (never raised) by GCE_METADATA_TIMEOUT."""
    timeout = default
    with contextlib.suppress(ValueError):
        timeout = min(timeout, float(os.environ.get("GCE_METADATA_TIMEOUT", timeout)))
    return max(timeout, 0.05)


@dataclass
class _Places:
    """Where google-auth will look, in its order: the file it will load (if any), and what was not there."""

    file: tuple[str, str] | None = None
    missing_env_file: str | None = None
    notes: list[str] = field(default_factory=list)


def _places() -> _Places:
    env_path = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    if env_path:
        if not os.path.isfile(env_path):
            return _Places(missing_env_file=env_path)
        return _Places(file=(env_path, "from GOOGLE_APPLICATION_CREDENTIALS"))
    notes = ["GOOGLE_APPLICATION_CREDENTIALS is not set"]
    adc_path = os.path.join(gcloud_config_dir(), "application_default_credentials.json")
    if os.path.isfile(adc_path):
        return _Places(file=(adc_path, "gcloud application-default credentials"), notes=notes)
    notes.append(f"no gcloud application-default credentials at {adc_path}")
    return _Places(notes=notes)


def _missing_env_file(path: str) -> Discovery:
    return Discovery(
        error=f"GOOGLE_APPLICATION_CREDENTIALS is set to {path}, which is not a file",
        fix="Point GOOGLE_APPLICATION_CREDENTIALS at a service-account key file, or unset it and run "
        "`gcloud auth application-default login`.",
    )


_SKIPPED = "metadata server not checked (NO_GCE_CHECK is set)"
_SKIP_HINT = "Not on Google Cloud? Set NO_GCE_CHECK=true to skip the metadata-server check."


def discover_credentials(metadata_timeout: float = 1.0) -> Discovery:
    """Look where google-auth looks, in its order; stop at the first hit, as google-auth does (for `doctor`)."""
    places = _places()
    if places.missing_env_file is not None:
        return _missing_env_file(places.missing_env_file)
    if places.file is not None:
        return _load_file(*places.file)
    notes = places.notes
    if _truthy(os.environ.get("NO_GCE_CHECK")):
        notes.append(_SKIPPED)
    else:
        reachable, project, what = _probe_metadata(probe_timeout(metadata_timeout))
        if reachable:
            from google.auth import compute_engine

            credentials = compute_engine.Credentials()  # type: ignore[no-untyped-call]
            kind, identity, is_user = describe(credentials)
            found = FoundCredentials(credentials, what, kind, identity, is_user=is_user,
                                     token_host=_host_of(f"http://{_metadata_host()}") or _METADATA_IP)
            if project:
                found.project, found.project_source = project, "the metadata server"
            return Discovery(found=found, notes=notes)
        notes.append(what)
        return Discovery(error="no Google credentials found: " + "; ".join(notes), fix=f"{FIX} {_SKIP_HINT}",
                         notes=notes)
    return Discovery(error="no Google credentials found: " + "; ".join(notes), fix=FIX, notes=notes)


class _MetadataUnavailable(Exception):
    """Raised through google-auth to end its metadata-server probe at the first failure (no retries)."""


class _BoundedRequest:
    """google-auth's `Request` for `google.auth.default()`: every call bounded, the metadata probe tried once.

    google-auth probes the metadata server with up to 3 attempts of 3 s each plus back-off (3-12 s off
    Google Cloud). Its calls carry a `Metadata-Flavor` header; until the server has answered once, the
    first failure ends the search (an exception google-auth does not catch), and each call waits at most
    `metadata_timeout`.
    """

    def __init__(self, metadata_timeout: float, timeout: float, skip_metadata: bool) -> None:
        from google.auth.transport.requests import Request

        self._inner = Request()
        self._metadata_timeout = metadata_timeout
        self._timeout = timeout
        self._skip = skip_metadata
        self._answered = False
        self.metadata_note: str | None = None

    def __call__(self, url: str, method: str = "GET", body: Any = None, headers: Any = None,
                 timeout: float | None = None, **kwargs: Any) -> Any:
        metadata = any(str(name).lower() == "metadata-flavor" for name in (headers or {}))
        limit = self._metadata_timeout if metadata else self._timeout
        bounded = limit if timeout is None else min(float(timeout), limit)
        if not metadata or self._answered:
            return self._inner(url, method=method, body=body, headers=headers, timeout=bounded, **kwargs)
        if self._skip:
            self.metadata_note = _SKIPPED
            raise _MetadataUnavailable(_SKIPPED)
        from google.auth.exceptions import TransportError

        host = urlsplit(url).netloc or url
        try:
            response = self._inner(url, method=method, body=body, headers=headers, timeout=bounded, **kwargs)
        except TransportError as err:
            note = self._failure_note(err, host, bounded)
        else:
            self._answered = True
            if getattr(response, "headers", {}).get("metadata-flavor") != "Google":
                self.metadata_note = f"{host} answered, but is not a Google metadata server"
            return response
        self.metadata_note = note
        raise _MetadataUnavailable(note)

    @staticmethod
    def _failure_note(err: BaseException, host: str, waited: float) -> str:
        import requests

        cause = err.__cause__ or err.__context__
        if isinstance(cause, (requests.exceptions.Timeout, TimeoutError)):
            return f"no answer from the metadata server at {host} within {waited:g}s"
        reason = type(cause).__name__ if cause is not None else type(err).__name__
        return f"the metadata server at {host} is not reachable ({reason})"


def default_credentials(scopes: list[str], *, timeout: float = 30.0,
                        metadata_timeout: float = 1.0) -> tuple[Any, str | None]:
    """`google.auth.default()` with a bounded metadata probe; every failure is a `VertexAuthError` in our words.

    The loader's own text is never repeated (it can quote a private key): the error names the file, what is
    wrong with it, and the type of exception google-auth raised, and is raised without a cause or context.
    """
    import google.auth

    request = _BoundedRequest(probe_timeout(min(metadata_timeout, timeout)), timeout,
                              _truthy(os.environ.get("NO_GCE_CHECK")))
    started = time.monotonic()
    failure: str | None = None
    try:
        credentials, project = google.auth.default(scopes=scopes, request=request)  # type: ignore[no-untyped-call,arg-type]
    except Exception as err:
        failure = _default_failure(err, request, time.monotonic() - started)
    if failure is not None:
        raise VertexAuthError(failure) from None
    return credentials, project


def _default_failure(err: BaseException, request: _BoundedRequest, elapsed: float) -> str:
    kind = type(err).__name__
    places = _places()
    if places.missing_env_file is not None:
        return f"Application Default Credentials: {_missing_env_file(places.missing_env_file).error}. {FIX}"
    if places.file is not None:
        path, source = places.file
        return (f"Application Default Credentials could not be loaded: {path} ({source}) {file_problem(path)} "
                f"(google-auth raised {kind}). {_FILE_FIX}")
    notes = list(places.notes)
    probed = request.metadata_note is not None and request.metadata_note != _SKIPPED
    notes.append(request.metadata_note or (_SKIPPED if _truthy(os.environ.get("NO_GCE_CHECK"))
                                           else "metadata server not checked"))
    text = f"No Google credentials found (Application Default Credentials) after {elapsed:.1f}s: {'; '.join(notes)}."
    if probed:
        text += f" {_SKIP_HINT}"
    return f"{text} {FIX} {OFFLINE_ROUTE}"
