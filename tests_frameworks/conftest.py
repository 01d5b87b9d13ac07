"""Framework flows against the shipped FakeVertex: the docs pages' own wiring, and nothing leaves loopback.

Run by `make frameworks` in venvs of their own (one per framework group and openai major); `make test` does
not collect this directory (its testpaths is `tests`).
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
import pytest

import vertex_openai
from vertex_openai.testing import FakeVertex

DOCS = Path(__file__).resolve().parent.parent / "docs" / "frameworks"
MODEL = "gemini-2.5-flash"


# -- nothing leaves loopback -----------------------------------------------------------------------------------------
attempts: list[str] = []


def _loopback(host: Any) -> bool:
    if host is None:
        return True
    host = host.decode() if isinstance(host, bytes) else str(host)
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _refuse(what: str) -> None:
    attempts.append(what)
    raise OSError(f"network access outside loopback refused in framework tests: {what}")


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _connect(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        _refuse(f"connect {address!r}")
    return _real_connect(self, address)


def _connect_ex(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        _refuse(f"connect {address!r}")
    return _real_connect_ex(self, address)


def _getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if not _loopback(host):
        _refuse(f"resolve {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    socket.socket.connect = _connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _getaddrinfo
    # Frameworks read these at import or first use: make sure none points anywhere real.
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        os.environ.pop(name, None)
    os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"
    os.environ.setdefault("LANGSMITH_TRACING", "false")


@pytest.fixture(autouse=True)
def _no_network_left_loopback() -> Iterator[None]:
    start = len(attempts)
    yield
    assert attempts[start:] == [], "a framework tried to reach the network"


# -- the fake and the docs pages' wiring ------------------------------------------------------------------------------
@pytest.fixture
def fake() -> Iterator[FakeVertex]:
    """Gemini's schema rejections on; forced tools and json_schema answered with schema instances."""
    with FakeVertex(strict_schemas=True, tool_replies="forced") as server:
        yield server


@pytest.fixture
def loop_fake() -> Iterator[FakeVertex]:
    """As `fake`, and every offered tool is called once before a text answer (a tool loop)."""
    with FakeVertex(strict_schemas=True, tool_replies="loop") as server:
        yield server


_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def wiring(page: str, section: str | None = None) -> str:
    """The first python block of docs/frameworks/<page>.md (or of its `## <section>`): the lines that wire our
    client in."""
    text = (DOCS / f"{page}.md").read_text(encoding="utf-8")
    if section is not None:
        heading = f"\n## {section}\n"
        assert heading in text, f"docs/frameworks/{page}.md has no section {section!r}"
        text = text.split(heading, 1)[1]
    match = _BLOCK.search(text)
    assert match, f"docs/frameworks/{page}.md has no python block" + (f" in {section!r}" if section else "")
    return match.group(1)


def wired(page: str, fake: FakeVertex, monkeypatch: pytest.MonkeyPatch, section: str | None = None) -> dict[str, Any]:
    """Run the page's wiring (or its section's) as written; only the client factories are pointed at the fake."""
    real_sync, real_async = vertex_openai.vertex_openai_client, vertex_openai.async_vertex_openai_client

    def to_fake(factory: Any) -> Any:
        def make(*args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("base_url", fake.base_url)
            kwargs.setdefault("credentials", fake.credentials())
            return factory(*args or ("fake-project",), **kwargs)
        return make

    monkeypatch.setattr(vertex_openai, "vertex_openai_client", to_fake(real_sync))
    monkeypatch.setattr(vertex_openai, "async_vertex_openai_client", to_fake(real_async))
    namespace: dict[str, Any] = {"__name__": f"docs_{page}"}
    exec(compile(wiring(page, section), f"docs/frameworks/{page}.md", "exec"), namespace)
    return namespace


# -- the models every framework is asked for --------------------------------------------------------------------------
class Address(pydantic.BaseModel):
    street: str
    city: str


class Card(pydantic.BaseModel):
    kind: Literal["card"]
    last4: str


class Transfer(pydantic.BaseModel):
    kind: Literal["transfer"]
    iban: str


class Order(pydantic.BaseModel):
    """An order: a nested model and a tagged union (pydantic's schema has `const` tags and `oneOf`)."""

    customer: str
    address: Address
    payment: Annotated[Card | Transfer, pydantic.Field(discriminator="kind")]
    items: list[str]


def weather(city: str) -> str:
    """Current weather for a city."""
    return f"sunny in {city}"


def tool_names(fake: FakeVertex) -> list[list[str]]:
    """The tool calls each request's history carried, as sent: what the tool loop did on the wire."""
    return [[c["function"]["name"] for m in r.json["messages"] for c in m.get("tool_calls") or []]
            for r in fake.chat_requests]
