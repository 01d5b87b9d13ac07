"""A chat request as one line of Vertex AI batch prediction input, and one output line back as a result.

Gemini lines are Gemini's own `GenerateContentRequest` (`{"request": {...}}`): system messages become
`systemInstruction`; user/assistant messages become `contents` with roles `user`/`model`; text parts
become `text`, `gs://` and http(s) media `fileData {fileUri, mimeType}`, data URLs `inlineData
{mimeType, data}`. `generationConfig` asks for `application/json` with the schema in
`responseJsonSchema` (our `jsonschema` profile, the default) or `responseSchema` (`openapi` profile).
Each request carries a row key in `labels`: Google's output echoes every request beside its response,
so the key ties each output line to its item whatever the order of the output.

Models other than Gemini (OpenAI-format MaaS models such as Llama) take OpenAI chat lines
(`{"custom_id", "method", "url", "body"}`) with the chat body as it is; Vertex ignores `custom_id`
there, so their rows are tied by a digest of the echoed request instead.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from ..gemini import detect_mime_type
from ..structured import StructuredOutputError, adapt_schema, strict_schema_for, strip_json_fences

__all__ = [
    "ROW_LABEL",
    "is_gemini",
    "openai_batch_line",
    "parse_output_line",
    "request_digest",
    "response_schema",
    "to_gemini_request",
]

ROW_LABEL = "vertex_openai_row"
_ROLES = {"user": "user", "assistant": "model"}


def is_gemini(model: str) -> bool:
    name = model.split("/", 1)[1] if model.startswith(("google/", "publishers/google/models/")) else model
    return name.rsplit("/", 1)[-1].startswith("gemini")


def gemini_model_path(model: str) -> str:
    """`publishers/google/models/<name>` for `google/<name>` or `<name>`."""
    if model.startswith("publishers/") or model.startswith("projects/"):
        return model
    return f"publishers/google/models/{model.split('/', 1)[-1]}"


def response_schema(response_format: Any, profile: str) -> tuple[str, dict[str, Any]]:
    """(`responseJsonSchema` or `responseSchema`, the adapted schema) for a pydantic model or a JSON schema."""
    schema = response_format if isinstance(response_format, Mapping) else strict_schema_for(response_format)
    if profile == "openapi":
        return "responseSchema", adapt_schema(schema, profile="openapi")
    return "responseJsonSchema", adapt_schema(schema, profile="jsonschema")


def _url_part(url: str, mime: str | None) -> dict[str, Any]:
    if url.startswith("data:"):
        header, _, data = url.partition(",")
        return {"inlineData": {"mimeType": header[5:].split(";", 1)[0], "data": data}}
    return {"fileData": {"fileUri": url, "mimeType": mime or detect_mime_type(url)}}


def _parts(content: Any, where: str) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"text": content}]
    if not isinstance(content, Sequence):
        raise ValueError(f"{where}: message content must be a string or a list of parts")
    parts: list[dict[str, Any]] = []
    for part in content:
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind == "text":
            parts.append({"text": str(part["text"])})
        elif kind == "image_url":
            image = part["image_url"]
            parts.append(_url_part(image if isinstance(image, str) else str(image["url"]), None))
        elif kind == "input_audio":
            audio = part["input_audio"]
            fmt = str(audio.get("format") or "")
            parts.append(_url_part(str(audio["data"]), fmt if "/" in fmt else f"audio/{fmt}" if fmt else None))
        else:
            raise ValueError(f"{where}: a {kind!r} content part has no batch equivalent")
    return parts


def to_gemini_request(messages: Sequence[Mapping[str, Any]], *, schema_field: str, schema: Mapping[str, Any],
                      options: Mapping[str, Any], row_key: str) -> dict[str, Any]:
    """The `GenerateContentRequest` for one chat request (see the module docstring)."""
    system: list[dict[str, Any]] = []
    contents: list[dict[str, Any]] = []
    for n, message in enumerate(messages):
        role = message.get("role")
        where = f"message {n}"
        if role in ("system", "developer"):
            system.extend(_parts(message.get("content"), where))
        elif role in _ROLES:
            contents.append({"role": _ROLES[role], "parts": _parts(message.get("content"), where)})
        else:
            raise ValueError(f"{where}: role {role!r} has no batch equivalent")
    config: dict[str, Any] = {"responseMimeType": "application/json", schema_field: dict(schema)}
    for ours, theirs in (("temperature", "temperature"), ("top_p", "topP"), ("seed", "seed"),
                         ("max_tokens", "maxOutputTokens"), ("max_completion_tokens", "maxOutputTokens")):
        if options.get(ours) is not None:
            config[theirs] = options[ours]
    stop = options.get("stop")
    if stop:
        config["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
    google = ((options.get("extra_body") or {}).get("extra_body") or {}).get("google") or {}
    thinking = google.get("thinking_config")
    if isinstance(thinking, Mapping):
        names = {"thinking_budget": "thinkingBudget", "include_thoughts": "includeThoughts",
                 "thinking_level": "thinkingLevel"}
        config["thinkingConfig"] = {names.get(k, k): v for k, v in thinking.items()}
    request: dict[str, Any] = {"contents": contents, "generationConfig": config, "labels": {ROW_LABEL: row_key}}
    if system:
        request["systemInstruction"] = {"parts": system}
    return request


def openai_batch_line(body: Mapping[str, Any], row_key: str) -> dict[str, Any]:
    """An OpenAI-format batch line (MaaS models): the chat body as it is."""
    return {"custom_id": row_key, "method": "POST", "url": "/v1/chat/completions", "body": dict(body)}


def request_digest(request: Any) -> str:
    """A digest of a request's canonical JSON (labels left out), to tie rows whose key was not echoed."""
    if isinstance(request, Mapping):
        request = {k: v for k, v in request.items() if k != "labels"}
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.blake2b(canonical.encode("utf-8"), digest_size=16).hexdigest()


