"""Write the core cassettes in cassettes/core/ from the documented Vertex wire format (no live recording).

Nothing here can reach Google, so these files are CONSTRUCTED, not recorded: every byte follows one of
the facts in docs/vertex-endpoint.md, with their public sources (the section is named next to each
cassette below and in cassettes/README.md). Re-run after changing a cassette on purpose:

    .venv/bin/python cassettes/construct.py

The files use vcrpy's own YAML format and are already in scrubbed form (PROJECT_ID, LOCATION), exactly as
`vertex_openai.testing.vcr_config()` would have written a real recording.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vcr.request import Request
from vcr.serialize import serialize
from vcr.serializers import yamlserializer

HERE = Path(__file__).resolve().parent / "core"
URI = "https://aiplatform.googleapis.com/v1/projects/PROJECT_ID/locations/LOCATION/endpoints/openapi/chat/completions"
MODEL = "google/gemini-2.5-flash"
CREATED = 1764151200  # 2025-11-26T10:00:00Z, fixed so the files never change on re-run


def google_json(value: Any) -> bytes:
    """Google's JSON style: keys in alphabetical order ([Shape]), `, ` / `: ` separators."""
    return json.dumps(value, sort_keys=True, separators=(", ", ": ")).encode()


def request(body: dict[str, Any]) -> Request:
    return Request("POST", URI, json.dumps(body).encode(), {"content-type": "application/json",
                                                             "accept": "application/json"})


def response(status: int, reason: str, body: bytes, content_type: str = "application/json; charset=UTF-8"
             ) -> dict[str, Any]:
    return {"status": {"code": status, "message": reason}, "headers": {"content-type": [content_type]},
            "body": {"string": body}}


def error(code: int, status: str, message: str, details: list[Any] | None = None) -> bytes:
    """List-wrapped Google error ([Errors]): `[{"error": {"code", "message", "status"}}]`."""
    inner: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details is not None:
        inner["details"] = details
    return google_json([{"error": inner}])


def ask(text: str, **extra: Any) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}], "model": MODEL, **extra}


def completion(text: str, prompt_tokens: int, completion_tokens: int) -> bytes:
    """Non-stream body ([Shape]): `logprobs: null`, `system_fingerprint: ""`, usage totals."""
    return google_json({
        "choices": [{"finish_reason": "stop", "index": 0, "logprobs": None,
                     "message": {"content": text, "role": "assistant"}}],
        "created": CREATED, "id": "vDA4abCDEFGhIJKlmNOpQr", "model": MODEL, "object": "chat.completion",
        "system_fingerprint": "",
        "usage": {"completion_tokens": completion_tokens, "prompt_tokens": prompt_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    })


def stream(pieces: list[str], prompt_tokens: int, completion_tokens: int) -> bytes:
    """SSE body ([Streaming]): `data: {...}` chunks, no `[DONE]`, usage only on the last chunk."""
    events = []
    for number, piece in enumerate(pieces):
        last = number == len(pieces) - 1
        chunk: dict[str, Any] = {
            "choices": [{"delta": {"content": piece, "role": "assistant"},
                         "finish_reason": "stop" if last else None, "index": 0, "logprobs": None}],
            "created": CREATED, "id": "wDA4abCDEFGhIJKlmNOpQr", "model": MODEL,
            "object": "chat.completion.chunk",
            "system_fingerprint": "",
        }
        if last:
            chunk["usage"] = {"completion_tokens": completion_tokens, "prompt_tokens": prompt_tokens,
                              "total_tokens": prompt_tokens + completion_tokens}
        events.append(b"data: " + google_json(chunk) + b"\n\n")
    return b"".join(events)


UNAUTHENTICATED = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
    "valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
UNAUTHENTICATED_BODY = error(401, "UNAUTHENTICATED", UNAUTHENTICATED)

CASSETTES: dict[str, list[tuple[Request, dict[str, Any]]]] = {
    "text_non_stream": [(
        request(ask("Why is the sky blue? One sentence.")),
        response(200, "OK", completion(
            "The sky looks blue because air molecules scatter the short blue wavelengths of sunlight far "
            "more than the longer red ones.", 9, 25)),
    )],
    "text_stream": [(
        request(ask("Count to five.", stream=True)),
        response(200, "OK", stream(["One, two", ", three, four", ", five."], 5, 12), "text/event-stream"),
    )],
    "error_400_invalid_argument": [(
        request(ask("Hello", reasoning_effort="minimal")),
        response(400, "Bad Request", error(
            400, "INVALID_ARGUMENT",
            "Invalid reasoning_effort: minimal. Valid values are: high, low, medium, none")),
    )],
    # The client refreshes its token once after a 401 and replays the request; Google refuses again.
    "error_401_unauthenticated": [
        (request(ask("Hello")), response(401, "Unauthorized", UNAUTHENTICATED_BODY)),
        (request(ask("Hello")), response(401, "Unauthorized", UNAUTHENTICATED_BODY)),
    ],
    "error_403_permission_denied": [(
        request(ask("Hello")),
        response(403, "Forbidden", error(
            403, "PERMISSION_DENIED",
            "Permission 'aiplatform.endpoints.predict' denied on resource "
            "'//aiplatform.googleapis.com/projects/PROJECT_ID/locations/global/endpoints/openapi' "
            "(or it may not exist).")),
    )],
    "error_404_not_found": [(
        request(
            {"messages": [{"role": "user", "content": "Hello"}], "model": "google/gemini-3-pro-preview"}),
        response(404, "Not Found", error(
            404, "NOT_FOUND",
            "Publisher model `projects/PROJECT_ID/locations/us-central1/publishers/google/models/"
            "gemini-3-pro-preview` was not found or your project does not have access to it.")),
    )],
    "error_429_resource_exhausted": [(
        request(ask("Hello")),
        response(429, "Too Many Requests", error(
            429, "RESOURCE_EXHAUSTED",
            "Resource exhausted. Please try again later. Please refer to "
            "https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.",
            [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "17s"}])),
    )],
    "error_503_unavailable": [(
        request(ask("Hello")),
        response(503, "Service Unavailable",
                 error(503, "UNAVAILABLE", "The service is currently unavailable.")),
    )],
}


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for name, interactions in CASSETTES.items():
        cassette = {"requests": [r for r, _ in interactions], "responses": [s for _, s in interactions]}
        text = serialize(cassette, yamlserializer)
        (HERE / f"{name}.yaml").write_text(text, encoding="utf-8")
        print(f"wrote cassettes/core/{name}.yaml ({len(interactions)} interaction(s))")


if __name__ == "__main__":
    main()
