"""The loopback fake Vertex, served by a child process for latency and throughput benchmarks.

In the same process the fake's Python work would compete with the client under test for one GIL; on
a 2-core machine a child process gives each its own core. The child binds 127.0.0.1 only, skips token
checks (tokens are minted in the parent), keeps no request log, and exits when the parent closes its
stdin or after `max_seconds`, whichever comes first.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

MODEL = "google/gemini-2.5-flash"
MESSAGES = [{"role": "user", "content": "Say hello in five words."}]

_CHILD = """
import select, sys
from vertex_openai.testing import FakeVertex
with FakeVertex(require_auth=False, keep_requests=False) as fake:
    print(fake.base_url, flush=True)
    select.select([sys.stdin], [], [], {max_seconds})
"""


@contextmanager
def remote_fake(max_seconds: float = 600.0) -> Iterator[str]:
    """Yield the base_url of a FakeVertex in a child process; stop the child on exit."""
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD.format(max_seconds=float(max_seconds))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline().strip()
        if not line.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the fake Vertex child process did not start (said {line!r})")
        yield line
    finally:
        if child.stdin is not None:
            child.stdin.close()
        try:
            child.wait(5)
        except subprocess.TimeoutExpired:
            child.terminate()
            child.wait(5)
        if child.stdout is not None:
            child.stdout.close()
