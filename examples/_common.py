"""What every example shares: a client for Vertex AI when live, else one that replays the example's cassette.

Three ways to run an example:

- Replay (the default): the real client, with fake credentials, answered from
  `cassettes/examples/<example>.yaml`. A request the cassette does not hold, or an interaction the
  example no longer makes, stops the example with an error naming the cassette: what a feature sends
  is pinned, and a change to it re-records only that feature's file (`python cassettes/construct_examples.py`).
- `VERTEX_EXAMPLES_MODE=fake`: the loopback `vertex_openai.testing.FakeVertex` with the answers scripted
  in the example (`Reply`s); no cassette needed.
- Live: `VERTEX_LIVE=1 GOOGLE_CLOUD_PROJECT=my-project python examples/<name>.py` (Application Default
  Credentials; `GOOGLE_CLOUD_LOCATION` defaults to `global`, `VERTEX_MODEL` to `gemini-2.5-flash`).

Replay and fake print the request body the server received (`show_wire`); live, we can't see Google's side.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vertex_openai import OpenAI, vertex_openai_client
from vertex_openai.testing import FakeVertex, Reply

LIVE = os.environ.get("VERTEX_LIVE") == "1"
MODES = ("replay", "fake")
MODE = "live" if LIVE else os.environ.get("VERTEX_EXAMPLES_MODE", "replay")
# Offline the model is fixed: the cassettes hold requests for this one.
MODEL = os.environ.get("VERTEX_MODEL", "gemini-2.5-flash") if LIVE else "gemini-2.5-flash"
CASSETTES = Path(__file__).resolve().parent.parent / "cassettes" / "examples"

__all__ = ["CASSETTES", "LIVE", "MODE", "MODEL", "CassetteMismatch", "Example", "Reply", "example"]


class CassetteMismatch(RuntimeError):
    """The example sent a request its cassette does not hold (what the feature sends has changed)."""


@dataclass
class Example:
    client: OpenAI
    fake: FakeVertex | None = None
    cassette: Any = None

    def last_request_body(self) -> dict[str, Any] | None:
        """The JSON body the server received last (offline only)."""
        if self.fake is not None:
            return self.fake.chat_requests[-1].json if self.fake.chat_requests else None
        if self.cassette is not None and self.cassette.play_counts:
            # Played in order, so the highest played index is the last request; its recorded body
            # matched the one just sent (vcrpy compares the parsed JSON).
            body = self.cassette.requests[max(self.cassette.play_counts)].body
            return json.loads(body) if body else None
        return None

    def show_wire(self, *keys: str) -> None:
        """Print what the server received last (offline only: live, we can't see Google's side)."""
        body = self.last_request_body()
        if body is None:
            return
        shown = {key: body[key] for key in keys if key in body} if keys else body
        print("wire body:", json.dumps(shown, indent=2, ensure_ascii=False)[:1500])


def example_name() -> str:
    """The running example's name (its file stem), also under `runpy.run_path(..., run_name="__main__")`."""
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if not main_file:
        raise RuntimeError("cannot tell which example is running; pass example(..., cassette='<name>')")
    return Path(main_file).stem


@contextmanager
def example(*replies: Reply, endpoint: str = "openapi", location: str | None = None,
            cassette: str | None = None) -> Iterator[Example]:
    """A client for this example: live, replaying its cassette, or on the fake answering with `replies`."""
    if LIVE:
        yield Example(vertex_openai_client(location=location, endpoint=endpoint))
        return
    if MODE == "fake":
        with FakeVertex() as fake:
            fake.reply_next(*replies)
            client = vertex_openai_client(
                "fake-project", base_url=fake.url_for(endpoint=endpoint), credentials=fake.credentials(),
                endpoint=endpoint,
            )
            yield Example(client, fake)
        return
    if MODE != "replay":
        raise SystemExit(f"VERTEX_EXAMPLES_MODE={MODE!r} is not a mode: use one of {', '.join(MODES)} "
                         "(or VERTEX_LIVE=1 for Vertex AI itself)")
    with _replay(cassette or example_name(), endpoint, location) as ex:
        yield ex


@contextmanager
def _replay(name: str, endpoint: str, location: str | None) -> Iterator[Example]:
    from vertex_openai.testing import assert_all_played, replay_credentials, use_cassette
    from vertex_openai.testing._vcr import describe_mismatch

    path = CASSETTES / f"{name}.yaml"
    if not path.is_file():
        raise SystemExit(f"no cassette for example {name!r} at {path}: construct it with "
                         "`python cassettes/construct_examples.py`, or run with VERTEX_EXAMPLES_MODE=fake")
    # Any project, region and host replay the same file: matching is on method, scrubbed path and JSON body.
    rebuild = f"If the change is on purpose, rebuild the cassette: `python cassettes/construct_examples.py {name}`."
    client = vertex_openai_client("PROJECT_ID", location, endpoint=endpoint, credentials=replay_credentials(),
                                  max_retries=0)
    try:
        with use_cassette(path, allow_playback_repeats=False) as played:
            try:
                yield Example(client, cassette=played)
            except Exception as err:
                message = describe_mismatch(err)
                if message is None:
                    raise
                raise CassetteMismatch(f"{message}\n{rebuild}") from err
            try:
                assert_all_played(played)
            except AssertionError as err:
                raise CassetteMismatch(f"{err}\n{rebuild}") from None
    finally:
        client.close()
