"""Gemini's own request fields (`extra_body.google`) built from typed keywords instead of hand-nested dicts.

Vertex reads Gemini-only settings from a body key literally named `extra_body` holding `{"google": {...}}`.
The openai SDK's `extra_body=` merges keys into the top level, hence Google's `extra_body={"extra_body":
{"google": ...}}`, which users get wrong (400 "Unknown name"). `google_extra_body()` builds it, checks
thinking and safety settings, and `merge_extra_body()` combines several without double nesting.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypedDict, get_args

__all__ = [
    "DEPLOYED_MODEL",
    "HarmBlockThreshold",
    "HarmCategory",
    "MediaResolution",
    "SafetySetting",
    "ThinkingConfig",
    "ThinkingLevel",
    "google_extra_body",
    "merge_extra_body",
    "safety_setting",
]

# On a self-deployed endpoint (numeric endpoint id), `model=DEPLOYED_MODEL` sends no `model` field at all,
# as Google's example for automatically deployed models does.
DEPLOYED_MODEL = ""

ThinkingLevel = Literal["minimal", "low", "medium", "high"]
HarmCategory = Literal[
    "HARM_CATEGORY_HATE_SPEECH",
    "HARM_CATEGORY_DANGEROUS_CONTENT",
    "HARM_CATEGORY_HARASSMENT",
    "HARM_CATEGORY_SEXUALLY_EXPLICIT",
    "HARM_CATEGORY_CIVIC_INTEGRITY",
    "HARM_CATEGORY_UNSPECIFIED",
]
HarmBlockThreshold = Literal[
    "BLOCK_LOW_AND_ABOVE",
    "BLOCK_MEDIUM_AND_ABOVE",
    "BLOCK_ONLY_HIGH",
    "BLOCK_NONE",
    "OFF",
    "HARM_BLOCK_THRESHOLD_UNSPECIFIED",
]
MediaResolution = Literal[
    "MEDIA_RESOLUTION_LOW", "MEDIA_RESOLUTION_MEDIUM", "MEDIA_RESOLUTION_HIGH", "MEDIA_RESOLUTION_UNSPECIFIED"
]


class ThinkingConfig(TypedDict, total=False):
    """Gemini's `ThinkingConfig` (snake_case, as Vertex's OpenAI layer reads it)."""

    include_thoughts: bool
    thinking_budget: int
    thinking_level: ThinkingLevel


class _SafetySettingRequired(TypedDict):
    category: HarmCategory
    threshold: HarmBlockThreshold


class SafetySetting(_SafetySettingRequired, total=False):
    """One Gemini `SafetySetting`; `method` is `SEVERITY` or `PROBABILITY` (optional)."""

    method: Literal["SEVERITY", "PROBABILITY"]


_ENUM_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_THINKING_KEYS = {"include_thoughts": bool, "thinking_budget": int, "thinking_level": str}


def safety_setting(category: HarmCategory, threshold: HarmBlockThreshold) -> SafetySetting:
    """One safety setting, checked: `safety_setting("HARM_CATEGORY_HATE_SPEECH", "BLOCK_LOW_AND_ABOVE")`."""
    return _check_safety_setting({"category": category, "threshold": threshold}, 0)


def _check_safety_setting(setting: Any, position: int) -> SafetySetting:
    if not isinstance(setting, Mapping):
        raise TypeError(
            f"safety_settings[{position}] must be a dict like {{'category': 'HARM_CATEGORY_HATE_SPEECH', "
            f"'threshold': 'BLOCK_LOW_AND_ABOVE'}}, got {type(setting).__name__}"
        )
    for key, example in (("category", "HARM_CATEGORY_HATE_SPEECH"), ("threshold", "BLOCK_LOW_AND_ABOVE")):
        value = setting.get(key)
        hint = "HarmCategory" if key == "category" else "HarmBlockThreshold"
        known = get_args(HarmCategory if key == "category" else HarmBlockThreshold)
        # Names Google adds later pass if they have the documented shape; typos of known ones do not.
        shaped = isinstance(value, str) and _ENUM_NAME.fullmatch(value) and (
            value in known or (key == "category" and value.startswith("HARM_CATEGORY_"))
            or (key == "threshold" and value.startswith("BLOCK_"))
        )
        if not shaped:
            raise ValueError(
                f"safety_settings[{position}][{key!r}] is {value!r}; Gemini expects an upper-case enum "
                f"name such as {example!r} (see vertex_openai.gemini.{hint})"
            )
    return dict(setting)  # type: ignore[return-value]


def _check_thinking_config(config: Any) -> dict[str, Any]:
    if not isinstance(config, Mapping):
        raise TypeError(f"thinking_config must be a dict (ThinkingConfig), got {type(config).__name__}")
    out = dict(config)
    unknown = sorted(set(out) - set(_THINKING_KEYS))
    if unknown:
        guesses = [difflib.get_close_matches(str(key), _THINKING_KEYS, n=1) for key in unknown]
        hints = "".join(f" (did you mean {g[0]!r} for {k!r}?)" for k, g in zip(unknown, guesses, strict=True) if g)
        raise ValueError(
            f"thinking_config has unknown keys {unknown}{hints}; known keys: {sorted(_THINKING_KEYS)}"
        )
    for key, kind in _THINKING_KEYS.items():
        if key in out and (not isinstance(out[key], kind) or (kind is int and isinstance(out[key], bool))):
            raise TypeError(f"thinking_config[{key!r}] must be {kind.__name__}, got {out[key]!r}")
    budget = out.get("thinking_budget")
    if isinstance(budget, int) and budget < -1:
        raise ValueError(
            f"thinking_budget must be -1 (dynamic), 0 (off) or a positive token count, got {budget}"
        )
    if "thinking_budget" in out and "thinking_level" in out:
        raise ValueError(
            "thinking_config has both thinking_budget and thinking_level; Gemini rejects the pair. Use "
            "thinking_level for Gemini 3 models and thinking_budget for Gemini 2.5."
        )
    return out


def drop_none(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


def google_extra_body(
    *,
    thinking_config: ThinkingConfig | Mapping[str, Any] | None = None,
    thought_tag_marker: str | None = None,
    safety_settings: Iterable[SafetySetting | Mapping[str, Any]] | None = None,
    cached_content: str | None = None,
    media_resolution: MediaResolution | str | None = None,
    stream_function_call_arguments: bool | None = None,
    tools: Iterable[Mapping[str, Any]] | None = None,
    merge: Mapping[str, Any] | None = None,
    **more_google_fields: Any,
) -> dict[str, Any]:
    """The dict to pass as the SDK's `extra_body=`, so the wire body holds `"extra_body": {"google": {...}}`.

    `merge` is any other `extra_body` you already pass (top-level keys, or Google fields in either nesting);
    it is merged, never double-nested. Fields Google adds later go through `**more_google_fields`.
    """
    google: dict[str, Any] = {}
    if thinking_config is not None:
        google["thinking_config"] = _check_thinking_config(thinking_config)
    if thought_tag_marker is not None:
        if not isinstance(thought_tag_marker, str) or not re.fullmatch(r"[A-Za-z][\w-]*", thought_tag_marker):
            raise ValueError(
                "thought_tag_marker must be a tag name such as 'think' (thoughts come back as "
                f"<think>...</think>), got {thought_tag_marker!r}"
            )
        google["thought_tag_marker"] = thought_tag_marker
    if safety_settings is not None:
        if isinstance(safety_settings, Mapping):
            raise TypeError("safety_settings must be a list of settings, not a single dict; wrap it in [...]")
        if isinstance(safety_settings, (str, bytes)) or not isinstance(safety_settings, Iterable):
            raise TypeError(
                "safety_settings must be a list of dicts like [{'category': 'HARM_CATEGORY_HATE_SPEECH', "
                f"'threshold': 'BLOCK_LOW_AND_ABOVE'}}], got {type(safety_settings).__name__}"
            )
        google["safety_settings"] = [_check_safety_setting(s, i) for i, s in enumerate(safety_settings)]
    if cached_content is not None:
        if not isinstance(cached_content, str) or "/cachedContents/" not in cached_content:
            raise ValueError(
                "cached_content must be a cache resource name like 'projects/P/locations/us-central1/"
                f"cachedContents/123' (from caches.create), got {cached_content!r}"
            )
        google["cached_content"] = cached_content
    google.update(
        drop_none(
            {
                "media_resolution": media_resolution,
                "stream_function_call_arguments": stream_function_call_arguments,
                "tools": [dict(tool) for tool in tools] if tools is not None else None,
            }
        )
    )
    google.update(drop_none(more_google_fields))
    return merge_extra_body(merge or {}, {"extra_body": {"google": google}})


def _google_fields(body: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split an SDK `extra_body` into (Google fields, other top-level keys), accepting either nesting."""
    other = {key: value for key, value in body.items() if key not in ("extra_body", "google")}
    google: dict[str, Any] = {}
    if "google" in body:  # single nesting (the REST/JS shape) passed to the Python SDK
        google.update(_mapping(body["google"], "extra_body['google']"))
    inner = body.get("extra_body")
    if inner is not None:
        inner = _mapping(inner, "extra_body['extra_body']")
        if "extra_body" in inner:
            raise ValueError(
                "extra_body is nested three times (extra_body={'extra_body': {'extra_body': ...}}); Vertex "
                "would answer 400 'Unknown name'. Use vertex_openai.gemini.google_extra_body(...)."
            )
        unknown = [key for key in inner if key != "google"]
        if unknown:
            raise ValueError(
                f"extra_body['extra_body'] may only hold 'google', found {unknown}; put other fields at the "
                "top level of extra_body"
            )
        google.update(_mapping(inner.get("google", {}), "extra_body['extra_body']['google']"))
    return google, other


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{where} must be a dict, got {type(value).__name__}")
    return dict(value)


def merge_extra_body(*bodies: Mapping[str, Any]) -> dict[str, Any]:
    """Merge several SDK `extra_body` dicts; Google fields end up once under `extra_body.google`.

    Later bodies win per Google field, except `thinking_config`, which is merged key by key.
    """
    google: dict[str, Any] = {}
    merged: dict[str, Any] = {}
    for body in bodies:
        fields, other = _google_fields(_mapping(body, "extra_body"))
        for key, value in fields.items():
            previous = google.get(key)
            if key == "thinking_config" and isinstance(previous, Mapping) and isinstance(value, Mapping):
                value = _check_thinking_config({**previous, **value})
            google[key] = value
        merged.update(other)
    if google:
        merged["extra_body"] = {"google": google}
    return merged


# -- extra_content -----------------------------------------------------------------------------------
