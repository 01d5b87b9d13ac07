"""Every core cassette in cassettes/core/ replays through the real client, sync and async, with fake credentials.

The client deliberately uses another project, region and host than the cassettes: matching is on method,
normalised path and JSON body only. No Google account, no ADC and no network are involved.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai
import pytest

from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai.testing import replay_credentials, use_cassette
from vertex_openai.testing._vcr import describe_mismatch

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "cassettes" / "core"
HELLO: Any = [{"role": "user", "content": "Hello"}]


def _text(reply: Any) -> Any:
    return (reply.choices[0].message.content, reply.usage.total_tokens, reply.choices[0].finish_reason)


CASES: dict[str, tuple[dict[str, Any], Callable[[Any], Any] | type[openai.APIStatusError], Any]] = {
    "text_non_stream": (
        {"messages": [{"role": "user", "content": "Why is the sky blue? One sentence."}]}, _text,
        ("The sky looks blue because air molecules scatter the short blue wavelengths of sunlight far more than "
         "the longer red ones.", 34, "stop"),
    ),
    "text_stream": ({"messages": [{"role": "user", "content": "Count to five."}], "stream": True}, None,
                    (["One, two", ", three, four", ", five."], [None, None, 17], ["stop"])),
    "error_400_invalid_argument": ({"messages": HELLO, "reasoning_effort": "minimal"}, openai.BadRequestError,
                                   ("INVALID_ARGUMENT", "Invalid reasoning_effort: minimal")),
    "error_401_unauthenticated": ({"messages": HELLO}, openai.AuthenticationError,
                                  ("UNAUTHENTICATED", "Request had invalid authentication credentials")),
    "error_403_permission_denied": ({"messages": HELLO}, openai.PermissionDeniedError,
                                    ("PERMISSION_DENIED", "Permission 'aiplatform.endpoints.predict' denied")),
    "error_404_not_found": ({"messages": HELLO, "model": "gemini-3-pro-preview"}, openai.NotFoundError,
                            ("NOT_FOUND", "gemini-3-pro-preview` was not found")),
    "error_429_resource_exhausted": ({"messages": HELLO}, openai.RateLimitError,
                                     ("RESOURCE_EXHAUSTED", "Resource exhausted")),
    "error_503_unavailable": ({"messages": HELLO}, openai.InternalServerError,
                              ("UNAVAILABLE", "The service is currently unavailable")),
}


def _kwargs(name: str) -> dict[str, Any]:
    return {"model": "gemini-2.5-flash", **CASES[name][0]}


def _check_error(err: openai.APIStatusError, name: str) -> None:
    status, text = CASES[name][2]
    assert err.code == status and text in str(err)
    if name.startswith("error_429"):
        assert err.retry_delay == 17.0  # type: ignore[attr-defined]  # Google's RetryInfo, from the cassette


def test_every_core_cassette_has_a_replay_case() -> None:
    assert sorted(p.stem for p in CORE.glob("*.yaml")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_cassette_replays_through_the_sync_client(name: str) -> None:
    client = vertex_openai_client("someone-elses-project", "europe-west4", credentials=replay_credentials(),
                                  max_retries=0)
    expect = CASES[name]
    with use_cassette(CORE / f"{name}.yaml") as cassette:
        if isinstance(expect[1], type):
            with pytest.raises(expect[1]) as caught:
                client.chat.completions.create(**_kwargs(name))
            _check_error(caught.value, name)
        elif expect[1] is None:
            chunks = list(client.chat.completions.create(**_kwargs(name)))
            assert [c.choices[0].delta.content for c in chunks] == expect[2][0]
            assert [c.usage.total_tokens if c.usage else None for c in chunks] == expect[2][1]  # usage last only
            assert [c.choices[0].finish_reason for c in chunks if c.choices[0].finish_reason] == expect[2][2]
        else:
            assert expect[1](client.chat.completions.create(**_kwargs(name))) == expect[2]
        assert cassette.all_played  # (the 401 cassette holds the refresh-and-replay attempt as well)
    client.close()


@pytest.mark.parametrize("name", sorted(CASES))
def test_cassette_replays_through_the_async_client(name: str) -> None:
    expect = CASES[name]

    async def run() -> Any:
        async with async_vertex_openai_client("p-async-2", "us-east5", credentials=replay_credentials(),
                                              max_retries=0) as client:
            if isinstance(expect[1], type):
                with pytest.raises(expect[1]) as caught:
                    await client.chat.completions.create(**_kwargs(name))
                _check_error(caught.value, name)
                return None
            if expect[1] is None:
                stream = await client.chat.completions.create(**_kwargs(name))
                return [chunk.choices[0].delta.content async for chunk in stream]
            return expect[1](await client.chat.completions.create(**_kwargs(name)))

    with use_cassette(CORE / f"{name}.yaml") as cassette:
        result = asyncio.run(run())
        assert cassette.all_played
    if expect[1] is None:
        assert result == expect[2][0]
    elif not isinstance(expect[1], type):
        assert result == expect[2]


def test_unmatched_request_fails_naming_the_cassette_and_the_request() -> None:
    client = vertex_openai_client("p-unmatched", credentials=replay_credentials(), max_retries=0)
    with use_cassette(CORE / "text_non_stream.yaml"), pytest.raises(Exception) as caught:
        client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "Other"}])
    chain = [caught.value, caught.value.__cause__, caught.value.__context__]
    text = "\n".join(str(e) for e in chain if e is not None)
    assert "text_non_stream.yaml" in text
    text = describe_mismatch(caught.value) or ""  # the kit's account: the same on vcrpy before 9 and 9
    assert "POST " in text and "/chat/completions" in text and '"Other"' in text


def test_every_cassette_file_has_its_provenance_in_the_readme() -> None:
    readme = (ROOT / "cassettes" / "README.md").read_text(encoding="utf-8")
    for path in sorted((ROOT / "cassettes").rglob("*.yaml")):
        relative = path.relative_to(ROOT / "cassettes").as_posix()
        row = next((line for line in readme.splitlines() if f"`{relative}`" in line), None)
        assert row is not None, f"cassettes/README.md does not list {relative}"
        assert re.search(r"\b(recorded|constructed)\b", row, re.IGNORECASE), f"no provenance for {relative}"


def test_demo_transcript_replays_every_cassette(capsys: pytest.CaptureFixture[str]) -> None:
    import runpy

    script = runpy.run_path(str(ROOT / "examples" / "replay_cassettes.py"))
    assert script["main"]() == 0
    out = capsys.readouterr().out
    for name in sorted(CASES):
        assert f"core/{name}.yaml" in out
    assert "RateLimitError 429 RESOURCE_EXHAUSTED, retry in 17s" in out
    assert "3 chunks: 'One, two, three, four, five.' (17 tokens)" in out
    assert "could not replay" not in out and "real Vertex AI" in out
