"""Masking of secrets in text that may reach a user, a terminal or a log."""

from __future__ import annotations

import re

__all__ = ["redact"]

_TOKENISH = re.compile(r"(ya29\.|Bearer\s+)[A-Za-z0-9._~+/=-]+")


def redact(text: str) -> str:
    """Hide anything that looks like an OAuth token in text that may reach a user or a log."""
    return _TOKENISH.sub(lambda m: m.group(1) + "<redacted>", text)
