"""A server started by a process that ignores SIGTERM (as some service managers, shells and test runners leave it)
still stops on SIGTERM: its child starts with the default dispositions (`spawn_with_default_signals`)."""

import signal
import subprocess
import sys

from ucj_pipeline.runtime.helper_processes import spawn_with_default_signals

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_a_child_stops_on_sigterm_though_its_parent_ignores_it():
    kept = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        child = spawn_with_default_signals(SLEEPER)
        child.terminate()
        assert child.wait(timeout=5) == -signal.SIGTERM
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN  # the parent's own disposition is kept
        ignoring = subprocess.Popen(SLEEPER)  # what a plain Popen would have started
        ignoring.terminate()
        try:
            ignoring.wait(timeout=1)
            raise AssertionError("SIG_IGN was not inherited: the test shows nothing")
        except subprocess.TimeoutExpired:
            ignoring.kill()
            ignoring.wait()
    finally:
        signal.signal(signal.SIGTERM, kept)
