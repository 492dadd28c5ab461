"""A second process for the one long job the build does not wait on, so both cores work at once.

The helper starts with the build and imports the library its job needs while the main process makes
the tables, so the job starts warm. It ignores Ctrl-C: the main process handles that and stops the
helper at once. An error in the job is raised again in the main process; a helper that dies (killed,
out of memory) is reported, never waited on forever.
"""

from __future__ import annotations

import gc
import importlib
import signal
import time
from collections.abc import Callable
from multiprocessing import get_context
from multiprocessing.connection import Connection
from typing import Generic, TypeVar

T = TypeVar("T")


class HelperDied(RuntimeError):
    """The helper process ended before it sent the job's result."""


class Job(Generic[T]):
    """A job handed to the helper; `wait` returns its result and the seconds it took there."""

    def __init__(self, helper: Helper) -> None:
        self._helper = helper

    def wait(self) -> tuple[T, float]:
        try:
            ok, value = self._helper.connection.recv()
        except (EOFError, OSError):
            raise self._helper.died() from None
        if not ok:
            raise value
        return value


class Helper:
    """One spawned worker (spawn, not fork: polars' threads do not survive a fork), one job at a time."""

    def __init__(self, warm_up: str) -> None:
        context = get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, warm_up), name="publish-helper", daemon=True)
        self.process.start()
        child.close()

    def submit(self, func: Callable[..., T], *args) -> Job[T]:
        try:
            self.connection.send((func, args))
        except OSError:
            raise self.died() from None
        return Job(self)

    def died(self) -> HelperDied:
        self.process.join(timeout=5)  # its pipe closes a moment before its exit code is known
        return HelperDied(f"the helper process stopped (exit code {self.process.exitcode})")

    def __enter__(self) -> Helper:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is None and self.process.is_alive():
            self.connection.send(None)  # no more jobs: the helper returns
        else:
            self.process.terminate()
        self.process.join()
        self.connection.close()


def _serve(connection: Connection, warm_up: str) -> None:
    """The helper's loop: import what the job will need, then run jobs until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        importlib.import_module(warm_up)
    except Exception:  # noqa: BLE001 - the job itself will raise the same error where it can be reported
        pass
    while (message := _next_job(connection)) is not None:
        func, args = message
        start = time.perf_counter()
        try:
            connection.send((True, (func(*args), time.perf_counter() - start)))
        except Exception as err:  # noqa: BLE001 - every error goes back to the main process
            connection.send((False, err))
    gc.freeze()  # see publish.__main__: the exit then skips a collection over what the jobs left


def _next_job(connection: Connection) -> tuple | None:
    """The next job, or None when the main process says stop or is gone."""
    try:
        return connection.recv()
    except EOFError:
        return None
