"""`vertex-openai chat --fake`: where a fake-mode request goes, and the one line that says so.

With `VERTEX_OPENAI_FAKE_BASE_URL` and `VERTEX_OPENAI_FAKE_TOKEN` set (as `python -m vertex_openai.testing serve`
prints them), the command talks to that fake; with `--fake` and neither set, it starts a fake in this process for
the one request. An explicit `--base-url` without `--fake` is used as given, as the library does.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from .._fake_mode import FAKE_BASE_URL_ENV, FAKE_TOKEN_ENV, fake_mode_from_env

__all__ = ["FakeUsageError", "fake_target"]


class FakeUsageError(ValueError):
    """The fake-mode flags or variables do not fit together; the message says how to fix it."""


@contextlib.contextmanager
def fake_target(
    requested: bool, base_url: str | None, note: Callable[[str], None]
) -> Iterator[tuple[str | None, Any]]:
    """Yield the (base_url, credentials) a chat client should use; (base_url, None) outside fake mode."""
    if base_url is not None:
        if requested:
            raise FakeUsageError("--fake and --base-url do not go together: --fake picks the fake's URL itself")
        yield base_url, None
        return
    mode = fake_mode_from_env()
    if mode is not None:
        note(f"fake mode: talking to the loopback fake at {mode.base_url} ({FAKE_BASE_URL_ENV} and "
             f"{FAKE_TOKEN_ENV} are set); Google credentials are not loaded")
        yield mode.base_url, mode.token_provider()
        return
    if not requested:
        yield None, None
        return
    from ..testing import FakeVertex

    with FakeVertex() as fake:
        note(f"fake mode: started a loopback fake for this request at {fake.origin} (no {FAKE_BASE_URL_ENV} set; "
             "`python -m vertex_openai.testing serve` runs one that lasts)")
        yield fake.base_url, fake.credentials()
