"""The Responses bridge's client-side store over a long `previous_response_id` chain: memory and per-turn CPU.

Each turn plans the chat request from the store (the earlier conversation plus this turn's input) and stores
the answer, exactly as `responses.create(previous_response_id=...)` does, with a chat completion built in
this process instead of an HTTP call (the wire work, which every chat request with that history pays too, is
left out). Memory is what the store keeps alive after the chain (tracemalloc, after a garbage collection, in a
run of its own); "history slots" counts the message references the stored entries hold.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from typing import Any

from _stats import median, table
from openai.types.chat import ChatCompletion

from vertex_openai.responses import ResponseStore
from vertex_openai.responses._bridge import Bridge

MODEL = "gemini-2.5-flash"
_NO_OPTIONS: dict[str, Any] = {}


def _completion(turn: int) -> Any:
    return ChatCompletion.model_validate({
        "id": f"chat_{turn}", "object": "chat.completion", "created": 0, "model": MODEL,
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": f"Answer number {turn}, a short sentence."}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    })


def _slots(store: ResponseStore) -> int:
    """Message references held by the stored entries' history lists."""
    entries = list(store._entries.values())
    if entries and hasattr(entries[0], "lineage"):  # one list per chain (or branch), shared by its turns
        return sum(len(lineage) for lineage in {id(e.lineage): e.lineage for e in entries}.values())
    return sum(len(e.conversation) for e in entries)  # before: a full copy of the history per entry


def chain(turns: int, *, measure_memory: bool) -> dict[str, Any]:
    completions = [_completion(turn) for turn in range(turns)]  # built before measuring
    gc.collect()
    if measure_memory:
        tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0] if measure_memory else 0
    bridge = Bridge(ResponseStore())
    previous = None
    cpu: list[float] = []
    for turn in range(turns):
        body = {"model": MODEL, "input": f"Question number {turn}?", "previous_response_id": previous}
        start = time.process_time()
        plan = bridge.plan(body, _NO_OPTIONS)
        response = bridge.finish(completions[turn], plan, body, _NO_OPTIONS)
        cpu.append(time.process_time() - start)
        previous = response.id
    del plan, response
    gc.collect()
    result: dict[str, Any] = {"turns": turns, "slots": _slots(bridge.store), "cpu": cpu,
                              "history": len(bridge.plan({"model": MODEL, "input": "last?",
                                                          "previous_response_id": previous},
                                                         _NO_OPTIONS).kwargs["messages"])}
    if measure_memory:
        result["bytes"] = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
    return result


def run(lengths: tuple[int, ...] = (1000, 6000)) -> str:
    rows: list[list[object]] = []
    for turns in lengths:
        timed = chain(turns, measure_memory=False)
        sized = chain(turns, measure_memory=True)
        cpu = timed["cpu"]
        last = cpu[-100:]
        rows.append([turns, sized["history"], f"{sized['slots']:,}", f"{sized['bytes'] / 1e6:.1f}",
                     f"{median(cpu[:100]) * 1e3:.3f}", f"{median(last) * 1e3:.3f}", f"{sum(cpu):.2f}"])
    headers = ["turns", "messages sent at the next turn", "history slots held", "store MB",
               "CPU ms / turn (first 100)", "CPU ms / turn (last 100)", "CPU s (whole chain)"]
    return ("### Responses store over a previous_response_id chain (max_responses = 1000)\n\n" + table(headers, rows)
            + "\n\nPlanning from the store and storing the answer, per turn, without the chat call itself.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, nargs="*", default=[1000, 6000], help="chain lengths")
    args = parser.parse_args(argv)
    print(run(tuple(args.turns)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
