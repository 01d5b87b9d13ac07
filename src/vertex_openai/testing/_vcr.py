"""vcrpy settings that are safe for Vertex AI: no tokens, no credentials headers, no project ids, no emails.

Everything here is plain Python working on vcrpy's request/response objects; vcrpy itself is imported only
by `use_cassette()`, so `import vertex_openai.testing` never needs it.

vcrpy runs `before_record_request` on the request being made before it matches it against the cassette,
and on every request it loads. So scrubbing the path and body here is also what makes matching ignore
project, region and host: both sides are scrubbed the same way, then compared on method, path and body.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from ._fake_credentials import FakeCredentials

__all__ = [
    "EMAIL_PLACEHOLDER",
    "LOCATION_PLACEHOLDER",
    "PROJECT_PLACEHOLDER",
    "SECRET_PLACEHOLDER",
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
_TOKEN_PATHS = re.compile(r"(^/oauth2/|/token$|:generateAccessToken$|:generateIdToken$|:signJwt$|:signBlob$)")
# A request body that asks for a token, wherever it is sent (custom token_uri, proxies).
_TOKEN_REQUEST = re.compile(rb"grant_type|subject_token|refresh_token|client_secret")
# A response body that hands out a credential of any kind.
_TOKEN_RESPONSE = re.compile(
    rb'"(access_token|accessToken|id_token|idToken|refresh_token|signedJwt|signedBlob|private_key)"'
)
# Request headers worth keeping; everything else (authorization, cookie, x-goog-*, user agents) is dropped.
_KEEP_REQUEST_HEADERS = frozenset({"content-type", "accept"})
# Response headers the client acts on; the rest (set-cookie, date, server, alt-svc, ...) is noise or secret.
_KEEP_RESPONSE_HEADERS = frozenset({"content-type", "retry-after", "retry-after-ms", "x-should-retry"})
# Where a recorded answer came from ("constructed: ... loopback fake" or "recorded: Vertex AI"), set by the plugin.
PROVENANCE_HEADER = "x-vertex-openai-provenance"
_KEEP_RESPONSE_HEADERS |= {PROVENANCE_HEADER}
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
    """

    def __init__(self, *, project_ids: Iterable[str] = (), secrets: Iterable[str] = ()) -> None:
        self._projects: set[str] = {p for p in project_ids if p}
        env_project = os.environ.get("GOOGLE_CLOUD_PROJECT")
        if env_project:
            self._projects.add(env_project)
        self._secrets: set[str] = {s for s in secrets if s}

    # -- vcrpy hooks -----------------------------------------------------------------------------------
    def request(self, request: Any) -> Any:
        """`before_record_request`: drop token traffic, keep two headers, scrub the URL and the body."""
        parts = urlsplit(request.uri)
        host = (parts.hostname or "").lower()
        if host in _TOKEN_HOSTS or _TOKEN_PATHS.search(parts.path):
            return None
        body = _body_bytes(request.body)
        if body and _TOKEN_REQUEST.search(body):
            return None
        for match in _PROJECT_ONLY_PATH.finditer(parts.path):
            self._learn(match.group(0)[len("/projects/"):])
        quota_project = request.headers.get("x-goog-user-project")
        if quota_project:
            self._learn(str(quota_project))
        for name in list(request.headers):
            if name.lower() not in _KEEP_REQUEST_HEADERS:
                del request.headers[name]
        request.uri = self._scrub_uri(parts)
        if body:
            request.body = self.scrub_bytes(body)
        return request

    def response(self, response: Any) -> Any:
        """`before_record_response`: drop credential-bearing answers, keep a few headers, scrub the body."""
        body_field = response.get("body") or {}
        body = _body_bytes(body_field.get("string"))
        if body and _TOKEN_RESPONSE.search(body):
            return None
        headers = response.get("headers") or {}
        response["headers"] = {k: v for k, v in headers.items() if k.lower() in _KEEP_RESPONSE_HEADERS}
        if body:
            if _is_event_stream(response["headers"]):
                body = self._scrub_split_content(body)
            response["body"] = {**body_field, "string": self.scrub_bytes(body)}
        return response

    def _scrub_split_content(self, body: bytes) -> bytes:
        """Streamed text arrives in fragments, so an id can straddle two chunks: scrub the joined text.

        Only when that finds something: the whole scrubbed text then goes into the first fragment of that
        choice and the later fragments are emptied (the chunk count and everything else stay as they were).
        """
        try:
            lines = body.decode("utf-8").split("\n")
        except UnicodeDecodeError:
            return body
        events: dict[int, Any] = {}
        for number, line in enumerate(lines):
            if line.startswith("data: {"):
                try:
                    events[number] = json.loads(line[6:])
                except ValueError:
                    continue
        fragments: dict[int, list[dict[str, Any]]] = {}
        for event in events.values():
            for choice in event.get("choices") or ():
                delta = choice.get("delta") if isinstance(choice, dict) else None
                if isinstance(delta, dict) and isinstance(delta.get("content"), str):
                    fragments.setdefault(int(choice.get("index") or 0), []).append(delta)
        changed = False
        for deltas in fragments.values():
            joined = "".join(d["content"] for d in deltas)
            scrubbed = self.scrub_text(joined)
            if scrubbed != joined:
                changed = True
                for position, delta in enumerate(deltas):
                    delta["content"] = scrubbed if position == 0 else ""
        if not changed:
            return body
        for number, event in events.items():
            lines[number] = "data: " + json.dumps(event, ensure_ascii=False)
        return "\n".join(lines).encode("utf-8")

    # -- scrubbing ---------------------------------------------------------------------------------
    def before_save(self, request: Any, response: Any) -> tuple[Any, Any]:
        """`before_save_interaction` (vcrpy >= 9.4): scrub once more with every id learned this session.

        A project number may first appear in a later response than the one that mentions it in free text.
        """
        request.body = self.scrub_bytes(_body_bytes(request.body)) if request.body else request.body
        body_field = response.get("body") or {}
        if body_field.get("string"):
            response["body"] = {**body_field, "string": self.scrub_bytes(_body_bytes(body_field["string"]))}
        return request, response

    def scrub_text(self, text: str) -> str:
        """Replace project ids/numbers, emails and token-shaped strings with stable placeholders."""
        for match in _PROJECT_IN_TEXT.finditer(text):
            self._learn(match.group(0)[len("projects/"):])
        for match in _SERVICE_ACCOUNT_PROJECT.finditer(text):
            self._learn(match.group(1))
        text = _EMAIL.sub(EMAIL_PLACEHOLDER, text)  # first: a service account's email contains its project
        text = _PROJECT_IN_TEXT.sub(f"projects/{PROJECT_PLACEHOLDER}", text)
        for project in sorted(self._projects, key=len, reverse=True):
            word = rf"(?<![A-Za-z0-9-]){re.escape(project)}(?![A-Za-z0-9-])"
            text = re.sub(word, PROJECT_PLACEHOLDER, text)
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, SECRET_PLACEHOLDER)
        for pattern in _SECRETS_IN_TEXT:
            text = pattern.sub(SECRET_PLACEHOLDER, text)
        return text

    def scrub_bytes(self, body: bytes) -> bytes:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return body  # binary payloads are stored as they are
        return self.scrub_text(text).encode("utf-8")

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
    *, project_ids: Iterable[str] = (), secrets: Iterable[str] = (), **overrides: Any
) -> dict[str, Any]:
    """Keyword arguments for `vcr.use_cassette` / pytest-recording's `vcr_config` fixture, safe for Vertex.

    Drops all token traffic (OAuth, STS, IAM credentials, metadata server, any response with a token),
    keeps only `content-type`/`accept` request headers, scrubs project ids, numbers and emails from URLs
    and bodies, stores gzip bodies decoded, and matches on method, normalised path and JSON body.
    `overrides` are passed through; your own `before_record_request`/`before_record_response` run after
    ours (they cannot see anything we dropped).
    """
    scrubber = CassetteScrubber(project_ids=project_ids, secrets=secrets)
    config: dict[str, Any] = {
        "decode_compressed_response": True,
        "match_on": ("method", "path", "body"),
        "record_on_exception": False,
    }
    hooks = ("before_record_request", "before_record_response", "before_save_interaction")
    config.update({k: v for k, v in overrides.items() if k not in hooks})
    config["before_record_request"] = _chain(scrubber.request, overrides.get("before_record_request"))
    config["before_record_response"] = _chain(scrubber.response, overrides.get("before_record_response"))
    user_save = overrides.get("before_save_interaction")
    config["before_save_interaction"] = [scrubber.before_save, *_hooks(user_save)]
    return config


