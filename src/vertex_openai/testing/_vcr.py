"""vcrpy settings that are safe for Vertex AI: no tokens, no credentials headers, no project ids, no emails.

Everything here is plain Python working on vcrpy's request/response objects; vcrpy itself is imported only
by `use_cassette()`, so `import vertex_openai.testing` never needs it.

vcrpy runs `before_record_request` on the request being made before it matches it against the cassette,
and on every request it loads. So scrubbing the path and body here is also what makes matching ignore
project, region and host: both sides are scrubbed the same way, then compared on method, path and body.

Token traffic (credential exchanges) is recognised by host, path and form content type, never by words in
a body, and is never recorded. While replaying, no request reaches the network: a request the cassette
cannot answer fails, token traffic included.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import inspect
import ipaddress
import json
import os
import re
import secrets as _secrets
import sys
import threading
import weakref
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from ._content_coding import CassetteRecordingError, CassetteReplayError, content_codings, decode_content
from ._fake_credentials import FakeCredentials
from ._replay_detail import describe_replay_failure, vcrpy_details_it
from ._scrub_body import Span, apply_spans, scrub_body_text
from ._token_traffic import hands_out_credentials, is_token_traffic

__all__ = [
    "EMAIL_PLACEHOLDER",
    "LOCATION_PLACEHOLDER",
    "PROJECT_PLACEHOLDER",
    "SECRET_PLACEHOLDER",
    "CassetteRecordingError",
    "CassetteReplayError",
    "CassetteScrubber",
    "assert_all_played",
    "describe_mismatch",
    "json_events",
    "replay_credentials",
    "use_cassette",
    "vcr_config",
]

PROJECT_PLACEHOLDER = "PROJECT_ID"
LOCATION_PLACEHOLDER = "LOCATION"
EMAIL_PLACEHOLDER = "user@example.com"
SECRET_PLACEHOLDER = "REDACTED"

# Stands in for token traffic when the kit cannot tell recording from replay: it matches no recorded
# request (so replay fails instead of sending it), and `before_save_interaction` drops it from recordings.
_BLOCKED_HOST = "token-traffic.vertex-openai.invalid"
# Request headers worth keeping; everything else (authorization, cookie, x-goog-*, user agents) is dropped.
_KEEP_REQUEST_HEADERS = frozenset({"content-type", "accept"})
# Response headers the client acts on; the rest (set-cookie, date, server, alt-svc, content-encoding of a
# body stored decoded, ...) is noise, secret or no longer true.
_KEEP_RESPONSE_HEADERS = frozenset({"content-type", "retry-after", "retry-after-ms", "x-should-retry"})
# Where a recorded answer came from ("constructed: ... loopback fake" or "recorded: Vertex AI, <date>"), decided
# from the host the request went to when it is recorded; never taken from the server, never added to a loaded one.
PROVENANCE_HEADER = "x-vertex-openai-provenance"
_KEEP_RESPONSE_HEADERS |= {PROVENANCE_HEADER}
# Marks a vcrpy before 9 replay failure whose text the kit has already given its detail.
_DETAILED = "_vertex_openai_detailed"
_SECRET_QUERY = frozenset({"key", "access_token", "api_key", "token", "oauth_token"})

_PROJECT_PATH = re.compile(r"/projects/[^/]+/locations/[^/]+")
_PROJECT_ONLY_PATH = re.compile(r"/projects/[^/]+")
_PROJECT_IN_TEXT = re.compile(r"projects/(?!PROJECT_ID\b)[A-Za-z0-9][A-Za-z0-9.:_-]*[A-Za-z0-9]")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_SERVICE_ACCOUNT_PROJECT = re.compile(r"@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com")
_DEDICATED_HOST = re.compile(r"^.+\.[a-z0-9-]+-(?P<number>\d+)\.prediction\.vertexai\.goog$")
_SECRETS_IN_TEXT = (
    re.compile(r"ya29\.[A-Za-z0-9._~+/=-]+"),  # Google OAuth access tokens
    re.compile(r"1//[A-Za-z0-9._~+/=-]{10,}"),  # Google refresh tokens
    re.compile(r"AIza[0-9A-Za-z_-]{35}"),  # Google API keys
    re.compile(r"(?i)(?<=bearer )[A-Za-z0-9._~+/=-]{8,}"),
)
# Google project ids are 6-30 characters; shorter strings are too likely to be ordinary words.
_MIN_LEARNED = 6


class CassetteScrubber:
    """The two vcrpy hooks, sharing what they learn: a project id seen in a URL is scrubbed from bodies too.

    `secrets` are extra literal strings (a project id, a customer name) replaced by `PROJECT_ID`/`REDACTED`
    wherever they appear. The hooks are idempotent, because vcrpy also runs them on loaded cassettes.
    `bind(cassette)` tells the scrubber whether the cassette is replaying; `use_cassette()` and the pytest
    plugin do it. Unbound, the scrubber asks the vcrpy cassette that called the hook; failing that, token
    traffic is replaced by a request that matches nothing, so it can be neither answered from a cassette
    nor sent while replaying, and is left out of the saved file.
    """

    def __init__(
        self, *, project_ids: Iterable[str] = (), secrets: Iterable[str] = (), provenance: bool = True
    ) -> None:
        self._projects: set[str] = {p for p in project_ids if p}
        env_project = os.environ.get("GOOGLE_CLOUD_PROJECT")
        if env_project:
            self._projects.add(env_project)
        self._secrets: set[str] = {s for s in secrets if s}
        self._cassette: Callable[[], Any] = lambda: None
        self._provenance = provenance
        # The host of the request vcrpy handed to `request()` last, per thread: vcrpy runs the request hook, then
        # the response hook, for each interaction it appends, so `response()` knows where its request went.
        self._last = threading.local()

    def bind(self, cassette: Any) -> None:
        """Use `cassette.write_protected` to tell replay (fail) from recording (drop); None unbinds."""
        self._cassette = weakref.ref(cassette) if cassette is not None else (lambda: None)

    # -- vcrpy hooks -----------------------------------------------------------------------------------
    def request(self, request: Any) -> Any:
        """`before_record_request`: drop token traffic, keep two headers, scrub the URL and the body."""
        parts = urlsplit(request.uri)
        if (parts.hostname or "") == _BLOCKED_HOST:
            return request
        if is_token_traffic(request.uri, request.headers):
            return self.dropped(request, "token traffic (a credential exchange) is never recorded")
        self._last.host = parts.hostname or ""
        for match in _PROJECT_ONLY_PATH.finditer(parts.path):
            self._learn(match.group(0)[len("/projects/"):])
        quota_project = request.headers.get("x-goog-user-project")
        if quota_project:
            self._learn(str(quota_project))
        for name in list(request.headers):
            if name.lower() not in _KEEP_REQUEST_HEADERS:
                del request.headers[name]
        request.uri = self._scrub_uri(parts)
        body = _body_bytes(request.body)
        if body:
            request.body = self.scrub_bytes(body)
            recorded = None if _loading() else _as_recorded(self._cassette() or _calling_cassette(), request)
            if recorded is not None:
                request.body = recorded
        return request

    def dropped(self, request: Any, why: str) -> Any:
        """What a request left out of the cassette becomes: None when recording, an error when replaying."""
        cassette = self._cassette() or _calling_cassette()
        if cassette is not None and not getattr(cassette, "write_protected", False):
            return None
        if cassette is not None:
            raise CassetteReplayError(
                f"vertex-openai cassette {getattr(cassette, '_path', '?')} is replaying and cannot answer "
                f"{request.method} {self._scrub_uri(urlsplit(request.uri))}: {why}, and a replayed test never "
                "reaches the network. Replay with fake credentials (replay_credentials(), or the vertex_client / "
                "vertex_credentials fixtures), or record the cassette again if the code now sends this request."
            )
        return type(request)(request.method, f"https://{_BLOCKED_HOST}/not-recorded/{_secrets.token_hex(8)}",
                             b"", {})

    def response(self, response: Any) -> Any:
        """`before_record_response`: decode, drop credential-bearing answers, keep a few headers, scrub."""
        body_field = response.get("body") or {}
        headers = response.get("headers") or {}
        body = _body_bytes(body_field.get("string"))
        codings = content_codings(headers)
        if codings and body:
            body = decode_content(body, codings)
        if hands_out_credentials(body):
            return None
        response["headers"] = {k: v for k, v in headers.items() if k.lower() in _KEEP_RESPONSE_HEADERS}
        if self._provenance and not _loading():
            # Just recorded: the label says where the request went (no label when no request was seen: never a
            # guess). A server's own header of that name is dropped.
            host = getattr(self._last, "host", None)
            self._last.host = None
            response["headers"] = {k: v for k, v in response["headers"].items() if k.lower() != PROVENANCE_HEADER}
            if host is not None:
                response["headers"][PROVENANCE_HEADER] = [provenance_label(host)]
        response["body"] = {**body_field, "string": self.scrub_response_body(body, response["headers"])}
        return response

    def before_save(self, request: Any, response: Any) -> tuple[Any, Any] | None:
        """`before_save_interaction` (vcrpy >= 9.4): scrub once more with every id learned this session.

        A project number may first appear in a later response than the one that mentions it in free text.
        Token traffic that stood in for an unbound recording is dropped here.
        """
        if (urlsplit(request.uri).hostname or "") == _BLOCKED_HOST:
            return None
        request.body = self.scrub_bytes(_body_bytes(request.body)) if request.body else request.body
        body_field = response.get("body") or {}
        if body_field.get("string"):
            body = _body_bytes(body_field["string"])
            response["body"] = {**body_field, "string": self.scrub_response_body(body, response.get("headers"))}
        return request, response

    def finish(self, cassette: Any) -> None:
        """Before `cassette` is saved, on a vcrpy without `before_save_interaction` (8.5 to 9.3): run `before_save`
        on its interactions in memory, so the file gets the same last scrub as with vcrpy >= 9.4."""
        if cassette is None or _vcrpy_runs_before_save() or not getattr(cassette, "dirty", False):
            return
        data = getattr(cassette, "data", None)
        if not isinstance(data, list):
            return
        kept = [saved for saved in (self.before_save(request, response) for request, response in data)
                if saved is not None]
        data[:] = kept

    # -- scrubbing ---------------------------------------------------------------------------------
    def spans(self, text: str) -> list[Span]:
        """Where `text` holds a project id/number, an email or a token, with the placeholder for each.

        Earlier kinds win where matches overlap: emails (a service account's email contains its project),
        `projects/...`, known project ids, your `secrets`, then token shapes.
        """
        for match in _PROJECT_IN_TEXT.finditer(text):
            self._learn(match.group(0)[len("projects/"):])
        for match in _SERVICE_ACCOUNT_PROJECT.finditer(text):
            self._learn(match.group(1))
        accepted: list[Span] = []  # sorted by start, never overlapping
        for pattern, replacement in self._patterns():
            for match in pattern.finditer(text):
                start, end = match.span()
                at = bisect.bisect_left(accepted, (start,))
                if end > start and (at == 0 or accepted[at - 1][1] <= start) and (
                        at == len(accepted) or accepted[at][0] >= end):
                    accepted.insert(at, (start, end, replacement))
        return [span for span in accepted if text[span[0]:span[1]] != span[2]]

    def scrub_text(self, text: str) -> str:
        """Replace project ids/numbers, emails and token-shaped strings with stable placeholders."""
        return apply_spans(text, self.spans(text))

    def scrub_bytes(self, body: bytes) -> bytes:
        """A request body scrubbed: JSON by value (escapes decoded, style kept), anything else as text."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return body  # binary payloads are stored as they are
        return scrub_body_text(text, self, event_stream=False).encode("utf-8")

    def scrub_response_body(self, body: bytes, headers: Any) -> bytes:
        """A decoded response body scrubbed; an SSE stream event by event, with split text joined first."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return body
        return scrub_body_text(text, self, event_stream=_is_event_stream(headers or {})).encode("utf-8")

    def _patterns(self) -> list[tuple[re.Pattern[str], str]]:
        return [
            (_EMAIL, EMAIL_PLACEHOLDER),
            (_PROJECT_IN_TEXT, f"projects/{PROJECT_PLACEHOLDER}"),
            *((pattern, PROJECT_PLACEHOLDER) for pattern in _alternation(frozenset(self._projects), word=True)),
            *((pattern, SECRET_PLACEHOLDER) for pattern in _alternation(frozenset(self._secrets), word=False)),
            *((pattern, SECRET_PLACEHOLDER) for pattern in _SECRETS_IN_TEXT),
        ]

    def _learn(self, project: str) -> None:
        if len(project) >= _MIN_LEARNED and project != PROJECT_PLACEHOLDER:
            self._projects.add(project)

    def _scrub_uri(self, parts: SplitResult) -> str:
        placeholders = f"/projects/{PROJECT_PLACEHOLDER}/locations/{LOCATION_PLACEHOLDER}"
        path = _PROJECT_PATH.sub(placeholders, parts.path)
        path = _PROJECT_ONLY_PATH.sub(f"/projects/{PROJECT_PLACEHOLDER}", path)
        path = _EMAIL.sub(EMAIL_PLACEHOLDER, path)
        netloc = parts.netloc.rsplit("@", 1)[-1]  # never keep user:password@
        host_match = _DEDICATED_HOST.match(parts.hostname or "")
        if host_match:
            netloc = netloc.replace(host_match["number"], "0" * len(host_match["number"]))
        query = urlencode(
            [(k, SECRET_PLACEHOLDER if k.lower() in _SECRET_QUERY else v)
             for k, v in parse_qsl(parts.query, keep_blank_values=True)]
        )
        return urlunsplit((parts.scheme, netloc, path, query, parts.fragment))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def provenance_label(host: str) -> str:
    """The provenance label of an answer recorded now from `host`: constructed for a loopback fake, recorded for
    Vertex AI (a Google host), and otherwise the host itself, never a guess."""
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    if _is_loopback(host):
        return f"constructed: recorded against a loopback fake at {host}, not Vertex AI"
    if host == "googleapis.com" or host.endswith((".googleapis.com", ".vertexai.goog")):
        return f"recorded: Vertex AI, {today}"
    return f"recorded: {host or 'an unknown host'} (not a Google host), {today}"


@functools.lru_cache(maxsize=64)
def _alternation(words: frozenset[str], *, word: bool) -> tuple[re.Pattern[str], ...]:
    """One regex for a set of literal strings, longest first; `word` requires no letter or digit right around them.

    A hyphen or dot is a boundary, so an id is found inside a bucket or host name (`gs://<id>-assets/...`).
    """
    if not words:
        return ()
    body = "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))
    return (re.compile(rf"(?<![A-Za-z0-9])(?:{body})(?![A-Za-z0-9])" if word else f"(?:{body})"),)


# What a PROJECT_ID placeholder may stand for in the other body: a project id (6-30 characters, optionally
# domain-scoped) or a project number.
_PROJECT_VALUE = r"(?:PROJECT_ID|(?:[a-z][a-z0-9.-]*:)?[a-z][a-z0-9-]{4,28}[a-z0-9]|[0-9]{6,20})"


@functools.lru_cache(maxsize=256)
def _placeholder_pattern(text: str) -> re.Pattern[str]:
    parts = text.split(PROJECT_PLACEHOLDER)
    return re.compile(_PROJECT_VALUE.join(re.escape(part) for part in parts), re.DOTALL)


def _same_but_projects(left: Any, right: Any) -> bool:
    """Equal JSON values, where a PROJECT_ID in a string of either side stands for any project id in the other.

    How the environment scrubbed a body (which project ids it knew) must not decide whether it matches: a
    cassette recorded with GOOGLE_CLOUD_PROJECT set replays with it unset, or set to another project.
    """
    if isinstance(left, str) and isinstance(right, str):
        if left == right:
            return True
        return bool((PROJECT_PLACEHOLDER in left and _placeholder_pattern(left).fullmatch(right))
                    or (PROJECT_PLACEHOLDER in right and _placeholder_pattern(right).fullmatch(left)))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same_but_projects(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_same_but_projects(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


def _json_or_text(body: bytes) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text


def _as_recorded(cassette: Any, request: Any) -> bytes | None:
    """The recorded body of `cassette` that `request` (already scrubbed) matches once project ids are set aside.

    Scrubbing depends on the ids known at the time (the URL's project, GOOGLE_CLOUD_PROJECT); matching must not.
    When the request's body equals a recorded one of the same method and path up to project ids (a PROJECT_ID on
    one side, any project id on the other), the request takes the recorded body, so vcrpy's body matcher, which
    compares exactly, sees what was recorded. None when no recorded body fits (or there is no cassette).
    """
    stored = getattr(cassette, "requests", None) if cassette is not None else None
    if not stored:
        return None
    body = _body_bytes(request.body)
    path = urlsplit(request.uri).path
    mine = None
    for candidate in list(stored):
        recorded = _body_bytes(getattr(candidate, "body", None))
        if recorded == body:
            return None  # an exact match is vcrpy's own
        if getattr(candidate, "method", None) != request.method:
            continue
        if urlsplit(getattr(candidate, "uri", "")).path != path:
            continue
        if PROJECT_PLACEHOLDER.encode() not in recorded + body:
            continue
        if mine is None:
            mine = _json_or_text(body)
        theirs = _json_or_text(recorded)
        if mine is not None and theirs is not None and _same_but_projects(theirs, mine):
            return recorded
    return None


def _calling_cassette() -> Any:
    """The vcrpy cassette whose matching or recording called our hook (vcrpy passes hooks the request only).

    vcrpy calls `before_record_request` from the cassette's own methods, a few frames up; None when no
    caller looks like a cassette (then the caller cannot be told apart and the stand-in request is used).
    """
    frame = sys._getframe(1)
    for _ in range(8):
        frame = frame.f_back  # type: ignore[assignment]
        if frame is None:
            return None
        candidate = frame.f_locals.get("self")
        if hasattr(candidate, "write_protected") and hasattr(candidate, "play_counts"):
            return candidate
    return None


def _loading() -> bool:
    """True when our hook runs while vcrpy loads a cassette file (its `_load` appends each stored interaction).

    Loaded interactions are what the file says: they are scrubbed again (idempotent), but never relabelled or
    rewritten to match another interaction.
    """
    frame = sys._getframe(1)
    for _ in range(12):
        frame = frame.f_back  # type: ignore[assignment]
        if frame is None:
            return False
        if frame.f_code.co_name == "_load" and hasattr(frame.f_locals.get("self"), "play_counts"):
            return True
    return False


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return bytes(body) if isinstance(body, (bytearray, memoryview)) else b""


def _is_event_stream(headers: Any) -> bool:
    for name, values in headers.items():
        if name.lower() == "content-type":
            value = values if isinstance(values, str) else " ".join(map(str, values))
            return "text/event-stream" in value
    return False


def _hooks(value: Any) -> list[Any]:
    return [value] if callable(value) else list(value or ())


class _RequestHook:
    """Our request hook, then the user's; a request they drop is left out when recording, refused when replaying."""

    def __init__(self, scrubber: CassetteScrubber, then: Any) -> None:
        self.scrubber = scrubber
        self._then = _hooks(then)

    def __call__(self, request: Any) -> Any:
        value = self.scrubber.request(request)
        if value is None or (urlsplit(value.uri).hostname or "") == _BLOCKED_HOST:
            return value
        for hook in self._then:
            value = hook(value)
            if value is None:
                return self.scrubber.dropped(request, "a before_record_request hook of yours dropped it")
        return value


def _chain(first: Callable[[Any], Any], then: Any) -> Callable[[Any], Any]:
    hooks = _hooks(then)

    def run(value: Any) -> Any:
        value = first(value)
        for hook in hooks:
            if value is None:
                break
            value = hook(value)
        return value

    return run


def vcr_config(
    *, project_ids: Iterable[str] = (), secrets: Iterable[str] = (), provenance: bool = True, **overrides: Any
) -> dict[str, Any]:
    """Keyword arguments for `vcr.use_cassette` / pytest-recording's `vcr_config` fixture, safe for Vertex.

    Drops all token traffic (by host, path or form content type: OAuth, STS, IAM credentials, metadata
    server, any `/token` endpoint, and any answer whose JSON hands out a credential), keeps only
    `content-type`/`accept` request headers, scrubs project ids, numbers and emails from URLs and from the
    decoded strings of bodies, stores compressed bodies decoded (or refuses to record them), and matches
    on method, normalised path and JSON body. Each answer recorded now gets the response header
    `x-vertex-openai-provenance` saying where its request went (`provenance=False` leaves it out); answers
    loaded from the file keep theirs, or none. `overrides` are passed through; your own
    `before_record_request`/`before_record_response` run after ours (they cannot see anything we dropped).
    """
    scrubber = CassetteScrubber(project_ids=project_ids, secrets=secrets, provenance=provenance)
    config: dict[str, Any] = {
        "decode_compressed_response": False,  # ours decodes every coding httpx does, or fails loudly
        "match_on": ("method", "path", "body"),
        "record_on_exception": False,
    }
    ours = ("before_record_request", "before_record_response", "before_save_interaction",
            "decode_compressed_response")
    config.update({k: v for k, v in overrides.items() if k not in ours})
    config["before_record_request"] = _RequestHook(scrubber, overrides.get("before_record_request"))
    config["before_record_response"] = _chain(scrubber.response, overrides.get("before_record_response"))
    user_save = overrides.get("before_save_interaction")
    if _vcrpy_runs_before_save():
        config["before_save_interaction"] = [scrubber.before_save, *_hooks(user_save)]
    elif user_save is not None:
        config["before_save_interaction"] = user_save  # vcrpy says itself that it does not know the option
    return config


@functools.lru_cache(maxsize=1)
def _vcrpy_runs_before_save() -> bool:
    """True when the installed vcrpy takes `before_save_interaction` (vcrpy >= 9.4) or vcrpy is not installed;
    older ones reject the option, and `CassetteScrubber.finish` does the last scrub instead. Read from the
    package's metadata, so asking does not import vcrpy."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = re.match(r"(\d+)\.(\d+)", version("vcrpy"))
    except PackageNotFoundError:
        return True
    return release is None or (int(release[1]), int(release[2])) >= (9, 4)


def scrubber_of(config: dict[str, Any]) -> CassetteScrubber | None:
    """The scrubber behind a `vcr_config()` dict (or a VCR object configured with one), if any."""
    hook = config.get("before_record_request") if isinstance(config, dict) else None
    return hook.scrubber if isinstance(hook, _RequestHook) else None


def replay_credentials(project_id: str = PROJECT_PLACEHOLDER) -> FakeCredentials:
    """Fresh network-free google-auth credentials for replay: never call a token endpoint, never need ADC.

    Call it once per test: each call is a new object with its own token, so nothing is cached between tests.
    `project_id` lets `vertex_openai_client(credentials=replay_credentials())` work with no project given.
    """
    return FakeCredentials(project_id=project_id, token_prefix="vertex-replay-token",
                           service_account_email=EMAIL_PLACEHOLDER)


class _BoundCassette:
    """vcrpy's cassette context, telling our scrubber whether the cassette it opened is replaying."""

    def __init__(self, inner: Any, scrubber: CassetteScrubber) -> None:
        self._inner = inner
        self._scrubber = scrubber
        self._cassette: Any = None

    def __enter__(self) -> Any:
        cassette = self._inner.__enter__()
        self._cassette = cassette
        self._scrubber.bind(cassette)
        return cassette

    def __exit__(self, *exc: Any) -> Any:
        self._scrubber.finish(self._cassette)
        self._scrubber.bind(None)
        _add_detail(exc[1] if len(exc) > 1 else None)
        return self._inner.__exit__(*exc)

    def __call__(self, function: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await function(*args, **kwargs)

            return run_async

        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self:
                return function(*args, **kwargs)

        return run


def use_cassette(path: str | os.PathLike[str], *, record_mode: str = "none", **overrides: Any) -> Any:
    """`vcr.use_cassette(path, **vcr_config())` without pytest; replays only unless you pass record_mode.

    Use it as a context manager (it yields vcrpy's cassette) or as a decorator of a function.
    """
    import vcr

    config = vcr_config(**overrides)
    inner = vcr.VCR().use_cassette(os.fspath(path), record_mode=record_mode, **config)
    scrubber = scrubber_of(config)
    assert scrubber is not None
    return _BoundCassette(inner, scrubber)


def assert_all_played(cassette: Any) -> None:
    """Fail if a replayed cassette still holds interactions the test never asked for (stale cassettes)."""
    if cassette is None or not getattr(cassette, "rewound", False):
        return
    played = set(cassette.play_counts)
    unplayed = [request for index, request in enumerate(cassette.requests) if index not in played]
    if unplayed:
        listing = "\n".join(f"  - {request.method} {request.uri}" for request in unplayed)
        raise AssertionError(
            f"cassette {cassette._path} has {len(unplayed)} interaction(s) this test never made:\n{listing}\n"
            "The code under test now sends fewer or different requests. Re-record the cassette "
            "(pytest --record-mode=rewrite) or delete the stale interactions."
        )


def describe_mismatch(error: BaseException) -> str | None:
    """A one-paragraph message for a replay or recording failure hidden inside an SDK exception.

    That is vcrpy's 'can't play back' error, or the kit's `CassetteReplayError`/`CassetteRecordingError`.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (CassetteReplayError, CassetteRecordingError)):
            return str(current)
        if type(current).__name__ == "CannotOverwriteExistingCassetteException":
            detail = str(current) if vcrpy_details_it(current) else _with_detail(current)
            return (
                f"vertex-openai cassette replay failed (the openai SDK reported it as "
                f"{type(error).__name__}: {_first_line(error)}):\n{detail}"
            )
        current = current.__cause__ or current.__context__
    return None


def _first_line(error: BaseException) -> str:
    return str(error).split("\n", 1)[0]


def _with_detail(error: BaseException) -> str:
    """vcrpy before 9's headline followed by the kit's own account of the request (vcrpy 9 words it itself)."""
    if _DETAILED in error.__dict__:
        return str(error)
    return f"{_first_line(error)}\n{describe_replay_failure(error)}"


def _add_detail(error: BaseException | None) -> None:
    """Give a vcrpy < 9 replay failure inside `error`'s chain the kit's detail, so its own text names the request."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if type(error).__name__ == "CannotOverwriteExistingCassetteException" and not vcrpy_details_it(error):
            if _DETAILED not in error.__dict__:
                error.args = (_with_detail(error),)
                error.__dict__[_DETAILED] = True
            return
        error = error.__cause__ or error.__context__


def json_events(sse: str) -> list[Any]:
    """The JSON payloads of an SSE body (`data: {...}` or `data:{...}` lines); for tests and the demo transcript."""
    return [json.loads(line[5:]) for line in sse.splitlines() if line.startswith(("data: {", "data:{"))]
