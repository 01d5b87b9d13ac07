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
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .._adc import FoundCredentials, discover_credentials
from .._auth import CredentialsTokenSource, check_quota_project, quota_project_source
from .._endpoints import build_base_url, validate_base_url, validate_location, validate_project, vertex_model_name
from .._exceptions import VertexAuthError
from .._fake_mode import FAKE_BASE_URL_ENV, FAKE_TOKEN_ENV
from .._redact import redact
from ..wire._errors import google_error, hint_for
from ..wire._hints import model_hint
from ._advice import OFFLINE_ROUTE, token_failure
from ._output import Check
from ._versions import openai_check

__all__ = ["Diagnosis", "DoctorOptions", "FakeTarget", "diagnose", "ready_line", "run_checks"]

_URL_PARTS = re.compile(r"/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/")


@dataclass
class FakeTarget:
    """Fake mode: the loopback fake requests go to, the credentials it accepts, and how it was chosen."""

    base_url: str
    credentials: Any
    how: str


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
    # Fake mode (the VERTEX_OPENAI_FAKE_* variables or --fake): check the fake, never Google's credentials.
    fake: FakeTarget | None = None
    # Fake mode asked for but unusable (half set, not loopback): why; Google's credentials are not loaded either.
    fake_error: str | None = None


@dataclass
class Diagnosis:
    """Every check, and where requests go (the base URL) when that is known."""

    checks: list[Check]
    base_url: str | None
    fake: bool = False
    tried: bool = False


@dataclass
class _State:
    """What earlier checks found, for the later ones."""

    found: FoundCredentials | None = None
    project: str | None = None
    location: str = "global"
    base_url: str | None = None
    token_ok: bool = False
    quota_ok: bool = True


def run_checks(options: DoctorOptions) -> list[Check]:
    """All checks, in the order a request needs them."""
    return diagnose(options).checks


def diagnose(options: DoctorOptions) -> Diagnosis:
    """All checks, in the order a request needs them, and the base URL they were about."""
    if options.fake is not None or options.fake_error is not None:
        return _diagnose_fake(options)
    state = _State()
    checks: list[Check] = [openai_check()]
    checks += _credentials(options, state)
    checks += _project(options, state)
    checks += _location(options, state)
    checks += _base_url(options, state)
    checks += _quota_project(state)
    checks += _token(options, state)
    checks += _model(options, state)
    checks += _stray_keys()
    checks += _live(options, state)
    tried = any(check.name == "live request" and check.status == "ok" for check in checks)
    return Diagnosis(checks, state.base_url, tried=tried)


_GOOGLE_ONLY = ("credentials", "project", "location", "quota project", "access token")


def _diagnose_fake(options: DoctorOptions) -> Diagnosis:
    """Fake mode: where requests go, Google-only checks skipped (ADC never loaded), one request to the fake."""
    if options.fake is None:
        skipped = [Check("skip", name, "not checked: fix fake mode first (see above)") for name in _GOOGLE_ONLY]
        return Diagnosis([openai_check(), Check("fail", "fake mode", options.fake_error or "unusable"), *skipped],
                         None, fake=True)
    fake = options.fake
    checks = [openai_check(), Check("ok", "fake mode", fake.how)]
    checks += [Check("skip", name, "not used in fake mode (Google credentials are not loaded)")
               for name in _GOOGLE_ONLY]
    state = _State(base_url=fake.base_url)
    checks += _model(options, state)
    checks += _stray_keys()
    request = _fake_request(options, fake)
    checks.append(request)
    return Diagnosis(checks, fake.base_url, fake=True, tried=request.status == "ok")


_FAKE_FIX = (f"Start one with `python -m vertex_openai.testing serve` and export the two lines it prints, or unset "
             f"{FAKE_BASE_URL_ENV} and {FAKE_TOKEN_ENV} to check Vertex AI.")


def _fake_request(options: DoctorOptions, fake: FakeTarget) -> Check:
    """One tiny request to the fake (loopback, so always sent): does it answer, and take the token?"""
    import openai

    from .._client import vertex_openai_client

    client = vertex_openai_client(base_url=fake.base_url, credentials=fake.credentials, max_retries=0,
                                  timeout=options.timeout)
    if options.on_client is not None:
        options.on_client(client)
    where = _origin(fake.base_url)
    started = time.monotonic()
    try:
        reply = client.chat.completions.create(
            model=options.model, messages=[{"role": "user", "content": "Reply with one word: ok"}], max_tokens=16,
        )
    except openai.APIStatusError as err:
        error = google_error(getattr(err, "body", None)) or {}
        message = redact(str(error.get("message") or "")).strip()
        detail = f"HTTP {err.status_code} {error.get('status') or ''}".rstrip() + f" from the fake at {where}"
        if err.status_code == 401:
            return Check("fail", "fake request", f"{detail}: it does not accept the token in {FAKE_TOKEN_ENV}",
                         f"Export the {FAKE_TOKEN_ENV} line this fake's `serve` printed (each run makes a new "
                         "token unless --token is given).")
        return Check("fail", "fake request", f"{detail}: {message[:300]}" if message else detail)
    except openai.APIConnectionError as err:
        return Check("fail", "fake request", f"no answer from the loopback fake at {where} "
                     f"({type(err).__name__}): is it still running?", _FAKE_FIX)
    finally:
        client.close()
    took = time.monotonic() - started
    return Check("ok", "fake request", f"{reply.model or options.model} answered in {took:.1f}s (the loopback "
                 "fake, not Vertex AI)")


