"""The Responses bridge: `responses.create` through Chat Completions vs `chat.completions.create` direct.

Both calls run on one vertex-openai client against a fake in a child process, one request at a time, taking
turns request by request (rotating order) so drift hits both alike; ratios come from the same run. A second
table times the translation alone (request mapping, Response / event construction), in this process, with no
HTTP: the CPU the bridge adds per request.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from _peers import OURS, BenchCredentials
from _server import MESSAGES, MODEL, remote_fake
from _stats import median, percentile, ratio, table

from vertex_openai.responses._events import StreamTranslator
from vertex_openai.responses._models import event_model as build_event
from vertex_openai.responses._output import build_response, response_from_completion
from vertex_openai.responses._params import plan_chat_request

GOAL = "goal: responses / chat <= 1.05 at the median"
PROMPT = str(MESSAGES[0]["content"])


def _chat(client: Any, stream: bool) -> None:
    if stream:
        for _ in client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True):
            pass
    else:
        client.chat.completions.create(model=MODEL, messages=MESSAGES)


def _responses(client: Any, stream: bool) -> None:
    if stream:
        for _ in client.responses.create(model=MODEL, input=PROMPT, stream=True):
            pass
    else:
        client.responses.create(model=MODEL, input=PROMPT, store=False)


CALLS: dict[str, Callable[[Any, bool], None]] = {"chat.completions.create": _chat, "responses.create": _responses}


def _measure(client: Any, stream: bool, requests: int, warmup: int) -> tuple[dict[str, list[float]],
                                                                              dict[str, list[float]]]:
    wall: dict[str, list[float]] = {name: [] for name in CALLS}
    cpu: dict[str, list[float]] = {name: [] for name in CALLS}
    for call in CALLS.values():
        for _ in range(warmup):
            call(client, stream)
    names = list(CALLS)
    for r in range(requests):
        for name in names[r % 2:] + names[: r % 2]:
            start, cpu_start = time.perf_counter(), time.process_time()
            CALLS[name](client, stream)
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - cpu_start)
    return wall, cpu


def _translation_cost(client: Any, repeats: int) -> list[list[object]]:
    """Microseconds per request spent translating, without HTTP (one recorded completion / chunk stream)."""
    body = {"model": MODEL, "input": PROMPT, "store": False}
    completion = client.chat.completions.create(model=MODEL, messages=MESSAGES)
    chunks = list(client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True,
                                                 stream_options={"include_usage": True}))

    def plain() -> None:
        plan = plan_chat_request(body, history=None)
        data, _, _ = response_from_completion(completion, plan.echo, response_id="resp_x", created_at=0.0,
                                              want_summary=False)
        build_response(data)

    def streamed() -> None:
        plan = plan_chat_request(body, history=None)
        translator = StreamTranslator(response_id="resp_x", model=MODEL, echo=plan.echo, want_summary=False)
        for event in translator.start():
            build_event(event)
        for chunk in chunks:
            for event in translator.feed(chunk):
                build_event(event)
        for event in translator.finish():
            build_event(event)

    rows: list[list[object]] = []
    for name, work, events in (("create", plain, 0), ("create(stream=True)", streamed, len(chunks))):
        for _ in range(max(1, repeats // 10)):
            work()
        samples = []
        for _ in range(repeats):
            start = time.process_time()
            work()
            samples.append(time.process_time() - start)
        rows.append([name, events, repeats, f"{median(samples) * 1e6:.0f}", f"{percentile(samples, 99) * 1e6:.0f}"])
    return rows


def run(requests: int = 400, warmup: int = 20, repeats: int = 2000) -> str:
    rows: list[list[object]] = []
    with remote_fake() as base_url:
        client = OURS.build(base_url, BenchCredentials(), False, 300.0)
        try:
            for stream in (False, True):
                wall, cpu = _measure(client, stream, requests, warmup)
                floor = "chat.completions.create"
                floor_med, floor_p99, floor_cpu = median(wall[floor]), percentile(wall[floor], 99), median(cpu[floor])
                for name in CALLS:
                    med, p99, cpu_med = median(wall[name]), percentile(wall[name], 99), median(cpu[name])
                    rows.append(["sync stream" if stream else "sync", name, len(wall[name]), f"{med * 1e3:.3f}",
                                 f"{p99 * 1e3:.3f}", ratio(med, floor_med), ratio(p99, floor_p99),
                                 f"{cpu_med * 1e6:.0f}", ratio(cpu_med, floor_cpu)])
            cost = _translation_cost(client, repeats)
        finally:
            client.close()
    headers = ["mode", "call", "n", "median ms", "p99 ms", "median / chat", "p99 / chat", "client CPU us (median)",
               "CPU / chat"]
    cost_headers = ["translation", "chat chunks", "n", "CPU us (median)", "CPU us (p99)"]
    return (f"### Responses bridge ({GOAL})\n\n" + table(headers, rows) + "\n\n"
            "Same vertex-openai client, same wire request (one user message), one request at a time against the "
            "loopback fake; `responses.create` runs `chat.completions.create` underneath.\n\n"
            "Translation alone (request mapping + building the SDK's Response or events), no HTTP:\n\n"
            + table(cost_headers, cost))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400, help="requests per call and mode")
    parser.add_argument("--repeats", type=int, default=2000, help="translations timed without HTTP")
    args = parser.parse_args(argv)
    print(run(requests=args.requests, repeats=args.repeats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
