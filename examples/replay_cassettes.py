"""Replay every cassette in cassettes/ through the real client with fake credentials, as a short transcript.

No Google account, no ADC, no network: `python examples/replay_cassettes.py` (part of `make demo`).
Each cassette's recorded requests are sent again exactly as recorded; the client is the real
`vertex_openai` client (token on every request, 401 refresh-and-replay, Google errors as SDK exceptions).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import openai
import yaml

from vertex_openai import vertex_openai_client
from vertex_openai.testing import replay_credentials, use_cassette

ROOT = Path(__file__).resolve().parent.parent / "cassettes"


def _body(interaction: dict[str, Any]) -> dict[str, Any]:
    body = interaction["request"]["body"]
    return json.loads(body) if body else {}


def _short(text: str, width: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _replay(client: Any, body: dict[str, Any]) -> str:
    """Send the recorded request body again through the client and describe what comes back."""
    kwargs = {k: v for k, v in body.items() if k not in ("model", "messages", "stream")}
    model = str(body.get("model", "")).removeprefix("google/")
    try:
        if body.get("stream"):
            chunks = list(client.chat.completions.create(
                model=model, messages=body["messages"], stream=True, extra_body=kwargs or None))
            text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
            usage = next((c.usage.total_tokens for c in reversed(chunks) if c.usage), None)
            return f"{len(chunks)} chunks: {text!r} ({usage} tokens)"
        reply = client.chat.completions.create(model=model, messages=body["messages"], extra_body=kwargs or None)
        choice = reply.choices[0]
        if choice.message.tool_calls:
            calls = ", ".join(f"{c.function.name}({c.function.arguments})" for c in choice.message.tool_calls)
            return f"tool calls: {_short(calls)}"
        tokens = reply.usage.total_tokens if reply.usage else 0
        return f"{_short(repr(choice.message.content))} ({choice.finish_reason}, {tokens} tokens)"
    except openai.APIStatusError as err:
        delay = getattr(err, "retry_delay", None)
        retry = f", retry in {delay:g}s" if delay is not None else ""
        message = re.sub(r"^Error code: \d+ - [A-Z_]+: ", "", str(err))
        return f"{type(err).__name__} {err.status_code} {err.code}{retry}: {_short(message, 80)}"


def main() -> int:
    # cassettes/examples/ hold what each example script sends (deployed endpoints, parse(), tool loops):
    # those scripts replay them themselves (`make demo` runs them next), so they are not re-driven here.
    by_example = sorted(ROOT.glob("examples/*.yaml"))
    files = sorted(set(ROOT.rglob("*.yaml")) - set(by_example))
    print(f"Replaying {len(files)} cassettes from cassettes/ with fake credentials (no Google account needed):")
    core_failures = 0
    for path in files:
        interactions = yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"]
        first = _body(interactions[0])
        question = next((m.get("content") for m in reversed(first.get("messages", [])) if m.get("role") == "user"),
                        "")
        client = vertex_openai_client(credentials=replay_credentials(), max_retries=0)
        name = path.relative_to(ROOT).as_posix()
        try:
            with use_cassette(path, allow_playback_repeats=False) as cassette:
                answer = _replay(client, first)
                if not cassette.all_played and not name.startswith("core/error_401"):
                    answer += f"  [{len(interactions) - len(cassette.play_counts)} more interaction(s) not shown]"
        except Exception as err:  # a cassette this script cannot drive (e.g. a multi-turn tool loop)
            core_failures += name.startswith("core/")
            answer = f"could not replay: {type(err).__name__}: {_short(str(err), 80)}"
        finally:
            client.close()
        print(f"  {name}")
        print(f"    > {_short(str(question), 90)!s}")
        print(f"    < {answer}")
    if by_example:
        print(f"  examples/: {len(by_example)} more, each replayed by its own script (examples/<name>.py)")
    print()
    print("The same against real Vertex AI: `gcloud auth application-default login`, set GOOGLE_CLOUD_PROJECT,")
    print("then record your own cassettes with `pytest --record-mode=once` (see docs/testing.md).")
    return 1 if core_failures else 0


if __name__ == "__main__":
    sys.exit(main())
