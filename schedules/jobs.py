"""Jobs: ingest one branch's partition; refresh reference data, models and the published file."""

from dagster import AssetSelection, define_asset_job

INGEST_GROUP = AssetSelection.groups("ingest")

ingest_branch_job = define_asset_job(
    "ingest_branch_job",
    selection=INGEST_GROUP,
    description="Ingest the landed extracts of one branch (one partition per branch).",
)
refresh_warehouse_job = define_asset_job(
    "refresh_warehouse_job",
    selection=AssetSelection.all() - INGEST_GROUP,
    description="Reference data, SQL models (staging, intermediate, marts) and the published ucj.duckdb.",
)
