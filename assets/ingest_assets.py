"""Branch ingest: one Dagster partition per branch. Reads the branch's landed extracts, applies the contract,
writes the lake, and reports what it accepted, quarantined and rejected."""

from collections import Counter

from dagster import AssetExecutionContext, AssetSpec, MaterializeResult, MetadataValue, multi_asset

from assets.metadata import arrow_column_schema
from assets.partitions import branch_partitions
from resources import LandingArea, PipelineSettings
from ucj_pipeline import lake
from ucj_pipeline.ingest import ingest_branch
from ucj_pipeline.reference_data import known_branch_codes

INGEST_SPECS = [
    AssetSpec(
        lake.PARTICIPANT_SNAPSHOTS,
        group_name="ingest",
        metadata={"dagster/column_schema": arrow_column_schema(lake.SCHEMAS[lake.PARTICIPANT_SNAPSHOTS])},
        description="Accepted participants per branch snapshot, pseudonymised (Parquet in the lake, one file per "
        "branch and snapshot date). No NIK, name or birth date.",
        deps=["region_codes", "branch_registry"],
        kinds={"parquet"},
    ),
    AssetSpec(
        lake.EXTRACT_FILES,
        group_name="ingest",
        metadata={"dagster/column_schema": arrow_column_schema(lake.SCHEMAS[lake.EXTRACT_FILES])},
        description="Ingest log: one row per delivered file with its hash, counts and outcome.",
        kinds={"parquet"},
    ),
    AssetSpec(
        lake.ROW_ISSUES,
        group_name="ingest",
        metadata={"dagster/column_schema": arrow_column_schema(lake.SCHEMAS[lake.ROW_ISSUES])},
        description="Rows quarantined (errors) or flagged (warnings) at ingest, with file, row number and rule.",
        kinds={"parquet"},
    ),
]


@multi_asset(specs=INGEST_SPECS, partitions_def=branch_partitions, name="ingest_branch_extracts")
def ingest_branch_extracts(context: AssetExecutionContext, settings: PipelineSettings, landing_area: LandingArea):
    branch = context.partition_key
    outcomes = ingest_branch(
        branch, landing_area.path, settings.ingest_settings(), known_branch_codes(), settings.reporting_date()
    )
    if not outcomes:
        context.log.info(f"No new extract in the landing area for branch {branch}")
    rules: Counter[str] = Counter()
    for outcome in outcomes:
        row = outcome.log_row
        message = f"{row['file_name']}: {row['outcome']}"
        if row["outcome"] == "rejected":
            context.log.warning(f"{message}: {row['reason']}")
        else:
            context.log.info(f"{message} ({row['rows_accepted']} accepted, {row['rows_quarantined']} quarantined)")
        if outcome.validation is not None:
            rules.update(outcome.validation.quarantine["rule"])
    files = [o.log_row for o in outcomes]
    accepted = [f for f in files if f["outcome"] == "accepted"]
    summary = {
        "files": len(files),
        "files_accepted": len(accepted),
        "files_rejected": sum(f["outcome"] == "rejected" for f in files),
        "files_duplicate": sum(f["outcome"] == "duplicate" for f in files),
    }
    yield MaterializeResult(
        asset_key=lake.PARTICIPANT_SNAPSHOTS,
        metadata={
            **summary,
            "rows_accepted": sum(f["rows_accepted"] or 0 for f in accepted),
            "snapshot_dates": ", ".join(sorted({str(f["snapshot_date"]) for f in accepted})) or "none",
        },
    )
    yield MaterializeResult(
        asset_key=lake.EXTRACT_FILES,
        metadata={
            **summary,
            "files_table": MetadataValue.md(_files_markdown(files)) if files else "no new file",
        },
    )
    yield MaterializeResult(
        asset_key=lake.ROW_ISSUES,
        metadata={
            "rows_quarantined": sum(f["rows_quarantined"] or 0 for f in files),
            "rows_warned": sum(f["rows_warned"] or 0 for f in files),
            "top_rules": MetadataValue.json(dict(rules.most_common(10))),
        },
    )


def _files_markdown(files: list[dict]) -> str:
    lines = ["| file | outcome | read | accepted | quarantined | reason |", "|---|---|---|---|---|---|"]
    for f in files:
        lines.append(
            f"| {f['file_name']} | {f['outcome']} | {f['rows_read'] or ''} | {f['rows_accepted'] or ''} | "
            f"{f['rows_quarantined'] or ''} | {(f['reason'] or '').replace('|', '/')} |"
        )
    return "\n".join(lines)
