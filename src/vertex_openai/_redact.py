"""Masking of secrets in text that may reach a user, a terminal or a log.

`redact` is for text we did not write (a server's error body, a credential loader's message) on its way
into an error message, exception text, `doctor` output or a `-v` log line. It is never applied to a
model's answer or to response objects. What it masks:

- OAuth access tokens (`ya29.…`) and anything after `Bearer `;
- PEM blocks (`-----BEGIN … KEY-----` … `-----END …-----`, or to the end of the text when cut short);
- JWTs (three base64url parts, the first starting `eyJ`, as in a signed token assertion);
- long base64 or hex runs that look random (key material, signatures, raw tokens).

Short words, ids, e-mail addresses, URLs and paths are left alone.
"""

from __future__ import annotations

import re

__all__ = ["MASK", "redact"]

MASK = "<redacted>"

_TOKENISH = re.compile(r"(ya29\.|Bearer\s+)[A-Za-z0-9._~+/=-]+")
_PEM = re.compile(r"-----BEGIN [A-Z0-9 ]{1,60}-----.*?(?:-----END [A-Z0-9 ]{1,60}-----|\Z)", re.S)
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_RUN = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{32,}={0,2}")
_HEX = re.compile(r"[0-9a-fA-F]{32,}")
_MIXED_SEGMENT = 20


def _random_looking(run: str) -> bool:
    """A hex run of 32+ characters, or a run with a long piece that mixes digits, upper and lower case."""
    if _HEX.fullmatch(run.rstrip("=")):
        return True
    for piece in run.split("/"):
        if (len(piece) >= _MIXED_SEGMENT and any(c.isdigit() for c in piece)
                and any(c.isupper() for c in piece) and any(c.islower() for c in piece)):
            return True
    return False


def _mask_run(match: re.Match[str]) -> str:
    run = match.group(0)
    return MASK if _random_looking(run) else run


def redact(text: str) -> str:
    """`text` with tokens, keys, JWTs and random-looking base64/hex runs replaced by `<redacted>`."""
    text = _PEM.sub(MASK, text)
    text = _JWT.sub(MASK, text)
    text = _TOKENISH.sub(lambda m: m.group(1) + MASK, text)
    return _RUN.sub(_mask_run, text)
