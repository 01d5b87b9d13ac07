"""Bad input to every public function: a clear error raised by our code, never a traceback from deep inside the
SDK, httpx, os or pathlib."""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable
from typing import Any

import pytest

from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai import gemini as ex
from vertex_openai import gemini as mm
from vertex_openai import structured as st


def _token() -> str:
    return "t"


CASES: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    ("timeout-str", lambda: vertex_openai_client("p", credentials=_token, timeout="slow"), TypeError,
     "timeout must be a positive number"),
    ("max-retries-negative", lambda: vertex_openai_client("p", credentials=_token, max_retries=-1), ValueError,
     "max_retries must be a whole number"),
    ("headers-not-dict", lambda: vertex_openai_client("p", credentials=_token, default_headers=["x"]), TypeError,
     "default_headers must be a dict"),
    ("margin-negative", lambda: vertex_openai_client("p", credentials=_token, token_refresh_margin=-1), ValueError,
     "token_refresh_margin must be >= 0"),
    ("refresh-timeout-zero", lambda: async_vertex_openai_client("p", credentials=_token, token_refresh_timeout=0),
     ValueError, "token_refresh_timeout must be > 0"),
    ("location-int", lambda: vertex_openai_client("p", 5, credentials=_token), TypeError, "location must be a str"),
    ("endpoint-path", lambda: vertex_openai_client("p", endpoint="../x", credentials=_token), ValueError,
     "endpoint '../x' is not valid"),
    ("project-path", lambda: vertex_openai_client("a/../b", credentials=_token), ValueError, "contains '/'"),
    ("schema-adaptation", lambda: vertex_openai_client("p", credentials=_token, schema_adaptation="yes"),
     ValueError, "schema_adaptation must be one of"),
    ("with-options-timeout", lambda: vertex_openai_client("p", credentials=_token).with_options(timeout="x"),
     TypeError, "timeout must be"),
    ("thinking-typo", lambda: ex.google_extra_body(thinking_config={"include_thought": True}), ValueError,
     "did you mean 'include_thoughts'"),
    ("thinking-budget-type", lambda: ex.google_extra_body(thinking_config={"thinking_budget": "lots"}), TypeError,
     "thinking_budget"),
    ("safety-category", lambda: ex.google_extra_body(safety_settings=[{"category": "HATE", "threshold": "OFF"}]),
     ValueError, "HARM_CATEGORY_HATE_SPEECH"),
    ("safety-threshold", lambda: ex.google_extra_body(
        safety_settings=[{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "low"}]), ValueError, "threshold"),
    ("safety-str", lambda: ex.google_extra_body(safety_settings="BLOCK_NONE"), TypeError, "must be a list"),
    ("cached-content-int", lambda: ex.google_extra_body(cached_content=5), ValueError, "cachedContents"),
    ("tag-marker", lambda: ex.google_extra_body(thought_tag_marker="<think>"), ValueError, "tag name"),
    ("message-param-str", lambda: ex.to_message_param("hello"), TypeError, "takes a response message"),
    ("media-int", lambda: mm.image_part(12345), TypeError, "a media source must be"),
    ("media-empty", lambda: mm.image_part(""), ValueError, "is empty"),
    ("media-empty-bytes", lambda: mm.image_part(b""), ValueError, "are empty"),
    ("media-scheme", lambda: mm.audio_part("ftp://host/a.mp3"), ValueError, "unsupported URI scheme 'ftp'"),
    ("media-missing", lambda: mm.image_part("/nonexistent/photo.png"), FileNotFoundError, "does not exist"),
    ("media-non-utf8-name", lambda: mm.image_part(os.fsdecode(b"/nonexistent/caf\xe9.png")), FileNotFoundError,
     "does not exist"),
    ("media-unknown-bytes", lambda: mm.file_part(b"\x00\x01\x02garbage"), ValueError, "pass mime_type="),
    ("media-directory", lambda: mm.pdf_part("/tmp/"), (IsADirectoryError, ValueError), ""),  # type: ignore[list-item]
    ("schema-not-dict", lambda: st.adapt_schema("nope"), st.SchemaAdaptationError, "must be a JSON object"),
    ("schema-profile", lambda: st.adapt_schema({"type": "object"}, profile="xml"), ValueError, "profile must be"),
]


@pytest.mark.parametrize(("call", "error", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_clearly_by_our_code(call: Callable[[], Any], error: Any, fragment: str) -> None:
    with pytest.raises(error) as info:
        call()
    assert fragment in str(info.value)
    last = traceback.extract_tb(info.value.__traceback__)[-1].filename
    assert f"{os.sep}vertex_openai{os.sep}" in last, f"raised from {last}, not from vertex_openai"
