"""Bookkeeping of the runs that `ucj run` and `ucj backfill` execute in their own process: the tags that tell a
later `ucj` whether a run's process died, and marking such runs failed. (Creating and executing those runs as runs
of the code location needs Dagster internals: `dagster_internals.execute_as_code_location_run`.)"""

from __future__ import annotations

import os
import socket

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from ucj_pipeline.orchestration.dagster_internals import free_slots_of_finished_runs
from ucj_pipeline.runtime.atomic_files import process_alive

# Bookkeeping tags, hidden in the UI (Dagster hides keys under `.dagster/`): they would take the visible tag slots of
# the run list. Runs of homes from before kept them as `ucj/pid` and `ucj/host`, which are still read.
PID_TAG, HOST_TAG = ".dagster/ucj_pid", ".dagster/ucj_host"
LEGACY_PID_TAG, LEGACY_HOST_TAG = "ucj/pid", "ucj/host"
LAUNCHED_BY_TAG = "user"  # what the run list shows as "launched by" (instead of "Manually launched")


def process_tags(command: str = "ucj run") -> dict[str, str]:
    """Tags that let a later `ucj` command tell a run whose process died from one still going, and that say in the
    run list which command launched it."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname(), LAUNCHED_BY_TAG: f"{command} (command line)"}


def fail_dead_runs(instance: DagsterInstance) -> None:
    """Runs started by a `ucj` process that died (kill -9, a reboot) stay STARTED for ever, and keep the
    concurrency slot of the publish pool they held, so every later publish would wait for it: mark them failed and
    give their slots back."""
    for run in instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.STARTING])):
        pid = run.tags.get(PID_TAG, run.tags.get(LEGACY_PID_TAG, ""))
        host = run.tags.get(HOST_TAG, run.tags.get(LEGACY_HOST_TAG))
        if host == socket.gethostname() and pid.isdigit() and not process_alive(int(pid)):
            instance.report_run_failed(
                run, f"the ucj process (pid {pid}) that ran it died; marked failed by a later ucj"
            )
            print(f"marked failed: run {run.run_id} ({run.job_name}), its process {pid} died")
    for pool, run_id in free_slots_of_finished_runs(instance):
        print(f"freed the '{pool}' slot held by finished run {run_id}")
