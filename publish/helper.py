"""A second process for the jobs the build does not wait on at once, so both cores work.

The helper starts with the build and imports the libraries its jobs need while the main process makes
the tables, so the jobs start warm. It ignores Ctrl-C and SIGTERM: the main process handles those and
stops the helper at once; and it stops by itself the moment the main process is gone (killed with
`kill -9`, say), so no orphan goes on writing into a staging folder nobody will publish. An error in a
job is raised again in the main process; a helper that dies (killed, out of memory) is reported, never
waited on forever.
"""

from __future__ import annotations

import gc
import importlib
import os
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing import get_context, parent_process
from multiprocessing.connection import Connection
from typing import Generic, TypeVar

T = TypeVar("T")


class HelperDied(RuntimeError):
    """The helper process ended before it sent the job's result."""


class Job(Generic[T]):
    """A job handed to the helper; `wait` returns its result and the seconds it took there."""

    def __init__(self, helper: Helper, number: int) -> None:
        self._helper = helper
        self._number = number

    def wait(self) -> tuple[T, float]:
        ok, value = self._helper.result(self._number)
        if not ok:
            raise value
        return value


class Helper:
    """One spawned worker (spawn, not fork: polars' threads do not survive a fork).

    Jobs run one after another in the order they were submitted; their results may be waited for in
    any order (those that arrive first are kept until asked for).
    """

    def __init__(self, warm_up: tuple[str, ...]) -> None:
        context = get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, warm_up), name="publish-helper", daemon=True)
        self.process.start()
        child.close()
        self._submitted = 0
        self._received = 0
        self._results: dict[int, tuple[bool, object]] = {}

    def submit(self, func: Callable[..., T], *args) -> Job[T]:
        try:
            self.connection.send((func, args))
        except OSError:
            raise self.died() from None
        self._submitted += 1
        return Job(self, self._submitted - 1)

    def result(self, number: int) -> tuple[bool, object]:
        """(ok, result or error) of job `number`, receiving the results of the jobs before it on the way."""
        while number not in self._results:
            try:
                self._results[self._received] = self.connection.recv()
            except (EOFError, OSError):
                raise self.died() from None
            self._received += 1
        return self._results.pop(number)

    def died(self) -> HelperDied:
        self.process.join(timeout=5)  # its pipe closes a moment before its exit code is known
        return HelperDied(f"the helper process stopped (exit code {self.process.exitcode})")

    def __enter__(self) -> Helper:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        try:
            if exc_type is None and self.process.is_alive():
                self.connection.send(None)  # no more jobs: the helper returns
            else:
                self.process.kill()  # it ignores SIGTERM, which is meant for the main process
        except OSError:
            pass  # it has just died: join tells
        self.process.join()
        self.connection.close()


def _serve(connection: Connection, warm_up: tuple[str, ...]) -> None:
    """The helper's loop: import what the jobs will need, then run jobs until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _exit_with_parent()
    for module in warm_up:
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001 - the job itself will raise the same error where it can be reported
            pass
    while (message := _next_job(connection)) is not None:
        func, args = message
        start = time.perf_counter()
        try:
            reply = (True, (func(*args), time.perf_counter() - start))
        except Exception as err:  # noqa: BLE001 - every error goes back to the main process
            reply = (False, err)
        try:
            connection.send(reply)
        except OSError:  # the main process is gone (BrokenPipeError): nobody to answer
            return
    gc.freeze()  # see publish.__main__: the exit then skips a collection over what the jobs left


def _exit_with_parent() -> None:
    """Stop at once when the main process ends, whatever ended it: a thread waits on its sentinel.

    The job under way (a layout) is cut short with os._exit: nothing of it is wanted any more, and
    no cleanup of the helper's may write or print anything.
    """
    parent = parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _next_job(connection: Connection) -> tuple | None:
    """The next job, or None when the main process says stop or is gone."""
    try:
        return connection.recv()
    except EOFError:
        return None
