"""What the sync and async Responses resources share: request routing, refusals, the store, events.

The SDK's own `responses.create/parse/stream/retrieve/delete` build their request as usual and hand it
to the resource's `_post`/`_get`/`_delete`; the bridge answers those calls locally (store) or through
the client's `chat.completions.create`, never with a request to a `/responses` URL (the resources post the
few models Vertex serves natively there themselves, see `_native`).
"""

from __future__ import annotations

import copy
import re
import time
import typing
from collections.abc import Mapping
from typing import Any

from ._errors import ResponsesNotSupportedError
from ._output import build_response, new_id, response_from_completion
from ._params import ChatPlan, plan_chat_request
from ._parsing import parse_tolerantly
from ._store import ResponseStore

__all__ = ["Bridge", "refuse"]

_RESPONSE_PATH = re.compile(r"^/responses/(?P<id>[^/]+)$")
_INPUT_ITEMS_PATH = re.compile(r"^/responses/(?P<id>[^/]+)/input_items$")

_PATH_FEATURES = (
    (re.compile(r"^/responses/[^/]+/cancel$"), "responses.cancel",
     "Responses here finish before create() returns (there is no background mode), so there is nothing to cancel; "
     "to stop a stream early, close it."),
    (re.compile(r"^/responses/compact$"), "responses.compact",
     "Trim the input yourself (Gemini's context window is large), or keep fewer items."),
    (re.compile(r"^/responses/input_tokens$"), "responses.input_tokens.count",
     "Use usage.input_tokens from a response, or Vertex AI's countTokens method through google-genai."),
)


def refuse(feature: str, alternative: str) -> typing.NoReturn:
    raise ResponsesNotSupportedError(feature, alternative)


_DEFAULT_LIST_LIMIT = 20  # the SDK documents `limit` as 1..100, default 20


def _item_id(generated: str, response_id: str, position: int) -> str:
    """The id an input item without one is listed under (the prefix of `generated`, a digest of where the item
    is): the same on every call, so `after` / `before` find it again."""
    from hashlib import sha256

    digest = sha256(f"{response_id}\0{position}".encode()).hexdigest()[:32]
    return f"{generated.split('_', 1)[0]}_{digest}"


def _input_item_view(item: Mapping[str, Any]) -> dict[str, Any]:
    """An input item as `input_items.list` shows it (ids and statuses filled in, string content as parts)."""
    data = copy.deepcopy(dict(item))  # the page is the caller's to change
    kind = data.get("type") or "message"
    data["type"] = kind
    if kind == "message":
        data.setdefault("id", new_id("msg"))
        data.setdefault("status", "completed")
        if isinstance(data.get("content"), str):
            part = "output_text" if data.get("role") == "assistant" else "input_text"
            data["content"] = [{"type": part, "text": data["content"], "annotations": []}]
    elif kind == "function_call":
        data.setdefault("id", new_id("fc"))
        data.setdefault("status", "completed")
    elif kind == "function_call_output":
        data.setdefault("id", new_id("fco"))
        data.setdefault("status", "completed")
    return data


class Bridge:
    """Store access and request planning for one client (and its copies, which share the store)."""

    def __init__(self, store: ResponseStore) -> None:
        self.store = store

    # -- routing -------------------------------------------------------------------------------------------
    @staticmethod
    def check_post(path: str, options: Mapping[str, Any]) -> None:
        for pattern, feature, alternative in _PATH_FEATURES:
            if pattern.match(path):
                refuse(feature, alternative)
        if path != "/responses":
            refuse(f"POST {path}", "Only responses.create / parse / stream are bridged to Chat Completions.")

    @staticmethod
    def response_id_of(path: str) -> str:
        match = _RESPONSE_PATH.match(path)
        if match is None:
            refuse(f"GET/DELETE {path}", "Only responses.retrieve, delete and input_items.list are bridged.")
        return match["id"]

    def retrieve(self, path: str, stream: bool) -> Any:
        response_id = self.response_id_of(path)
        if stream:
            refuse("responses.retrieve(stream=True) / responses.stream(response_id=...)",
                   "Responses are complete when they are stored; use responses.retrieve(id) without stream.")
        return self.store.response_copy(response_id)

    def delete(self, path: str) -> None:
        self.store.delete(self.response_id_of(path))

    def input_items(self, path: str, options: Mapping[str, Any]) -> dict[str, Any]:
        match = _INPUT_ITEMS_PATH.match(path)
        if match is None:
            refuse(f"GET {path}", "Only responses.input_items.list is bridged.")
        entry = self.store.get(match["id"])
        query = options.get("params") or {}
        items = []
        for position, item in enumerate(entry.input_items):
            view = _input_item_view(item)
            if "id" in view and not item.get("id"):  # a generated id: the same one on every call
                view["id"] = _item_id(view["id"], match["id"], position)
            items.append(view)
        if query.get("order", "desc") == "desc":
            items.reverse()
        ids = [item.get("id") for item in items]
        after, before = query.get("after"), query.get("before")
        start = (ids.index(after) + 1 if after in ids else len(ids)) if after else 0
        end = (ids.index(before) if before in ids else 0) if before else len(ids)
        window = items[start:max(start, end)]
        limit = query.get("limit")
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            limit = _DEFAULT_LIST_LIMIT
        more = len(window) > limit
        # `before` alone asks for the page that ends at that item; otherwise pages run forward from `after`
        page = window[-limit:] if before and not after else window[:limit]
        return {"object": "list", "data": page, "has_more": more,
                "first_id": page[0]["id"] if page else None, "last_id": page[-1]["id"] if page else None}

    # -- create --------------------------------------------------------------------------------------------
    def plan(self, body: Mapping[str, Any], options: Mapping[str, Any]) -> ChatPlan:
        previous = body.get("previous_response_id")
        parent = self.store.get(previous) if previous else None
        extra_json = options.get("extra_json")
        plan = plan_chat_request(body, history=parent.conversation if parent is not None else None,
                                 signatures=self.store.signature,
                                 extra_json=extra_json if isinstance(extra_json, Mapping) else None)
        plan.parent = parent
        return plan

    @staticmethod
    def request_options(options: Mapping[str, Any]) -> dict[str, Any]:
        """The per-request SDK options of the Responses call, for the chat call."""
        out: dict[str, Any] = {}
        if options.get("headers"):
            out["extra_headers"] = options["headers"]
        if options.get("params"):
            out["extra_query"] = options["params"]
        if "timeout" in options:
            out["timeout"] = options["timeout"]
        return out

    def finish(self, completion: Any, plan: ChatPlan, body: Mapping[str, Any], options: Mapping[str, Any]) -> Any:
        data, assistant, signed = response_from_completion(
            completion, plan.echo, response_id=new_id("resp"), created_at=int(time.time()),
            want_summary=plan.want_summary, json_output=plan.json_output,
        )
        response = build_response(data)
        self.remember(response, plan, assistant, signed, body)
        parser = options.get("post_parser")
        return parse_tolerantly(parser, response) if callable(parser) else response

    def remember(self, response: Any, plan: ChatPlan, assistant: dict[str, Any] | None, signed: dict[str, Any],
                 body: Mapping[str, Any]) -> None:
        self.store.remember_signatures(signed)
        if body.get("store") is False:
            return
        added = (*plan.added, assistant) if assistant is not None else tuple(plan.added)
        self.store.add(response.id, response.model_copy(deep=True), tuple(plan.input_items), added, plan.parent)
