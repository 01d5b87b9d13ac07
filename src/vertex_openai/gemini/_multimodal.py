"""Content parts for images, audio, video and PDFs, from gs:// URIs, https URLs, local files or bytes.

Vertex reads any media from an `image_url` part (a `gs://` URI, an http(s) URL or a
`data:<mime>;base64,...` URL) and audio from `input_audio` with a MIME type as `format`, as Google's
examples do. Local files and bytes become data URLs with a MIME type taken from the file name or,
failing that, from the first bytes. Inline data counts toward the request-size limit, so big files
belong in Cloud Storage; `limit_request_size()` tunes the check made before sending.
"""

from __future__ import annotations

import base64
import mimetypes
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar, Union

from ._limits import DEFAULT_MAX_REQUEST_BYTES, RequestTooLargeError

__all__ = [
    "DEFAULT_MAX_REQUEST_BYTES",
    "RequestTooLargeError",
    "audio_part",
    "detect_mime_type",
    "file_part",
    "function_response_part",
    "image_part",
    "limit_request_size",
    "pdf_part",
    "text_part",
    "to_data_url",
    "video_part",
]

Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview]
_REMOTE = ("gs://", "https://", "http://", "data:")
_EXTRA_TYPES = {
    ".webp": "image/webp", ".heic": "image/heic", ".heif": "image/heif", ".flac": "audio/flac",
    ".m4a": "audio/mp4", ".aac": "audio/aac", ".ogg": "audio/ogg", ".opus": "audio/ogg", ".mp3": "audio/mpeg",
    ".wav": "audio/wav", ".mkv": "video/x-matroska", ".webm": "video/webm", ".mov": "video/quicktime",
    ".mp4": "video/mp4", ".mpeg": "video/mpeg", ".3gp": "video/3gpp", ".pdf": "application/pdf",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".txt": "text/plain", ".md": "text/markdown", ".csv": "text/csv", ".html": "text/html",
}


