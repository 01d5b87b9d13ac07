"""The openai releases this version of vertex-openai was tested with, and `doctor`'s line about the installed one.

`TESTED_OPENAI` is the one place that states the tested range per openai major; the Makefile's pinned matrix, the
compatibility section of the docs and `doctor` agree with it (`tests/test_compatibility.py` keeps them in step).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._output import Check

__all__ = ["TESTED_OPENAI", "openai_check", "parse_release"]

# openai major -> (oldest, newest) release the whole offline suite ran on for this version of vertex-openai.
TESTED_OPENAI: dict[int, tuple[str, str]] = {
    1: ("1.92.0", "1.109.1"),
    2: ("2.54.0", "2.54.0"),
    3: ("3.57.0", "3.63.0"),
}


def parse_release(text: str) -> tuple[int, ...] | None:
    """`"3.63.0"` -> `(3, 63, 0)`; None for anything that is not plain dotted numbers (a pre-release, a local build)."""
    parts = text.split(".")
    if not parts or not all(part.isdigit() for part in parts):
        return None
    return tuple(int(part) for part in parts)


def _installed(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def openai_check() -> Check:
    """One `doctor` line: the installed openai (and the HTTP library it sends with) against the tested range."""
    installed = _installed("openai") or "missing"
    http = ", ".join(f"{name} {v}" for name in ("httpx", "httpx2") if (v := _installed(name)))
    name = f"openai {installed}"
    release = parse_release(installed)
    pin = "pin a tested release, e.g. pip install 'openai=={newest}'"
    if release is None:
        return Check("warn", name, f"not a plain release number, so not known to be tested ({http})",
                     pin.format(newest=TESTED_OPENAI[max(TESTED_OPENAI)][1]))
    tested = TESTED_OPENAI.get(release[0])
    if tested is None:
        majors = ", ".join(f"{major}.x" for major in sorted(TESTED_OPENAI))
        return Check("warn", name, f"openai {release[0]}.x is not supported; tested majors: {majors} ({http})",
                     pin.format(newest=TESTED_OPENAI[max(TESTED_OPENAI)][1]))
    oldest, newest = tested
    span = oldest if oldest == newest else f"{oldest} to {newest}"
    newest_release = parse_release(newest) or ()
    if release > newest_release:
        return Check("warn", name, f"newer than the newest tested {release[0]}.x release ({span}); it usually works, "
                     f"as openai keeps its public API, but this library also relies on some of its internals ({http})",
                     f"if something breaks, {pin.format(newest=newest)}, and report the release")
    if release < (parse_release(oldest) or ()):
        return Check("warn", name, f"older than the oldest tested {release[0]}.x release ({span}) ({http})",
                     f"pip install -U 'openai>={oldest}'")
    return Check("ok", name, f"in the tested range for openai {release[0]}.x ({span}); {http}")
