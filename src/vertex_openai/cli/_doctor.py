"""`vertex-openai doctor`: check the set-up one step at a time and say how to fix what is wrong.

Each check is one line (✓ ok, ✗ failed, ! worth a look, - skipped). The exit code is 0 only when every
check that a request needs passed. Nothing here prints a token: the identity is an email address or
"user credentials", and error text goes through `redact`.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .._adc import FoundCredentials, discover_credentials
from .._auth import CredentialsTokenSource
from .._endpoints import build_base_url, validate_base_url, validate_location, validate_project, vertex_model_name
from .._exceptions import VertexAuthError
from .._redact import redact
from ..wire._errors import google_error, hint_for
from ._output import Check

__all__ = ["DoctorOptions", "run_checks"]

_URL_PARTS = re.compile(r"/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/")


@dataclass
class DoctorOptions:
    project: str | None = None
    location: str | None = None
    model: str = "gemini-2.5-flash"
    live: bool = False
    base_url: str | None = None
    timeout: float = 10.0
    metadata_timeout: float = 1.0
    on_client: Callable[[Any], Any] | None = None


@dataclass
class _State:
    """What earlier checks found, for the later ones."""

    found: FoundCredentials | None = None
    project: str | None = None
    location: str = "global"
    base_url: str | None = None
    token_ok: bool = False


def run_checks(options: DoctorOptions) -> list[Check]:
    """All checks, in the order a request needs them."""
    state = _State()
    checks: list[Check] = []
    checks += _credentials(options, state)
    checks += _project(options, state)
    checks += _location(options, state)
    checks += _base_url(options, state)
    checks += _token(options, state)
    checks += _quota_project(state)
    checks += _model(options, state)
    checks += _stray_keys()
    checks += _live(options, state)
    return checks


def _credentials(options: DoctorOptions, state: _State) -> list[Check]:
    discovery = discover_credentials(options.metadata_timeout)
    if discovery.found is None:
        return [Check("fail", "credentials", discovery.error or "none found", discovery.fix)]
    found = state.found = discovery.found
    return [
        Check("ok", "credentials", f"{found.kind}, {found.source}"),
        Check("ok", "identity", found.identity),
    ]


def _project(options: DoctorOptions, state: _State) -> list[Check]:
    candidates: list[tuple[str | None, str]] = [
        (options.project, "--project"),
        (os.environ.get("GOOGLE_CLOUD_PROJECT"), "GOOGLE_CLOUD_PROJECT"),
        (os.environ.get("GCLOUD_PROJECT"), "GCLOUD_PROJECT"),
    ]
    if state.found is not None and state.found.project:
        candidates.append((state.found.project, state.found.project_source or "the credentials"))
    url_match = _URL_PARTS.search(options.base_url or "")
    if url_match:
        candidates.append((url_match["project"], "--base-url"))
    for value, source in candidates:
        if not value:
            continue
        try:
            state.project = validate_project(value)
        except ValueError as err:
            return [Check("fail", "project", str(err), f"Fix the project id given by {source}.")]
        checks = [Check("ok", "project", f"{value} (from {source})")]
        if url_match and url_match["project"] != value:
            checks.append(Check("warn", "project", f"--base-url names project {url_match['project']!r}, "
                                f"not {value!r}; the URL wins"))
        return checks
    return [Check(
        "fail", "project", "no Google Cloud project found (not given, not in the environment, not in the credentials)",
        "Pass --project my-project, or `export GOOGLE_CLOUD_PROJECT=my-project`, or "
        "`gcloud config set project my-project`.",
    )]


def _location(options: DoctorOptions, state: _State) -> list[Check]:
    url_match = _URL_PARTS.search(options.base_url or "")
    if options.location:
        value, source = options.location, "from --location"
    elif os.environ.get("GOOGLE_CLOUD_LOCATION"):
        value, source = os.environ["GOOGLE_CLOUD_LOCATION"], "from GOOGLE_CLOUD_LOCATION"
    elif url_match:
        value, source = url_match["location"], "from --base-url"
    else:
        value, source = "global", "the default; --location or GOOGLE_CLOUD_LOCATION change it"
    try:
        state.location = validate_location(value)
    except ValueError as err:
        return [Check("fail", "location", str(err), "Use e.g. --location global or --location us-central1.")]
    return [Check("ok", "location", f"{value} ({source})")]


def _base_url(options: DoctorOptions, state: _State) -> list[Check]:
    if options.base_url:
        try:
            state.base_url = validate_base_url(options.base_url)
        except ValueError as err:
            return [Check("fail", "base URL", str(err), "Pass an https:// URL (or http:// to a loopback fake).")]
        return [Check("ok", "base URL", f"{state.base_url} (from --base-url)")]
    if state.project is None:
        return [Check("skip", "base URL", "needs a project")]
    state.base_url = build_base_url(state.project, state.location)
    return [Check("ok", "base URL", state.base_url)]


def _expiry_text(credentials: Any) -> str:
    expiry = getattr(credentials, "expiry", None)
    if not isinstance(expiry, _dt.datetime):
        return "no expiry reported"
    if expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=_dt.timezone.utc)
    left = expiry - _dt.datetime.now(_dt.timezone.utc)
    minutes = max(0, int(left.total_seconds() // 60))
    return f"expires in {minutes} min (at {expiry.strftime('%H:%M')} UTC); refreshed automatically"


def _token(options: DoctorOptions, state: _State) -> list[Check]:
    if state.found is None:
        return [Check("skip", "access token", "needs credentials")]
    source = CredentialsTokenSource(state.found.credentials, description=state.found.kind,
                                    refresh_timeout=options.timeout)
    started = time.monotonic()
    try:
        source.token()
    except VertexAuthError as err:
        message = redact(str(err))
        if "Timed out" in message:
            detail = (f"no answer from Google's token endpoint within {options.timeout:g}s: this check needs "
                      "network access to Google (offline, or a proxy/firewall in the way?)")
            fix = "Check network access to oauth2.googleapis.com, or raise --timeout."
        elif "invalid_grant" in message or "RefreshError" in message:
            detail = f"the credentials were refused: {message}"
            fix = "Log in again: `gcloud auth application-default login` (or use a fresh service-account key)."
        elif "TransportError" in message or "Connection" in message:
            detail = f"could not reach Google's token endpoint; this check needs the network: {message}"
            fix = "Check network access to oauth2.googleapis.com (offline, or a proxy/firewall in the way?)."
        else:
            detail, fix = message, "Re-create the credentials: `gcloud auth application-default login`."
        return [Check("fail", "access token", detail, fix)]
    state.token_ok = True
    took = time.monotonic() - started
    return [Check("ok", "access token", f"obtained in {took:.1f}s, {_expiry_text(state.found.credentials)}")]


def _quota_project(state: _State) -> list[Check]:
    if state.found is None:
        return []
    quota = getattr(state.found.credentials, "quota_project_id", None)
    if quota:
        return [Check("ok", "quota project", f"{quota} (sent as x-goog-user-project)")]
    if state.found.is_user:
        target = state.project or "my-project"
        return [Check(
            "warn", "quota project", "not set for user credentials; project-scoped calls usually work, but some "
            "Google APIs then bill or refuse via gcloud's own project",
            f"`gcloud auth application-default set-quota-project {target}`",
        )]
    return [Check("ok", "quota project", "not needed (the project in the URL is billed)")]


def _model(options: DoctorOptions, state: _State) -> list[Check]:
    model = options.model
    sent = vertex_model_name(model)
    checks: list[Check] = []
    if sent != model:
        checks.append(Check("ok", "model", f"{model} (sent as {sent}; other OpenAI clients need the google/ prefix)"))
    elif "/" not in model:
        checks.append(Check(
            "warn", "model", f"{model!r} has no publisher prefix; the openapi endpoint names models publisher/model",
            "Use e.g. --model google/gemini-2.5-flash or meta/llama-3.3-70b-instruct-maas.",
        ))
    else:
        checks.append(Check("ok", "model", model))
    if "gemini-3" in model and state.location != "global":
        checks.append(Check("warn", "model location", f"Gemini 3 models are served on the global endpoint, not "
                            f"{state.location!r}", "Use --location global (or GOOGLE_CLOUD_LOCATION=global)."))
    return checks


def _stray_keys() -> list[Check]:
    """API keys and OpenAI settings that people expect to work and that vertex-openai ignores."""
    checks: list[Check] = []
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY"):
        if os.environ.get(name):
            checks.append(Check("warn", "API key", f"{name} is set but not used: Vertex AI's OpenAI-compatible "
                                "endpoint wants an OAuth access token, which vertex-openai gets from the credentials"))
    openai_key = os.environ.get("OPENAI_API_KEY", "")
    if openai_key.startswith(("ya29.", "AIza")):
        checks.append(Check("warn", "API key", "OPENAI_API_KEY holds a Google token or key; vertex-openai ignores "
                            "it (a fixed token expires within an hour)", "Unset OPENAI_API_KEY."))
    if os.environ.get("OPENAI_BASE_URL"):
        checks.append(Check("warn", "base URL", "OPENAI_BASE_URL is set and ignored; use --base-url or "
                            "project/location"))
    return checks


def _live(options: DoctorOptions, state: _State) -> list[Check]:
    if not options.live:
        return [Check("skip", "live request", "not sent (add --live to send one tiny request to the model)")]
    if state.found is None or state.base_url is None or not state.token_ok:
        return [Check("skip", "live request", "needs credentials, a token and a base URL (see above)")]
    import openai

    from .._client import vertex_openai_client

    client = vertex_openai_client(
        state.project, state.location, credentials=state.found.credentials,
        base_url=state.base_url if options.base_url else None, max_retries=0, timeout=options.timeout,
    )
    if options.on_client is not None:
        options.on_client(client)
    started = time.monotonic()
    try:
        reply = client.chat.completions.create(
            model=options.model, messages=[{"role": "user", "content": "Reply with one word: ok"}], max_tokens=16,
        )
    except openai.APIStatusError as err:
        return [_status_check(err, options, state)]
    except openai.APIConnectionError as err:
        return [Check("fail", "live request", f"could not reach {state.base_url}: {type(err).__name__}; this check "
                      "needs the network", "Check network access (offline, proxy, firewall), or drop --live.")]
    except VertexAuthError as err:
        return [Check("fail", "live request", redact(str(err)))]
    finally:
        client.close()
    took = time.monotonic() - started
    return [Check("ok", "live request", f"{reply.model or options.model} answered in {took:.1f}s")]


def _status_check(err: Any, options: DoctorOptions, state: _State) -> Check:
    status_code = int(err.status_code)
    body = getattr(err, "body", None)
    # The SDK hands the inner Google error object on as `body`; unwrap a list/dict-wrapped one too.
    error = google_error(body) or (dict(body) if isinstance(body, Mapping) else {})
    url = state.base_url or ""
    message = redact(str(error.get("message") or "")).strip()
    detail = f"HTTP {status_code} {error.get('status') or ''}".rstrip()
    if message:
        detail += f": {message[:300]}{'…' if len(message) > 300 else ''}"
    lowered = message.lower()
    project = state.project or "my-project"
    identity = state.found.identity if state.found else ""
    member = f"serviceAccount:{identity}" if "@" in identity and not (state.found and state.found.is_user) else (
        "user:you@example.com")
    fix: str | None
    if status_code == 403 and ("service_disabled" in lowered or "has not been used" in lowered
                               or "is disabled" in lowered or "SERVICE_DISABLED" in str(body)):
        fix = f"Enable the Vertex AI API: `gcloud services enable aiplatform.googleapis.com --project {project}`."
    elif status_code == 403 and "billing" in lowered:
        fix = f"Enable billing on project {project}, then retry."
    elif status_code == 403:
        fix = (f"Grant the role: `gcloud projects add-iam-policy-binding {project} --member={member} "
               "--role=roles/aiplatform.user`, and check the project id.")
    elif status_code == 404 and "publisher model" in lowered:
        sent = vertex_model_name(options.model)
        if "/" not in sent:
            fix = f"Name the model with its publisher: --model google/{options.model}."
        elif state.location != "global":
            fix = (f"The model may not be served in {state.location!r}: try --location global, and check the "
                   "model id.")
        else:
            fix = "Check the model id (e.g. google/gemini-2.5-flash) and that your project has access to it."
    elif status_code == 429:
        return Check("warn", "live request", detail + " (credentials, project and model are fine)",
                     hint_for(status_code, error, url))
    else:
        fix = hint_for(status_code, error, url)
    return Check("fail", "live request", detail, fix)