def _origin(url: str) -> str:
    """scheme://host[:port] of a URL: the host a request actually goes to."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}" if parts.netloc else url


def ready_line(diagnosis: Diagnosis) -> str:
    """The closing line when nothing failed: ready, and the host requests go to."""
    if diagnosis.fake and diagnosis.base_url:
        return (f"Ready (fake mode): the loopback fake at {_origin(diagnosis.base_url)} answered; requests go "
                "there, not to Vertex AI")
    if not diagnosis.base_url:
        return "Ready: everything a request needs is in place"
    how = "a live request answered" if diagnosis.tried else "not tried: add --live to send one request"
    return f"Ready: everything a request needs is in place; requests go to {_origin(diagnosis.base_url)} ({how})"


def _credentials(options: DoctorOptions, state: _State) -> list[Check]:
    discovery = discover_credentials(options.metadata_timeout)
    if discovery.found is None:
        also = OFFLINE_ROUTE if discovery.error and "no Google credentials found" in discovery.error else None
        return [Check("fail", "credentials", discovery.error or "none found", discovery.fix, also)]
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
    if url_match and not options.location and not os.environ.get("GOOGLE_CLOUD_LOCATION"):
        # The URL decides where requests go; the location in it is only checked for shape.
        try:
            state.location = validate_location(value)
        except ValueError as err:
            state.location = ""
            return [Check("fail", "location", str(err), "Fix the location in --base-url.")]
        return [Check("ok", "location", f"{value} ({source})")]
    from .._locations import KNOWN_LOCATIONS, SOURCE, check_location, did_you_mean

    named = source.removeprefix("from ") if source.startswith("from ") else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # reported as a "!" line below instead
            state.location = check_location(value, source=named, project=state.project)
    except (TypeError, ValueError) as err:
        state.location = ""  # no valid location: the base URL check must not build one for "global"
        guess = did_you_mean(value)
        if guess and named and not named.startswith("--"):
            fix = f"Set {named}={guess} (or pass --location {guess})."
        elif guess:
            fix = f"Use --location {guess}."
        else:
            fix = "Use e.g. --location global or --location us-central1."
        return [Check("fail", "location", str(err), fix)]
    if value not in KNOWN_LOCATIONS:
        return [Check("warn", "location", f"{value} ({source}) is not in vertex-openai's list of Vertex AI "
                      "locations; it is used as given", f"Check it against {SOURCE}")]
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
    if not state.location:
        return [Check("skip", "base URL", "needs a valid location (see above)")]
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
    if not state.quota_ok:
        return [Check("skip", "access token", "needs a quota project that can be sent (see above)")]
    source = CredentialsTokenSource(state.found.credentials, description=state.found.kind,
                                    refresh_timeout=options.timeout)
    started = time.monotonic()
    try:
        source.token()
    except VertexAuthError as err:
        # the same words as `chat`, naming the token endpoint these credentials use
        detail, fix = token_failure(redact(str(err)), options.timeout, state.found.token_host)
        if state.found.token_host_note and state.found.token_host in fix:
            fix = f"{fix} ({state.found.token_host_note})"
        return [Check("fail", "access token", detail, fix)]
    state.token_ok = True
    took = time.monotonic() - started
    return [Check("ok", "access token", f"obtained in {took:.1f}s, {_expiry_text(state.found.credentials)}")]


def _quota_project(state: _State) -> list[Check]:
    if state.found is None:
        return []
    credentials = state.found.credentials
    quota = getattr(credentials, "quota_project_id", None)
    try:
        quota = check_quota_project(quota, quota_project_source(credentials, quota, state.found.source))
    except VertexAuthError as err:
        state.quota_ok = False
        return [Check("fail", "quota project", str(err),
                      "`gcloud auth application-default set-quota-project my-project`, or fix "
                      "GOOGLE_CLOUD_QUOTA_PROJECT / the file's quota_project_id.")]
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
            model_hint(model, state.location or None).replace('location="global"', "--location global"),
        ))
    else:
        checks.append(Check("ok", "model", model))
    if "gemini-3" in model.lower() and state.location and state.location != "global":
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
    elif status_code == 404:
        # Decided from the model id sent and the location used, as the client's own 404 hint is.
        fix = model_hint(vertex_model_name(options.model), state.location or None).replace(
            'location="global"', "--location global")
    elif status_code == 429:
        return Check("warn", "live request", detail + " (credentials, project and model are fine)",
                     hint_for(status_code, error, url))
    else:
        fix = hint_for(status_code, error, url)
    return Check("fail", "live request", detail, fix)
