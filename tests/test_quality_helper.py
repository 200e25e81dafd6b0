"""The Great Expectations helper process of a publishing run never outlives the run: a run killed with -9 cannot
shut it down, so the helper watches for its parent and exits."""

import os
import signal
import subprocess
import sys
import time

import psutil

STARTS_A_HELPER = """
import multiprocessing, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from ucj_pipeline import quality_worker
helper = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                             initializer=quality_worker.watch_parent, initargs=(os.getpid(),))
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