def _sniff(data: bytes) -> str | None:
    """The MIME type from magic bytes, for bytes that came without a name."""
    head = bytes(data[:16])
    checks: list[tuple[bool, str]] = [
        (head.startswith(b"\x89PNG\r\n\x1a\n"), "image/png"),
        (head.startswith(b"\xff\xd8\xff"), "image/jpeg"),
        (head.startswith((b"GIF87a", b"GIF89a")), "image/gif"),
        (head[:4] == b"RIFF" and head[8:12] == b"WEBP", "image/webp"),
        (head[:4] == b"RIFF" and head[8:12] == b"WAVE", "audio/wav"),
        (head.startswith(b"%PDF-"), "application/pdf"),
        (head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"), "audio/mpeg"),
        (head.startswith(b"fLaC"), "audio/flac"),
        (head.startswith(b"OggS"), "audio/ogg"),
        (head[4:8] == b"ftyp" and head[8:11] == b"M4A", "audio/mp4"),
        (head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1"), "image/heic"),
        (head[4:8] == b"ftyp" and head[8:10] == b"qt", "video/quicktime"),
        (head[4:8] == b"ftyp", "video/mp4"),
        (head.startswith(b"\x1a\x45\xdf\xa3"), "video/webm"),
    ]
    return next((mime for matched, mime in checks if matched), None)


def _from_name(name: str) -> str | None:
    suffix = os.path.splitext(name.split("?")[0])[1].lower()
    return _EXTRA_TYPES.get(suffix) or mimetypes.guess_type(name.split("?")[0])[0]


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def _check_source(source: object) -> None:
    """Fail early, in words, on sources no builder can use (instead of a TypeError from deep in os/pathlib)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        if not len(source):
            raise ValueError("the media bytes are empty; pass the file's content, a local path, or a gs:// URI.")
        return
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(
            f"a media source must be a gs:// or https:// URI, a local path, or bytes; got {type(source).__name__}"
        )
    text = os.fspath(source)
    if not isinstance(text, str) or not text:
        raise ValueError("the media source is empty; pass a gs:// or https:// URI, a local path, or bytes.")
    scheme = _SCHEME.match(text)
    if scheme and scheme.group(1).lower() not in ("gs", "https", "http"):
        raise ValueError(
            f"unsupported URI scheme {scheme.group(1)!r} in {text[:100]!r}; Vertex AI reads gs:// and https:// "
            "URIs, or pass a local path or bytes."
        )


def detect_mime_type(source: Source, *, name: str | None = None) -> str:
    """The MIME type of a path, URI or bytes; ValueError naming the fix when it can't be told."""
    _check_source(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        mime = (_from_name(name) if name else None) or _sniff(bytes(source[:16]))
        shown = f"{name!r}" if name else f"{len(source)} bytes starting {bytes(source[:8])!r}"
    else:
        text = os.fspath(source)
        if text.startswith("data:"):
            mime = text[5:].split(";", 1)[0].split(",", 1)[0] or None
        else:
            mime = _from_name(name or text)
        shown = repr(text if len(text) < 200 else text[:200] + "...")
    if not mime:
        raise ValueError(f"cannot tell the MIME type of {shown}; pass mime_type= (for example 'image/png').")
    return mime


def _read(source: str | os.PathLike[str]) -> bytes:
    path = Path(source)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{str(path)!r} does not exist. Pass an existing local file, bytes, or a gs:// or https:// URI."
        ) from None
    except IsADirectoryError:
        raise IsADirectoryError(f"{str(path)!r} is a directory; pass one file.") from None
    except PermissionError:
        raise PermissionError(f"cannot read {str(path)!r}: permission denied.") from None


def _is_remote(source: Source) -> bool:
    return isinstance(source, str) and source.startswith(_REMOTE)


def to_data_url(source: Source, *, mime_type: str | None = None) -> str:
    """A `data:<mime>;base64,...` URL for a local file or bytes (remote URIs are returned as they are)."""
    _check_source(source)
    if _is_remote(source):
        assert isinstance(source, str)
        return source
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, name = bytes(source), None
    elif isinstance(source, (str, os.PathLike)):
        data, name = _read(source), os.fspath(source)
    else:
        raise TypeError(
            f"a media source must be a gs:// or https:// URI, a local path, or bytes; got {type(source).__name__}"
        )
    mime = mime_type or detect_mime_type(data, name=name)
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _with_extra(part: dict[str, Any], extra_content: Mapping[str, Any] | None) -> dict[str, Any]:
    if extra_content is not None:
        part["extra_content"] = dict(extra_content)
    return part


def text_part(text: str, *, extra_content: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`{"type": "text", "text": ...}`, optionally with `extra_content` (e.g. google_extra_content(...))."""
    return _with_extra({"type": "text", "text": text}, extra_content)


def _media_part(
    source: Source, mime_type: str | None, expected: str | None, extra_content: Mapping[str, Any] | None,
    detail: Literal["auto", "low", "high"] | None = None,
) -> dict[str, Any]:
    mime = mime_type
    if expected is not None and not (isinstance(source, str) and source.startswith(("https://", "http://"))):
        mime = mime or detect_mime_type(source if not isinstance(source, os.PathLike) else os.fspath(source))
        if not (mime.startswith(expected) or mime == expected):
            raise ValueError(f"{_shown(source)} looks like {mime}, not {expected}; use file_part() or pass mime_type=.")
    image_url: dict[str, Any] = {"url": to_data_url(source, mime_type=mime)}
    if detail is not None:
        image_url["detail"] = detail
    return _with_extra({"type": "image_url", "image_url": image_url}, extra_content)


def _shown(source: Source) -> str:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"the {len(source)} bytes given"
    return repr(os.fspath(source))


def image_part(
    source: Source,
    *,
    mime_type: str | None = None,
    detail: Literal["auto", "low", "high"] | None = None,
    extra_content: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An `image_url` part for an image: gs:// URI, http(s) URL, local path or bytes."""
    return _media_part(source, mime_type, "image/", extra_content, detail)


def video_part(
    source: Source, *, mime_type: str | None = None, extra_content: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Video goes in an `image_url` part too (Vertex reads any MIME type there)."""
    return _media_part(source, mime_type, "video/", extra_content)


def pdf_part(
    source: Source, *, mime_type: str | None = None, extra_content: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A PDF in an `image_url` part, as Google documents for non-image files."""
    return _media_part(source, mime_type, "application/pdf", extra_content)


def audio_part(
    source: Source, *, mime_type: str | None = None, extra_content: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """`input_audio` with `data` (URI or data URL) and the MIME type as `format`, as in Google's example."""
    mime = mime_type
    if not mime and not (isinstance(source, str) and source.startswith(("https://", "http://"))):
        mime = detect_mime_type(source if not isinstance(source, os.PathLike) else os.fspath(source))
    if mime and not mime.startswith("audio/"):
        raise ValueError(f"{_shown(source)} looks like {mime}, not audio; use file_part() or pass mime_type=.")
    audio: dict[str, Any] = {"data": to_data_url(source, mime_type=mime)}
    if mime:
        audio["format"] = mime
    return _with_extra({"type": "input_audio", "input_audio": audio}, extra_content)


def file_part(
    source: Source, *, mime_type: str | None = None, extra_content: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The right part for any supported file, chosen by its MIME type (audio → `input_audio`)."""
    mime = mime_type or detect_mime_type(source if not isinstance(source, os.PathLike) else os.fspath(source))
    if mime.startswith("audio/"):
        return audio_part(source, mime_type=mime, extra_content=extra_content)
    if mime.startswith("text/") and not _is_remote(source):
        data = bytes(source) if isinstance(source, (bytes, bytearray, memoryview)) else _read(source)
        return text_part(data.decode("utf-8", errors="replace"), extra_content=extra_content)
    return _media_part(source, mime, None, extra_content)


def function_response_part(source: Source, *, mime_type: str | None = None) -> dict[str, Any]:
    """A Gemini function-response part (for `tool_message(..., parts=[...])`): inline bytes or a file URI."""
    if isinstance(source, str) and source.startswith(("gs://", "https://", "http://")):
        mime = mime_type or detect_mime_type(source)
        return {"file_data": {"mime_type": mime, "file_uri": source}}
    url = to_data_url(source, mime_type=mime_type)
    header, data = url.split(",", 1)
    return {"inline_data": {"mime_type": header[5:].split(";", 1)[0], "data": data}}


ClientT = TypeVar("ClientT")


def limit_request_size(client: ClientT, max_bytes: int | None) -> ClientT:
    """A copy of `client` that refuses bodies over `max_bytes` before sending (None turns the check off).

    The default is 20,971,520 bytes, the limit Vertex's `openapi` endpoint reports; deployed endpoints
    are never checked.
    """
    if max_bytes is not None and (not isinstance(max_bytes, int) or max_bytes <= 0):
        raise ValueError(f"max_bytes must be a positive int or None, got {max_bytes!r}")
    copy = client.copy()  # type: ignore[attr-defined]
    config = copy._vertex_config
    copy._vertex_config = config.with_options(max_request_bytes=max_bytes if max_bytes is not None else 0)
    return copy  # type: ignore[no-any-return]
