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
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

from ._auth import CLOUD_PLATFORM_SCOPE
from ._redact import redact

__all__ = ["Discovery", "FoundCredentials", "discover_credentials", "gcloud_config_project"]

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


def _load_file(path: str, source: str) -> Discovery:
    import google.auth
    from google.auth.credentials import with_scopes_if_required

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the generic-loader and "no quota project" warnings: doctor says it
            credentials, project = google.auth.load_credentials_from_file(path)  # type: ignore[no-untyped-call]
    except Exception as err:
        return Discovery(
            error=f"{source}: {path} could not be loaded: {redact(str(err))}",
            fix="Re-create the file: `gcloud auth application-default login`, or download a new service-account "
            "key and point GOOGLE_APPLICATION_CREDENTIALS at it.",
        )
    from_env = getattr(credentials, "with_quota_project_from_environment", None)
    if callable(from_env):
        credentials = from_env()
    credentials = with_scopes_if_required(credentials, [CLOUD_PLATFORM_SCOPE])  # type: ignore[no-untyped-call]
    kind, identity, is_user = describe(credentials)
    found = FoundCredentials(credentials, f"{path} ({source})", kind, identity, is_user=is_user)
    if project:
        found.project, found.project_source = project, f"the credentials file {path}"
    elif is_user:
        found.project, found.project_source = gcloud_config_project()
    return Discovery(found=found)


def _probe_metadata(timeout: float) -> tuple[bool, str | None, str]:
    """(reachable, project id, what happened), in at most about `timeout` seconds."""
    host = os.environ.get("GCE_METADATA_HOST") or os.environ.get("GCE_METADATA_ROOT") or (
        os.environ.get("GCE_METADATA_IP") or _METADATA_IP
    )
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


def discover_credentials(metadata_timeout: float = 1.0) -> Discovery:
    """Look where google-auth looks, in its order; stop at the first hit, as google-auth does."""
    env_path = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    if env_path:
        if not os.path.isfile(env_path):
            return Discovery(
                error=f"GOOGLE_APPLICATION_CREDENTIALS is set to {env_path}, which is not a file",
                fix="Point GOOGLE_APPLICATION_CREDENTIALS at a service-account key file, or unset it and run "
                "`gcloud auth application-default login`.",
            )
        return _load_file(env_path, "from GOOGLE_APPLICATION_CREDENTIALS")

    notes = ["GOOGLE_APPLICATION_CREDENTIALS is not set"]
    adc_path = os.path.join(gcloud_config_dir(), "application_default_credentials.json")
    if os.path.isfile(adc_path):
        return _load_file(adc_path, "gcloud application-default credentials")
    notes.append(f"no gcloud application-default credentials at {adc_path}")

    if _truthy(os.environ.get("NO_GCE_CHECK")):
        notes.append("metadata server not checked (NO_GCE_CHECK is set)")
    else:
        timeout = metadata_timeout
        with contextlib.suppress(ValueError):
            timeout = min(timeout, float(os.environ.get("GCE_METADATA_TIMEOUT", timeout)))
        reachable, project, what = _probe_metadata(timeout)
        if reachable:
            from google.auth import compute_engine

            credentials = compute_engine.Credentials()  # type: ignore[no-untyped-call]
            kind, identity, is_user = describe(credentials)
            found = FoundCredentials(credentials, what, kind, identity, is_user=is_user)
            if project:
                found.project, found.project_source = project, "the metadata server"
            return Discovery(found=found, notes=notes)
        notes.append(what)

    return Discovery(
        error="no Google credentials found: " + "; ".join(notes),
        fix="Run `gcloud auth application-default login` (your user), or set GOOGLE_APPLICATION_CREDENTIALS "
        "to a service-account key file, or run on Google Cloud with an attached service account.",
        notes=notes,
    )
