"""Google's error bodies made readable through the openai SDK's own exception classes.

Vertex's OpenAI layer answers errors as `[{"error": {"code", "message", "status", "details"}}]` (and
sometimes a plain `{"error": {...}}`). The SDK only unwraps the dict form, so without help users see
`Error code: 429` and `e.code is None`. We unwrap both, keep the SDK's class for the status, and add a
one-line hint for the set-up mistakes everyone makes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["google_error", "hint_for", "retry_delay_seconds", "status_message"]


def google_error(body: object) -> dict[str, Any] | None:
    """The inner Google error object of a list- or dict-wrapped body, or None if it is not one."""
    if isinstance(body, (bytes, str)):
        try:
            body = json.loads(body)
        except ValueError:
            return None
    if isinstance(body, list) and body and isinstance(body[0], Mapping):
        body = body[0]
    if isinstance(body, Mapping):
        inner = body.get("error")
        if isinstance(inner, Mapping):
            return dict(inner)
    return None


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


def retry_delay_seconds(error: Mapping[str, Any]) -> float | None:
    """Google's `google.rpc.RetryInfo.retryDelay` ("30s", "1.5s") in seconds, if the error has one."""
    details = error.get("details")
    if not isinstance(details, list):
        return None
    for detail in details:
        if isinstance(detail, Mapping) and str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            delay = detail.get("retryDelay")
            if isinstance(delay, str) and (match := _DURATION.match(delay)):
                return float(match.group(1))
            if isinstance(delay, Mapping):
                seconds = float(delay.get("seconds", 0) or 0)
                nanos = float(delay.get("nanos", 0) or 0)
                return seconds + nanos / 1e9
    return None


def hint_for(status_code: int, error: Mapping[str, Any] | None, url: str) -> str | None:
    """A one-line fix for the common set-up failures, or None."""
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
        served_from = re.findall(r"locations/([a-z0-9-]+)", message) or re.findall(r"locations/([a-z0-9-]+)", url)
        if served_from and served_from[0] != "global" and "gemini-3" in message + url:
            return 'Gemini 3 models are served on the global endpoint: use location="global".'
        if "publisher model" in lowered and "google/" not in message:
            return "On the openapi endpoint Gemini models are named 'google/<model>', e.g. 'google/gemini-2.5-flash'."
        if "publisher model" in lowered:
            return "Check the model id, and that it is offered in this location (try location=\"global\")."
    if status_code == 429:
        return "Quota or shared capacity exhausted; retry later, or use location=\"global\" for more capacity."
    return None


def status_message(status_code: int, error: Mapping[str, Any] | None, raw: str, url: str) -> str:
    """`Error code: 429 - RESOURCE_EXHAUSTED: <Google's message> (hint)`."""
    text = f"Error code: {status_code}"
    if error:
        status = error.get("status")
        message = error.get("message")
        detail = ": ".join(str(part) for part in (status, message) if part)
        if detail:
            text += f" - {detail}"
    elif raw:
        snippet = " ".join(raw.split())
        text += f" - {snippet[:300]}{'…' if len(snippet) > 300 else ''}"
    hint = hint_for(status_code, error, url)
    if hint:
        text += f" (hint: {hint})"
    return text
