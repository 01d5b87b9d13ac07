"""Gemini thought signatures carried through Responses items.

Gemini 3 answers 400 when a follow-up request drops the `thought_signature` of a function call it made.
Chat Completions keeps it in `extra_content` on the tool call (or the message); Responses items have no
such field, so the bridge puts the signature of the items it signs into a reasoning item's
`encrypted_content` (a string the SDK and frameworks pass back unchanged), keyed by the call id or message
id, and restores it when the items come back as input.

A carrier is not encrypted: it is a prefix and url-safe base64 JSON of `{key: {"google": {"thought_signature":
"…"}}}`, readable by anyone holding the items. Since it comes back from the caller, it is checked on the way
in: only that shape is accepted, so nothing else can be smuggled onto the wire through it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from ._errors import InvalidInputError

__all__ = ["PREFIX", "carrier_extra", "decode_carrier", "encode_carrier", "signature_only"]

PREFIX = "vertex-openai.extra-content.v1:"
_SHAPE = "{'google': {'thought_signature': '<non-empty string>'}}"


def signature_only(extra: Any) -> dict[str, Any] | None:
    """The thought-signature part of Google's `extra_content` (None when it carries no signature)."""
    google = extra.get("google") if isinstance(extra, Mapping) else None
    signature = google.get("thought_signature") if isinstance(google, Mapping) else None
    if not isinstance(signature, str) or not signature:
        return None
    return {"google": {"thought_signature": signature}}


def carrier_extra(value: Any, where: str) -> dict[str, Any]:
    """`value` if it is exactly a thought-signature `extra_content`; otherwise `InvalidInputError`."""
    google = value.get("google") if isinstance(value, Mapping) else None
    if not isinstance(google, Mapping) or set(value) != {"google"} or set(google) != {"thought_signature"} \
            or signature_only(value) is None:
        raise InvalidInputError(where, f"a Gemini thought signature, {_SHAPE}", value,
                                "Only the thought signature the bridge returned is taken back; pass the items "
                                "of a response back unchanged.")
    return {"google": {"thought_signature": google["thought_signature"]}}


def encode_carrier(extras: Mapping[str, Any]) -> str:
    """`{item key: extra_content}` as a carrier string (only the thought signatures are kept)."""
    kept = {key: signature_only(extra) for key, extra in extras.items()}
    raw = json.dumps({k: v for k, v in kept.items() if v is not None}, separators=(",", ":"), sort_keys=True)
    return PREFIX + base64.urlsafe_b64encode(raw.encode()).decode("ascii")


def decode_carrier(value: Any, where: str = "encrypted_content") -> dict[str, Any]:
    """The `{item key: extra_content}` in a carrier string; `{}` for anything that is not one.

    Other providers' encrypted reasoning (no carrier prefix) is ignored; a string with the prefix that does
    not decode, or holds anything but thought signatures, raises `InvalidInputError` naming `where`.
    """
    if not isinstance(value, str) or not value.startswith(PREFIX):
        return {}
    try:
        data = json.loads(base64.urlsafe_b64decode(value[len(PREFIX):].encode("ascii")))
    except (ValueError, UnicodeError):
        data = None
    if not isinstance(data, dict):
        raise InvalidInputError(where, "a carrier string exactly as a response returned it", "a damaged carrier",
                                "Pass the reasoning items of a response back unchanged.")
    return {str(key): carrier_extra(extra, f"{where}[{key!r}]") for key, extra in data.items()}
