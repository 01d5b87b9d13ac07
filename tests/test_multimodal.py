"""Media part builders: what goes on the wire, MIME detection, unreadable files and the request-size check."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from vertex_openai import vertex_openai_client
from vertex_openai.gemini import (
    RequestTooLargeError,
    audio_part,
    detect_mime_type,
    file_part,
    function_response_part,
    image_part,
    limit_request_size,
    pdf_part,
    text_part,
    to_data_url,
    video_part,
)
from vertex_openai.testing import FakeCredentials, FakeVertex

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
PDF = b"%PDF-1.7\n%" + b"\x00" * 8
WAV = b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\x00" * 8
MP4 = b"\x00\x00\x00\x18ftypisom" + b"\x00" * 8


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_parts_on_the_wire(fake: FakeVertex, creds: FakeCredentials, tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    photo.write_bytes(PNG)
    content = [
        text_part("Describe these."),
        image_part("gs://cloud-samples-data/generative-ai/image/scones.jpg"),
        image_part("https://example.com/cat.jpg", detail="low"),
        image_part(photo),
        audio_part("gs://cloud-samples-data/generative-ai/audio/pixel.mp3"),
        video_part("gs://bucket/clip.mp4"),
        pdf_part(PDF),
    ]
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
    client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": content}])
    sent = fake.chat_requests[-1].json["messages"][0]["content"]
    assert sent == [
        {"type": "text", "text": "Describe these."},
        {"type": "image_url", "image_url": {"url": "gs://cloud-samples-data/generative-ai/image/scones.jpg"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg", "detail": "low"}},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{_b64(PNG)}"}},
        {"type": "input_audio", "input_audio": {
            "data": "gs://cloud-samples-data/generative-ai/audio/pixel.mp3", "format": "audio/mpeg"}},
        {"type": "image_url", "image_url": {"url": "gs://bucket/clip.mp4"}},
        {"type": "image_url", "image_url": {"url": f"data:application/pdf;base64,{_b64(PDF)}"}},
    ]


@pytest.mark.parametrize(
    ("data", "mime"),
    [(PNG, "image/png"), (b"\xff\xd8\xff\xe0" + b"\x00" * 12, "image/jpeg"), (b"GIF89a" + b"\x00" * 10, "image/gif"),
     (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"), (PDF, "application/pdf"), (WAV, "audio/wav"),
     (b"ID3\x04" + b"\x00" * 12, "audio/mpeg"), (b"fLaC" + b"\x00" * 12, "audio/flac"), (MP4, "video/mp4"),
     (b"\x1a\x45\xdf\xa3" + b"\x00" * 12, "video/webm")],
)
def test_mime_from_content(data: bytes, mime: str) -> None:
    assert detect_mime_type(data) == mime
    assert to_data_url(data).startswith(f"data:{mime};base64,")


@pytest.mark.parametrize(
    ("name", "mime"),
    [("a.PNG", "image/png"), ("gs://b/x.webp", "image/webp"), ("https://h/x.mp3?sig=1", "audio/mpeg"),
     ("x.pdf", "application/pdf"), ("v.mov", "video/quicktime"), ("s.flac", "audio/flac"),
     ("data:image/heic;base64,AAAA", "image/heic")],
)
def test_mime_from_name(name: str, mime: str) -> None:
    assert detect_mime_type(name) == mime


def test_audio_bytes_become_a_data_url_with_a_mime_format() -> None:
    part = audio_part(WAV)
    assert part == {"type": "input_audio", "input_audio": {"data": f"data:audio/wav;base64,{_b64(WAV)}",
                                                           "format": "audio/wav"}}


def test_file_part_picks_the_part_kind(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    assert file_part(notes) == {"type": "text", "text": "hello"}
    assert file_part(WAV)["type"] == "input_audio"
    assert file_part(MP4)["image_url"]["url"].startswith("data:video/mp4;base64,")
    assert file_part("gs://b/doc.pdf") == {"type": "image_url", "image_url": {"url": "gs://b/doc.pdf"}}


def test_function_response_parts() -> None:
    assert function_response_part("gs://b/chart.png") == {
        "file_data": {"mime_type": "image/png", "file_uri": "gs://b/chart.png"}
    }
    assert function_response_part(PNG) == {"inline_data": {"mime_type": "image/png", "data": _b64(PNG)}}


def test_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        image_part(tmp_path / "missing.png")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        to_data_url(tmp_path)
    with pytest.raises(ValueError, match="pass mime_type="):
        image_part(b"just some bytes")
    with pytest.raises(ValueError, match="pass mime_type="):
        image_part("gs://bucket/object-without-extension")
    with pytest.raises(ValueError, match="not image/"):
        image_part(PDF)
    with pytest.raises(ValueError, match="not audio"):
        audio_part(PNG)
    with pytest.raises(TypeError, match="media source"):
        to_data_url(123)  # type: ignore[arg-type]
    assert image_part(b"raw", mime_type="image/png")["image_url"]["url"].startswith("data:image/png;base64,")


def _big_message(size: int) -> list[Any]:
    return [{"role": "user", "content": [image_part(b"\x89PNG\r\n\x1a\n" + b"\x00" * size)]}]


def test_request_size_limit(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
    small = limit_request_size(client, 4096)
    with pytest.raises(RequestTooLargeError, match="gs://") as info:
        small.chat.completions.create(model="gemini-2.5-flash", messages=_big_message(4096))
    assert "4,096-byte limit" in str(info.value)
    assert fake.chat_requests == []
    small.chat.completions.create(model="gemini-2.5-flash", messages=_big_message(1000))
    limit_request_size(small, None).chat.completions.create(model="gemini-2.5-flash", messages=_big_message(5000))
    assert len(fake.chat_requests) == 2
    with pytest.raises(ValueError, match="positive int"):
        limit_request_size(client, 0)


def test_default_limit_is_googles(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
    with pytest.raises(RequestTooLargeError, match="20,971,520-byte limit"):
        client.chat.completions.create(model="gemini-2.5-flash", messages=_big_message(16 * 1024 * 1024))
    deployed = vertex_openai_client(
        "fake-project", base_url=fake.url_for(endpoint="123"), credentials=creds, endpoint="123"
    )
    deployed.chat.completions.create(model="m", messages=[{"role": "user", "content": "x" * 21_000_000}])
    assert len(fake.chat_requests) == 1  # deployed endpoints are not checked
