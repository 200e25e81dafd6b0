"""Branch ingest: one Dagster partition per branch. Reads the branch's ready extracts, applies the contract,
writes the lake, and reports what it accepted, quarantined and rejected, as metadata and as asset checks:

- `file_rules`: fails while the branch's latest delivery is rejected, whatever other branches deliver, until the
  branch delivers a file that is accepted; its description says which file, which rule, what keeps counting and
  what to ask the branch for;
- `row_rules`: the Pandera validation outcome (rows checked, quarantined, the rules that failed most);
- `snapshot_fresh`: the branch's newest accepted snapshot is at most 35 days old on the reporting date.

The checks are partitioned like the asset: the UI shows their status and history per branch. While a branch is
failing, its ingest run fails with that same message (so the branch's partition shows failed too) and carries it
as the `ucj/rejected` tag in the run list; `participant_snapshots` is materialised only when a file was accepted.

A file that changes while it is read (still being written) is retried with exponential backoff.
"""

import warnings
from collections import Counter
from datetime import date
from typing import TYPE_CHECKING

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetSpec,
    Failure,
    MaterializeResult,
    MetadataValue,
    PreviewWarning,
    RetryRequested,
    asset,
    multi_asset,
)

from assets.metadata import lake_column_schema
from assets.partitions import branch_partitions
from resources import LandingArea, PipelineSettings
from ucj_pipeline import lake
from ucj_pipeline.branch_health import BranchHealth, branch_health
from ucj_pipeline.reference_data import known_branch_codes
from ucj_pipeline.settings import STALE_AFTER_DAYS, today_in_jakarta

if TYPE_CHECKING:
    from ucj_pipeline.ingest import FileOutcome

SNAPSHOTS = lake.PARTICIPANT_SNAPSHOTS


def _lake_table_spec(table: str, description: str, **extra) -> AssetSpec:
    """A lake table that ingest writes, its columns as the contract types them."""
    return AssetSpec(
        table,
        group_name="ingest",
        metadata={"dagster/column_schema": lake_column_schema(table)},
        description=description,
        kinds={"parquet"},
        **extra,
    )


INGEST_SPECS = [
    _lake_table_spec(
        SNAPSHOTS,
        "Accepted participants per branch snapshot, pseudonymised (Parquet in the lake, one file per branch and "
        "snapshot date). No NIK, name or birth date. Rows are judged against the reference data shipped with the "
        "code (ucj_pipeline/reference), the same files the reference assets publish.",
        skippable=True,  # materialised only when a file of the branch was accepted
    ),
    _lake_table_spec(lake.EXTRACT_FILES, "Ingest log: one row per delivered file with its hash, counts and outcome."),
    _lake_table_spec(
        lake.ROW_ISSUES,
        "Rows quarantined (errors) or flagged (warnings) at ingest, with file, row number and rule.",
    ),
]
# Partitioned checks are a "preview" feature of Dagster 1.13 (it warns once per spec at import, on stderr of every
# command): used on purpose, so that a branch's check history and status read by branch in the UI.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", PreviewWarning)
    CHECK_SPECS = [
        AssetCheckSpec(
            "file_rules",
            asset=SNAPSHOTS,
            partitions_def=branch_partitions,
            description="The contract's file rules, per branch: fails while the branch's latest delivery was rejected "
            "whole (whatever other branches deliver), until the branch delivers a file that is accepted. Nothing of a "
            "rejected file is used; the branch's last accepted snapshot keeps counting.",
        ),
        AssetCheckSpec(
            "row_rules",
            asset=SNAPSHOTS,
            partitions_def=branch_partitions,
            description="Pandera validation of the contract's row rules: passes when no file of the run had more than "
            "the allowed share of rows quarantined. Metadata: rows checked, quarantined, the rules that failed most.",
        ),
        AssetCheckSpec(
            "snapshot_fresh",
            asset=SNAPSHOTS,
            partitions_def=branch_partitions,
            description=f"The branch's newest accepted snapshot is at most {STALE_AFTER_DAYS} days old on the reporting "
            "date (contract: stale after 35 days).",
        ),
    ]
