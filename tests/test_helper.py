"""The helper process: results and errors come back to the main process, a dead helper is reported,
and a helper never outlives its build."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from publish.helper import Helper, HelperDied
from tests.conftest import ROOT


def test_a_job_returns_its_result_and_time():
    with Helper(warm_up=("json",)) as helper:
        result, seconds = helper.submit(sum, [1, 2, 3]).wait()
    assert result == 6 and 0 <= seconds < 5


def test_an_error_in_the_job_is_raised_in_the_main_process():
    with pytest.raises(ValueError, match="invalid literal"), Helper(warm_up=("json",)) as helper:
        helper.submit(int, "not a number").wait()


def test_a_helper_that_dies_is_reported_not_waited_on():
    with pytest.raises(HelperDied, match="exit code 3"), Helper(warm_up=("json",)) as helper:
        helper.submit(os._exit, 3).wait()


WARM_UP_FAILS = """
from publish.helper import Helper

if __name__ == "__main__":
    with Helper(warm_up=("no_such_module_here", "broken_at_import", "json")) as helper:
        print(helper.submit(max, [4, 9]).wait()[0])
"""


@pytest.mark.build
def test_a_failed_warm_up_does_not_stop_the_jobs(tmp_path):
    """A missing module, or one that raises OSError at import as WeasyPrint does without Pango: the
    worker skips both, and the job that needs the module raises the error where the build reports it."""
    (tmp_path / "broken_at_import.py").write_text('raise OSError("cannot load library libpango-1.0.so.0")\n')
    (tmp_path / "parent.py").write_text(WARM_UP_FAILS)
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"}
    result = subprocess.run([sys.executable, "parent.py"], cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env)
    assert (result.returncode, result.stdout, result.stderr) == (0, "9\n", "")


def test_jobs_run_in_order_and_their_results_can_be_waited_for_in_any_order():
    with Helper(warm_up=("json",)) as helper:
        first, second = helper.submit(sum, [1, 2]), helper.submit(max, [7, 5])
        assert second.wait()[0] == 7
        assert first.wait()[0] == 3


def test_an_error_in_the_main_process_stops_a_long_job_at_once():
    """The helper ignores SIGTERM (meant for the build), so it is killed: no waiting for its job to end."""
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="stage failed"), Helper(warm_up=("json",)) as helper:
        helper.submit(time.sleep, 60)
        raise RuntimeError("stage failed")
    assert time.monotonic() - start < 10


PARENT = """
import sys, time
from publish.helper import Helper

if __name__ == "__main__":
    helper = Helper(warm_up=("json",))
    helper.submit(time.sleep, 60)
    print(helper.processes[0].pid, flush=True)
    time.sleep(60)
"""


@pytest.mark.build
def test_the_helper_stops_when_its_parent_is_killed(tmp_path):
    """kill -9 of the build: its helper ends at once, silently (no BrokenPipeError), instead of finishing its job."""
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    parent = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    helper_pid = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=30)
    deadline = time.monotonic() + 5
    while _alive(helper_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(helper_pid), "the helper outlived its parent"
    assert parent.stderr.read() == ""  # the helper shares its parent's stderr: it printed nothing either


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"

