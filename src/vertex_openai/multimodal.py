"""Deprecated: `vertex_openai.multimodal` is now `vertex_openai.gemini`; import from there.

This module re-exports the same objects and warns once on import; it will be removed before 1.0.
"""

from __future__ import annotations

import warnings

from .gemini import (
    DEFAULT_MAX_REQUEST_BYTES,
    RequestTooLargeError,
    audio_part,
    detect_mime_type,
    file_part,
    function_response_part,
    image_part,
    limit_request_size,
    pdf_part,
    text_part,
    to_data_url,
    video_part,
)

warnings.warn(
    "vertex_openai.multimodal is deprecated; import the same names from vertex_openai.gemini",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = [
    "DEFAULT_MAX_REQUEST_BYTES",
    "RequestTooLargeError",
    "audio_part",
    "detect_mime_type",
    "file_part",
    "function_response_part",
    "image_part",
    "limit_request_size",
    "pdf_part",
    "text_part",
    "to_data_url",
    "video_part",
]
