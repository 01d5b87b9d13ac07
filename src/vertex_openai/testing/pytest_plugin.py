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
- `vertex_fake`: with `--vertex-fake`, the session's loopback `FakeVertex` (script it with `reply_next`, `play`,
  `responder` before the request); None without the option.

Recording: `pytest --record-mode=once` records against Vertex AI with your ADC; add `--vertex-fake` to record
against the loopback fake instead, with no Google account (the clients, and any `vertex_openai_client()` your
code builds, are pointed at it through fake mode). Every response a cassette records is stamped in the header
`x-vertex-openai-provenance` from where its request went: `constructed: ...` for a loopback fake, `recorded:
Vertex AI, <date>` for a Google host; answers loaded from the file keep their label, or stay without one.
"""

from __future__ import annotations

import secrets
from collections.abc import Generator, Iterator
from importlib.util import find_spec
from typing import Any

import pytest

ENABLED = find_spec("vcr") is not None and find_spec("pytest_recording") is not None
VERTEX_FIXTURES = frozenset(
    {"vertex_cassette", "vertex_replaying", "vertex_credentials", "vertex_client", "vertex_async_client",
     "vertex_fake"}
)
FAKE_OPTION = "--vertex-fake"
RECORD_HINT = (
    "To record it with vertex-openai's plugin: delete the cassette file (or use --record-mode=rewrite) and run "
    "`pytest --record-mode=once {nodeid}`; that records against Vertex AI with your Application Default "
    f"Credentials, or, with {FAKE_OPTION}, against the loopback fake with no Google account. Then read the "
    "YAML before committing it."
)
RECORD_WITHOUT_CREDENTIALS = (
    "Recording against Vertex AI needs Google credentials. With no Google account, record against the loopback "
    f"fake instead: `pytest {FAKE_OPTION} --record-mode=once {{nodeid}}`."
)
_session_fake: list[Any] = []
_current_item: list[pytest.Item] = []
_CALL_FAILED = pytest.StashKey[bool]() if hasattr(pytest, "StashKey") else None
_SCRUBBER = pytest.StashKey[Any]() if hasattr(pytest, "StashKey") else None


def _uses_vertex(item: pytest.Item) -> bool:
    return bool(VERTEX_FIXTURES.intersection(getattr(item, "fixturenames", ())))


if ENABLED:

    def pytest_addoption(parser: pytest.Parser) -> None:
        group = parser.getgroup("vertex-openai")
        group.addoption(
            FAKE_OPTION, action="store_true", default=False,
            help="record vertex_* cassettes against a loopback fake Vertex instead of Vertex AI (no Google "
            "account needed); the recorded answers are stamped as constructed",
        )

    def pytest_unconfigure(config: pytest.Config) -> None:
        while _session_fake:
            _session_fake.pop().stop()

    def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
        for item in items:
            if _uses_vertex(item) and item.get_closest_marker("vcr") is None:
                item.add_marker(pytest.mark.vcr)

    @pytest.hookimpl(tryfirst=True, hookwrapper=True)
    def pytest_runtest_setup(item: pytest.Item) -> Generator[None, Any, None]:
        _current_item[:] = [item]
        outcome = yield
        _offer_the_fake(item, outcome)

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
        if _offer_the_fake(item, outcome):
            return
        from ._vcr import describe_mismatch

        message = describe_mismatch(excinfo[1])
        if message is not None:
            # vcrpy's "How to fix" speaks of record_mode arguments; say what to run with this plugin.
            failure = AssertionError(f"{message}\n\n{RECORD_HINT.format(nodeid=item.nodeid)}")
            failure.__cause__ = excinfo[1]
            outcome.force_exception(failure)

    def _offer_the_fake(item: pytest.Item, outcome: Any) -> bool:
        """Recording without credentials (and without --vertex-fake): add the one line that says how to go on."""
        excinfo = outcome.excinfo
        if excinfo is None or not _uses_vertex(item) or item.config.getoption(FAKE_OPTION, False):
            return False
        if str(item.config.getoption("--record-mode", "none") or "none") == "none":
            return False
        from .._exceptions import VertexAuthError

        seen: set[int] = set()
        current: BaseException | None = excinfo[1]
        while current is not None and id(current) not in seen and not isinstance(current, VertexAuthError):
            seen.add(id(current))
            current = current.__cause__ or current.__context__
        if not isinstance(current, VertexAuthError):
            return False
        failure = VertexAuthError(
            f"{current}\n\n{RECORD_WITHOUT_CREDENTIALS.format(nodeid=item.nodeid)}")
        failure.__cause__ = excinfo[1]
        outcome.force_exception(failure)
        return True

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
            scrubber.finish(vcr)  # before pytest-recording saves the cassette
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
    def vertex_fake(request: pytest.FixtureRequest) -> Any:
        """The session's loopback FakeVertex under --vertex-fake (scripts reset per test), else None."""
        if not request.config.getoption(FAKE_OPTION, False):
            return None
        if not _session_fake:
            from ._fake_server import FakeVertex

            _session_fake.append(FakeVertex().start())
        fake = _session_fake[0]
        fake.reset()
        fake.responder = None
        return fake

    @pytest.fixture
    def vertex_credentials(
        vertex_replaying: bool, vertex_fake: Any, monkeypatch: pytest.MonkeyPatch
    ) -> Any:
        """Fresh fake credentials per test while replaying; while recording, None (real ADC), or under
        --vertex-fake credentials the fake accepts, with fake mode set so clients your code builds go there."""
        import google.auth

        if not vertex_replaying:
            if vertex_fake is None:
                return None
            from .._fake_mode import FAKE_BASE_URL_ENV, FAKE_TOKEN_ENV

            token = f"vertex-fake-record-{secrets.token_urlsafe(12)}"
            vertex_fake.accept_token(token)
            monkeypatch.setenv(FAKE_BASE_URL_ENV, vertex_fake.base_url)
            monkeypatch.setenv(FAKE_TOKEN_ENV, token)
            credentials = vertex_fake.credentials()
            monkeypatch.setattr(google.auth, "default", lambda *a, **k: (credentials, vertex_fake.project))
            return credentials

        from ._vcr import PROJECT_PLACEHOLDER, replay_credentials

        credentials = replay_credentials()
        monkeypatch.setattr(google.auth, "default", lambda *a, **k: (credentials, PROJECT_PLACEHOLDER))
        return credentials

    @pytest.fixture
    def vertex_client(vertex_credentials: Any) -> Iterator[Any]:
        """`vertex_openai_client()` for this test's cassette (project, location from the environment/ADC)."""
        from .._client import vertex_openai_client

        client = vertex_openai_client(credentials=vertex_credentials, max_retries=0, **_fake_target())
        yield client
        client.close()

    @pytest.fixture
    def vertex_async_client(vertex_credentials: Any) -> Any:
        """`async_vertex_openai_client()` for this test's cassette; use it inside one `asyncio.run`."""
        from .._client import async_vertex_openai_client

        return async_vertex_openai_client(credentials=vertex_credentials, max_retries=0, **_fake_target())

    def _fake_target() -> dict[str, Any]:
        """base_url of the fake while recording under --vertex-fake (fake mode is set then), else nothing."""
        from .._fake_mode import fake_mode_from_env

        item = _current_item[0] if _current_item else None
        if item is None or not item.config.getoption(FAKE_OPTION, False):
            return {}
        mode = fake_mode_from_env()
        return {"base_url": mode.base_url} if mode is not None else {}
