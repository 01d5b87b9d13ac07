"""Terminal output for the `vertex-openai` command: colour and marks on a terminal, plain text when piped.

Colour follows the usual conventions: only on a TTY, never with NO_COLOR set or TERM=dumb, always with
FORCE_COLOR set. The ✓ ✗ ! marks fall back to ASCII when the stream cannot encode them.

Text we did not write (a server's error message, a credentials loader's message, a file path, a thought
summary) goes through `clean` before it reaches a terminal: terminal escape sequences and other control
characters are removed, colour or not. The model's answer on stdout is written verbatim.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Literal, TextIO

__all__ = ["Check", "Status", "Style", "clean", "render_check"]

Status = Literal["ok", "fail", "warn", "skip"]

_MARKS: dict[str, tuple[str, str, str]] = {
    # status: (unicode mark, ascii mark, ANSI colour)
    "ok": ("✓", "[ok]", "32"),
    "fail": ("✗", "[FAIL]", "31"),
    "warn": ("!", "[!]", "33"),
    "skip": ("-", "[-]", "2"),
}


# Whole escape sequences first (CSI "ESC [ ... final", OSC "ESC ] ... BEL/ST", two-character ESC x), then
# any other C0 control but newline and tab, DEL, and C1 controls (U+0080-U+009F, including 8-bit CSI).
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?|\x9b[0-?]*[ -/]*[@-~]?"
    r"|\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?|\x1b[ -~]?"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """`text` without terminal escape sequences or control characters (newline and tab are kept)."""
    if text.isprintable():
        return text
    return _CONTROLS.sub("", _ESCAPES.sub("", text.replace("\r\n", "\n")))


def _wants_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _can_encode(stream: TextIO, text: str) -> bool:
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


class Style:
    """How to decorate text for one stream (stdout and stderr may differ: one piped, one a terminal)."""

    def __init__(self, stream: TextIO, *, colour: bool | None = None) -> None:
        self.stream = stream
        self.colour = _wants_colour(stream) if colour is None else colour
        self.unicode = _can_encode(stream, "✓✗→")

    def paint(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour and text else text

    def dim(self, text: str) -> str:
        return self.paint(text, "2")

    def bold(self, text: str) -> str:
        return self.paint(text, "1")

    def mark(self, status: Status) -> str:
        unicode_mark, ascii_mark, code = _MARKS[status]
        return self.paint(unicode_mark if self.unicode else ascii_mark, code)

    @property
    def arrow(self) -> str:
        return "→" if self.unicode else "->"

    def write(self, text: str = "", *, end: str = "\n") -> None:
        self.stream.write(text + end)
        self.stream.flush()


@dataclass
class Check:
    """One line of `doctor` output: what was checked, what was found, and how to fix it if it failed."""

    status: Status
    name: str
    detail: str
    fix: str | None = None
    # One more line under the fix: another way forward (e.g. the offline route), not part of the fix itself.
    also: str | None = None

    @property
    def failed(self) -> bool:
        return self.status == "fail"


def render_check(style: Style, check: Check) -> None:
    """`✓ name: detail`, then an indented `→ fix: ...` line for anything not ok."""
    style.write(f"{style.mark(check.status)} {style.bold(clean(check.name))}: {clean(check.detail)}")
    if check.fix:
        style.write(f"    {style.arrow} fix: {clean(check.fix)}")
    if check.also:
        style.write(f"    {style.arrow} {clean(check.also)}")
