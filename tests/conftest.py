"""Shared fixtures: a loopback fake Vertex per test and credentials it accepts."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from vertex_openai.testing import FakeCredentials, FakeVertex


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("VERTEX_OPENAI_SOAK"):
        return
    skip = pytest.mark.skip(reason="soak test: run with `make soak`")
    for item in items:
        if "soak" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def fake() -> Iterator[FakeVertex]:
    with FakeVertex() as server:
        yield server


@pytest.fixture
def creds(fake: FakeVertex) -> FakeCredentials:
    return fake.credentials()


@pytest.fixture(autouse=True)
def _no_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests must not depend on the developer's OPENAI_* / Google environment."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_PROJECT_ID", "OPENAI_ORG_ID",
                 "OPENAI_CUSTOM_HEADERS", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION",
                 "VERTEX_OPENAI_FAKE_BASE_URL", "VERTEX_OPENAI_FAKE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
