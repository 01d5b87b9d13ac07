"""Argument types shared by the subcommands: each turns bad text into argparse's one-line usage error."""

from __future__ import annotations

import argparse

__all__ = ["positive_seconds", "whole_number"]


def whole_number(value: str) -> int:
    """A count of 1 or more (`--concurrency`, `--limit`, `--dimensions`, ...)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} must be 1 or more")
    return number


def positive_seconds(value: str) -> float:
    """A number of seconds above 0 (`--timeout`, `--poll-interval`)."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not number > 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be more than 0 seconds")
    return number
