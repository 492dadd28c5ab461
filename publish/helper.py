"""Worker processes for the jobs the build does not wait on at once (layouts, the package validation),
so every core works: the standard library's process pool, with the build's rules for stopping.

The workers start with the build and import the libraries their jobs need while the main process makes
the tables, so the jobs start warm. They ignore Ctrl-C (the terminal sends it to the whole process
group; the main process handles it and kills them at once), and each stops by itself the moment the main
process is gone (killed with `kill -9`, say), so no orphan goes on writing into a staging folder nobody
will publish. An error in a job is raised again in the main process; a worker that dies (killed, out of
memory) is reported with its exit code, never waited on forever.
"""

from __future__ import annotations

import gc
import importlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context, parent_process
from typing import Generic, TypeVar

T = TypeVar("T")


class HelperDied(RuntimeError):
    """A worker process ended before it sent the job's result."""


class Job(Generic[T]):
    """A job handed to a worker; `wait` returns its result and the seconds it took there."""

    def __init__(self, helper: Helper, future: Future) -> None:
        self._helper = helper
        self.future = future

    def wait(self) -> tuple[T, float]:
        try:
            return self.future.result()
        except BrokenProcessPool:
            raise self._helper.died() from None


class Helper:
    """A pool of spawned workers (spawn, not fork: polars' threads do not survive a fork), at most one
    per core. Jobs start in the order they were submitted; their results may be waited for in any order.
    """

    def __init__(self, warm_up: tuple[str, ...], workers: int = 1) -> None:
        self.workers = max(1, min(workers, os.cpu_count() or 1))
        _quiet_resource_tracker()
        before = set(multiprocessing.active_children())
        self.pool = ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"), initializer=_start, initargs=(warm_up,))
        for _ in range(self.workers):  # every worker starts now (and warms up), not at the first job
            self.pool.submit(int)
        # the pool's processes, to kill them at once when the build stops and to read a dead one's exit code
        self.processes = [p for p in multiprocessing.active_children() if p not in before]

    def submit(self, func: Callable[..., T], *args) -> Job[T]:
        try:
            return Job(self, self.pool.submit(_timed, func, *args))
        except BrokenProcessPool:
            raise self.died() from None

    def died(self) -> HelperDied:
        deadline = time.monotonic() + 5
        for process in self.processes:
            # Its pipe closes a moment before its exit code is known, and the pool's own thread may reap it
            # first (then our join reads no code for an instant): ask again until it is known.
            while process.exitcode is None and time.monotonic() < deadline:
                process.join(timeout=0.05)
        codes = [p.exitcode for p in self.processes if p.exitcode not in (None, 0, -signal.SIGTERM)]
        return HelperDied(f"the helper process stopped (exit code {codes[0] if codes else 'unknown'})")

    def __enter__(self) -> Helper:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is not None:
            for process in self.processes:  # a layout under way is cut short: nothing of it is wanted any more
                process.kill()
        self.pool.shutdown(wait=True, cancel_futures=True)


def _quiet_resource_tracker() -> None:
    """Start multiprocessing's resource tracker without its warning on stderr.

    The pool's queues hold named semaphores; after a `kill -9` of the build the tracker removes them
    and warns about each "leaked" one, which is noise for whoever stopped the build. The tracker takes
    its warning filters from this process's -W options (sys.warnoptions) when it starts.
    """
    from multiprocessing import resource_tracker

    option = "ignore::UserWarning:multiprocessing.resource_tracker"
    sys.warnoptions.append(option)
    try:
        resource_tracker.ensure_running()
    finally:
        sys.warnoptions.remove(option)


def _timed(func: Callable[..., T], *args) -> tuple[T, float]:
    """A job's result and its seconds; then its garbage collected, once, before the next job.

    A worker never collects otherwise (`_start`): a booklet's layout makes millions of boxes that every
    automatic collection would rescan, and leaves about 100 MB of reference cycles that only a full
    collection frees. Without this one a worker grew by that much with every booklet (1.4 GB for 12
    groups); with it, it stays near 240 MB, for about 0.5 s a booklet.
    """
    start = time.perf_counter()
    result = func(*args)
    seconds = time.perf_counter() - start
    gc.collect()
    return result, seconds


def _start(warm_up: tuple[str, ...]) -> None:
    """A worker's start: Ctrl-C is the main process's, stop with it, collect only between jobs
    (`_timed`), import what the jobs will need."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()
    _exit_with_parent()
    for module in warm_up:
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001 - the job itself will raise the same error where it can be reported
            pass


def _exit_with_parent() -> None:
    """Stop at once when the main process ends, whatever ended it: a thread waits on its sentinel.

    The job under way (a layout) is cut short with os._exit: nothing of it is wanted any more, and
    no cleanup of the worker's may write or print anything.
    """
    parent = parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
