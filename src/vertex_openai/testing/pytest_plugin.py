"""pytest plugin for vertex-openai cassettes (registered via the `pytest11` entry point).

Inert unless vcrpy and pytest-recording are installed (`pip install 'vertex-openai[testing]'`): then it
adds `vertex_*` fixtures. A test that uses one is marked `vcr` automatically, and its cassette gets the
settings of `vertex_openai.testing.vcr_config()` as defaults; your own `vcr_config` fixture and markers
still win key by key, and `--record-mode` keeps working as pytest-recording documents it.

- `vertex_cassette`: the test's vcrpy cassette; fails the test if a replayed cassette was not fully used.
- `vertex_replaying`: True when requests are answered from the cassette (record mode `none`, or `once`
  with an existing file), False when recording.
- `vertex_credentials`: fresh fake credentials while replaying (and `google.auth.default` patched to
  return them, so code that builds its own client needs no ADC); None while recording, so real ADC is used.
- `vertex_client` / `vertex_async_client`: a client built with those credentials and `max_retries=0`.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from importlib.util import find_spec
from typing import Any

import pytest

ENABLED = find_spec("vcr") is not None and find_spec("pytest_recording") is not None
VERTEX_FIXTURES = frozenset(
    {"vertex_cassette", "vertex_replaying", "vertex_credentials", "vertex_client", "vertex_async_client"}
)
_current_item: list[pytest.Item] = []
_CALL_FAILED = pytest.StashKey[bool]() if hasattr(pytest, "StashKey") else None
_SCRUBBER = pytest.StashKey[Any]() if hasattr(pytest, "StashKey") else None


def _uses_vertex(item: pytest.Item) -> bool:
    return bool(VERTEX_FIXTURES.intersection(getattr(item, "fixturenames", ())))


if ENABLED:

    def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
        for item in items:
            if _uses_vertex(item) and item.get_closest_marker("vcr") is None:
                item.add_marker(pytest.mark.vcr)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(item: pytest.Item) -> None:
        _current_item[:] = [item]

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_teardown(item: pytest.Item) -> None:
        _current_item.clear()

    @pytest.hookimpl(optionalhook=True)
    def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
        """Give a vertex test's cassette our settings as defaults (the VCR object is per cassette)."""
        if not (_current_item and _uses_vertex(_current_item[0])):
            return
        from ._vcr import scrubber_of, vcr_config

        settings = vcr_config()
        for key, value in settings.items():
            setattr(vcr, key, value)
        if _SCRUBBER is not None:
            _current_item[0].stash[_SCRUBBER] = scrubber_of(settings)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, None]:
        """Turn vcrpy's mismatch error (which the SDK may wrap as a connection error) into a clear failure."""
        outcome = yield
        excinfo = outcome.excinfo
        if _CALL_FAILED is not None:
            item.stash[_CALL_FAILED] = excinfo is not None
        if excinfo is None or not _uses_vertex(item):
            return
        from ._vcr import describe_mismatch

        message = describe_mismatch(excinfo[1])
        if message is not None and type(excinfo[1]).__name__ != "CannotOverwriteExistingCassetteException":
            failure = AssertionError(message)
            failure.__cause__ = excinfo[1]
            outcome.force_exception(failure)

    @pytest.fixture
    def vertex_cassette(vcr: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
        """The test's cassette (None under --disable-recording); unplayed interactions fail the test.

        While it replays, a request it cannot answer fails, token traffic included: nothing reaches the network.
        """
        scrubber = request.node.stash.get(_SCRUBBER, None) if _SCRUBBER is not None else None
        if scrubber is not None and vcr is not None:
            scrubber.bind(vcr)
        yield vcr
        if scrubber is not None:
            scrubber.bind(None)
        failed = request.node.stash.get(_CALL_FAILED, True) if _CALL_FAILED is not None else True
        if vcr is not None and not failed and getattr(vcr, "write_protected", False):
            from ._vcr import assert_all_played

            assert_all_played(vcr)

    @pytest.fixture
    def vertex_replaying(vertex_cassette: Any) -> bool:
        """True when answers come from the cassette, False when requests go out (and get recorded)."""
        return vertex_cassette is not None and bool(vertex_cassette.write_protected)

    @pytest.fixture
    def vertex_credentials(vertex_replaying: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
        """Fresh fake credentials per test while replaying; None (real ADC) while recording."""
        if not vertex_replaying:
            return None
        import google.auth

        from ._vcr import PROJECT_PLACEHOLDER, replay_credentials

        credentials = replay_credentials()
        monkeypatch.setattr(google.auth, "default", lambda *a, **k: (credentials, PROJECT_PLACEHOLDER))
        return credentials

    @pytest.fixture
    def vertex_client(vertex_credentials: Any) -> Iterator[Any]:
        """`vertex_openai_client()` for this test's cassette (project, location from the environment/ADC)."""
        from .._client import vertex_openai_client

        client = vertex_openai_client(credentials=vertex_credentials, max_retries=0)
        yield client
        client.close()

    @pytest.fixture
    def vertex_async_client(vertex_credentials: Any) -> Any:
        """`async_vertex_openai_client()` for this test's cassette; use it inside one `asyncio.run`."""
        from .._client import async_vertex_openai_client

        return async_vertex_openai_client(credentials=vertex_credentials, max_retries=0)
