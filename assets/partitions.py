"""One dynamic partition per branch office: a branch's extracts are ingested independently of the others, and one
run may cover many branches (a range of partitions: `landing_files.ingest_runs` makes the ranges)."""

from dagster import DynamicPartitionsDefinition

from ucj_pipeline.ingest.landing_files import IngestRunRequest
from ucj_pipeline.orchestration.dagster_internals import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG

branch_partitions = DynamicPartitionsDefinition(name="branch")


def partition_key_of(run: IngestRunRequest) -> str | None:
    """The partition of a one-branch run (tagged `dagster/partition`, as Dagster tags any partition's run)."""
    return run.first if len(run.branches) == 1 else None


def partition_range_tags(run: IngestRunRequest) -> dict[str, str]:
    """The tags of a run over a range of branches (Dagster's single-run backfill tags)."""
    if len(run.branches) == 1:
        return {}
    return {PARTITION_RANGE_START_TAG: run.first, PARTITION_RANGE_END_TAG: run.last}
