"""Deprecated: `vertex_openai.extensions` is now `vertex_openai.gemini`; import from there.

This module re-exports the same objects and warns once on import; it will be removed before 1.0.
"""

from __future__ import annotations

import warnings

from .gemini import (
    DEPLOYED_MODEL,
    HarmBlockThreshold,
    HarmCategory,
    MediaResolution,
    SafetySetting,
    ThinkingConfig,
    ThinkingLevel,
    assistant_tool_call,
    google_extra_body,
    google_extra_content,
    merge_extra_body,
    safety_setting,
    text_message,
    thoughts,
    to_message_param,
    tool_message,
    with_extra_content,
)

warnings.warn(
    "vertex_openai.extensions is deprecated; import the same names from vertex_openai.gemini",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = [
    "DEPLOYED_MODEL",
    "HarmBlockThreshold",
    "HarmCategory",
    "MediaResolution",
    "SafetySetting",
    "ThinkingConfig",
    "ThinkingLevel",
    "assistant_tool_call",
    "google_extra_body",
    "google_extra_content",
    "merge_extra_body",
    "safety_setting",
    "text_message",
    "thoughts",
    "to_message_param",
    "tool_message",
    "with_extra_content",
]
