"""Google's error bodies made readable through the openai SDK's own exception classes.

Vertex's OpenAI layer answers errors as `[{"error": {"code", "message", "status", "details"}}]` (and
sometimes a plain `{"error": {...}}`). The SDK only unwraps the dict form, so without help users see
`Error code: 429` and `e.code is None`. We unwrap both, keep the SDK's class for the status, and add a
one-line hint for the set-up mistakes everyone makes.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from .._redact import redact
from ._hints import location_of, model_hint
from ._paths import unserved_alternative

__all__ = ["google_error", "hint_for", "retry_delay_seconds", "status_message"]


def google_error(body: object) -> dict[str, Any] | None:
    """The inner Google error object of a list- or dict-wrapped body, or None if it is not one."""
    if isinstance(body, (bytes, str)):
        try:
            body = json.loads(body)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes: not Google's
            return None
    if isinstance(body, list) and body and isinstance(body[0], Mapping):
        body = body[0]
    if isinstance(body, Mapping):
        inner = body.get("error")
        if isinstance(inner, Mapping):
            return dict(inner)
    return None


# google.protobuf.Duration in JSON: "<seconds>[.<up to 9 digits>]s", or the object {"seconds", "nanos"}
# (int64 seconds may be written as a string). Its range is 0..315,576,000,000 s for a delay.
_DURATION = re.compile(r"([0-9]{1,12})(?:\.([0-9]{1,9}))?s")
_WHOLE = re.compile(r"[0-9]{1,12}")
_MAX_DURATION_SECONDS = 315_576_000_000
_MAX_NANOS = 999_999_999


def _whole(value: object) -> int | None:
    """A non-negative whole number as proto3 JSON writes it (number or decimal string), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str) and _WHOLE.fullmatch(value):
        return int(value)
    return None


def _duration_seconds(delay: object) -> float | None:
    if isinstance(delay, str):
        match = _DURATION.fullmatch(delay.strip())
        if not match:
            return None
        seconds: int | None = int(match[1])
        nanos: int | None = int((match[2] or "").ljust(9, "0"))
    elif isinstance(delay, Mapping):
        seconds, nanos = _whole(delay.get("seconds", 0)), _whole(delay.get("nanos", 0))
    else:
        return None
    if seconds is None or nanos is None or not 0 <= seconds <= _MAX_DURATION_SECONDS or not 0 <= nanos <= _MAX_NANOS:
        return None
    return seconds + nanos / 1e9


def retry_delay_seconds(error: Mapping[str, Any]) -> float | None:
    """Google's `google.rpc.RetryInfo.retryDelay` ("30s", "1.5s") in seconds; None if absent or malformed."""
    details = error.get("details")
    if not isinstance(details, list):
        return None
    for detail in details:
        if isinstance(detail, Mapping) and str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            return _duration_seconds(detail.get("retryDelay"))
    return None


def hint_for(
    status_code: int, error: Mapping[str, Any] | None, url: str, model: str | None = None
) -> str | None:
    """A one-line fix for the common set-up failures, or None.

    A 404 is explained from `model` (the id the client sent) and the location in the client's `url`, never from
    Google's wording, which names the `google` publisher and a location whatever was asked for.
    """
    message = str((error or {}).get("message", ""))
    lowered = message.lower()
    if status_code == 401:
        if "api key" in lowered or "api_key" in lowered:
            return "Vertex AI wants an OAuth access token, not an API key: use Google credentials (ADC)."
        return "The access token was refused; run `gcloud auth application-default login` or check the credentials."
    if status_code == 403:
        if "billing" in lowered:
            return "Enable billing on the project, then retry."
        if "service_disabled" in lowered or "has not been used" in lowered or "is disabled" in lowered:
            return "Enable the Vertex AI API: `gcloud services enable aiplatform.googleapis.com`."
        if "(or it may not exist)" in message or "permission" in lowered:
            return (
                "Usually a missing IAM role or the wrong project: grant roles/aiplatform.user on the project "
                "to the caller, and check the project id."
            )
    if status_code == 404:
        path_hint = _path_hint(url)
        if path_hint:
            return path_hint
    if status_code == 404 and model is not None:
        return model_hint(model, location_of(url))
    if status_code == 404 and "model" in lowered:
        location = location_of(url)
        where = f", and that it is offered in {location!r} (try location=\"global\")" if location not in (
            None, "global") else ""
        return f"Check the model id{where}."
    if status_code == 429:
        return "Quota or shared capacity exhausted; retry later, or use location=\"global\" for more capacity."
    return None


_ENDPOINT_PATH = re.compile(r"/endpoints/[^/]+(/.*)$")


def _path_hint(url: str) -> str | None:
    """A 404 on a path other than chat completions: which paths Vertex serves and what to use instead."""
    path = urlsplit(url).path.rstrip("/")
    if not path or path.endswith("/chat/completions"):
        return None
    if path.endswith("/embeddings"):
        return ("Vertex AI serves /embeddings on endpoints/openapi only for some models (MaaS embedding models); "
                "Google's embedding models (gemini-embedding-001, text-embedding-005, "
                "text-multilingual-embedding-002) work through embeddings.create on a client for endpoints/openapi, "
                "which sends them to Vertex AI's native method.")
    match = _ENDPOINT_PATH.search(path)
    suffix = match.group(1) if match else path
    return (f"this server does not serve {suffix}: Vertex AI's OpenAI-compatible endpoint serves /chat/completions "
            f"(and /embeddings for some models); a self-deployed endpoint serves what its container serves. "
            f"Instead: {unserved_alternative(suffix)}.")


_STYLE = re.compile(r"<(style|script)[^>]*>.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def _readable(raw: str) -> str:
    """Google's front end answers some 404s with an HTML page: keep its text, not its markup."""
    head = raw.lstrip()[:15].lower()
    if head.startswith(("<!doctype html", "<html")):
        raw = _TAG.sub(" ", _STYLE.sub(" ", raw))
    return " ".join(raw.split())


def status_message(
    status_code: int, error: Mapping[str, Any] | None, raw: str, url: str, model: str | None = None, *,
    hint: bool = True,
) -> str:
    """`Error code: 429 - RESOURCE_EXHAUSTED: <Google's message> (hint)`; `model` is the id the client sent;
    `hint=False` leaves the hint out."""
    text = f"Error code: {status_code}"
    if error:
        status = error.get("status")
        message = error.get("message")
        detail = ": ".join(str(part) for part in (status, message) if part)
        if detail:
            text += f" - {detail}"
    elif raw:
        snippet = _readable(raw)
        text += f" - {snippet[:300]}{'…' if len(snippet) > 300 else ''}"
    fix = hint_for(status_code, error, url, model) if hint else None
    if fix:
        text += f" (hint: {fix})"
    return redact(text)  # the server's text goes into exception text: never a key, JWT or token in it
