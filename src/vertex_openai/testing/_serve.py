"""`python -m vertex_openai.testing serve`: the loopback fake Vertex in the foreground, for the shell and other
processes. It prints the base URL and the token it accepts as two `export` lines; with those two variables set,
`vertex_openai_client()` and `vertex-openai chat` talk to it (fake mode) without any Google credentials."""

from __future__ import annotations

import argparse
import secrets
import signal
import sys
import time
from collections.abc import Sequence
from typing import TextIO

from .._fake_mode import FAKE_BASE_URL_ENV, FAKE_TOKEN_ENV
from ._fake_script import load_script
from ._fake_server import FakeVertex

__all__ = ["main"]

_TEN_YEARS = 10 * 365 * 24 * 3600.0


def _port(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r}: a port is 0 (any free port) to 65535")
    return number


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not 0 <= number < float("inf"):
        raise argparse.ArgumentTypeError(f"{value!r}: the latency is 0 seconds or more")
    return number


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m vertex_openai.testing",
        description="Run the loopback fake of Vertex AI's OpenAI-compatible endpoint that ships in vertex-openai.",
    )
    commands = parser.add_subparsers(dest="command", metavar="{serve}")
    serve = commands.add_parser(
        "serve", help="run the fake in the foreground until Ctrl-C",
        description="Run the fake on 127.0.0.1 until Ctrl-C. It answers chat completions in Google's wire style "
        "(by default it echoes 'You said: <prompt>'); --script plays scripted replies and faults first. It prints "
        "the base URL and a token as two export lines: set them and any vertex-openai client, and "
        "`vertex-openai chat --fake`, talk to it with no Google account.",
    )
    serve.add_argument("--port", type=_port, default=0, help="port on 127.0.0.1 (default: any free port)")
    serve.add_argument("--script", metavar="FILE",
                       help='JSON list of steps played in order: {"reply": {...}} or {"fault": {...}} '
                       "(see testing.html#the-script-file in the docs); then the default echo")
    serve.add_argument("--token", help="the token the fake accepts (default: a random one, printed)")
    serve.add_argument("--project", default="fake-project", help="project in the printed base URL")
    serve.add_argument("--location", default="global", help="location in the printed base URL")
    serve.add_argument("--latency", type=_seconds, default=0.0, metavar="SECONDS",
                       help="wait this long before every answer, like a slow model or network (default: 0)")
    return parser


def _announce(fake: FakeVertex, token: str, steps: int, out: TextIO) -> None:
    lines = [
        f"Fake Vertex AI listening on {fake.origin} (loopback only). Ctrl-C stops it.",
        f"Scripted steps queued: {steps}; after them it echoes the last user message." if steps else
        "It echoes the last user message ('You said: ...'); --script FILE queues scripted replies and faults.",
        "Google's embedding models (gemini-embedding-001, text-embedding-005, ...) get deterministic vectors.",
        *([f"Every answer waits {fake.latency:g}s first (--latency)."] if fake.latency else []),
        "",
        "Use it from any shell (fake mode: only this token is sent, Google credentials are never loaded):",
        f"export {FAKE_BASE_URL_ENV}={fake.base_url}",
        f"export {FAKE_TOKEN_ENV}={token}",
        'vertex-openai chat --fake "Hello"',
        "",
        "From Python, with those two variables set: vertex_openai_client() talks to the fake; or explicitly:",
        f'vertex_openai_client(base_url="{fake.base_url}", credentials=lambda: "{token}")',
    ]
    out.write("\n".join(lines) + "\n")
    out.flush()


def serve(argv: Sequence[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    args = _parser().parse_args(argv)
    if args.command != "serve":
        _parser().print_help(err)
        return 2
    try:
        steps = load_script(args.script) if args.script else []
    except ValueError as error:
        err.write(f"error: {error}\n")
        return 2
    token = args.token or f"fake-{secrets.token_urlsafe(18)}"
    if not token.isascii() or not token.isprintable() or " " in token:
        err.write("error: --token must be printable ASCII without spaces\n")
        return 2
    fake = FakeVertex(project=args.project, location=args.location, port=args.port, latency=args.latency)
    try:
        fake.start()
    except OSError as error:
        err.write(f"error: cannot listen on 127.0.0.1:{args.port} ({error.strerror or error}); "
                  "pick another --port, or 0 for any free port\n")
        return 1
    fake.accept_token(token, lifetime=_TEN_YEARS)
    fake.play(*steps)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    _announce(fake, token, len(steps), out)
    seen = 0
    try:
        while True:
            time.sleep(0.1)
            for request in fake.requests[seen:]:
                try:
                    body = request.json
                except ValueError:
                    body = None
                model = body.get("model") if isinstance(body, dict) else None
                status = "" if request.token_valid else " (token refused: not the fake's token)"
                err.write(f"{request.method} {request.path}{f' model={model}' if model else ''}{status}\n")
                err.flush()
            seen = len(fake.requests)
    except KeyboardInterrupt:
        return 0
    finally:
        fake.stop()


def main() -> int:
    return serve(sys.argv[1:])
