"""Decoding of `Content-Encoding` bodies before a cassette stores them, and the kit's own errors.

A cassette holds bodies decoded (so they can be scrubbed and read) and no `Content-Encoding` header (so
replay does not decode them twice). The codings are those httpx decodes: `identity`, `gzip`, `deflate`,
`br` (when `brotli` or `brotlicffi` is installed) and `zstd` (when `zstandard` is installed, or Python's
`compression.zstd`), named case-insensitively, several in one header or over several headers, applied in
the order listed. A body that cannot be decoded is never stored: recording fails with `CassetteRecordingError`.
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Iterable
from typing import Any

__all__ = ["CassetteRecordingError", "CassetteReplayError", "content_codings", "decode_content"]


class CassetteRecordingError(RuntimeError):
    """A response the cassette kit refuses to store (it could not be decoded, so it could not be scrubbed)."""


class CassetteReplayError(RuntimeError):
    """A request made while replaying that the cassette cannot answer and that must not reach the network."""


def content_codings(headers: Any) -> list[str]:
    """The codings named by every `Content-Encoding` header, lower-cased, in the order they were applied."""
    codings: list[str] = []
    for name, values in (headers or {}).items():
        if str(name).lower() != "content-encoding":
            continue
        for value in [values] if isinstance(values, (str, bytes)) else values:
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            codings.extend(part.strip().lower() for part in text.split(",") if part.strip())
    return codings


def _gzip(body: bytes) -> bytes:
    decoder = zlib.decompressobj(zlib.MAX_WBITS | 16)
    out = decoder.decompress(body) + decoder.flush()
    if not decoder.eof or decoder.unused_data:
        raise zlib.error("truncated gzip stream" if not decoder.eof else "data after the end of the gzip stream")
    return out


def _deflate(body: bytes) -> bytes:
    # Like httpx: the zlib-wrapped form that the standard names, else the raw deflate that servers send.
    for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):
        decoder = zlib.decompressobj(wbits)
        try:
            out = decoder.decompress(body) + decoder.flush()
        except zlib.error:
            continue
        if decoder.eof and not decoder.unused_data:
            return out
    raise zlib.error("not a zlib or raw deflate stream")


def _optional(modules: Iterable[str]) -> Any:
    for name in modules:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


def _brotli(body: bytes) -> bytes:
    brotli = _optional(("brotli", "brotlicffi"))
    if brotli is None:
        raise LookupError("no brotli decoder is installed (pip install brotli)")
    return bytes(brotli.decompress(body))


def _zstd(body: bytes) -> bytes:
    stdlib = _optional(("compression.zstd",))
    if stdlib is not None:
        return bytes(stdlib.decompress(body))
    zstandard = _optional(("zstandard",))
    if zstandard is None:
        raise LookupError("no zstd decoder is installed (pip install zstandard)")
    out = bytearray()
    decoder = zstandard.ZstdDecompressor().decompressobj()
    out += decoder.decompress(body)
    while decoder.eof and decoder.unused_data:  # several frames, as httpx accepts
        rest = decoder.unused_data
        decoder = zstandard.ZstdDecompressor().decompressobj()
        out += decoder.decompress(rest)
    if not decoder.eof:
        raise ValueError("truncated zstd stream")
    return bytes(out)


_DECODERS = {"identity": lambda body: body, "gzip": _gzip, "deflate": _deflate, "br": _brotli, "zstd": _zstd}


def decode_content(body: bytes, codings: list[str]) -> bytes:
    """`body` with every coding in `codings` undone (last applied, first undone); raises CassetteRecordingError."""
    listed = ", ".join(codings)
    for coding in reversed(codings):
        decoder = _DECODERS.get(coding)
        if decoder is None:
            raise CassetteRecordingError(
                f"vertex-openai cassette: cannot record a response with Content-Encoding {listed!r}: "
                f"{coding!r} is not a coding the kit can decode ({', '.join(_DECODERS)}). The body is not "
                "stored, since it could not be scrubbed. Ask the server for another encoding (Accept-Encoding)."
            )
        try:
            body = decoder(body)
        except Exception as error:  # zlib.error, brotli.error, zstd errors, LookupError: all mean "not decoded"
            raise CassetteRecordingError(
                f"vertex-openai cassette: cannot record a response with Content-Encoding {listed!r}: its body "
                f"({len(body)} bytes) could not be decoded as {coding!r} ({type(error).__name__}: {error}). "
                "The body is not stored, since it could not be scrubbed; the server sent a body that does not "
                "match its Content-Encoding header, or a decoder is missing."
            ) from None
    return body
