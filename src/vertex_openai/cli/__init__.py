"""The `vertex-openai` command (`python -m vertex_openai`): `doctor`, `chat` and `demo`, one module each."""

from __future__ import annotations

from ._main import main

__all__ = ["main"]