REJECTED_TAG = "ucj/rejected"
RETRY_BASE_SECONDS = 5
RETRY_MAX = 5


class BranchDeliveryRejected(Failure):
    """The branch's latest delivery was rejected: its ingest run fails with what happened and what to do."""


@multi_asset(
    specs=INGEST_SPECS, check_specs=CHECK_SPECS, partitions_def=branch_partitions, name="ingest_branch_extracts"
)
def ingest_branch_extracts(context: AssetExecutionContext, settings: PipelineSettings, landing_area: LandingArea):
    from ucj_pipeline.ingest import FileStillBeingWritten, ingest_branch  # pandas, polars, Pandera: at run time

    branch = context.partition_key
    known = known_branch_codes()
    if branch not in known:
        raise ValueError(f"partition {branch!r} is not a branch code of the registry")
    as_of = settings.reporting_date()
    try:
        # "A date in the future rejects the file": the future of today, whatever date the figures are for.
        outcomes = ingest_branch(
            branch, landing_area.ready_deliveries(), settings.ingest_settings(), known, today_in_jakarta()
        )
    except FileStillBeingWritten as exc:
        wait = RETRY_BASE_SECONDS * 2**context.retry_number
        context.log.warning(f"{exc}; retry {context.retry_number + 1} of {RETRY_MAX} in {wait}s")
        raise RetryRequested(max_retries=RETRY_MAX, seconds_to_wait=wait) from exc
    if not outcomes:
        context.log.info(f"No new extract in the landing area for branch {branch}")
    files = [o.log_row for o in outcomes]
    for row in files:
        message = f"{row['file_name']}: {row['outcome']}"
        if row["outcome"] == "rejected":
            context.log.warning(f"{message}: {row['reason']}")
        else:
            context.log.info(f"{message} ({row['rows_accepted']} accepted, {row['rows_quarantined']} quarantined)")
    health = branch_health(settings.paths.lake, branch)
    yield from _materializations(files, outcomes)
    yield from _checks(branch, files, outcomes, health, settings, as_of)
    if health.failing:
        message = health.message()
        context.instance.add_run_tags(context.run_id, {REJECTED_TAG: message[:250]})
        raise BranchDeliveryRejected(
            description=message,
            metadata={"branch": branch, "file": health.latest["file_name"], "rule": health.latest["rejection_rule"]},
            allow_retries=False,
        )


def _materializations(files: list[dict], outcomes: list["FileOutcome"]):
    accepted = [f for f in files if f["outcome"] == "accepted"]
    summary = {
        "files": len(files),
        "files_accepted": len(accepted),
        "files_rejected": sum(f["outcome"] == "rejected" for f in files),
        "files_duplicate": sum(f["outcome"] == "duplicate" for f in files),
    }
    if accepted:  # a new snapshot counts; duplicates, resends superseded and rejections change nothing
        yield MaterializeResult(
            asset_key=SNAPSHOTS,
            metadata={
                **summary,
                "rows_accepted": sum(f["rows_accepted"] or 0 for f in accepted),
                "snapshot_dates": ", ".join(sorted({str(f["snapshot_date"]) for f in accepted})),
            },
        )
    yield MaterializeResult(
        asset_key=lake.EXTRACT_FILES,
        metadata={**summary, "files_table": MetadataValue.md(_files_markdown(files)) if files else "no new file"},
    )
    yield MaterializeResult(
        asset_key=lake.ROW_ISSUES,
        metadata={
            "rows_quarantined": sum(f["rows_quarantined"] or 0 for f in files),
            "rows_warned": sum(f["rows_warned"] or 0 for f in files),
            "top_rules": MetadataValue.json(dict(_rule_counts(outcomes).most_common(10))),
        },
    )


def _rule_counts(outcomes: list["FileOutcome"]) -> Counter[str]:
    rules: Counter[str] = Counter()
    for outcome in outcomes:
        if outcome.validation is not None:
            rules.update(outcome.validation.quarantine["rule"])
    return rules


