"""`ucj ui` stops its whole process tree (webserver, daemon, code servers) within seconds of SIGTERM, as a service
manager or a container runtime sends it: left alone, `dagster dev` took more than a minute."""

import os
import signal
import subprocess
import time
import urllib.request

import psutil
import pytest

from tests.conftest import BIN, ucj_env
from tests.dagster_dev import free_port, wait_for

pytestmark = pytest.mark.slow(40)  # seconds, for the test order (conftest)


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5):
            return True
    except OSError:
        return False


def test_ucj_ui_stops_every_process_it_started_within_ten_seconds_of_sigterm(tmp_path):
    port, docs = free_port(), free_port()
    home = tmp_path / "ucj"
    with open(tmp_path / "ui.log", "w") as log:
        ui = subprocess.Popen(
            [str(BIN / "ucj"), "ui", "--port", str(port), "--docs-port", str(docs)],
            env=ucj_env(home),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the test's own safety net: the group is killed at the end whatever happens
        )
        try:
            wait_for(lambda: _answers(port), timeout=120, interval=1, what="the UI to answer")
            wait_for(lambda: len(psutil.Process(ui.pid).children(recursive=True)) >= 3, timeout=60, what="the daemon")
            tree = [ui.pid, *(p.pid for p in psutil.Process(ui.pid).children(recursive=True))]
            signal_sent = time.monotonic()
            os.kill(ui.pid, signal.SIGTERM)  # the ucj process alone, as `systemctl stop` or `docker stop` do
            ui.wait(timeout=15)
            wait_for(lambda: not [p for p in tree if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"],
                     timeout=15, interval=0.2, what="every process of the tree to end")  # fmt: skip
            took = time.monotonic() - signal_sent
            assert took < 10, f"the tree took {took:.1f} s to stop"
            assert not _answers(port)
        finally:
            with __import__("contextlib").suppress(ProcessLookupError):
                os.killpg(ui.pid, signal.SIGKILL)
