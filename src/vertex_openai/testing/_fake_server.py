"""A loopback fake of Vertex AI's OpenAI-compatible endpoint, in Google's wire style.

Constructed from the documented wire format (docs/vertex-endpoint.md, with its sources): JSON keys in
Google's (alphabetical) order, errors wrapped in a list `[{"error": {...}}]`, SSE chunks without
`[DONE]` by default, tool-call deltas without `index` and with `id: ""`, usage on the last chunk only.
It checks bearer tokens, records every request, and plays scripted faults. It binds to 127.0.0.1 only.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from ._fake_credentials import FakeCredentials
from ._fake_embeddings import NATIVE_EMBED_PATH, embedding_reply
from ._fake_replies import chunk_bodies, completion_body, html_not_found, last_user_text, tool_call_reply, with_thoughts
from ._fake_responses import native_model, response_body, response_events, responses_messages
from ._fake_script import Fault, RecordedRequest, Reply, google_error_body
from ._fake_signatures import signature_rejection, with_signatures
from ._loopback import LoopbackFake
from ._schema_instance import instance_for_schema
from ._schema_rules import schema_rejection

__all__ = ["FakeVertex"]

_PATH = re.compile(
    r"^/(?P<version>v1|v1beta1)/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"
    r"/endpoints/(?P<endpoint>[^/]+)/chat/completions$"
)
_RESPONSES_PATH = re.compile(
    r"^/(?P<version>v1|v1beta1)/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/endpoints/openapi/responses$"
)
_UNAUTHENTICATED = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
    "valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
_MAX_BODY = 64 * 1024 * 1024


class FakeVertex(LoopbackFake):
    """Start with `with FakeVertex() as fake:`; point a client at `fake.base_url` with `fake.credentials()`."""

    thread_name = "fake-vertex"

    def __init__(
        self,
        *,
        project: str = "fake-project",
        location: str = "global",
        done_sentinel: bool = False,
        stream_chunk_chars: int = 12,
        require_auth: bool = True,
        responder: Callable[[dict[str, Any]], Reply | None] | None = None,
        keep_requests: bool = True,
        strict_schemas: bool | str = False,
        tool_replies: str | None = None,
        not_found: str = "json",
        thought_signatures: bool = True,
        port: int = 0,
        latency: float = 0.0,
    ) -> None:
        self.project = project
        # Seconds every POST waits before it is answered (a slow model or network), on top of a fault's `delay`.
        if isinstance(latency, bool) or not isinstance(latency, (int, float)) or not latency >= 0:
            raise ValueError(f"latency must be a number of seconds, 0 or more, got {latency!r}")
        self.latency = float(latency)
        # 0: any free port. The fake binds to 127.0.0.1 whatever the port.
        self.requested_port = port
        self.location = location
        self.done_sentinel = done_sentinel
        self.stream_chunk_chars = stream_chunk_chars
        self.require_auth = require_auth
        self.responder = responder
        # True / "jsonschema" / "openapi": answer Google's 400 for schemas Google rejects (see _schema_rules).
        self.strict_schemas = "jsonschema" if strict_schemas is True else (strict_schemas or None)
        # None: tools are never called unless scripted. "forced": a forced `tool_choice` (a named function or
        # "required") is answered with a call whose arguments are a schema instance. "loop": also under
        # "auto", each offered tool is called once before a normal answer (a tool loop).
        if tool_replies not in (None, "forced", "loop"):
            raise ValueError(f"tool_replies must be None, 'forced' or 'loop', got {tool_replies!r}")
        self.tool_replies = tool_replies
        # "json": unknown paths get Google's list-wrapped JSON 404; "html": the front end's HTML 404 page.
        if not_found not in ("json", "html"):
            raise ValueError(f"not_found must be 'json' or 'html', got {not_found!r}")
        self.not_found = not_found
        # Gemini 3 models: sign the first tool call of a reply, answer 400 when a follow-up drops a signature.
        self.thought_signatures = thought_signatures
        self.requests: list[RecordedRequest] = []
        # keep_requests=False: long benchmarks count requests without storing them (flat memory).
        self.keep_requests = keep_requests
        self.request_count = 0
        self.rejected_token_count = 0
        self._tokens: dict[str, float] = {}
        self._steps: deque[Reply | Fault] = deque()
        self._faults: deque[Fault] = deque()
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._counter = 0


    def url_for(self, project: str | None = None, location: str | None = None, endpoint: str = "openapi",
                api_version: str = "v1") -> str:
        return (
            f"{self.origin}/{api_version}/projects/{project or self.project}/locations/{location or self.location}"
            f"/endpoints/{endpoint}"
        )

    @property
    def base_url(self) -> str:
        return self.url_for()

    # -- tokens ------------------------------------------------------------------------------------
    def credentials(self, **kwargs: Any) -> Any:
        """FakeCredentials whose tokens this server accepts."""
        return FakeCredentials(server=self, **kwargs)

    def accept_token(self, token: str, lifetime: float = 3600.0) -> None:
        """Accept `token` as a valid bearer token for `lifetime` seconds from now (then Google's 401).

        `credentials()` does this for the tokens it hands out. Call it yourself when the client is not built with
        `credentials()`: another process reaching this fake through fake mode (set `VERTEX_OPENAI_FAKE_BASE_URL`
        to `base_url` and `VERTEX_OPENAI_FAKE_TOKEN` to `token`, as `python -m vertex_openai.testing serve` does),
        or `credentials=lambda: token`. Accepting a token again renews its lifetime; `revoke_tokens()` ends all.
        """
        with self._lock:
            self._tokens[token] = time.monotonic() + lifetime

    def revoke_tokens(self) -> None:
        """Every token issued so far is refused from now on (a server-side revocation)."""
        with self._lock:
            self._tokens.clear()

    def token_valid(self, token: str | None) -> bool:
        if token is None:
            return False
        with self._lock:
            deadline = self._tokens.get(token)
        return deadline is not None and time.monotonic() < deadline

    # -- scripting ---------------------------------------------------------------------------------
    def fail_next(self, *faults: Fault) -> None:
        with self._lock:
            self._faults.extend(faults)

    def reply_next(self, *replies: Reply) -> None:
        with self._lock:
            self._replies.extend(replies)

    def play(self, *steps: Reply | Fault) -> None:
        """Answer the next requests with these steps, in this order, before anything `fail_next`/`reply_next` queued."""
        for step in steps:
            if not isinstance(step, (Reply, Fault)):
                raise TypeError(f"play() takes Reply and Fault objects, got {type(step).__name__}")
        with self._lock:
            self._steps.extend(steps)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._steps.clear()
            self._faults.clear()
            self._replies.clear()

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def embed_requests(self) -> list[RecordedRequest]:
        """Requests to the native text-embedding method (`…/publishers/google/models/{model}:predict`)."""
        return [r for r in self.requests if r.path.endswith(":predict")]

    # -- internals used by the handler -------------------------------------------------------------
    def _latency(self) -> float:
        """Seconds to wait before answering a POST (`latency`); a subclass that delays answers itself says 0."""
        return self.latency

    def _record(self, request: RecordedRequest) -> tuple[Fault | None, Reply | None, int]:
        with self._lock:
            if self.keep_requests:
                self.requests.append(request)
            self.request_count += 1
            self.rejected_token_count += not request.token_valid
            self._counter += 1
            if self._steps:
                step = self._steps.popleft()
                return (step, None, self._counter) if isinstance(step, Fault) else (None, step, self._counter)
            fault = self._faults.popleft() if self._faults else None
            reply = None if fault else (self._replies.popleft() if self._replies else None)
            return fault, reply, self._counter

    def _default_reply(self, body: dict[str, Any]) -> Reply:
        if self.responder is not None:
            reply = self.responder(body)
            if reply is not None:
                return reply
        called = tool_call_reply(body, self.tool_replies, instance_for_schema)
        if called is not None:
            return called
        response_format = body.get("response_format")
        if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
            schema = (response_format.get("json_schema") or {}).get("schema") or {}
            return Reply(content=json.dumps(instance_for_schema(schema)))
        if isinstance(response_format, dict) and response_format.get("type") == "json_object":
            return Reply(content='{"answer": "ok"}')
        return Reply(content=f"You said: {last_user_text(body.get('messages'))}")


def _dumps(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(", ", ": ")).encode()


class _Handler(BaseHTTPRequestHandler):
    fake: FakeVertex
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "ESF"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    # -- plumbing ------------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None,
              content_type: str = "application/json; charset=UTF-8", body_delay: float = 0.0) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if body_delay:
            self.wfile.flush()
            time.sleep(body_delay)
        self.wfile.write(body)

    def _start_chunked(self, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _end_chunked(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _error(self, code: int, status: str, message: str) -> None:
        self._send(code, _dumps(google_error_body(code, status, message)))

    # -- HTTP verbs ----------------------------------------------------------------------------------
    def _not_found(self, path: str) -> None:
        if self.fake.not_found == "html":
            self._send(404, html_not_found(path), content_type="text/html; charset=UTF-8")
        else:
            self._error(404, "NOT_FOUND", f"The requested URL {path} was not found on this server.")

    def do_GET(self) -> None:
        self._record_other("GET")

    def do_DELETE(self) -> None:
        self._record_other("DELETE")

    def _record_other(self, method: str) -> None:
        """Methods the endpoint does not serve: recorded (so tests can see what left the client), then 404."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if 0 < length <= _MAX_BODY else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.fake._record(RecordedRequest(method, self.path.split("?")[0], headers, raw, False))
        self._not_found(self.path.split("?")[0])

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            self._error(400, "INVALID_ARGUMENT", "Request payload size exceeds the limit: 20971520 bytes.")
            return
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        auth = headers.get("authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else None
        fake = self.fake
        recorded = RecordedRequest("POST", self.path.split("?")[0], headers, raw, fake.token_valid(token))
        fault, reply, number = fake._record(recorded)
        latency = fake._latency()
        if latency:
            time.sleep(latency)
        if fault is not None:
            self._play_fault(fault, number)
            return
        if fake.require_auth and not recorded.token_valid:
            self._error(401, "UNAUTHENTICATED", _UNAUTHENTICATED)
            return
        match = _PATH.match(recorded.path)
        if not match:
            native = NATIVE_EMBED_PATH.match(recorded.path)
            if native is not None:
                self._embed(native, raw)
            elif _RESPONSES_PATH.match(recorded.path):
                self._native_responses(raw, reply, number, recorded.path)
            else:
                self._not_found(recorded.path)
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
            return
        if not isinstance(body, dict):
            self._error(400, "INVALID_ARGUMENT", "Invalid JSON payload received. Expected an object.")
            return
        model = body.get("model")
        if match["endpoint"] == "openapi" and (not isinstance(model, str) or "/" not in model):
            self._error(
                404, "NOT_FOUND",
                f"Publisher model `projects/{match['project']}/locations/{match['location']}/publishers/google/"
                f"models/{model}` was not found or your project does not have access to it.",
            )
            return
        if fake.strict_schemas:
            rejection = schema_rejection(body, fake.strict_schemas)
            if rejection is not None:
                self._error(*rejection)
                return
        if fake.thought_signatures and (rejection := signature_rejection(body)) is not None:
            self._error(*rejection)
            return
        reply = reply or fake._default_reply(body)
        reply = with_thoughts(reply, body)
        completion_id = f"fake-{number}"
        if fake.thought_signatures:
            reply = with_signatures(reply, body, completion_id)
        if body.get("stream"):
            self._stream(body, reply, completion_id)
        else:
            self._send(200, _dumps(completion_body(body, reply, completion_id)))

    # -- answers -------------------------------------------------------------------------------------
    def _embed(self, match: re.Match[str], raw: bytes) -> None:
        """Google's native text-embedding method, with its documented limits (see _fake_embeddings)."""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
            return
        resource = (f"projects/{match['project']}/locations/{match['location']}/publishers/google/models/"
                    f"{match['model']}")
        status, answer = embedding_reply(match["model"], resource, body)
        if status != 200:
            # The native method wraps its error in an object, not in a list as the OpenAI-compatible layer does.
            self._send(status, _dumps(google_error_body(status, *answer)[0]))
            return
        self._send(200, _dumps(answer))

    def _play_fault(self, fault: Fault, number: int) -> None:
        if fault.delay:
            time.sleep(fault.delay)
        if fault.action == "close":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if fault.action in ("stream_then_close", "stream_then_raw"):
            self._start_chunked()
            chunks = list(chunk_bodies({"model": "google/gemini-2.5-flash"}, Reply(content="partial answer " * 8),
                                  f"fake-{number}", self.fake.stream_chunk_chars))
            for chunk in chunks[: fault.chunks]:
                self._chunk(b"data: " + _dumps(chunk) + b"\n\n")
            if fault.action == "stream_then_raw":
                payload = fault.body if isinstance(fault.body, bytes) else _dumps(fault.body)
                self._chunk(payload + b"\n")
                self._end_chunked()
            else:
                self.close_connection = True
                self.connection.shutdown(2)
            return
        body = fault.body
        if isinstance(body, str):
            payload = body.encode()
        elif isinstance(body, bytes):
            payload = body
        elif body is None:
            payload = b""
        else:
            payload = _dumps(body)
        content_type = fault.headers.pop("Content-Type", "application/json; charset=UTF-8")
        self._send(fault.status, payload, fault.headers, content_type=content_type, body_delay=fault.body_delay)

    def _native_responses(self, raw: bytes, reply: Reply | None, number: int, path: str) -> None:
        """Vertex's native Responses endpoint: served for xAI Grok models, Google's HTML 404 for the rest."""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict) or not native_model(body):
            self._not_found(path)
            return
        reply = reply or self.fake._default_reply({"messages": responses_messages(body)})
        if not body.get("stream"):
            self._send(200, _dumps(response_body(body, reply, number)))
            return
        self._start_chunked()
        for event in response_events(body, reply, number, self.fake.stream_chunk_chars):
            self._chunk(b"event: " + str(event["type"]).encode() + b"\ndata: " + _dumps(event) + b"\n\n")
        self._end_chunked()

    def _stream(self, body: dict[str, Any], reply: Reply, completion_id: str) -> None:
        self._start_chunked()
        for chunk in chunk_bodies(body, reply, completion_id, self.fake.stream_chunk_chars):
            self._chunk(b"data: " + _dumps(chunk) + b"\n\n")
        if self.fake.done_sentinel:
            self._chunk(b"data: [DONE]\n\n")
        self._end_chunked()


FakeVertex.handler = _Handler
