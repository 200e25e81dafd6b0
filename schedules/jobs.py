"""Jobs: ingest one branch's partition; reject misnamed files; refresh reference data, models, the published file
and the report."""

from dagster import AssetSelection, define_asset_job

INGEST = AssetSelection.assets("participant_snapshots", "extract_files", "row_issues")
LANDING = AssetSelection.groups("landing")

ingest_branch_job = define_asset_job(
    "ingest_branch_job",
    selection=INGEST,
    description="Ingest the landed extracts of one branch (one partition per branch), with its checks.",
    tags={"ucj/run_kind": "ingest"},
)
misnamed_files_job = define_asset_job(
    "misnamed_files_job",
    selection=LANDING,
    description="Log and archive landed files whose names break the contract.",
    tags={"ucj/run_kind": "landing"},
)
refresh_warehouse_job = define_asset_job(
    "refresh_warehouse_job",
    selection=AssetSelection.all() - INGEST - LANDING,
    description="Reference data, SQL models (staging, intermediate, marts), history, the published ucj.duckdb and "
    "the target report.",
    tags={"ucj/run_kind": "refresh"},
)
