"""What every loopback fake shares: an HTTP server bound to 127.0.0.1, served on a daemon thread, stopped
cleanly, usable as a context manager."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, TypeVar

__all__ = ["LoopbackFake", "LoopbackServer"]

FakeT = TypeVar("FakeT", bound="LoopbackFake")


class LoopbackServer(ThreadingHTTPServer):
    # socketserver's default backlog of 5 drops simultaneous connects (the client retries a SYN after
    # 1 s), which would make a burst of 32 threads look slow for a reason that is not the client's.
    request_queue_size = 256
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (timeout, cancelled stream, Ctrl-C) is normal for a fake: no traceback for it."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class LoopbackFake:
    """Base of the shipped fakes. A subclass names its request `handler` class; each started fake serves with
    a subclass of it whose `fake` attribute is the fake itself."""

    handler: ClassVar[type[BaseHTTPRequestHandler]]
    thread_name: ClassVar[str] = "loopback-fake"
    requested_port: int = 0  # 0: any free port
    _server: LoopbackServer | None = None

    def start(self: FakeT) -> FakeT:
        handler: Any = type(self.handler.__name__, (self.handler,), {"fake": self})
        self._server = LoopbackServer(("127.0.0.1", self.requested_port), handler)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name=self.thread_name, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self: FakeT) -> FakeT:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the fake first"
        return int(self._server.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"
