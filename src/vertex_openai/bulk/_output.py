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

A second run on the same output is refused through an exclusive `flock` on the output file itself, so
the lock belongs to the file (its device and inode), not to the path: a symlink or a hard link to the
same output meets the same lock. The kernel releases it when the holder dies, so a killed run never
leaves a stale lock behind, and nothing is created beside the output. Only a regular file can be an
output (a directory, a device such as `/dev/null`, a pipe such as `/dev/stdout` are refused before
anything is written), and an existing file is taken as an output only when every line has our shape
(`{"id": str, "ok": bool, ...}` from extract, `{"id": str, "embedding": [...]}` or `{"id": str, "error": {...}}`
from embed), so an input file is never appended to or cut.

What produced the file is recorded beside it in `<output>.run.json` (`identity`: the things that shape
a line, such as model, schema and prompt; plus the engines and batch job names used). A run whose
identity differs from the record is refused (`ResumeMismatchError`) unless `allow_mismatch=True`; an
output without a record (written before records existed) is adopted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "RUN_RECORD_SUFFIX",
    "DoneIndex",
    "OutputFileError",
    "OutputLockedError",
    "ResultWriter",
    "ResumeMismatchError",
    "id_digest",
    "read_results",
    "record_ok",
]

RUN_RECORD_SUFFIX = ".run.json"
_RECORD_FORMAT = "vertex-openai-run/1"


class OutputLockedError(RuntimeError):
    """Another run holds the lock on this output file."""


class OutputFileError(ValueError):
    """The output path cannot be used: not a regular file, or an existing file that is not one of our outputs."""


class ResumeMismatchError(ValueError):
    """The output was produced by a different job (model, schema, prompt...) than the one asked to resume it."""


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


