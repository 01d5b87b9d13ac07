"""Contract tests: one per openai SDK touchpoint listed in `src/vertex_openai/_sdk.py`.

Each test exercises the behaviour we rely on, the way our code uses it (exceptions built exactly as `_sdk` builds
them, seams called the way the SDK calls them, a `Stream` constructed as the SDK constructs it and read). A
failure names the touchpoint and the installed openai release, so a new release that moves a seam fails here,
in CI, before a user meets it. Google's bytes used here come from the loopback fake (constructed, not recorded).
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import openai
import pydantic
import pytest
from openai.pagination import AsyncCursorPage, SyncCursorPage
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from vertex_openai import _sdk, async_vertex_openai_client, vertex_openai_client
from vertex_openai.testing import FakeVertex, Fault, Reply, google_error_body

MODEL = "gemini-2.5-flash"
MESSAGES: Any = [{"role": "user", "content": "hi"}]
TOKEN = "ya29.CONTRACT-" + "c" * 40
URL = "https://aiplatform.googleapis.com/v1/projects/p/locations/global/endpoints/openapi/chat/completions"


@contextmanager
def touchpoint(name: str) -> Iterator[None]:
    """Turn any failure inside into one that names the SDK touchpoint and the installed openai release."""
    try:
        yield
    except Exception as err:
        pytest.fail(f"openai {_sdk.sdk_release()}: SDK touchpoint `{name}` no longer behaves as vertex-openai "
                    f"relies on ({type(err).__name__}: {err}). See the table in src/vertex_openai/_sdk.py.",
                    pytrace=True)


def _request(headers: dict[str, str] | None = None) -> Any:
    request = _sdk.placeholder_request("POST", URL)
    for name, value in (headers or {}).items():
        request.headers[name] = value
    return request


def _client(fake: FakeVertex, **kwargs: Any) -> Any:
    fake.accept_token(TOKEN)
    kwargs.setdefault("max_retries", 0)
    return vertex_openai_client("fake-project", base_url=fake.base_url, credentials=lambda: TOKEN, **kwargs)


# -- exceptions ------------------------------------------------------------------------------------------
def test_api_error_constructor() -> None:
    with touchpoint("APIError(message, request, *, body)"):
        body = {"code": 499, "status": "CANCELLED", "message": "gone", "param": None, "type": "x"}
        err = _sdk.api_error("Vertex AI ended the stream", _request(), body=body)
        assert isinstance(err, openai.APIError) and not isinstance(err, openai.APIStatusError)
        assert err.message == "Vertex AI ended the stream" and str(err) == err.message
        # the SDK copies body["code"] (as text from 3.x, as given on 1.x/2.x); we overwrite it with Google's status
        assert err.body is body and str(err.code) == "499"
        text_err = _sdk.api_error("malformed", _request(), body="data: {oops")
        assert text_err.body == "data: {oops" and text_err.code is None
        text_err.code = "CANCELLED"  # we set Google's status as .code: the attribute must stay writable
        assert text_err.code == "CANCELLED"


def test_api_error_keeps_the_request() -> None:
    with touchpoint("APIError(message, request, *, body).request"):
        err = _sdk.api_error("Vertex AI ended the stream", _request({"x-trace": "t1"}), body=None)
        assert err.request.method == "POST" and str(err.request.url) == URL
        assert err.request.headers["x-trace"] == "t1"


def test_connection_and_timeout_error_constructors() -> None:
    with touchpoint("APIConnectionError(*, message, request) / APITimeoutError(request)"):
        request = _request()
        lost = _sdk.connection_error("Connection lost while streaming", request)
        assert isinstance(lost, openai.APIConnectionError) and lost.message == "Connection lost while streaming"
        assert str(lost.request.url) == URL and lost.body is None
        timeout = _sdk.timeout_error(request)
        assert isinstance(timeout, openai.APITimeoutError) and isinstance(timeout, openai.APIConnectionError)
        assert str(timeout.request.url) == URL


def test_response_validation_error_constructor() -> None:
    with touchpoint("APIResponseValidationError(response, body, *, message)"):
        response = httpx.Response(200, content=b'{"choices": [', request=_request())
        err = _sdk.response_validation_error(response, '{"choices": [', "Vertex AI returned a malformed body")
        assert isinstance(err, openai.APIResponseValidationError)
        assert err.status_code == 200 and err.body == '{"choices": ['
        assert err.message == "Vertex AI returned a malformed body" and str(err.request.url) == URL
        assert err.response.status_code == 200


def test_errors_keep_no_credentials_on_every_major() -> None:
    with touchpoint("APIError keeps the request it is given (3.60+: without its own key headers)"):
        secret = {"Authorization": "Bearer " + TOKEN, "x-goog-api-key": "AIza-contract", "x-trace": "t2"}
        hop_request = _request(secret)
        hop = httpx.Response(307, headers={"location": URL}, request=hop_request)
        final_request = _request(secret)
        response = httpx.Response(429, json=google_error_body(429, "RESOURCE_EXHAUSTED", "quota"),
                                  request=final_request, history=[hop])
        err = openai.RateLimitError("quota", response=response, body=None)
        _sdk.scrub_error(err)
        for request in (err.request, err.response.request, err.response.history[0].request):
            names = {name.lower() for name in request.headers}
            assert not names & {"authorization", "x-goog-api-key"}, sorted(names)
            assert request.headers["x-trace"] == "t2"
        assert err.response.status_code == 429 and err.response.json()[0]["error"]["status"] == "RESOURCE_EXHAUSTED"
        assert final_request.headers["authorization"] == "Bearer " + TOKEN  # the sent request itself is untouched
        sdk_own = _sdk.SECRET_HEADERS
        assert {"authorization", "api-key"} <= sdk_own


# -- client seams (called by the SDK itself, against the loopback fake) ------------------------------------
def test_prepare_options_seam(fake: FakeVertex) -> None:
    with touchpoint("OpenAI._prepare_options(options) (sync) / AsyncOpenAI._prepare_options (async)"):
        _client(fake).chat.completions.create(model=MODEL, messages=MESSAGES)
        assert fake.chat_requests[-1].json["model"] == "google/gemini-2.5-flash"

        async def main() -> None:
            client = async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=lambda: TOKEN)
            await client.chat.completions.create(model=MODEL, messages=MESSAGES)
            await client.close()

        asyncio.run(main())
        assert fake.chat_requests[-1].json["model"] == "google/gemini-2.5-flash"


def test_prepare_request_and_custom_auth_seams(fake: FakeVertex) -> None:
    with touchpoint("_prepare_request(request) / custom_auth / _custom_auth(security)"):
        client = _client(fake)
        client.chat.completions.create(model=MODEL, messages=MESSAGES)
        assert fake.chat_requests[-1].token == TOKEN
        assert client.custom_auth is not None


def test_make_status_error_seam(fake: FakeVertex) -> None:
    with touchpoint("_make_status_error(err_msg, *, body, response)"):
        fake.fail_next(Fault(status=429, body=google_error_body(429, "RESOURCE_EXHAUSTED", "Resource exhausted.")))
        with pytest.raises(openai.RateLimitError) as info:
            _client(fake).chat.completions.create(model=MODEL, messages=MESSAGES)
        assert info.value.code == "RESOURCE_EXHAUSTED" and info.value.status_code == 429
        assert "Resource exhausted." in str(info.value)
        assert "authorization" not in {n.lower() for n in info.value.request.headers}


def test_process_response_seam(fake: FakeVertex) -> None:
    with touchpoint("_process_response(**kwargs)"):
        fake.fail_next(Fault(status=200, body=b'{"choices": [{"finish_reason": "stop", "index": 0, "mess'))
        with pytest.raises(openai.APIResponseValidationError, match="malformed or truncated JSON"):
            _client(fake).chat.completions.create(model=MODEL, messages=MESSAGES)


def test_process_response_data_seam(fake: FakeVertex) -> None:
    with touchpoint("_process_response_data(*, data, cast_to, response)"):
        call = {"function": {"arguments": "{}", "name": "f"}, "id": "", "type": "function"}
        fake.reply_next(Reply(content=None, tool_calls=[call], finish_reason="tool_calls"))
        chunks = list(_client(fake).chat.completions.create(model=MODEL, messages=MESSAGES, stream=True))
        deltas = [c.choices[0].delta.tool_calls[0] for c in chunks if c.choices and c.choices[0].delta.tool_calls]
        assert isinstance(chunks[0], ChatCompletionChunk)
        assert deltas and deltas[0].index == 0 and deltas[0].id  # Google sends neither: repaired at the seam


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_request_wrapper() -> None:
    with touchpoint("request(...) raises the SDK's APIError subclasses"):
        url = f"http://127.0.0.1:{_closed_port()}/v1/projects/p/locations/global/endpoints/openapi"
        client = vertex_openai_client("p", base_url=url, credentials=lambda: TOKEN, max_retries=0)
        with pytest.raises(openai.APIConnectionError) as info:
            client.chat.completions.create(model=MODEL, messages=MESSAGES)
        assert "authorization" not in {n.lower() for n in info.value.request.headers}


# -- streams ---------------------------------------------------------------------------------------------
def _sse_response(body: bytes) -> Any:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body, request=_request())


def test_stream_constructed_as_the_sdk_does_reads_through_our_decoder() -> None:
    with touchpoint("Stream(cast_to=, response=, client=) calls client._make_sse_decoder() after setting response"):
        client = vertex_openai_client("p", credentials=lambda: TOKEN)
        chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
                 "choices": [{"index": 0, "delta": {"role": "assistant", "content": "hi"}}]}
        body = b"data: " + json.dumps(chunk).encode() + b"\n\n" + json.dumps(
            google_error_body(499, "CANCELLED", "gone")).encode() + b"\n"
        response = _sse_response(body)
        stream = openai.Stream(cast_to=ChatCompletionChunk, response=response, client=client)
        got = []
        with pytest.raises(openai.APIError) as info:
            for item in stream:
                got.append(item)
        assert [c.choices[0].delta.content for c in got] == ["hi"]
        assert info.value.code == "CANCELLED"
        assert info.value.request.url == response.request.url  # the streamed request, not a stand-in


def test_stream_internals_for_an_event_stream() -> None:
    with touchpoint("Stream internals _client/_cast_to/_options/_iterator (Stream without __init__)"):
        client = vertex_openai_client("p", credentials=lambda: TOKEN)
        source = openai.Stream(cast_to=ChatCompletionChunk, response=_sse_response(b"data: [DONE]\n\n"), client=client)
        events: Any = openai.Stream.__new__(openai.Stream)
        _sdk.init_event_stream(events, source=source, iterator=iter(["a", "b"]))
        assert list(events) == ["a", "b"]
        assert events.response is source.response
        with events:
            pass
        assert source.response.is_closed


def test_sse_decoder_base() -> None:
    with touchpoint("openai._streaming.SSEDecoder / ServerSentEvent"):
        decoder = _sdk.SSEDecoder()
        lines = ["event: message", "id: 7", 'data: {"a": 1}', ""]
        events = [e for e in (decoder.decode(line) for line in lines) if e is not None]
        assert len(events) == 1 and isinstance(events[0], _sdk.ServerSentEvent)
        assert (events[0].event, events[0].id, events[0].json()) == ("message", "7", {"a": 1})
        assert [e.data for e in _sdk.SSEDecoder().iter_bytes(iter([b"data: x\n\n", b"data: y\n\n"]))] == ["x", "y"]


# -- request options, models, pages ------------------------------------------------------------------------
def test_final_request_options_fields() -> None:
    with touchpoint("openai._models.FinalRequestOptions (json_data, url, extra_json, post_parser, params)"):
        options = _sdk.FinalRequestOptions.construct(method="post", url="/chat/completions",
                                                     json_data={"model": "m"}, extra_json={"k": 1})
        assert options.json_data == {"model": "m"} and options.url == "/chat/completions"
        assert options.extra_json == {"k": 1}
        fields = getattr(_sdk.FinalRequestOptions, "model_fields", None) or _sdk.FinalRequestOptions.__fields__
        assert {"json_data", "url", "extra_json", "post_parser", "params", "headers", "method"} <= set(fields)
        listing = _sdk.list_options("/responses/r/input_items", {"limit": 2})
        assert listing.method == "get" and listing.params == {"limit": 2}


def test_construct_type() -> None:
    with touchpoint("openai._models.construct_type(type_=, value=)"):
        data = {"id": "x", "object": "chat.completion", "created": 1, "model": "m",
                "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "hi"}}]}
        built = _sdk.construct_type(type_=ChatCompletion, value=data)
        assert isinstance(built, ChatCompletion) and built.choices[0].message.content == "hi"


def test_make_request_options() -> None:
    with touchpoint("openai._base_client.make_request_options"):
        options = _sdk.make_request_options(extra_headers={"h": "1"}, extra_query={"q": "2"}, extra_body={"b": 3},
                                            timeout=5.0)
        assert options["headers"] == {"h": "1"} and options["params"] == {"q": "2"}
        assert options["extra_json"] == {"b": 3} and options["timeout"] == 5.0


def _fetcher(items: list[dict[str, Any]], calls: list[dict[str, Any]]) -> Any:
    def fetch(path: str, params: dict[str, Any]) -> dict[str, Any]:
        calls.append(dict(params))
        ids = [item["id"] for item in items]
        start = ids.index(params["after"]) + 1 if params.get("after") else 0
        page = items[start:start + params["limit"]]
        return {"object": "list", "data": page, "has_more": start + len(page) < len(items)}

    return fetch


class _Item(openai.BaseModel):
    id: str


def test_page_private_attributes_and_next_page() -> None:
    with touchpoint("page._set_private_attributes / page._client._request_api_list (next page)"):
        items = [{"id": f"i{n}"} for n in range(5)]
        calls: list[dict[str, Any]] = []
        page = _sdk.local_list_page(SyncCursorPage[_Item], _Item, "/things", {"limit": 2}, _fetcher(items, calls))
        assert [i.id for i in page] == ["i0", "i1", "i2", "i3", "i4"]  # SyncCursorPage iteration, 3 pages
        assert calls == [{"limit": 2}, {"limit": 2, "after": "i1"}, {"limit": 2, "after": "i3"}]


def test_async_paginator_over_a_local_page() -> None:
    with touchpoint("openai._base_client.AsyncPaginator(client=, options=, page_cls=, model=) / _get_page"):
        items = [{"id": f"i{n}"} for n in range(3)]
        calls: list[dict[str, Any]] = []

        async def main() -> tuple[list[str], list[str]]:
            def paginator() -> Any:
                first = _sdk.local_list_page(AsyncCursorPage[_Item], _Item, "/things", {"limit": 2},
                                             _fetcher(items, calls), is_async=True)
                return _sdk.local_async_paginator(first, client=None, options=_sdk.list_options("/things"),
                                                  page_cls=AsyncCursorPage[_Item], model=_Item)

            walked = [i.id async for i in paginator()]
            page = await paginator()
            return walked, [i.id for i in page.data]

        walked, first = asyncio.run(main())
        assert walked == ["i0", "i1", "i2"] and first == ["i0", "i1"]


def test_resource_transport_and_list_seams(fake: FakeVertex) -> None:
    with touchpoint("resource __init__(client), _client, _post/_get/_delete, _get_api_list"):
        client = _client(fake)
        created = client.responses.create(model=MODEL, input=[{"role": "user", "content": f"m{i}"} for i in range(3)])
        sent = len(fake.requests)
        assert client.responses.retrieve(created.id).id == created.id  # _get from the store
        assert [i.content[0].text for i in client.responses.input_items.list(created.id, limit=1)] == ["m2", "m1", "m0"]
        client.responses.delete(created.id)  # _delete
        assert len(fake.requests) == sent  # nothing sent for retrieve, list pages, delete


def test_resource_post_to_an_absolute_url_with_a_post_parser(fake: FakeVertex) -> None:
    from openai.types import CreateEmbeddingResponse

    with touchpoint("resource _post(absolute url, body, cast_to, options); make_request_options(post_parser=)"):
        client = _client(fake)
        url = fake.base_url.replace("/endpoints/openapi", "/publishers/google/models/text-embedding-005:predict")
        seen: list[int] = []

        def parser(answer: Any) -> Any:
            seen.append(len(answer.data))
            return answer

        options = _sdk.make_request_options(extra_headers={"x-contract": "1"}, post_parser=parser)
        answer = _sdk.resource_post(client.embeddings, url, body={"instances": [{"content": "a"}]},
                                    cast_to=CreateEmbeddingResponse, options=options)
        assert isinstance(answer, CreateEmbeddingResponse) and seen == [1]
        [sent] = fake.requests
        assert sent.path.endswith("/text-embedding-005:predict") and sent.token_valid
        assert sent.headers["x-contract"] == "1"


def test_raw_response_protocol(fake: FakeVertex) -> None:
    with touchpoint("RAW_RESPONSE_HEADER; raw-response objects (__dict__, parse())"):
        assert _sdk.RAW_RESPONSE_HEADER == "X-Stainless-Raw-Response"
        client = _client(fake)
        raw = client.responses.with_raw_response.create(model=MODEL, input="hi")
        parsed = raw.parse()
        assert type(parsed).__name__ == "Response" and parsed.output_text == "You said: hi"
        assert raw.headers.get("content-type", "").startswith("application/json")
        clone = _sdk.clone_raw_response(raw, type(raw))
        assert clone.http_response is raw.http_response


# -- structured output -------------------------------------------------------------------------------------
class _Answer(pydantic.BaseModel):
    city: str
    population: int | None = None


def test_strict_json_schema() -> None:
    with touchpoint("openai.lib._pydantic.to_strict_json_schema"):
        schema = _sdk.strict_json_schema(_Answer)
        assert schema["type"] == "object" and schema["additionalProperties"] is False
        assert set(schema["required"]) == {"city", "population"}  # strict mode: every property required


def test_pydantic_function_tool() -> None:
    with touchpoint("openai.lib._tools.PydanticFunctionTool(defn, model)"):
        tool = _sdk.pydantic_function_tool({"name": "answer", "parameters": {"type": "object"}}, _Answer)
        assert tool["name"] == "answer" and tool.model is _Answer
        sdk_tool = openai.pydantic_function_tool(_Answer)
        assert type(sdk_tool["function"]) is type(tool)  # the class parse() recognises


def test_omit_and_secret_header_names() -> None:
    with touchpoint("openai.Omit; openai._utils._logs.SENSITIVE_HEADERS (3.60+)"):
        omit = getattr(openai, "omit", None) or openai.Omit()
        assert isinstance(omit, _sdk.Omit)
        assert "authorization" in _sdk.SECRET_HEADERS and "x-goog-api-key" in _sdk.SECRET_HEADERS


def test_client_attributes(fake: FakeVertex) -> None:
    with touchpoint("client __init__ keywords; _client, _custom_headers, _custom_query"):
        client = _client(fake, default_headers={"x-team": "a"}, default_query={"q": "1"})
        http = _sdk.http_client(client)
        assert callable(http.send) and isinstance(http.event_hooks, dict)  # httpx / httpx2 client API
        assert dict(_sdk.custom_headers(client)) == {"x-team": "a"}
        assert dict(_sdk.custom_query(client)) == {"q": "1"}
        copy = client.with_options(timeout=3.0)
        assert dict(_sdk.custom_headers(copy)) == {"x-team": "a"} and _sdk.http_client(copy) is http
        assert getattr(client, "admin_api_key", None) is None


# -- the responses.stream() helpers ---------------------------------------------------------------------------
_WRONG_CITY = '{"city": "Paris", "population": "many"}'


class _City(pydantic.BaseModel):
    city: str
    population: int


class _Converted(Exception):
    def __init__(self, text: str, err: Exception) -> None:
        super().__init__(text)
        self.text, self.err = text, err


def test_response_stream_manager_class_switch(fake: FakeVertex) -> None:
    from openai.lib.streaming.responses import ResponseStream, ResponseStreamManager
    from openai.resources.responses import Responses

    with touchpoint("openai.lib.streaming.responses.ResponseStreamManager.__enter__ -> ResponseStream; "
                    "__class__ switch keeps state; text_format parse errors raised by ResponseStream.__next__"):
        client = _client(fake)
        fake.reply_next(Reply(content='{"city": "Paris", "population": 2}'))
        manager = Responses.stream(client.responses, model=MODEL, input="city?", text_format=_City)  # the SDK's own
        assert type(manager) is ResponseStreamManager
        assert _sdk.convert_response_stream_errors(manager, (pydantic.ValidationError,), _Converted) is manager
        assert isinstance(manager, ResponseStreamManager) and type(manager) is not ResponseStreamManager
        with manager as stream:
            assert isinstance(stream, ResponseStream) and type(stream) is not ResponseStream  # switched in place
            kinds = [event.type for event in stream]  # through our __next__ / __iter__: the SDK's state advances
            final = stream.get_final_response()
        assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
        assert final.output_parsed == _City(city="Paris", population=2)

        fake.reply_next(Reply(content=_WRONG_CITY))
        manager = _sdk.convert_response_stream_errors(
            Responses.stream(client.responses, model=MODEL, input="city?", text_format=_City),
            (pydantic.ValidationError,), _Converted)
        seen: list[str] = []
        with pytest.raises(_Converted) as info, manager as stream:
            while True:
                seen.append(next(stream).type)  # the parse failure surfaces from __next__, not from __exit__
        assert info.value.text == _WRONG_CITY and isinstance(info.value.err, pydantic.ValidationError)
        assert "response.output_text.delta" in seen and "response.completed" not in seen


def test_async_response_stream_manager_class_switch(fake: FakeVertex) -> None:
    from openai.lib.streaming.responses import AsyncResponseStream, AsyncResponseStreamManager
    from openai.resources.responses import AsyncResponses

    with touchpoint("openai.lib.streaming.responses.AsyncResponseStreamManager.__aenter__ -> AsyncResponseStream; "
                    "__class__ switch keeps state; text_format parse errors raised by AsyncResponseStream.__anext__"):
        async def main() -> tuple[Any, _Converted]:
            client = async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=lambda: TOKEN,
                                                max_retries=0)
            fake.reply_next(Reply(content='{"city": "Paris", "population": 2}'))
            manager = AsyncResponses.stream(client.responses, model=MODEL, input="city?", text_format=_City)
            assert type(manager) is AsyncResponseStreamManager
            _sdk.convert_response_stream_errors(manager, (pydantic.ValidationError,), _Converted)
            async with manager as stream:
                assert isinstance(stream, AsyncResponseStream) and type(stream) is not AsyncResponseStream
                [event.type async for event in stream]
                final = await stream.get_final_response()
            fake.reply_next(Reply(content=_WRONG_CITY))
            manager = _sdk.convert_response_stream_errors(
                AsyncResponses.stream(client.responses, model=MODEL, input="city?", text_format=_City),
                (pydantic.ValidationError,), _Converted)
            with pytest.raises(_Converted) as info:
                async with manager as stream:
                    while True:
                        await stream.__anext__()
            await client.close()
            return final, info.value

        fake.accept_token(TOKEN)
        final, converted = asyncio.run(main())
        assert final.output_parsed == _City(city="Paris", population=2)
        assert converted.text == _WRONG_CITY and isinstance(converted.err, pydantic.ValidationError)


def test_parsed_event_class_switch() -> None:
    with touchpoint("openai._streaming.ServerSentEvent: __class__ switch to a subclass keeps its fields"):
        sse = _sdk.ServerSentEvent(data='{"a": 1}', event="message", id="7", retry=3)
        same = _sdk.parsed_event(sse, {"a": "parsed once"})
        assert same is sse and same.json() == {"a": "parsed once"}
        assert (same.data, same.event, same.id, same.retry) == ('{"a": 1}', "message", "7", 3)
        other = _sdk.parsed_event(same, {"b": 2})  # not a plain ServerSentEvent any more: a copy
        assert other is not same and other.json() == {"b": 2} and other.data == same.data
