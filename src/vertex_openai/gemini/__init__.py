"""Gemini's own features through the openai SDK: `extra_body.google` settings, `extra_content` (thought
signatures), embedding settings (task type, title, truncation), and content parts for
images, audio, video and PDFs from gs:// URIs, URLs, files or bytes."""

from __future__ import annotations

from ._embedding import EMBEDDING_TASK_TYPES, EmbeddingTaskType, embedding_extra_body
from ._extra_body import (
    DEPLOYED_MODEL,
    HarmBlockThreshold,
    HarmCategory,
    MediaResolution,
    SafetySetting,
    ThinkingConfig,
    ThinkingLevel,
    google_extra_body,
    merge_extra_body,
    safety_setting,
)
from ._extra_content import (
    assistant_tool_call,
    google_extra_content,
    text_message,
    thoughts,
    to_message_param,
    tool_message,
    with_extra_content,
)
from ._limits import (
    DEFAULT_MAX_REQUEST_BYTES,
    RequestTooLargeError,
)
from ._multimodal import (
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

__all__ = [
    "DEFAULT_MAX_REQUEST_BYTES",
    "DEPLOYED_MODEL",
    "EMBEDDING_TASK_TYPES",
    "EmbeddingTaskType",
    "HarmBlockThreshold",
    "HarmCategory",
    "MediaResolution",
    "RequestTooLargeError",
    "SafetySetting",
    "ThinkingConfig",
    "ThinkingLevel",
    "assistant_tool_call",
    "audio_part",
    "detect_mime_type",
    "embedding_extra_body",
    "file_part",
    "function_response_part",
    "google_extra_body",
    "google_extra_content",
    "image_part",
    "limit_request_size",
    "merge_extra_body",
    "pdf_part",
    "safety_setting",
    "text_message",
    "text_part",
    "thoughts",
    "to_data_url",
    "to_message_param",
    "tool_message",
    "video_part",
    "with_extra_content",
]
