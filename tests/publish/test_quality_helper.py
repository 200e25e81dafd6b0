"""A run's helper processes (ingest's branch workers, the Great Expectations helper) never outlive the run: a run
killed with -9 cannot shut them down, so each helper watches for its parent and exits."""

import contextlib
import os
import signal
import subprocess
import sys
import time

import psutil

STARTS_A_HELPER = """
import os, time
from ucj_pipeline.runtime.helper_processes import helper_pool
helper = helper_pool(2)  # as ingest's branch workers and the Great Expectations helper are started
print(helper.submit(os.getpid).result(), flush=True)
time.sleep(120)
"""


def test_a_helper_exits_when_its_run_process_is_killed():
    run = subprocess.Popen([sys.executable, "-c", STARTS_A_HELPER], stdout=subprocess.PIPE, text=True)
    try:
        helper = int(run.stdout.readline())
        assert psutil.pid_exists(helper)
        time.sleep(1.5)
        assert psutil.Process(helper).status() != psutil.STATUS_ZOMBIE  # alive while the run lives
    finally:
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if not psutil.pid_exists(helper) or psutil.Process(helper).status() == psutil.STATUS_ZOMBIE:
            break
        time.sleep(0.2)
    else:
        psutil.Process(helper).kill()
        raise AssertionError(f"helper {helper} outlived its killed run process")


def test_the_helper_ucj_run_starts_ahead_is_the_one_its_publishing_run_uses():
    """`ucj run` starts the GX helper before its ingest runs; the refresh run takes that helper (no second one) and
    shuts it down when it ends."""
    from dagster import build_resources

    from resources import marts_quality

    marts_quality.prewarm_quality_helper()
    ahead = marts_quality._prewarmed.submit(os.getpid).result()
    with build_resources({"quality": marts_quality.MartsQuality()}) as resources:
        assert marts_quality._prewarmed is None
        assert resources.quality._helper.submit(os.getpid).result() == ahead
    with contextlib.suppress(psutil.NoSuchProcess):  # shut down with the run (or already gone)
        psutil.Process(ahead).wait(timeout=15)
    with build_resources({"quality": marts_quality.MartsQuality()}) as resources:  # the next run: a helper of its own
        assert resources.quality._helper.submit(os.getpid).result() != ahead