def replay_credentials(project_id: str = PROJECT_PLACEHOLDER) -> FakeCredentials:
    """Fresh network-free google-auth credentials for replay: never call a token endpoint, never need ADC.

    Call it once per test: each call is a new object with its own token, so nothing is cached between tests.
    `project_id` lets `vertex_openai_client(credentials=replay_credentials())` work with no project given.
    """
    return FakeCredentials(project_id=project_id, token_prefix="vertex-replay-token",
                           service_account_email=EMAIL_PLACEHOLDER)


def use_cassette(path: str | os.PathLike[str], *, record_mode: str = "none", **overrides: Any) -> Any:
    """`vcr.use_cassette(path, **vcr_config())` without pytest; replays only unless you pass record_mode."""
    import vcr

    return vcr.VCR().use_cassette(os.fspath(path), record_mode=record_mode, **vcr_config(**overrides))


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
    """A one-paragraph message for vcrpy's 'can't play back' error hidden inside an SDK exception."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if type(current).__name__ == "CannotOverwriteExistingCassetteException":
            return (
                f"vertex-openai cassette replay failed (the openai SDK reported it as "
                f"{type(error).__name__}: {error}):\n{current}"
            )
        current = current.__cause__ or current.__context__
    return None


def json_events(sse: str) -> list[Any]:
    """The JSON payloads of an SSE body (`data: {...}` lines); for tests and the demo transcript."""
    return [json.loads(line[6:]) for line in sse.splitlines() if line.startswith("data: {")]
