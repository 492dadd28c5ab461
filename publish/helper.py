"""Worker processes for the jobs the build does not wait on at once (layouts, the package validation),
so every core works: the standard library's process pool, with the build's rules for stopping.

Each job runs in a process of its own, forked from a warm server (multiprocessing's forkserver) that
imported the libraries the jobs need while the main process made the tables: a job starts warm, and
the millions of boxes a layout leaves go with its process instead of costing a full collection. The
workers ignore Ctrl-C (the terminal sends it to the whole process group; the main process handles it
and kills them at once), and each stops by itself the moment the main process is gone (killed with
`kill -9`, say), so no orphan goes on writing into a staging folder nobody will publish. An error in a
job is raised again in the main process; a worker that dies (killed, out of memory) is reported with
its exit code, never waited on forever.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import forkserver, get_context, parent_process
from typing import Generic, TypeVar

T = TypeVar("T")
WARM_UP_ENVIRONMENT = "PUBLISH_WARM_UP"  # read by publish/warm_up.py


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
    """A pool of workers, at most one per core, each running one job and ending: a fresh process forked
    from the forkserver (not from the main process: polars' threads do not survive a fork). Jobs start in
    the order they were submitted; their results may be waited for in any order.
    """

    def __init__(self, warm_up: tuple[str, ...], workers: int = 1) -> None:
        self.workers = max(1, min(workers, os.cpu_count() or 1))
        _quiet_resource_tracker()
        context = _Recording(get_context("forkserver"))
        _start_forkserver(context, warm_up)
        self.pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start, max_tasks_per_child=1)
        # the workers not yet reaped, to kill them at once when the build stops and to read a dead one's exit code
        self.processes = context.processes

    def submit(self, func: Callable[..., T], *args) -> Job[T]:
        try:
            return Job(self, self.pool.submit(_timed, func, *args))
        except (BrokenProcessPool, EOFError, ConnectionError):  # EOFError: the forkserver itself was killed
            raise self.died() from None

    def died(self) -> HelperDied:
        """The error for a worker that ended without its job's result, with that worker's exit code.

        The pool's own thread reaps the workers of a broken pool; it is waited for first, since two
        threads reading one worker's exit status race (the loser reads 255). The workers are held
        meanwhile: the pool lets go of them when it shuts down.
        """
        workers = list(self.processes)
        self.pool.shutdown(wait=True, cancel_futures=True)
        codes = [p.exitcode for p in workers if p.exitcode not in (None, 0, -signal.SIGTERM)]
        return HelperDied(f"the helper process stopped (exit code {codes[0] if codes else 'unknown'})")

    def __enter__(self) -> Helper:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is not None:
            for process in list(self.processes):  # a layout under way is cut short: nothing of it is wanted any more
                if process.pid is not None and process.exitcode is None:
                    process.kill()
        self.pool.shutdown(wait=True, cancel_futures=True)


class _Recording:
    """A multiprocessing context that knows the processes it started and the pool still holds: the pool
    replaces a worker after each job and forgets it, but a dead worker's exit code is what the build's
    message reports. Weak references: a reaped worker's pipes close with it (two a job, which a national
    dataset's thousand booklets would otherwise run out of)."""

    def __init__(self, context) -> None:
        self._context = context
        self.processes: weakref.WeakSet[multiprocessing.process.BaseProcess] = weakref.WeakSet()

    def Process(self, *args, **kwargs):  # noqa: N802 - the name the pool calls
        process = self._context.Process(*args, **kwargs)
        self.processes.add(process)
        return process

    def __getattr__(self, name: str):
        return getattr(self._context, name)


def _start_forkserver(context, warm_up: tuple[str, ...]) -> None:
    """Start the forkserver now, importing `warm_up` while the main process works on (one server a
    process: the first Helper's list counts). It imports them through publish/warm_up.py, which skips a
    module that fails to import, and finds their names in its environment, set for it alone."""
    os.environ[WARM_UP_ENVIRONMENT] = " ".join(warm_up)
    try:
        context.set_forkserver_preload(["publish.warm_up"])
        forkserver.ensure_running()
    finally:
        del os.environ[WARM_UP_ENVIRONMENT]


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
    """A job's result and the seconds it took in its worker."""
    start = time.perf_counter()
    result = func(*args)
    return result, time.perf_counter() - start


def _start() -> None:
    """A worker's start: Ctrl-C is the main process's, the worker stops with it, and it never collects
    cycles: it ends with its one job, and a collection would only rescan the millions of boxes a layout
    keeps alive (render._collector_paused)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()
    _exit_with_parent()


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
