"""The one door to Dagster's internals: every `dagster._…` import and every undocumented call of this project lives
here (tests have their own door, `tests/dagster_test_internals.py`; `tests/orchestration/test_dagster_internals.py` fails on a
private import anywhere else). Each use says why it is needed and what to check when Dagster is upgraded: these are
the first places a new Dagster release can break, and the tests named beside each one are the ones that show it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from dagster import (
    AssetCheckEvaluation,
    AssetRecordsFilter,
    DagsterInstance,
    DagsterRun,
    Definitions,
    Failure,
    JobDefinition,
)

# --- Failures that read first -----------------------------------------------------------------------------------
# Why: a step that fails with a `Failure` is recorded with its exception serialised as "module.Class: message"
# followed by Dagster's own stack trace, and the UI shows that above the failure's description. For a failure caused
# by a branch's file, the operator must read the one-line reason first. Dagster hoists the error info carried by a
# DagsterUserCodeProcessError (`dagster._utils.error.serializable_error_info_from_exc_info`), so an exception that
# is both a Failure and such an error is recorded as exactly the message we give, with no stack, and keeps the
# Failure's description and metadata. Upgrade check: tests/orchestration/test_ui_truth.py (no "Stack Trace" on the failed run).
from dagster._core.errors import DagsterUserCodeProcessError
from dagster._utils.error import SerializableErrorInfo


class FailureShownAsMessage(DagsterUserCodeProcessError, Failure):
    """A `Failure` that Dagster records and shows as its description alone: no class path, no stack trace. For
    failures whose cause is the input (a branch's file), not the code."""

    def __init__(self, description: str, metadata: Mapping[str, Any] | None = None, allow_retries: bool = True):
        Failure.__init__(self, description=description, metadata=metadata, allow_retries=allow_retries)
        self.user_code_process_error_infos = [SerializableErrorInfo(description, [], type(self).__name__)]


# --- Per-branch checks the UI counts ------------------------------------------------------------------------------
# Why: a check evaluation logged by the asset's step (`context.log_event`, one per branch as the branches finish)
# carries no target materialisation, so Dagster counts it as not "current" for the partition and the check's
# Partitions tab shows every branch as Missing. Naming the partition's latest materialisation as the target makes
# the tab count each branch's latest evaluation. Upgrade check: tests/orchestration/test_ui_truth.py reads the tab's counts.
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData,
)


def targeting_latest_materialization(
    instance: DagsterInstance, evaluation: AssetCheckEvaluation
) -> AssetCheckEvaluation:
    """The evaluation, aimed at the latest materialisation of its asset partition (unchanged when there is none)."""
    partitions = [evaluation.partition] if evaluation.partition else None
    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=evaluation.asset_key, asset_partitions=partitions), limit=1
    ).records
    if not records:
        return evaluation
    latest = records[0]
    return AssetCheckEvaluation(
        asset_key=evaluation.asset_key,
        check_name=evaluation.check_name,
        passed=evaluation.passed,
        metadata=evaluation.metadata,
        target_materialization_data=AssetCheckEvaluationTargetMaterializationData(
            storage_id=latest.storage_id, run_id=latest.run_id, timestamp=latest.timestamp
        ),
        severity=evaluation.severity,
        description=evaluation.description,
        blocking=evaluation.blocking,
        partition=evaluation.partition,
    )


# --- A run over a range of branch partitions ----------------------------------------------------------------------
# Why: one ingest run covers many branches (a single-run backfill policy); a run made by `ucj run` or the landing
# sensor carries the same range tags a backfill's run does, which Dagster reads to know the run's partitions. The tag
# names are not exported. Upgrade check: tests/assets/test_many_branches_one_run.py.
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

PARTITION_RANGE_START_TAG, PARTITION_RANGE_END_TAG = ASSET_PARTITION_RANGE_START_TAG, ASSET_PARTITION_RANGE_END_TAG


