"""Runs that `ucj run` and `ucj backfill` execute in their own process, recorded as runs of the code location.

`JobDefinition.execute_in_process` records a run without an origin: the UI leaves it off the Overview timeline and
the job's history, and "Re-execute" warns that it cannot find the job. Here the run is created with the origin
of the code location that `ucj ui` serves (workspace.yaml: location `ucj_pipeline`, its module and working
directory), as `dagster job launch` creates it, and then executed right here, in this process.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from functools import cache

from dagster import DagsterInstance, DagsterRun, DagsterRunStatus, Definitions, JobDefinition, RunsFilter
from dagster._core.definitions.job_base import InMemoryJob
from dagster._core.definitions.partitions.context import partition_loading_context
from dagster._core.definitions.reconstruct import ReconstructableRepository
from dagster._core.execution.api import execute_run
from dagster._core.origin import JobPythonOrigin
from dagster._core.remote_origin import RemoteRepositoryOrigin
from dagster._core.workspace.load import location_origins_from_yaml_paths

from ucj_pipeline.leftovers import process_alive
from ucj_pipeline.settings import PROJECT_ROOT, WORKSPACE_FILE

MODULE, ATTRIBUTE = "ucj_pipeline.definitions", "defs"
REPOSITORY = "__repository__"  # the name Dagster gives the repository of a `Definitions` object


@cache
def _code_location():
    [origin] = location_origins_from_yaml_paths([str(WORKSPACE_FILE)])
    return origin


def execute_as_code_location_run(
    defs: Definitions,
    job_name: str,
    instance: DagsterInstance,
    run_config: Mapping,
    tags: Mapping[str, str],
    partition_key: str | None = None,
):
    """Create the run with the code location's origin, execute it in this process, return its result. A run over a
    range of partitions carries Dagster's range tags in `tags` (`assets.partitions.partition_range_tags`)."""
    job: JobDefinition = defs.resolve_job_def(job_name)
    run_tags = {**job.tags, **tags}
    if partition_key is not None:
        with partition_loading_context(dynamic_partitions_store=instance) as context:
            job.validate_partition_key(partition_key, selected_asset_keys=None, context=context)
            run_tags.update(job.get_tags_for_partition_key(partition_key, selected_asset_keys=None))
    origin = _code_location()
    remote_origin = RemoteRepositoryOrigin(origin, REPOSITORY).get_job_origin(job_name)
    python_origin = (
        ReconstructableRepository.for_module(MODULE, ATTRIBUTE, working_directory=str(PROJECT_ROOT))
        .get_reconstructable_job(job_name)
        .get_python_origin()
    )
    run = instance.create_run_for_job(
        job_def=job,
        run_config=run_config,
        tags=run_tags,
        remote_job_origin=remote_origin,
        job_code_origin=python_origin,
    )
    return execute_run(InMemoryJob(job), run, instance)


def queue_run_in_location_of(run: DagsterRun, job_name: str, instance: DagsterInstance, tags: Mapping[str, str]):
    """Create a run of `job_name` from the same code location as `run` (its origins, with the job name changed) and
    put it on the instance's run queue, as a sensor's run request is. Returns the queued run."""
    from ucj_pipeline.definitions import defs  # loaded already: `run` is executing it

    job: JobDefinition = defs.resolve_job_def(job_name)
    remote_origin = run.remote_job_origin.repository_origin.get_job_origin(job_name)
    python_origin = JobPythonOrigin(job_name, run.job_code_origin.repository_origin)
    queued = instance.create_run_for_job(
        job_def=job,
        run_config={},
        tags={**job.tags, **tags},
        remote_job_origin=remote_origin,
        job_code_origin=python_origin,
    )
    return instance.submit_run(queued.run_id, workspace=None)  # the queue needs no workspace to enqueue


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
    storage = instance.event_log_storage
    for pool in storage.get_concurrency_keys():
        info = storage.get_concurrency_info(pool)
        for run_id in {s.run_id for s in info.claimed_slots} | {p.run_id for p in info.pending_steps}:
            run = instance.get_run_by_id(run_id)
            if run is None or run.is_finished:
                storage.free_concurrency_slots_for_run(run_id)
                print(f"freed the '{pool}' slot held by finished run {run_id}")
