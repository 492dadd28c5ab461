"""The helper process: results and errors come back to the main process, and a dead helper is reported."""

from __future__ import annotations

import os

import pytest

from publish.helper import Helper, HelperDied


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


def test_a_failed_warm_up_does_not_stop_the_job():
    with Helper(warm_up=("no_such_module_here",)) as helper:
        assert helper.submit(max, [4, 9]).wait()[0] == 9


def test_jobs_run_in_order_and_their_results_can_be_waited_for_in_any_order():
    with Helper(warm_up=("json",)) as helper:
        first, second = helper.submit(sum, [1, 2]), helper.submit(max, [7, 5])
        assert second.wait()[0] == 7
        assert first.wait()[0] == 3
