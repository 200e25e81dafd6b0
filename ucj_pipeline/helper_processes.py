"""Helper processes of a run (ingest's branch workers, the Great Expectations helper): spawned, never forked
(DuckDB, polars and Dagster hold threads), and gone as soon as the run's process is gone: a run killed with -9 or
by the out-of-memory killer cannot shut its helpers down, which would otherwise stay for ever, holding memory."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

from ucj_pipeline.leftovers import own_scratch_by


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