def _usage(metadata: Any) -> dict[str, int]:
    if not isinstance(metadata, Mapping):
        return {}
    prompt = int(metadata.get("promptTokenCount", 0) or 0)
    completion = int(metadata.get("candidatesTokenCount", 0) or 0) + int(metadata.get("thoughtsTokenCount", 0) or 0)
    total = int(metadata.get("totalTokenCount", 0) or 0) or prompt + completion
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total}


def _gemini_text(response: Mapping[str, Any]) -> str | None:
    for candidate in response.get("candidates") or []:
        parts = ((candidate or {}).get("content") or {}).get("parts") or []
        texts = [str(p["text"]) for p in parts if isinstance(p, Mapping) and "text" in p and not p.get("thought")]
        if texts:
            return "".join(texts)
    return None


def _openai_body(response: Mapping[str, Any]) -> Mapping[str, Any]:
    body = response.get("body")
    return body if isinstance(body, Mapping) else response


def _openai_text(response: Mapping[str, Any]) -> str | None:
    body = _openai_body(response)
    for choice in body.get("choices") or []:
        content = ((choice or {}).get("message") or {}).get("content")
        if isinstance(content, str):
            return content
    return None


def _openai_usage(response: Mapping[str, Any]) -> dict[str, int]:
    usage = _openai_body(response).get("usage")
    if not isinstance(usage, Mapping):
        return {}
    return {k: int(usage.get(k, 0) or 0) for k in ("prompt_tokens", "completion_tokens", "total_tokens")}


def parse_output_line(line: Mapping[str, Any], validate: Any) -> dict[str, Any]:
    """One output line as a result record without its id: `{"ok": True, "result", "usage"}` or an error."""
    status = line.get("status")
    response = line.get("response")
    if status or not isinstance(response, Mapping):
        message = str(status or "the batch job returned no response for this row")
        return {"ok": False, "error": {"type": "batch_error", "message": message}}
    gemini = "candidates" in response or "usageMetadata" in response
    text = _gemini_text(response) if gemini else _openai_text(response)
    usage = _usage(response.get("usageMetadata")) if gemini else _openai_usage(response)
    if text is None:
        reason = ((response.get("candidates") or [{}])[0] or {}).get("finishReason") if gemini else None
        record: dict[str, Any] = {"ok": False, "error": {"type": "validation",
                                                           "message": f"no text in the response ({reason})"}}
    else:
        try:
            record = {"ok": True, "result": validate(strip_json_fences(text))}
        except StructuredOutputError as err:
            record = {"ok": False, "error": {"type": "validation", "message": str(err).split("\nRaw output:", 1)[0],
                                             "raw": text}}
    if usage:
        record["usage"] = usage
    return record
