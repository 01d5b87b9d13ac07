"""Compressed responses: every coding httpx decodes is stored decoded and scrubbed, or recording fails loudly."""

from __future__ import annotations

import gzip
import json
import zlib
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import openai
import pytest
import yaml

from vertex_openai import vertex_openai_client
from vertex_openai.testing import (
    CassetteRecordingError,
    FakeVertex,
    Fault,
    replay_credentials,
    use_cassette,
    vcr_config,
)

ANSWER = json.dumps({"choices": [{"finish_reason": "stop", "index": 0, "message": {
    "content": "mail alice@corp.example", "role": "assistant"}}], "created": 1, "id": "g", "model": "m",
    "object": "chat.completion"}).encode()


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def _store(body: bytes, encoding: Any) -> dict[str, Any]:
    from vcr.config import VCR

    config = vcr_config()
    hook = VCR(**config)._build_before_record_response(config)  # vcrpy's filters, then ours, as when recording
    headers = {"Content-Type": ["application/json"], "Content-Length": [str(len(body))]}
    if isinstance(encoding, dict):
        headers.update(encoding)
    else:
        headers["Content-Encoding"] = [encoding]
    stored = hook({"status": {"code": 200, "message": "OK"}, "headers": headers, "body": {"string": body}})
    assert isinstance(stored, dict)
    return stored


@pytest.mark.parametrize(("encoding", "body"), [
    ("GZIP", gzip.compress(ANSWER)),
    ("gzip, identity", gzip.compress(ANSWER)),
    ("identity, Gzip", gzip.compress(ANSWER)),
    ("Identity", ANSWER),
    ("gzip, gzip", gzip.compress(gzip.compress(ANSWER))),
    ({"Content-Encoding": ["deflate", "gzip"]}, gzip.compress(zlib.compress(ANSWER))),  # two headers, in order
    ({"content-encoding": ["gzip"]}, gzip.compress(ANSWER)),
    ("Deflate", zlib.compress(ANSWER)),
    ("deflate", _raw_deflate(ANSWER)),  # raw deflate, as httpx also accepts
])
def test_every_coding_is_decoded_scrubbed_and_its_header_dropped(encoding: Any, body: bytes) -> None:
    stored = _store(body, encoding)
    assert json.loads(stored["body"]["string"])["choices"][0]["message"]["content"] == "mail user@example.com"
    assert {name.lower() for name in stored["headers"]} == {"content-type"}  # no encoding, no stale length


@pytest.mark.skipif(find_spec("brotli") is None and find_spec("brotlicffi") is None, reason="no brotli")
def test_brotli_when_installed() -> None:
    brotli = pytest.importorskip("brotli")
    stored = _store(brotli.compress(ANSWER), "br")
    assert b"user@example.com" in stored["body"]["string"]


@pytest.mark.skipif(find_spec("zstandard") is None, reason="no zstandard")
def test_zstd_when_installed() -> None:
    zstandard = pytest.importorskip("zstandard")
    stored = _store(zstandard.ZstdCompressor().compress(ANSWER), "ZSTD, identity")
    assert b"user@example.com" in stored["body"]["string"]


@pytest.mark.parametrize(("encoding", "body", "says"), [
    ("gzip", b"not gzip at all " + ANSWER, "could not be decoded as 'gzip'"),
    ("GZIP, identity", gzip.compress(ANSWER)[:-9], "could not be decoded as 'gzip'"),  # truncated
    ("gzip", gzip.compress(ANSWER) + b"trailing", "could not be decoded as 'gzip'"),
    ("deflate", b"\x00\x01garbage", "could not be decoded as 'deflate'"),
    ("compress", ANSWER, "'compress' is not a coding the kit can decode"),
])
def test_a_body_that_cannot_be_decoded_is_never_stored(encoding: str, body: bytes, says: str) -> None:
    with pytest.raises(CassetteRecordingError, match=says) as caught:
        _store(body, encoding)
    assert "alice" not in str(caught.value)  # the message describes the body, never quotes it


def test_a_missing_decoder_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    import vertex_openai.testing._content_coding as coding

    monkeypatch.setattr(coding, "_optional", lambda modules: None)
    with pytest.raises(CassetteRecordingError, match=r"pip install brotli"):
        _store(b"\x8b\x02\x80", "br")
    with pytest.raises(CassetteRecordingError, match=r"pip install zstandard"):
        _store(b"\x28\xb5\x2f\xfd", "zstd")


def test_uppercase_gzip_records_and_replays_through_the_sdk(tmp_path: Path) -> None:
    path = tmp_path / "gzip.yaml"
    messages: Any = [{"role": "user", "content": "hi"}]
    with FakeVertex(project="acme-prod-4821") as fake:
        client = vertex_openai_client("acme-prod-4821", base_url=fake.base_url, credentials=fake.credentials(),
                                      max_retries=0)
        fake.fail_next(Fault(status=200, body=gzip.compress(ANSWER), headers={"Content-Encoding": "GZIP, identity"}))
        with use_cassette(path, record_mode="once"):
            recorded = client.chat.completions.create(model="gemini-2.5-flash", messages=messages)
    assert recorded.choices[0].message.content == "mail alice@corp.example"
    stored = yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"][0]["response"]
    assert "mail user@example.com" in stored["body"]["string"]
    assert "Content-Encoding" not in stored["headers"]
    replay = vertex_openai_client("other-project", credentials=replay_credentials(), max_retries=0)
    with use_cassette(path):
        replayed = replay.chat.completions.create(model="gemini-2.5-flash", messages=messages)
    assert replayed.choices[0].message.content == "mail user@example.com"


def test_an_undecodable_body_fails_the_recording_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    with FakeVertex(project="acme-prod-4821") as fake:
        client = vertex_openai_client("acme-prod-4821", base_url=fake.base_url, credentials=fake.credentials(),
                                      max_retries=0)
        fake.fail_next(Fault(status=200, body=ANSWER, headers={"Content-Encoding": "gzip"}))
        # The SDK may pass the error on as it is, or wrap it as a connection error (openai 1.x does).
        with use_cassette(path, record_mode="once"), \
                pytest.raises((openai.APIConnectionError, CassetteRecordingError)) as caught:
            client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "hi"}])
    from vertex_openai.testing._vcr import describe_mismatch

    message = describe_mismatch(caught.value)
    assert message is not None and "could not be decoded as 'gzip'" in message
    assert not path.exists() or "alice" not in path.read_text(encoding="utf-8")
