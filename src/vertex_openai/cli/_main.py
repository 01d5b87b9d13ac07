"""The `vertex-openai` command: `doctor` explains a broken set-up, `chat` sends one request, `demo` runs offline.

Plain argparse (no extra dependency). Output is decorated only on a terminal; answers go to stdout and
diagnostics to stderr, so the command pipes cleanly.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from .. import __version__
from ._args import positive_seconds

__all__ = ["main"]

_DEFAULT_MODEL = "gemini-2.5-flash"

_EPILOG = """\
examples:
  vertex-openai doctor                       check credentials, project, location, token
  vertex-openai doctor --live                ... and send one tiny request to the model
  vertex-openai chat "Why is the sky blue?" --stream
  vertex-openai chat "Plan a party" --json-schema event.json
  vertex-openai extract tickets.jsonl --schema app.models:Ticket --prompt @prompt.txt --output out.jsonl
  vertex-openai embed chunks.jsonl --model gemini-embedding-001 --output vectors.jsonl
  vertex-openai demo                         offline walkthrough, no Google account needed
  vertex-openai doctor --fake                check the loopback fake instead of Google (fake mode)

  vertex-openai chat --fake "Hello"          one request to a loopback fake, no Google account needed

Environment: GOOGLE_CLOUD_PROJECT, GOOGLE_CLOUD_LOCATION (default: global), VERTEX_OPENAI_MODEL,
GOOGLE_APPLICATION_CREDENTIALS; VERTEX_OPENAI_FAKE_BASE_URL + VERTEX_OPENAI_FAKE_TOKEN (fake mode, both
printed by `python -m vertex_openai.testing serve`); NO_COLOR turns colours off.
"""


def _versions(prefix: str = "vertex-openai ") -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for name in ("openai", "google-auth"):
        try:
            parts.append(f"{name} {version(name)}")
        except PackageNotFoundError:  # pragma: no cover - both are dependencies
            parts.append(f"{name} missing")
    parts.append(f"Python {sys.version.split()[0]}")
    return f"{prefix}{__version__} ({', '.join(parts)})"


def _budget(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a whole number of tokens (e.g. 1024; 0 turns thinking off, -1 lets the model decide)"
        ) from None
    if number < -1:
        raise argparse.ArgumentTypeError(f"{value!r}: the budget is -1 (dynamic), 0 (off) or a token count")
    return number


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    where = common.add_argument_group("where requests go")
    where.add_argument("--project", help="Google Cloud project id (default: GOOGLE_CLOUD_PROJECT, then ADC)")
    where.add_argument("--location", help="Vertex location, e.g. global, us-central1, eu (default: "
                       "GOOGLE_CLOUD_LOCATION, then global)")
    where.add_argument("--base-url", help="override the endpoint URL (https://, or http:// to a loopback fake)")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="log each HTTP request and response to stderr (tokens redacted)")

    parser = argparse.ArgumentParser(
        prog="vertex-openai", description="Gemini on Vertex AI through the openai SDK: check the set-up, "
        "send a request, or run the offline demo.", epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=_versions())
    parser.add_argument("-v", "--verbose", action="store_true", default=False,
                        help="log each HTTP request and response to stderr (tokens redacted)")
    commands = parser.add_subparsers(dest="command", metavar="{doctor,chat,extract,embed,demo}")

    doctor = commands.add_parser(
        "doctor", parents=[common], help="check credentials, project, location, token and model; say how to fix",
        description="Check the set-up step by step. Each check prints one line: ✓ ok, ✗ failed (with a fix), "
        "! worth a look, - skipped. Exit code 0 only when every needed check passed. Works offline: only "
        "the token check (and --live) need the network, and they time out instead of hanging.",
    )
    doctor.add_argument("--model", default=os.environ.get("VERTEX_OPENAI_MODEL") or _DEFAULT_MODEL,
                        help=f"model to check (default: VERTEX_OPENAI_MODEL or {_DEFAULT_MODEL})")
    doctor.add_argument("--live", action="store_true", help="send one tiny request to the model")
    doctor.add_argument("--timeout", type=positive_seconds, default=10.0,
                        help="seconds to wait for the token endpoint and the live request (default: 10)")
    doctor.add_argument("--fake", action="store_true",
                        help="check the loopback fake Vertex instead of Google (as `chat --fake`): the one named by "
                        "VERTEX_OPENAI_FAKE_BASE_URL/_TOKEN, else one started for the check; Google credentials "
                        "are not loaded")

    chat = commands.add_parser(
        "chat", parents=[common], help="send one prompt and print the answer",
        description="Send one chat request through vertex-openai's client. The answer goes to stdout; "
        "thoughts (--show-thoughts) and errors go to stderr.",
    )
    chat.add_argument("prompt", nargs="?", help="the prompt; '-' or nothing reads it from stdin")
    chat.add_argument("--model", default=os.environ.get("VERTEX_OPENAI_MODEL") or _DEFAULT_MODEL,
                      help=f"model (default: VERTEX_OPENAI_MODEL or {_DEFAULT_MODEL}); Gemini gets google/ added")
    chat.add_argument("--stream", action="store_true", help="print the answer as it arrives")
    chat.add_argument("--system", help="a system instruction")
    chat.add_argument("--json-schema", metavar="FILE", help="answer as JSON matching this JSON Schema file")
    chat.add_argument("--thinking", type=_budget, metavar="BUDGET",
                      help="thinking budget in tokens (0 off, -1 dynamic)")
    chat.add_argument("--show-thoughts", action="store_true",
                      help="ask for thought summaries and print them dimmed on stderr")
    chat.add_argument("--max-tokens", type=int, help="limit the answer's length in tokens")
    chat.add_argument("--temperature", type=float, help="sampling temperature")
    chat.add_argument("--timeout", type=positive_seconds, default=120.0, help="seconds per request (default: 120)")
    chat.add_argument("--fake", action="store_true",
                      help="talk to the loopback fake Vertex, no Google account: the one named by "
                      "VERTEX_OPENAI_FAKE_BASE_URL/_TOKEN (`python -m vertex_openai.testing serve` prints them), "
                      "else one started for this request")

    from ._extract import add_extract_parser

    add_extract_parser(commands, common)

    from ._embed import add_embed_parser

    add_embed_parser(commands, common)

    demo = commands.add_parser(
        "demo", help="offline walkthrough against the fake Vertex shipped in the package",
        description="Run the quick start (non-stream, stream, structured output, a Google error, async) "
        "against a loopback fake of Vertex AI. No Google account, no network.",
    )
    demo.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                      help="log each HTTP request's line and status to stderr")
    return parser


def _styles() -> tuple[Any, Any]:
    from ._output import Style

    return Style(sys.stdout), Style(sys.stderr)


def _doctor(args: argparse.Namespace, verbose: bool) -> int:
    from .._fake_mode import fake_mode_from_env
    from ._doctor import DoctorOptions, FakeTarget
    from ._fake import FakeUsageError, fake_target

    options = DoctorOptions(project=args.project, location=args.location, model=args.model, live=args.live,
                            base_url=args.base_url, timeout=args.timeout)
    if verbose:
        from ._verbose import hook_client

        options.on_client = hook_client
    if args.base_url is None:
        # As the client does: fake mode's variables count unless --base-url is given. Unusable ones are a failed
        # check, and then Google's credentials are not loaded either (a half-set fake mode never falls back).
        try:
            fake_mode_from_env()
        except ValueError as error:
            options.fake_error = str(error)
            return _doctor_report(options)
    notes: list[str] = []
    try:
        with fake_target(args.fake, args.base_url, notes.append) as (base_url, credentials):
            if credentials is not None:
                how = notes[-1].removeprefix("fake mode: ") if notes else f"the loopback fake at {base_url}"
                options.fake = FakeTarget(base_url or "", credentials, how)
                options.base_url = None
            return _doctor_report(options)
    except FakeUsageError as error:
        _, err = _styles()
        err.write(f"{err.mark('fail')} {error}")
        return 2


def _doctor_report(options: Any) -> int:
    from ._doctor import diagnose, ready_line
    from ._output import render_check

    out, _ = _styles()
    out.write(out.bold("vertex-openai doctor") + out.dim(f"  {_versions('')}"))
    diagnosis = diagnose(options)
    checks = diagnosis.checks
    for check in checks:
        render_check(out, check)
    failed = [check for check in checks if check.failed]
    out.write()
    if failed:
        names = ", ".join(dict.fromkeys(check.name for check in failed))
        out.write(f"{out.mark('fail')} {len(failed)} problem(s): {names}. Fix the ✗ lines above and run "
                  "`vertex-openai doctor` again.")
        return 1
    warned = sum(check.status == "warn" for check in checks)
    extra = f" ({warned} note(s) marked ! above)" if warned else ""
    out.write(f"{out.mark('ok')} {ready_line(diagnosis)}{extra}.")
    return 0


def _read_prompt(prompt: str | None) -> str | None:
    if prompt not in (None, "-"):
        return prompt
    if prompt is None and sys.stdin.isatty():
        return None
    return sys.stdin.read().strip() or None


def _chat(args: argparse.Namespace, verbose: bool) -> int:
    from .._client import vertex_openai_client
    from ._chat import ChatOptions, run_chat

    out, err = _styles()
    prompt = _read_prompt(args.prompt)
    if not prompt:
        err.write(f"{err.mark('fail')} no prompt: pass it as an argument (vertex-openai chat \"Hello\") or on stdin")
        return 2

    from ._fake import fake_target

    try:
        with fake_target(args.fake, args.base_url, lambda text: err.write(err.dim(text))) as (base_url, credentials):

            def make_client(*a: Any, **kw: Any) -> Any:
                if credentials is not None:
                    kw["credentials"] = credentials
                client = vertex_openai_client(*a, **kw)
                if verbose:
                    from ._verbose import hook_client

                    hook_client(client)
                return client

            options = ChatOptions(
                prompt=prompt, model=args.model, stream=args.stream, system=args.system,
                json_schema=args.json_schema, thinking=args.thinking, show_thoughts=args.show_thoughts,
                max_tokens=args.max_tokens, temperature=args.temperature, project=args.project,
                location=args.location, base_url=base_url, timeout=args.timeout,
            )
            return run_chat(options, out, err, make_client)
    except ValueError as error:  # fake-mode flags or variables that do not fit together
        err.write(f"{err.mark('fail')} {error}")
        return 2


def _demo() -> int:
    from ..demo import run

    return run(sys.stdout)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `vertex-openai` console script; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    verbose = bool(getattr(args, "verbose", False))
    if verbose:
        from ._verbose import enable_verbose

        enable_verbose(http_summary=args.command == "demo")
    with warnings.catch_warnings():
        # google-auth warns on stderr about user credentials without a quota project; `doctor` reports it properly.
        warnings.filterwarnings("ignore", message=".*end user credentials.*")
        warnings.showwarning = _show_warning
        return _run(parser, args, verbose)


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    """A warning as one line of ours on stderr, not Python's file:line report with a source line."""
    from ._output import clean

    (file or sys.stderr).write(f"vertex-openai: warning: {clean(str(message))}\n")


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace, verbose: bool) -> int:
    try:
        if args.command == "doctor":
            return _doctor(args, verbose)
        if args.command == "chat":
            return _chat(args, verbose)
        if args.command == "extract":
            from ._extract import run_extract

            return run_extract(args, verbose)
        if args.command == "embed":
            from ._embed import run_embed

            return run_embed(args, verbose)
        if args.command == "demo":
            return _demo()
        parser.print_help(sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `vertex-openai ... | head`: the reader left; exit quietly without a traceback.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - replaces the closed pipe for interpreter shutdown
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