def _open_output(path: Path) -> int:
    """A descriptor of the output, created if missing; OutputFileError for anything but a regular file.

    The type is checked before opening (opening a pipe for writing can block until a reader comes) and again
    on the descriptor (the path may have changed in between).
    """
    with contextlib.suppress(FileNotFoundError):
        _check_regular(path, os.stat(path).st_mode)
    flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags, 0o666)
    except IsADirectoryError:
        raise OutputFileError(f"{path} is a directory; name an output file inside it, e.g. {path / 'out.jsonl'}") \
            from None
    try:
        _check_regular(path, os.fstat(fd).st_mode)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _check_regular(path: Path, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise OutputFileError(f"{path} is a directory; name an output file inside it, e.g. {path / 'out.jsonl'}")
    if not stat.S_ISREG(mode):
        kind = "a pipe" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else \
            "a socket" if stat.S_ISSOCK(mode) else "not a file"
        raise OutputFileError(
            f"{path} is not a regular file ({kind}): the output must be a file that can be locked, read back "
            "on resume and appended to; write to a file and read it from there (e.g. tail -f OUT.jsonl)"
        )


def _lock(fd: int, path: Path) -> None:
    """An exclusive lock on the output file itself (its inode): every path to the same file meets it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: msvcrt locks one byte far past the end of the file
        import msvcrt

        os.lseek(fd, 1 << 40, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            raise OutputLockedError(f"another run is writing {path}; wait for it, or choose another --output") \
                from None
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise OutputLockedError(
            f"another run is writing {path} (the same file, perhaps through a link); wait for it, or choose "
            "another --output"
        ) from None


def _read_at(fd: int, size: int, offset: int) -> bytes:
    """`size` bytes at `offset` (os.pread is POSIX-only; appends ignore the position, so seeking is harmless)."""
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, size)


def _repair_tail(fd: int) -> int:
    """Cut a torn last line (no trailing newline); return how many bytes were removed."""
    size = os.fstat(fd).st_size
    if size == 0 or _read_at(fd, 1, size - 1) == b"\n":
        return 0
    block = 1 << 16
    position = size
    keep = 0
    while position > 0:
        start = max(0, position - block)
        newline = _read_at(fd, position - start, start).rfind(b"\n")
        if newline >= 0:
            keep = start + newline + 1
            break
        position = start
    os.ftruncate(fd, keep)
    os.fsync(fd)
    return size - keep


def _is_result(record: Any) -> bool:
    """Our line shapes: extract's `{"id": str, "ok": bool, ...}`, embed's `{"id": str, "embedding": [...]}` or
    `{"id": str, "error": {...}}`."""
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        return False
    return (isinstance(record.get("ok"), bool) or isinstance(record.get("embedding"), list)
            or (isinstance(record.get("error"), dict) and "ok" not in record))


def read_results(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Every complete result line of an output file, in file order."""
    with open(path, encoding="utf-8", errors="surrogateescape") as handle:
        for number, line in enumerate(handle, 1):
            if not line.endswith("\n"):
                return  # a torn last line is not a result
            if line.strip():
                try:
                    record = json.loads(line)
                except ValueError:
                    raise OutputFileError(f"{path}:{number}: not a JSON line (not a vertex-openai output?)") from None
                if not _is_result(record):
                    raise OutputFileError(
                        f"{path}:{number}: not a result line of a vertex-openai output (each has a string \"id\" "
                        "and a true/false \"ok\", or an \"embedding\" or \"error\"); is this an input file? "
                        "Choose another output file"
                    )
                yield record


def record_ok(record: Mapping[str, Any]) -> bool:
    """Whether a result line is a success: `"ok": true` (extract), or no `"error"` (embed)."""
    ok = record.get("ok")
    return bool(ok) if ok is not None else "error" not in record


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _digest_fields(identity: Mapping[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(dict(identity), sort_keys=True, default=str))  # type: ignore[no-any-return]


class ResultWriter:
    """Appends result lines to the output under an exclusive lock; see the module docstring for the policy.

    identity: what shapes this run's lines (plain JSON values), checked against `<output>.run.json` and
    recorded there; None records nothing. engine: noted in the record (not compared: engines can be mixed).
    """

    def __init__(self, path: str | os.PathLike[str], *, fsync_interval: float = 1.0,
                 identity: Mapping[str, Any] | None = None, allow_mismatch: bool = False,
                 engine: str | None = None) -> None:
        self.path = Path(path)
        self.fsync_interval = fsync_interval
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = _open_output(self.path)
        try:
            _lock(self._fd, self.path)
            self.done = DoneIndex()
            for record in read_results(self.path):  # before any repair: a file that is not ours stays untouched
                self.done.add(str(record["id"]), record_ok(record))
            self.repaired_bytes = _repair_tail(self._fd)
            self.record_path = self.path.with_name(self.path.name + RUN_RECORD_SUFFIX)
            self.record: dict[str, Any] | None = None
            if identity is not None:
                self._check_record(_digest_fields(identity), allow_mismatch, engine)
        except BaseException:
            os.close(self._fd)
            self._fd = -1
            raise
        self._last_sync = time.monotonic()
        self._unsynced = False

    # -- the run record ----------------------------------------------------------------------------------
    def _load_record(self) -> dict[str, Any] | None:
        try:
            record = json.loads(self.record_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (ValueError, UnicodeDecodeError):
            record = None
        if not isinstance(record, dict) or record.get("format") != _RECORD_FORMAT:
            raise OutputFileError(f"{self.record_path} is not a vertex-openai run record; move it away and run "
                                  "again (it records what produced the output beside it)")
        return record

    def _check_record(self, identity: dict[str, Any], allow_mismatch: bool, engine: str | None) -> None:
        record = self._load_record() if len(self.done) else None
        recorded = record.get("identity") if record else None
        if isinstance(recorded, dict) and recorded != identity:
            changed = [key for key in sorted(set(recorded) | set(identity)) if recorded.get(key) != identity.get(key)]
            if not allow_mismatch:
                details = "; ".join(f"{key} was {_short(recorded.get(key))}, now {_short(identity.get(key))}"
                                    for key in changed)
                raise ResumeMismatchError(
                    f"{self.path} holds {len(self.done)} result(s) of a different job ({details}). Resuming would "
                    "mix rows of two jobs in one file: choose another output, or pass allow_mismatch=True "
                    "(--allow-mismatch) to add to it anyway"
                )
            history = list(record.get("previous") or []) if record else []
            record = {**(record or {}), "previous": [*history, recorded]}
        record = {**(record or {}), "format": _RECORD_FORMAT, "identity": identity}
        if engine is not None:
            record["engines"] = sorted({*record.get("engines", []), engine})
        record.setdefault("jobs", [])
        self.record = record
        self._save_record()

    def _save_record(self) -> None:
        assert self.record is not None
        tmp = self.record_path.with_name(self.record_path.name + ".tmp")
        tmp.write_text(json.dumps(self.record, indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.record_path)

    @property
    def recorded_jobs(self) -> list[str]:
        """Batch job names that wrote into this output (from its run record)."""
        jobs = (self.record or {}).get("jobs") or []
        return [str(job) for job in jobs]

    def note_jobs(self, names: list[str]) -> None:
        """Add batch job names to the run record (when there is one)."""
        if self.record is not None:
            self.record["jobs"] = list(dict.fromkeys([*self.recorded_jobs, *names]))
            self._save_record()

    def write(self, record: dict[str, Any]) -> None:
        """Append one result line (one `os.write`), unless its id is already done."""
        item_id = str(record["id"])
        if item_id in self.done:
            return
        data = (json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str) + "\n").encode("utf-8")
        view = memoryview(data)
        try:
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except OSError as err:  # a full disk, a file-size limit: say which file
            raise OSError(err.errno, err.strerror, str(self.path)) from None
        self.done.add(item_id, record_ok(record))
        self._unsynced = True
        if time.monotonic() - self._last_sync >= self.fsync_interval:
            self.sync()

    def sync(self) -> None:
        if self._fd >= 0 and self._unsynced:
            os.fsync(self._fd)
            self._unsynced = False
        self._last_sync = time.monotonic()

    def close(self) -> None:
        """Sync and close; the lock goes with the descriptor."""
        if self._fd >= 0:
            try:
                self.sync()
            finally:
                os.close(self._fd)
                self._fd = -1

    def __enter__(self) -> ResultWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
