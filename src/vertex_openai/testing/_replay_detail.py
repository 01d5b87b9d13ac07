"""What a replay failure says about the request, built by the kit itself from vcrpy's exception attributes.

vcrpy 9 words its `CannotOverwriteExistingCassetteException` with the request, the cassette and the closest
recorded requests; vcrpy before 9 say "Can't overwrite existing cassette" with the request's repr only and, for a
body difference, no detail. The exception carries `cassette` and `failed_request` in every supported vcrpy,
so the kit describes the request, the cassette and how the closest recorded request differs itself.
"""

from __future__ import annotations

import copy
import json
from typing import Any

__all__ = ["describe_replay_failure", "vcrpy_details_it"]

_PREVIEW = 300
_MAX_DIFFERENCES = 5
_MAX_CLOSEST = 3


def vcrpy_details_it(error: BaseException) -> bool:
    """True when vcrpy's own message already shows the request and the closest recorded ones (vcrpy >= 9)."""
    return hasattr(error, "similar_requests") and str(error).startswith("Can't play back this request")


def _text(body: Any) -> str:
    if body is None:
        return ""
    if isinstance(body, (bytes, bytearray, memoryview)):
        try:
            return bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(body)} bytes of binary data>"
    return str(body)


def _preview(text: str) -> str:
    return text if len(text) <= _PREVIEW else f"{text[:_PREVIEW]}… ({len(text)} characters)"


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _differences(recorded: Any, sent: Any, where: str = "") -> list[str]:
    """Where two JSON values differ, as `path: recorded ... / sent ...` lines, shallowest first."""
    if isinstance(recorded, dict) and isinstance(sent, dict):
        lines: list[str] = []
        for key in [*recorded, *(k for k in sent if k not in recorded)]:
            at = f"{where}.{key}" if where else str(key)
            if key not in sent:
                lines.append(f"{at}: recorded {_preview(json.dumps(recorded[key]))}, not sent")
            elif key not in recorded:
                lines.append(f"{at}: sent {_preview(json.dumps(sent[key]))}, not recorded")
            else:
                lines += _differences(recorded[key], sent[key], at)
        return lines
    if isinstance(recorded, list) and isinstance(sent, list) and len(recorded) == len(sent):
        return [line for index, (a, b) in enumerate(zip(recorded, sent, strict=True))
                for line in _differences(a, b, f"{where}[{index}]")]
    if recorded == sent:
        return []
    return [f"{where or 'body'}: recorded {_preview(json.dumps(recorded))}, sent {_preview(json.dumps(sent))}"]


def _shown(cassette: Any, request: Any) -> Any:
    """The request as the cassette compares it (scrubbed by its hooks), or None when a hook refuses it."""
    hook = getattr(cassette, "_before_record_request", None)
    if hook is None:
        return None
    try:
        return hook(copy.deepcopy(request))
    except Exception:  # a hook that refuses the request (token traffic while replaying): show nothing of it
        return None


def describe_replay_failure(error: BaseException) -> str:
    """The request, the cassette and how the closest recorded requests differ, from vcrpy's exception."""
    cassette: Any = getattr(error, "cassette", None)
    failed = getattr(error, "failed_request", None)
    path = getattr(cassette, "_path", "?")
    lines = [f"Can't play back this request from cassette {path}:"]
    request = _shown(cassette, failed) if failed is not None else None
    if request is None:
        lines.append(f"  {getattr(failed, 'method', '?')} (a request the cassette's hooks do not record)")
        return "\n".join(lines)
    sent = _text(request.body)
    lines.append(f"  {request.method} {request.uri}")
    if sent:
        lines.append(f"  body: {_preview(sent)}")
    try:
        closest = list(cassette.find_requests_with_most_matches(failed))
    except Exception:  # vcrpy's own comparison failing must not hide the replay failure
        closest = []
    played = len(getattr(cassette, "play_counts", ()) or ())
    lines.append(f"Cassette: {path} ({len(cassette)} recorded, {played} played)")
    if not closest:
        lines.append("The cassette has nothing similar to it.")
    elif not closest[0][2]:
        lines.append("It matches a recorded interaction that has already been played back.")
    else:
        lines.append("Closest recorded requests:")
        for number, (recorded, _succeeded, failed_matchers) in enumerate(closest[:_MAX_CLOSEST], start=1):
            names = ", ".join(str(name) for name, _message in failed_matchers)
            lines.append(f"  {number}. {recorded.method} {recorded.uri} (differs in {names})")
            if "body" in names:
                lines += [f"     {line}" for line in _body_difference(_text(recorded.body), sent)]
    lines += [
        "How to fix:",
        "  * If the request changed on purpose, record the cassette again.",
        "  * If the difference changes on every run, make matching ignore it (match_on, before_record_request).",
    ]
    return "\n".join(lines)


def _body_difference(recorded: str, sent: str) -> list[str]:
    mine, theirs = _json(sent), _json(recorded)
    if mine is not None and theirs is not None:
        differences = _differences(theirs, mine)
        if differences:
            shown = differences[:_MAX_DIFFERENCES]
            more = len(differences) - len(shown)
            return shown + ([f"…and {more} more differences"] if more else [])
    return [f"recorded body: {_preview(recorded)}"]