def _checks(
    branch: str,
    files: list[dict],
    outcomes: list["FileOutcome"],
    health: BranchHealth,
    settings: PipelineSettings,
    as_of: date,
):
    yield AssetCheckResult(
        asset_key=SNAPSHOTS,
        check_name="file_rules",
        passed=not health.failing,
        severity=AssetCheckSeverity.ERROR,
        description=health.message(),
        metadata={
            "branch": branch,
            "latest_delivery": health.latest["file_name"] if health.latest else "none",
            "latest_outcome": health.latest["outcome"] if health.latest else "none",
            "rule": (health.latest or {}).get("rejection_rule") or "none",
            "counting_snapshot": str(health.counting_snapshot or "none"),
            "files_this_run": MetadataValue.md(_files_markdown(files)) if files else "no new file",
        },
    )
    read = [f for f in files if f["rows_read"]]
    checked = sum(f["rows_read"] for f in read)
    quarantined = sum(f["rows_quarantined"] or 0 for f in read)
    over_threshold = [f["file_name"] for f in files if f["rejection_rule"] == "quarantine_threshold"]
    yield AssetCheckResult(
        asset_key=SNAPSHOTS,
        check_name="row_rules",
        passed=not over_threshold,
        severity=AssetCheckSeverity.WARN,
        description=f"Files over the quarantine threshold: {', '.join(over_threshold)}; each was rejected whole."
        if over_threshold
        else f"{quarantined} of {checked} rows quarantined in this run's files.",
        metadata={
            "branch": branch,
            "files_checked": len(read),
            "rows_checked": checked,
            "rows_quarantined": quarantined,
            "quarantined_share": round(quarantined / checked, 4) if checked else 0.0,
            "files_over_threshold": ", ".join(over_threshold) or "none",
            "top_rules": MetadataValue.json(dict(_rule_counts(outcomes).most_common(10))),
        },
    )
    dates = [d for d in lake.accepted_snapshot_dates(settings.paths.lake, branch) if d <= as_of]
    newest = max(dates, default=None)
    age = (as_of - newest).days if newest else None
    yield AssetCheckResult(
        asset_key=SNAPSHOTS,
        check_name="snapshot_fresh",
        passed=age is not None and age <= STALE_AFTER_DAYS,
        severity=AssetCheckSeverity.WARN,
        description=f"Branch {branch} has no accepted snapshot on or before {as_of}: its regencies list it as missing."
        if newest is None
        else f"Newest accepted snapshot {newest}: {age} days old on {as_of} (stale after {STALE_AFTER_DAYS}).",
        metadata={
            "branch": branch,
            "reporting_date": str(as_of),
            "newest_accepted_snapshot": str(newest) if newest else "none",
            "days_old": age if age is not None else -1,
            "stale_after_days": STALE_AFTER_DAYS,
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


@asset(
    name="misnamed_extract_files",
    group_name="landing",
    kinds={"parquet"},
    metadata={"dagster/column_schema": lake_column_schema(lake.EXTRACT_FILES, "misnamed_extract_files")},
    description="Landing-area entries rejected before reading: files whose names break the contract (unknown "
    "branch, bad date, unknown format), archived unread by content hash, and entries that are not regular files "
    "(links, directories, pipes), never followed and moved to set_aside/. Each gets a 'rejected' row in the ingest "
    "log (lake/extract_files, these columns).",
)
def misnamed_extract_files(
    context: AssetExecutionContext, settings: PipelineSettings, landing_area: LandingArea
) -> MaterializeResult:
    from ucj_pipeline.ingest import reject_unusable_entries

    rows = reject_unusable_entries(
        landing_area.ready_deliveries(), settings.ingest_settings(), known_branch_codes(), today_in_jakarta()
    )
    for row in rows:
        context.log.warning(row["reason"])
    return MaterializeResult(
        metadata={
            "files_rejected": len(rows),
            "rejections": MetadataValue.md("\n".join(f"- {r['reason']}" for r in rows) or "none"),
        }
    )
