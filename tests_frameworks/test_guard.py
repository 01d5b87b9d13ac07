"""The loopback guard itself: a connect or a name lookup outside loopback is refused and recorded."""

from __future__ import annotations

import socket

import pytest

import conftest


def test_non_loopback_connect_and_lookup_are_refused() -> None:
    before = len(conftest.attempts)
    with pytest.raises(OSError, match="outside loopback"):
        socket.create_connection(("192.0.2.1", 443), timeout=0.1)
    with pytest.raises(OSError, match="outside loopback"):
        socket.getaddrinfo("aiplatform.googleapis.com", 443)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(OSError, match="outside loopback"):
            sock.connect(("192.0.2.1", 443))
    finally:
        sock.close()
    assert len(conftest.attempts) == before + 3
    del conftest.attempts[before:]  # expected here; any other test's attempt fails it


def test_loopback_is_allowed(fake: conftest.FakeVertex) -> None:
    with socket.create_connection(("127.0.0.1", fake.port), timeout=1):
        pass
