"""Jobs: ingest one branch's partition; reject misnamed files; refresh reference data, models, the published file
and the report. Their executor is the code location's (`ucj_pipeline.orchestration.execution`): the run's own
process on one machine, Celery workers in the distributed profile. Built by `build_jobs`, called where the
definitions are built (`ucj_pipeline.orchestration.definitions`), which attaches the refresh hooks."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from typing import Any

from dagster import AssetSelection, HookDefinition, define_asset_job

INGEST_BRANCH_JOB = "ingest_branch_job"
MISNAMED_FILES_JOB = "misnamed_files_job"
REFRESH_WAREHOUSE_JOB = "refresh_warehouse_job"
BRANCH_INGEST_KEYS = ("participant_snapshots", "claim_payments", "extract_files", "row_issues")
INGEST_ASSET_KEYS = (*BRANCH_INGEST_KEYS, "misnamed_extract_files")  # what a refresh publishes from ingest
INGEST = AssetSelection.assets(*BRANCH_INGEST_KEYS)
LANDING = AssetSelection.groups("landing")
AssetJob = Any  # what `define_asset_job` returns (an unresolved job; its class is not public API)


@dataclass(frozen=True)
class PipelineJobs:
    ingest_branch: AssetJob
    misnamed_files: AssetJob
    refresh_warehouse: AssetJob

    def all(self) -> list[AssetJob]:
        return [self.ingest_branch, self.misnamed_files, self.refresh_warehouse]


def build_jobs(drop_hooks: Set[HookDefinition] = frozenset()) -> PipelineJobs:
    """The three jobs; `drop_hooks` end the runs a file drop starts (the refresh hook, `schedules.refresh_hook`)."""

    def drop_job(name: str, selection: AssetSelection, description: str, kind: str) -> AssetJob:
        tags = {"ucj/run_kind": kind}
        return define_asset_job(name, selection=selection, description=description, tags=tags, hooks=set(drop_hooks))

    return PipelineJobs(
        ingest_branch=drop_job(
            INGEST_BRANCH_JOB,
            INGEST,
            "Ingest the landed extracts of one branch (one partition per branch), with its checks.",
            "ingest",
        ),
        misnamed_files=drop_job(
            MISNAMED_FILES_JOB, LANDING, "Log and archive landed files whose names break the contract.", "landing"
        ),
        refresh_warehouse=define_asset_job(
            REFRESH_WAREHOUSE_JOB,
            selection=AssetSelection.all() - INGEST - LANDING,
            description="Reference data, SQL models (staging, intermediate, marts), history, the published ucj.duckdb "
            "and the target report, for the reporting date in the run's ucj/as_of_date tag.",
            tags={"ucj/run_kind": "refresh"},
        ),
    )
