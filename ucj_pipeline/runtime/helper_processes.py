"""Helper processes of a run (ingest's branch workers, the Great Expectations helper): spawned, never forked
(DuckDB, polars and Dagster hold threads), and gone as soon as the run's process is gone: a run killed with -9 or
by the out-of-memory killer cannot shut its helpers down, which would otherwise stay for ever, holding memory."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

from ucj_pipeline.runtime.atomic_files import own_scratch_by


def watch_parent(parent_pid: int, every_seconds: float = 1.0) -> None:
    """A helper's initializer: it exits as soon as the process that started it is gone, and its scratch folders
    are that process's (`leftovers.own_scratch_by`)."""
    own_scratch_by(parent_pid)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(every_seconds)
        os._exit(1)

    threading.Thread(target=watch, name="ucj-watch-run-process", daemon=True).start()


def can_start_helpers() -> bool:
    """False in a Celery worker's pool process (a daemon process may not start children): work in-process."""
    return not multiprocessing.current_process().daemon


def helper_pool(workers: int) -> ProcessPoolExecutor:
    """`workers` spawned helper processes that exit with this process."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=watch_parent,
        initargs=(os.getpid(),),
    )


def spawn_with_default_signals(command: list[str], **popen_kwargs):
    """`subprocess.Popen(command)`, the child starting with SIGTERM and SIGINT at their defaults: a process started
    with them ignored (as some service managers, shells and test runners leave them) passes SIG_IGN on to its
    children across exec, and a server started so would outlive every SIGTERM sent to stop it."""
    import signal
    import subprocess

    if threading.current_thread() is not threading.main_thread():  # signal.signal works in the main thread only
        return subprocess.Popen(command, **popen_kwargs)
    kept = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        for s, handler in kept.items():
            if handler is signal.SIG_IGN:
                signal.signal(s, signal.SIG_DFL)
        return subprocess.Popen(command, **popen_kwargs)
    finally:
        for s, handler in kept.items():
            signal.signal(s, handler)


def run_process_group(command: list[str], grace_seconds: float = 7.0) -> int:
    """Run `command` in a process group of its own and return its exit code. SIGTERM or SIGINT to this process
    stops the whole group: the signal is passed on, and whatever still runs after `grace_seconds` is killed, so
    the command's children (`dagster dev`: webserver, daemon, code servers, run workers) are gone within seconds
    (left alone, `dagster dev` took more than a minute to stop after SIGTERM)."""
    import signal

    process = spawn_with_default_signals(command, start_new_session=True)
    stopping = threading.Event()

    def stop(signum, _frame) -> None:
        if stopping.is_set():
            return
        stopping.set()
        _signal_group(process.pid, signum)
        deadline = time.monotonic() + grace_seconds
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        _signal_group(process.pid, signal.SIGKILL)  # the leader may be gone while its children are not

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    code = process.wait()
    if stopping.is_set():
        _signal_group(process.pid, signal.SIGKILL)
    return code


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)
