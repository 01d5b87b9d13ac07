"""Gemini thought signatures carried through Responses items.

Gemini 3 answers 400 when a follow-up request drops the `thought_signature` of a function call it made.
Chat Completions keeps it in `extra_content` on the tool call (or the message); Responses items have no
such field, so the bridge puts the `extra_content` of the items it signs into a reasoning item's
`encrypted_content` (an opaque string the SDK and frameworks pass back unchanged), keyed by the call id
or message id, and restores it when the items come back as input.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["PREFIX", "decode_carrier", "encode_carrier"]

PREFIX = "vertex-openai.extra-content.v1:"


def encode_carrier(extras: Mapping[str, Any]) -> str:
    """`{item key: extra_content}` as an opaque string (a prefix and url-safe base64 JSON)."""
    raw = json.dumps(dict(extras), separators=(",", ":"), sort_keys=True).encode()
    return PREFIX + base64.urlsafe_b64encode(raw).decode("ascii")


def decode_carrier(value: Any) -> dict[str, Any]:
    """The `{item key: extra_content}` in a string from `encode_carrier`; `{}` for anything else.

    Other providers' encrypted reasoning (or a damaged string) is ignored rather than failing the request.
    """
    if not isinstance(value, str) or not value.startswith(PREFIX):
        return {}
    try:
        data = json.loads(base64.urlsafe_b64decode(value[len(PREFIX):].encode("ascii")))
    except (ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, dict)}