# --- Runs of `ucj run`, recorded as runs of the code location -----------------------------------------------------
# Why: `JobDefinition.execute_in_process` records a run without an origin: the UI leaves it off the Overview timeline
# and the job's history, and "Re-execute" warns that it cannot find the job. So the run is created with the origin of
# the code location that `ucj ui` serves (workspace.yaml: location `ucj_pipeline`, its module and working
# directory), as `dagster job launch` creates it, and executed in this process. Uses: the workspace loader, the
# repository and job origins, `InMemoryJob`, `execute_run`, the partition-loading context of a dynamic partition key,
# and the name Dagster gives the repository of a `Definitions` object. Upgrade check: tests/orchestration/test_cli_runs_in_ui.py
# (the run is in its code location and re-executes), tests/orchestration/test_refresh_sensor.py.
from dagster._core.definitions.job_base import InMemoryJob
from dagster._core.definitions.partitions.context import partition_loading_context
from dagster._core.definitions.reconstruct import ReconstructableRepository
from dagster._core.execution.api import execute_run
from dagster._core.origin import JobPythonOrigin
from dagster._core.remote_origin import RemoteRepositoryOrigin
from dagster._core.workspace.load import location_origins_from_yaml_paths

MODULE, ATTRIBUTE = "ucj_pipeline.orchestration.definitions", "defs"
REPOSITORY = "__repository__"  # the name Dagster gives the repository of a `Definitions` object


@cache
def _code_location():
    from ucj_pipeline.runtime.paths import WORKSPACE_FILE

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
    range of partitions carries the range tags in `tags` (`assets.partitions.partition_range_tags`)."""
    from ucj_pipeline.runtime.paths import PROJECT_ROOT

    job: JobDefinition = defs.resolve_job_def(job_name)
    run_tags = {**job.tags, **tags}
    if partition_key is not None:
        with partition_loading_context(dynamic_partitions_store=instance) as context:
            job.validate_partition_key(partition_key, selected_asset_keys=None, context=context)
            run_tags.update(job.get_tags_for_partition_key(partition_key, selected_asset_keys=None))
    remote_origin = RemoteRepositoryOrigin(_code_location(), REPOSITORY).get_job_origin(job_name)
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


# --- The refresh queued by the last ingest run of a drop ----------------------------------------------------------
# Why: a run hook cannot return a run request; it creates the refresh run with the origins of the run it ends (the
# job name changed) and submits it to the instance's queue, which needs no workspace to enqueue
# (`submit_run(workspace=None)`, undocumented). It only does so when the instance queues runs. Upgrade check:
# tests/orchestration/test_refresh_sensor.py, tests/orchestration/test_ui_truth.py (exactly one refresh after a drop).
from dagster._core.run_coordinator import QueuedRunCoordinator


def queues_runs(instance: DagsterInstance) -> bool:
    """Whether the instance puts submitted runs on a queue (the daemon's), rather than launching them at once."""
    return isinstance(instance.run_coordinator, QueuedRunCoordinator)


def queue_run_in_location_of(run: DagsterRun, job: JobDefinition, instance: DagsterInstance, tags: Mapping[str, str]):
    """Create a run of `job` from the same code location as `run` (its origins, with the job name changed) and put it
    on the instance's run queue, as a sensor's run request is. Returns the queued run."""
    remote_origin = run.remote_job_origin.repository_origin.get_job_origin(job.name)
    python_origin = JobPythonOrigin(job.name, run.job_code_origin.repository_origin)
    queued = instance.create_run_for_job(
        job_def=job,
        run_config={},
        tags={**job.tags, **tags},
        remote_job_origin=remote_origin,
        job_code_origin=python_origin,
    )
    return instance.submit_run(queued.run_id, workspace=None)


# --- Concurrency slots of runs that died --------------------------------------------------------------------------
# Why: a run killed with -9 keeps the slot of the publish pool it held, and every later publish would wait for it.
# The event log storage's concurrency calls (`get_concurrency_keys`, `get_concurrency_info`,
# `free_concurrency_slots_for_run`) are not part of the documented API. Upgrade check: tests/orchestration/test_crash_recovery.py.


def free_slots_of_finished_runs(instance: DagsterInstance) -> Iterator[tuple[str, str]]:
    """Give back every concurrency slot claimed or awaited by a run that is finished or gone; yields (pool, run id)."""
    storage = instance.event_log_storage
    for pool in storage.get_concurrency_keys():
        info = storage.get_concurrency_info(pool)
        for run_id in {s.run_id for s in info.claimed_slots} | {p.run_id for p in info.pending_steps}:
            run = instance.get_run_by_id(run_id)
            if run is None or run.is_finished:
                storage.free_concurrency_slots_for_run(run_id)
                yield pool, run_id
