"""Write cassettes/examples/<example>.yaml: each example's own requests, answered in Google's documented wire style.

Nothing here can reach Google, so these files are CONSTRUCTED, not recorded. The answers below are
written by hand from the facts in docs/vertex-endpoint.md (the section named next to each one,
and in cassettes/README.md). The requests are not written by hand: each example script runs, with the
real client and fake credentials, against a loopback server that plays these answers in order, through
the cassette kit's recording path (`vertex_openai.testing.use_cassette(record_mode="all")`, i.e.
`vcr_config()` scrubbing). Each file therefore holds exactly what its example sends, stored under the
Vertex host the example would call live. Re-run after changing what a feature sends on purpose:

    .venv/bin/python cassettes/construct_examples.py            # every example
    .venv/bin/python cassettes/construct_examples.py thinking   # just one
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import runpy
import sys
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "cassettes" / "examples"
EXAMPLES = ROOT / "examples"
sys.path[:0] = [str(Path(__file__).resolve().parent), str(EXAMPLES)]

from construct import CREATED, google_json  # noqa: E402  (the core cassettes' JSON style and timestamp)

from vertex_openai import vertex_openai_client  # noqa: E402
from vertex_openai.testing import replay_credentials, use_cassette  # noqa: E402

MODEL = "google/gemini-2.5-flash"
JSON = "application/json; charset=UTF-8"
SSE = "text/event-stream"
Answer = tuple[int, str, bytes]  # status, content type, body


# -- Google's shapes ------------------------------------------------------------------------------------


def usage(prompt: int, completion: int) -> dict[str, int]:
    return {"completion_tokens": completion, "prompt_tokens": prompt, "total_tokens": prompt + completion}


def completion(response_id: str, message: dict[str, Any], tokens: tuple[int, int], *,
               finish: str = "stop", model: str = MODEL) -> Answer:
    """Non-stream body ([Shape]): `logprobs: null`, `system_fingerprint: ""`, keys in alphabetical order."""
    return 200, JSON, google_json({
        "choices": [{"finish_reason": finish, "index": 0, "logprobs": None, "message": message}],
        "created": CREATED, "id": response_id, "model": model, "object": "chat.completion",
        "system_fingerprint": "", "usage": usage(*tokens),
    })


def text(response_id: str, content: str, tokens: tuple[int, int]) -> Answer:
    return completion(response_id, {"content": content, "role": "assistant"}, tokens)


def stream(response_id: str, deltas: list[dict[str, Any]], tokens: tuple[int, int]) -> Answer:
    """SSE body ([Streaming]): `data:` chunks, `role` on every delta, no `[DONE]`, finish and usage last only."""
    events = []
    for number, delta in enumerate(deltas):
        last = number == len(deltas) - 1
        chunk: dict[str, Any] = {
            "choices": [{"delta": {"role": "assistant", **delta}, "finish_reason": "stop" if last else None,
                         "index": 0, "logprobs": None}],
            "created": CREATED, "id": response_id, "model": MODEL, "object": "chat.completion.chunk",
            "system_fingerprint": "",
        }
        if last:
            chunk["usage"] = usage(*tokens)
        events.append(b"data: " + google_json(chunk) + b"\n\n")
    return 200, SSE, b"".join(events)


def pieces(*texts: str) -> list[dict[str, Any]]:
    return [{"content": piece} for piece in texts]


# -- a self-deployed vLLM container's shapes (deployed_endpoint only; not Google's own serializer) --------

VLLM_MODEL = "gemma-2-9b-it"


def vllm_completion(content: str, tokens: tuple[int, int]) -> Answer:
    body = {
        "id": "chatcmpl-3f1c6b0e9a4d4c7e8b2a5d6f7e8c9b0a", "object": "chat.completion", "created": CREATED,
        "model": VLLM_MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "tool_calls": []},
                     "logprobs": None, "finish_reason": "stop", "stop_reason": None}],
        "usage": usage(*tokens), "prompt_logprobs": None,
    }
    return 200, "application/json", json.dumps(body, separators=(",", ":")).encode()


def vllm_stream(texts: list[str]) -> Answer:
    """vLLM streams: a first role-only delta, content deltas, a finish chunk, then `data: [DONE]`."""
    deltas: list[tuple[dict[str, Any], str | None]] = [({"role": "assistant", "content": ""}, None)]
    deltas += [({"content": piece}, None) for piece in texts]
    deltas.append(({"content": ""}, "stop"))
    events = []
    for delta, finish in deltas:
        chunk = {"id": "chatcmpl-7a2e4f1b8c9d4e0fa1b2c3d4e5f60718", "object": "chat.completion.chunk",
                 "created": CREATED, "model": VLLM_MODEL,
                 "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
        events.append(b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n")
    return 200, SSE, b"".join(events) + b"data: [DONE]\n\n"


# -- the answers each example gets, in order -------------------------------------------------------------

SIGNATURE = "CrICAdHtim827fQ=="  # a real signature's prefix from a public forum thread ([Tools])
WEATHER_CALL = {
    "extra_content": {"google": {"thought_signature": SIGNATURE}},
    "function": {"arguments": '{"city":"Paris"}', "name": "get_weather"},
    "id": "", "type": "function",
}
CALENDAR_EVENT = json.dumps({"name": "Science Fair", "date": "Friday", "participants": ["Alice", "Bob"]})

ANSWERS: dict[str, list[Answer]] = {
    "chat_non_stream": [text("vDA4aeExNonStream01AbCd", "Why did the scarecrow win an award? Because he was "
                             "outstanding in his field.", (7, 17))],
    "chat_stream": [
        stream("wDA4aeExStreamPlain1AbCd", [
            # [Streaming]: without thought summaries the signature may ride on the first content delta.
            {"content": "Vertex AI streams answers", "extra_content": {"google": {"thought_signature": SIGNATURE}}},
            *pieces(" as server-sent events: one", " `data:` line per chunk."),
        ], (6, 16)),
        stream("wDA4aeExStreamHelpr2AbCd", pieces("Again: chunk", " by chunk, no [DONE] line."), (3, 11)),
    ],
    "text_image": [text("vDA4aeExTextImage01AbCd", "A single white pixel on a transparent background.", (263, 10))],
    "deployed_endpoint": [
        vllm_completion("Rayleigh scattering: air molecules scatter blue light more than red.", (15, 14)),
        vllm_stream(["Shorter wavelengths", " scatter more."]),
    ],
    "thinking": [
        text("vDA4aeExThinking001AbCd", "<think>Count the letters: l-e-t-t-e-r-s is seven.</think>Seven.", (9, 58)),
        stream("wDA4aeExThinking002AbCd", pieces("<think>Checking again", ": still seven.</think>", "Yes."),
               (16, 41)),
    ],
    "extra_body_sdk": [text("vDA4aeExExtraBody01AbCd", "Hello!", (3, 2))],
    "extra_content_message": [text("vDA4aeExContentMsg1AbCd", "Noted: one day in Paris, Louvre in the "
                                   "morning and the Eiffel Tower at sunset.", (24, 19))],
    "extra_content_part": [text("vDA4aeExContentPrt1AbCd", "A plate of blueberry scones next to a cup of "
                                "coffee.", (272, 13))],
    "extra_content_tool_call": [text("vDA4aeExContentCal1AbCd", "It is 21°C in Paris.", (31, 9))],
    "image_gcs": [text("vDA4aeExImageGcs001AbCd", "Blueberry scones, a cup of coffee and pink peonies on a "
                       "table.", (264, 14))],
    "audio_gcs": [text("vDA4aeExAudioGcs001AbCd", "A Pixel podcast episode about new phone features.",
                       (1046, 10))],
    "tool_calling_thought_signatures": [
        # [Tools]/[Shape]: the call comes with `id: ""`, its signature in extra_content, finish `stop`.
        completion("vDA4aeExToolCall001AbCd",
                   {"content": None, "role": "assistant", "tool_calls": [WEATHER_CALL]}, (42, 6)),
        text("vDA4aeExToolCall002AbCd", "It is 21°C and clear in Paris.", (78, 11)),
    ],
    "safety_settings": [
        text("vDA4aeExSafetyOk001AbCd", "Here is a friendly poem: the sun says hello to the sea.", (6, 14)),
        # [Shape]: a safety block ends with `content_filter`; the message may be empty.
        completion("vDA4aeExSafetyBlk01AbCd", {"role": "assistant"}, (14, 0), finish="content_filter"),
    ],
    "cached_content": [text("vDA4aeExCachedCnt01AbCd", "The cached paper introduces the Transformer, a model "
                            "built on attention alone.", (32011, 15))],
    "structured_output": [text("vDA4aeExStructured1AbCd", CALENDAR_EVENT, (21, 19))],
}


# -- the loopback server that plays them ------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    answers: ClassVar[deque[Answer]] = deque()
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.answers:
            status, content_type, body = self.answers.popleft()
        else:
            status, content_type = 500, JSON
            body = b'{"error": "construct_examples.py: this example made more requests than it has answers"}'
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def _server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _recording_example(server: ThreadingHTTPServer, path: Path) -> Any:
    """Stands in for `_common.example` while constructing: real client, loopback server, kit recording."""
    import _common

    @contextmanager
    def example(*_replies: Any, endpoint: str = "openapi", location: str | None = None,
                cassette: str | None = None) -> Iterator[Any]:
        live_url = urlsplit(str(vertex_openai_client("PROJECT_ID", location, endpoint=endpoint,
                                                     credentials=replay_credentials()).base_url))
        port = server.server_address[1]
        client = vertex_openai_client("PROJECT_ID", location, endpoint=endpoint, credentials=replay_credentials(),
                                      base_url=f"http://127.0.0.1:{port}{live_url.path}", max_retries=0)

        def at_vertex_host(request: Any) -> Any:
            request.uri = urlunsplit((live_url.scheme, live_url.netloc, *urlsplit(request.uri)[2:]))
            return request

        try:
            # provenance=False: these files are constructed by hand (cassettes/README.md says so for each one);
            # the kit's loopback label would only repeat that.
            with use_cassette(path, record_mode="all", before_record_request=at_vertex_host,
                              provenance=False) as recording:
                yield _common.Example(client, cassette=recording)
        finally:
            client.close()

    return example


def construct(name: str, server: ThreadingHTTPServer, out: Path = OUT) -> int:
    """Run one example against its constructed answers, recording `out/<name>.yaml`; returns the count."""
    import _common

    path = out / f"{name}.yaml"
    path.unlink(missing_ok=True)
    _Handler.answers = deque(ANSWERS[name])
    original = _common.example
    _common.example = _recording_example(server, path)
    try:
        runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="__main__")
    finally:
        _common.example = original
    if _Handler.answers:
        raise SystemExit(f"{name}: {len(_Handler.answers)} constructed answer(s) were never asked for")
    return len(ANSWERS[name])


# The examples' offline defaults, whatever the shell has set (they change what the examples send).
ENVIRONMENT = ("VERTEX_LIVE", "VERTEX_EXAMPLES_MODE", "VERTEX_MODEL", "VERTEX_ENDPOINT_ID",
               "VERTEX_CACHED_CONTENT", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION")


def build(names: list[str], out: Path = OUT, *, quiet: bool = False) -> dict[str, int]:
    """Construct the cassettes of `names` (all when empty) into `out`; returns interactions per file."""
    unknown = sorted(set(names) - set(ANSWERS))
    if unknown:
        raise SystemExit(f"no constructed answers for {', '.join(unknown)}; known: {', '.join(sorted(ANSWERS))}")
    leftover = [variable for variable in ENVIRONMENT if variable in os.environ]
    if leftover:
        raise SystemExit(f"unset {', '.join(leftover)} first: the cassettes hold the examples' offline defaults")
    out.mkdir(exist_ok=True)
    written: dict[str, int] = {}
    with _server() as server:
        for name in names or sorted(ANSWERS):
            if quiet:
                with contextlib.redirect_stdout(io.StringIO()):
                    written[name] = construct(name, server, out)
            else:
                written[name] = construct(name, server, out)
                print(f"== wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}/{name}.yaml "
                      f"({written[name]} interaction(s))", flush=True)
    return written


def main(names: list[str]) -> None:
    for variable in ENVIRONMENT:
        os.environ.pop(variable, None)
    build(names)


if __name__ == "__main__":
    main(sys.argv[1:])
