"""Jobs: ingest one branch's partition; reject misnamed files; refresh reference data, models, the published file
and the report. Their executor is the code location's (`ucj_pipeline.execution`): the run's own process on one
machine, Celery workers in the distributed profile."""

from dagster import AssetSelection, define_asset_job

from schedules.refresh_hook import REFRESH_HOOKS

BRANCH_INGEST_KEYS = ("participant_snapshots", "extract_files", "row_issues")
INGEST_ASSET_KEYS = (*BRANCH_INGEST_KEYS, "misnamed_extract_files")  # what a refresh publishes from ingest
INGEST = AssetSelection.assets(*BRANCH_INGEST_KEYS)
LANDING = AssetSelection.groups("landing")

ingest_branch_job = define_asset_job(
    "ingest_branch_job",
    selection=INGEST,
    description="Ingest the landed extracts of one branch (one partition per branch), with its checks.",
    tags={"ucj/run_kind": "ingest"},
    hooks=REFRESH_HOOKS,  # a file drop's last run queues the refresh (schedules.refresh_hook)
)
misnamed_files_job = define_asset_job(
    "misnamed_files_job",
    selection=LANDING,
    description="Log and archive landed files whose names break the contract.",
    tags={"ucj/run_kind": "landing"},
    hooks=REFRESH_HOOKS,
)
refresh_warehouse_job = define_asset_job(
    "refresh_warehouse_job",
    selection=AssetSelection.all() - INGEST - LANDING,
    description="Reference data, SQL models (staging, intermediate, marts), history, the published ucj.duckdb and "
    "the target report, for the reporting date in the run's ucj/as_of_date tag.",
    tags={"ucj/run_kind": "refresh"},
)
