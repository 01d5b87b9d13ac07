"""The output JSONL: one line per item, appended, crash-safe, and the index of ids already done.

Write policy: each result is encoded to one complete line and handed to the kernel with a single
`os.write` on an `O_APPEND` descriptor, so a killed process (even `kill -9`) leaves only whole lines
behind: the page cache survives the process. `fsync` runs at most every `fsync_interval` seconds and
on close; a machine crash can therefore lose the last second of lines (those items run again on
resume) and, at worst, leave a torn last line. On open, a last line without its newline is cut off
(`repaired_bytes` says how much) before anything new is appended.

Exactly-once: an id is skipped when its line is already in the file, so each id has one line. Model
calls are at-least-once: an item in flight when the process died is sent (and paid for) again.

Memory: the done-id index keeps a 16-byte digest per id in a set, about 90 bytes per id in CPython
(10,000 ids ≈ 1 MB, 1,000,000 ids ≈ 90 MB); nothing else grows with the size of the run.

A second run on the same output is refused through an exclusive lock on `<output>.lock` (`flock`,
released by the kernel when the holder dies, so a killed run never leaves a stale lock behind).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["DoneIndex", "OutputLockedError", "ResultWriter", "id_digest", "read_results", "record_ok"]


class OutputLockedError(RuntimeError):
    """Another run holds the lock on this output file."""


def id_digest(item_id: str) -> bytes:
    return hashlib.blake2b(item_id.encode("utf-8"), digest_size=16).digest()


class DoneIndex:
    """Ids that already have a line in the output (16-byte digests, ~90 bytes per id)."""

    def __init__(self) -> None:
        self._digests: set[bytes] = set()
        self.ok = 0
        self.failed = 0

    def add(self, item_id: str, ok: bool) -> None:
        self._digests.add(id_digest(item_id))
        if ok:
            self.ok += 1
        else:
            self.failed += 1

    def __contains__(self, item_id: object) -> bool:
        return isinstance(item_id, str) and id_digest(item_id) in self._digests

    def __len__(self) -> int:
        return len(self._digests)


def _lock(path: Path) -> IO[str]:
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the life of the writer
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: msvcrt locks the first byte instead
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            handle.close()
            raise OutputLockedError(f"{path} is locked: another run is writing this output") from None
        return handle
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise OutputLockedError(
            f"another run ({holder}) is writing this output; wait for it, or choose another --output "
            f"(lock file: {path})"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    return handle


def _repair_tail(path: Path) -> int:
    """Cut a torn last line (no trailing newline); return how many bytes were removed."""
    size = path.stat().st_size
    if size == 0:
        return 0
    with open(path, "rb+") as handle:
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return 0
        block = 1 << 16
        position = size
        while position > 0:
            start = max(0, position - block)
            handle.seek(start)
            chunk = handle.read(position - start)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                keep = start + newline + 1
                break
            position = start
        else:
            keep = 0
        handle.truncate(keep)
        handle.flush()
        os.fsync(handle.fileno())
        return size - keep


def read_results(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Every complete result line of an output file, in file order."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.endswith("\n"):
                return  # a torn last line is not a result
            if line.strip():
                try:
                    record = json.loads(line)
                except ValueError:
                    raise ValueError(f"{path}:{number}: not a JSON line (not a vertex-openai output?)") from None
                if not isinstance(record, dict) or "id" not in record:
                    raise ValueError(f"{path}:{number}: a line without an id; is this a vertex-openai output file?")
                yield record


def record_ok(record: dict[str, Any]) -> bool:
    """Whether a result line is a success: `"ok": true` (extract), or no `"error"` (embed)."""
    ok = record.get("ok")
    return bool(ok) if ok is not None else "error" not in record


class ResultWriter:
    """Appends result lines to the output under an exclusive lock; see the module docstring for the policy."""

    def __init__(self, path: str | os.PathLike[str], *, fsync_interval: float = 1.0) -> None:
        self.path = Path(path)
        self.fsync_interval = fsync_interval
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_handle = _lock(self.path.with_name(self.path.name + ".lock"))
        self._fd = -1
        try:
            self.path.touch(exist_ok=True)
            self.repaired_bytes = _repair_tail(self.path)
            self.done = DoneIndex()
            for record in read_results(self.path):
                self.done.add(str(record["id"]), record_ok(record))
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_BINARY", 0))
        except BaseException:
            self._release_lock()
            raise
        self._last_sync = time.monotonic()
        self._unsynced = False

    def write(self, record: dict[str, Any]) -> None:
        """Append one result line (one `os.write`), unless its id is already done."""
        item_id = str(record["id"])
        if item_id in self.done:
            return
        data = (json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str) + "\n").encode("utf-8")
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self.done.add(item_id, record_ok(record))
        self._unsynced = True
        if time.monotonic() - self._last_sync >= self.fsync_interval:
            self.sync()

    def sync(self) -> None:
        if self._fd >= 0 and self._unsynced:
            os.fsync(self._fd)
            self._unsynced = False
        self._last_sync = time.monotonic()

    def _release_lock(self) -> None:
        with contextlib.suppress(OSError):
            self._lock_handle.close()

    def close(self) -> None:
        if self._fd >= 0:
            self.sync()
            os.close(self._fd)
            self._fd = -1
        self._release_lock()

    def __enter__(self) -> ResultWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
