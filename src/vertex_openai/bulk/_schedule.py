"""How the local runners (extract and embed) schedule their work: which items to run (`unfinished`), one
bounded-concurrency loop, and the daemon threads that carry a sync client's blocking calls.

`run_bounded` starts one task per job once the AIMD limit grants a slot, keeps at most `max_pending` tasks
alive, reaps finished ones as it goes (the first exception stops the run), and on the way out cancels and
awaits what is left, closes the threads and fills the summary's elapsed/throttled/final_concurrency/quota_rate.
A sync client's calls run on `DaemonThreads`: after an abort the process exits without waiting for the
blocking requests still in flight (a `ThreadPoolExecutor`'s threads are joined at interpreter exit, which
waited up to the request timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator
from concurrent.futures import Executor, Future
from functools import partial
from typing import Any, TypeVar

from ._capacity import AdaptiveLimit
from ._items import BulkInputError, Item
from ._output import ResultWriter, id_digest
from ._summary import ExtractSummary

__all__ = ["DaemonThreads", "run_bounded", "unfinished"]

_T = TypeVar("_T")
_J = TypeVar("_J")


class DaemonThreads(Executor):
    """An executor on daemon threads (at most `size`), for a sync client's blocking calls.

    Unlike `ThreadPoolExecutor`, whose workers the interpreter joins at exit, nothing here delays the end
    of the process: once the run has stopped, requests still in flight are abandoned with their threads.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._jobs: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._closed = False
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> Future[_T]:
        future: Future[_T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the bulk runner's threads are shut down")
            self._jobs.put((future, partial(fn, *args, **kwargs)))
            if self._idle == 0 and len(self._threads) < self._size:
                thread = threading.Thread(target=self._work, name=f"vertex-openai-bulk-{len(self._threads)}",
                                          daemon=True)
                self._threads.append(thread)
                thread.start()
            else:
                self._idle -= 1 if self._idle else 0
        return future

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, call = job
            if future.set_running_or_notify_cancel():
                try:
                    result = call()
                except BaseException as err:  # handed to the waiting coroutine, as ThreadPoolExecutor does
                    future.set_exception(err)
                else:
                    future.set_result(result)
            with self._lock:
                self._idle += 1

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            threads = list(self._threads)
        if cancel_futures:
            while True:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    job[0].cancel()
        for _ in threads:
            self._jobs.put(None)
        if wait:
            for thread in threads:
                thread.join()


def unfinished(items: Iterable[Item], writer: ResultWriter, summary: ExtractSummary,
               max_items: int | None) -> Iterator[Item]:
    """The items without a line in the output yet (each one skipped is counted in `summary.skipped`), at most
    `max_items` of them; a duplicate id raises `BulkInputError` when it is reached."""
    seen: set[bytes] = set()
    started = 0
    for item in items:
        digest = id_digest(item.id)
        if digest in seen:
            raise BulkInputError(f"{item.where}: duplicate id {item.id!r}; ids must be unique")
        seen.add(digest)
        if item.id in writer.done:
            summary.skipped += 1
            continue
        if max_items is not None and started >= max_items:
            return
        started += 1
        yield item


async def run_bounded(jobs: Iterable[_J], start: Callable[[_J, int], Coroutine[Any, Any, None]], *,
                      limit: AdaptiveLimit, max_pending: int, summary: ExtractSummary,
                      threads: Callable[[], Executor | None]) -> None:
    """Run `start(job, epoch)` for every job, each once `limit` grants it a slot (`epoch`), at most
    `max_pending` at a time. The first exception of a job (or of `jobs`) is raised after the remaining tasks
    are cancelled and awaited; `threads()` is the runner's executor, if it made one, shut down without waiting."""
    started = time.monotonic()
    pending: set[asyncio.Task[None]] = set()

    def reap(done: Iterable[asyncio.Task[None]]) -> None:
        errors = [error for task in done if (error := task.exception()) is not None]  # each one retrieved
        if errors:
            raise errors[0]

    try:
        for job in jobs:
            while len(pending) >= max_pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                reap(done)
            epoch = await limit.acquire()
            pending.add(asyncio.ensure_future(start(job, epoch)))
            finished = {t for t in pending if t.done()}
            pending -= finished
            reap(finished)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            reap(done)
    finally:
        for task in pending:
            task.cancel()
        if pending:
            with contextlib.suppress(BaseException):
                await asyncio.gather(*pending, return_exceptions=True)
        executor = threads()
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        summary.elapsed = time.monotonic() - started
        summary.throttled = limit.stats.throttled
        summary.final_concurrency = limit.limit
        summary.quota_rate = limit.stats.quota_rate
