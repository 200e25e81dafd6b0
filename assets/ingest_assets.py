"""Branch ingest: one Dagster partition per branch, many branches in one run. Reads the branches' ready extracts,
applies the contract, writes the lake, and reports for each branch what it accepted, quarantined and rejected, as
its partition's materialisations and asset checks:

- `file_rules`: fails while the branch's latest delivery is rejected, whatever other branches deliver, until the
  branch delivers a file that is accepted; its description says which file, which rule, what keeps counting and
  what to ask the branch for;
- `row_rules`: the Pandera validation outcome (rows checked, quarantined, the rules that failed most);
- `snapshot_fresh`: the branch's newest accepted snapshot is at most 35 days old on the reporting date;
- `all_branches_healthy` (not partitioned): every branch of the registry at once, evaluated at the end of every
  ingest and every refresh: fails while any branch's latest delivery is rejected (error), or a branch is stale or has
  no snapshot (warning), listing them with their one-line reasons. Dagster 1.13's UI shows a partitioned check's
  latest evaluation of *any* branch in the asset's check list, so a good delivery of one branch would paint it green
  while another fails: this check is the one no other branch can overwrite.

A run covers one branch or a range of branch partitions (a single-run backfill policy): the landing sensor and
`ucj run` ask for one run per contiguous block of branches with new files, usually one for the whole delivery. The
branches' files are ingested in parallel worker processes (`ucj_pipeline.ingest.branch_batch`, UCJ_INGEST_WORKERS at a
time); as each branch finishes, its partition gets its materialisations and checks, so the UI shows every branch's
outcome and history on its own. One branch's failure never stops the others. While a branch of the run is failing,
the run fails after all branches are done, with that branch's message (so its partition shows failed, the others
materialised) and carries it as the `ucj/rejected` tag in the run list; `participant_snapshots` is materialised
only for a branch whose file was accepted.

A file that changes while it is read (still being written) is retried with exponential backoff, after the other
branches are done.
"""

import warnings
from collections import Counter
from dataclasses import replace
from datetime import date
from itertools import chain
from typing import TYPE_CHECKING

from dagster import (
    AssetCheckEvaluation,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetMaterialization,
    AssetSpec,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    Output,
    PreviewWarning,
    RetryRequested,
    asset,
    multi_asset,
)

from assets.metadata import lake_column_schema
from assets.partitions import branch_partitions
from resources import LandingArea, PipelineSettings
from ucj_pipeline.contract.reference_data import known_branch_codes
from ucj_pipeline.ingest import lake
from ucj_pipeline.ingest.branch_health import BranchHealth, CountryHealth, branch_health, country_health
from ucj_pipeline.ingest.lake import IngestLog
from ucj_pipeline.ingest.landing_files import parse_landed
from ucj_pipeline.orchestration.dagster_internals import FailureShownAsMessage, targeting_latest_materialization
from ucj_pipeline.runtime.paths import STALE_AFTER_DAYS, today_in_jakarta

if TYPE_CHECKING:
    from ucj_pipeline.ingest.branch_batch import BranchBatchResult

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
        "code (ucj_pipeline/contract/reference), the same files the reference assets publish.",
        skippable=True,  # materialised only when a file of the branch was accepted
    ),
    _lake_table_spec(
        lake.CLAIM_PAYMENTS,
        "Accepted benefit payments per branch and month (the claims feed), pseudonymised with the same key as "
        "membership: payee as participant key, programme, benefit, segment, funding source, category, regency and "
        "amount. No claim number, NIK or date of a single payment.",
        skippable=True,  # materialised only when a claims file of the branch was accepted
    ),
    _lake_table_spec(
        lake.EXTRACT_FILES,
        "Ingest log: one row per delivered file with its hash, counts and outcome.",
        skippable=True,  # materialised per branch as the run goes (below), not once for the run's range
    ),
    _lake_table_spec(
        lake.ROW_ISSUES,
        "Rows quarantined (errors) or flagged (warnings) at ingest, with file, row number and rule.",
        skippable=True,
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
            "claims_file_rules",
            asset=lake.CLAIM_PAYMENTS,
            partitions_def=branch_partitions,
            description="The claims contract's file rules, per branch: fails while the branch's latest claims delivery "
            "was rejected whole, until a corrected file of that month is accepted (that month's payments are missing "
            "from the benefit figures meanwhile). Passes for a branch that has not delivered claims yet.",
        ),
        AssetCheckSpec(
            "snapshot_fresh",
            asset=SNAPSHOTS,
            partitions_def=branch_partitions,
            description=f"The branch's newest accepted snapshot is at most {STALE_AFTER_DAYS} days old on the reporting "
            "date (contract: stale after 35 days).",
        ),
    ]
ALL_BRANCHES_HEALTHY = AssetCheckSpec(
    "all_branches_healthy",
    asset=SNAPSHOTS,
    description="Every delivering branch on the reporting date, evaluated at the end of every ingest and every "
    "refresh: fails (error) while any branch's latest delivery is rejected, and (warning) while a branch is stale "
    f"(snapshot older than {STALE_AFTER_DAYS} days) or has no snapshot on that date; lists them with their one-line "
    "reasons, the snapshots that wait for a later reporting date, and the registry's branches that never delivered "
    "(told, not judged: their regencies list them as missing). Unlike the per-branch checks, no other branch's "
    "delivery can turn it green.",
)
ALL_BRANCHES_CLAIMS_HEALTHY = AssetCheckSpec(
    "all_branches_claims_healthy",
    asset=lake.CLAIM_PAYMENTS,
    description="Every branch's latest claims delivery, evaluated at the end of every ingest and every refresh: "
    "fails while any branch's latest claims file was rejected (that month's payments are missing from the benefit "
    "figures until a corrected file is accepted), listing them with their reasons. Unlike the per-branch "
    "claims_file_rules, no other branch's delivery can turn it green.",
)
CHECK_SPECS += [ALL_BRANCHES_HEALTHY, ALL_BRANCHES_CLAIMS_HEALTHY]
REJECTED_TAG = "ucj/rejected"
RETRY_BASE_SECONDS = 5
RETRY_MAX = 5


class BranchDeliveryRejected(FailureShownAsMessage):
    """The branch's latest delivery was rejected: its ingest run fails with what happened and what to do, shown as
    that message alone (the cause is the file, not the code: no stack trace)."""


@multi_asset(
    specs=INGEST_SPECS,
    check_specs=CHECK_SPECS,
    partitions_def=branch_partitions,
    backfill_policy=BackfillPolicy.single_run(),  # many branches: one run, one step, files in parallel
    name="ingest_branch_extracts",
)
def ingest_branch_extracts(context: AssetExecutionContext, settings: PipelineSettings, landing_area: LandingArea):
    """Every branch of the run's partitions (one, or a range: usually the whole country in one run): its files are
    ingested in worker processes, and each branch gets its own materialisations and checks as it finishes."""
    from ucj_pipeline.ingest.branch_batch import BranchBatchResult, ingest_branches  # pandas, polars: at run time

    branches = list(context.partition_keys)
    known = known_branch_codes()
    if unknown := [b for b in branches if b not in known]:
        raise ValueError(f"partition(s) {', '.join(map(repr, unknown))} are not branch codes of the registry")
    as_of = settings.reporting_date()
    today = today_in_jakarta()  # "A date in the future rejects the file": the future of today, not the reporting date
    # The landing area listed once and each name parsed once; the workers take the parsed deliveries.
    landed = parse_landed(landing_area.ready_files(), branches, known, today)
    with_files = {b: files for b, files in landed.items() if files}
    if len(branches) > 1:
        context.log.info(
            f"{len(branches)} branches in this run, {len(with_files)} with new files; "
            f"{min(settings.ingest_workers, len(with_files))} at a time"
        )
    results = ingest_branches(
        with_files,
        landing_area.location,
        settings.ingest_settings(),
        settings.ingest_workers,
        settings.lock_wait_seconds,
    )
    unfinished, failing = [], []
    whole_log: list[IngestLog] = []  # every branch's log, read once, after the last ingest of this run

    def ingest_log() -> IngestLog:
        whole_log[:] = whole_log or [IngestLog.read(settings.paths.lake)]
        return whole_log[0]

    for result in chain(results, (BranchBatchResult(b) for b in branches if b not in with_files)):  # as they finish
        if not result.finished:
            unfinished.append(result)
            say = context.log.warning if result.still_being_written else context.log.error
            say(f"branch {result.branch_code}: {result.still_being_written or result.error}")
            continue
        if result.health is None:  # a branch without new files: its state is read here
            result = replace(result, health=branch_health(ingest_log(), result.branch_code))
        _report_branch(context, result, as_of)
        if result.health.failing:
            failing.append(result.health)
    country = country_health(ingest_log(), sorted(known), as_of)
    # Every failing branch's file_rules again, after all others: the asset's check list shows a partitioned check's
    # latest evaluation of any branch, so a good delivery of one branch reported last must not paint it green
    # while another branch's latest delivery is rejected.
    for health in country.rejected():
        evaluation = _file_rules_evaluation(health, as_of, "evaluated again at the end of this run")
        context.log_event(targeting_latest_materialization(context.instance, evaluation))
    for health in country.claims_rejected():  # the same for the claims feed's check
        evaluation = _claims_file_rules_evaluation(health, "evaluated again at the end of this run")
        context.log_event(targeting_latest_materialization(context.instance, evaluation))
    for evaluation in all_branches_healthy(settings, as_of, country):
        context.log_event(evaluation)
    _end_of_run(context, unfinished, failing, as_of)
    # Every result was logged for its own branch's partition, above. The checks' outputs are closed without a result
    # of their own (an AssetCheckResult here would be one evaluation for the whole range, no branch's).
    for check_key in context.selected_asset_check_keys:
        yield Output(None, output_name=context.assets_def.get_output_name_for_asset_check_key(check_key))


def _report_branch(context: AssetExecutionContext, result: "BranchBatchResult", as_of: date) -> None:
    """One branch's outcome in the UI: its files in the log, its partition's materialisations and checks."""
    branch, files = result.branch_code, result.log_rows
    if not files:
        context.log.info(f"No new extract in the landing area for branch {branch}")
    for row in files:
        if row["outcome"] == "rejected":
            context.log.warning(row["reason"])  # it names the file and the rule
        else:
            context.log.info(
                f"{row['file_name']}: {row['outcome']} ({row['rows_accepted']} accepted, "
                f"{row['rows_quarantined']} quarantined)"
            )
    for event in _materializations(branch, files, result.rule_counts):
        context.log_event(event)
    for event in _checks(result, as_of):
        context.log_event(targeting_latest_materialization(context.instance, event))


def all_branches_healthy(
    settings: PipelineSettings, as_of: date, health: CountryHealth | None = None
) -> list[AssetCheckEvaluation]:
    """The asset-level truth of branch health on the reporting date, of each feed (logged by ingest and by the
    refresh): `all_branches_healthy` (membership) and `all_branches_claims_healthy`."""
    health = health or country_health(settings.paths.lake, sorted(known_branch_codes()), as_of)
    rejected, stale, missing = health.rejected(), health.stale(STALE_AFTER_DAYS), health.missing()
    claims_rejected = health.claims_rejected()
    return [
        AssetCheckEvaluation(
            asset_key=AssetKey(SNAPSHOTS),
            check_name=ALL_BRANCHES_HEALTHY.name,
            passed=health.healthy(STALE_AFTER_DAYS),
            severity=AssetCheckSeverity.ERROR if rejected else AssetCheckSeverity.WARN,
            description=health.summary(STALE_AFTER_DAYS),
            metadata={
                "reporting_date": str(as_of),
                "delivering_branches": len(health.delivering()),
                "rejected": ", ".join(b.branch_code for b in rejected) or "none",
                "stale": ", ".join(b.branch_code for b in stale) or "none",
                "no_snapshot": ", ".join(b.branch_code for b in missing) or "none",
                "never_delivered": len(health.never_delivered()),
                "waiting": ", ".join(f"{b.branch_code} ({b.waiting_after(as_of)})" for b in health.waiting()) or "none",
            },
        ),
        AssetCheckEvaluation(
            asset_key=AssetKey(lake.CLAIM_PAYMENTS),
            check_name=ALL_BRANCHES_CLAIMS_HEALTHY.name,
            passed=not claims_rejected,
            severity=AssetCheckSeverity.ERROR,
            description=health.claims_summary(),
            metadata={
                "delivering_branches": len(health.claims_delivering()),
                "rejected": ", ".join(f"{b.branch_code} ({b.claims_latest['file_name']})" for b in claims_rejected)
                or "none",
            },
        ),
    ]


def rejected_tag(failing: list[BranchHealth], limit: int = 250) -> str:
    """The run list's short form of the rejections: file and rule of each, cut at a whole entry (Dagster keeps at
    most 255 characters of a tag value); the full reasons are in the run's failure metadata."""
    entries = [f"{h.latest['file_name']}: rejected by rule '{h.latest['rejection_rule']}'" for h in failing]
    text = ""
    for i, entry in enumerate(entries):
        more = f" (+{len(entries) - i} more)"
        if len(text) + len(entry) + 3 + len(more) > limit:
            return text + more
        text = f"{text} | {entry}" if text else entry
    return text


def _end_of_run(
    context: AssetExecutionContext, unfinished: list["BranchBatchResult"], failing: list[BranchHealth], as_of: date
):
    """After every branch is reported: retry a file still being written, fail on an error, or on a rejection."""
    if waiting := [r for r in unfinished if r.still_being_written]:
        wait = RETRY_BASE_SECONDS * 2**context.retry_number
        names = ", ".join(r.branch_code for r in waiting)
        context.log.warning(f"branch(es) {names}: a file changed while it was read; retry {context.retry_number + 1} "
                            f"of {RETRY_MAX} in {wait}s")  # fmt: skip
        raise RetryRequested(max_retries=RETRY_MAX, seconds_to_wait=wait)
    if unfinished:
        raise Failure(
            description="Ingest failed for branch(es) "
            + "; ".join(f"{r.branch_code}: {(r.error or '').splitlines()[0]}" for r in unfinished)
            + ". The other branches of this run were ingested; the failed ones' files stay in the landing area.",
            metadata={"branches": ", ".join(r.branch_code for r in unfinished)},
        )
    if failing:
        messages = [health.message(as_of) for health in failing]
        context.instance.add_run_tags(context.run_id, {REJECTED_TAG: rejected_tag(failing)})
        raise BranchDeliveryRejected(
            description="\n\n".join(messages),
            metadata={
                "branches": ", ".join(h.branch_code for h in failing),
                "files": ", ".join(h.latest["file_name"] for h in failing),
                "rules": ", ".join(h.latest["rejection_rule"] or "" for h in failing),
                "reasons": MetadataValue.md("\n".join(f"- {m}" for m in messages)),
            },
            allow_retries=False,
        )


def _materializations(branch: str, files: list[dict], rule_counts: Counter[str]):
    accepted = [f for f in files if f["outcome"] == "accepted"]
    summary = {
        "branch": branch,
        "files": len(files),
        "files_accepted": len(accepted),
        "files_rejected": sum(f["outcome"] == "rejected" for f in files),
        "files_duplicate": sum(f["outcome"] == "duplicate" for f in files),
    }
    # A new snapshot (a month of claims) counts; duplicates, resends superseded and rejections change nothing.
    for table, feed, dates in ((SNAPSHOTS, "membership", "snapshot_dates"), (lake.CLAIM_PAYMENTS, "claims", "months")):
        if of_feed := [f for f in accepted if (f.get("feed") or "membership") == feed]:
            yield AssetMaterialization(
                table,
                partition=branch,
                metadata={
                    **summary,
                    "rows_accepted": sum(f["rows_accepted"] or 0 for f in of_feed),
                    dates: ", ".join(sorted({str(f["snapshot_date"]) for f in of_feed})),
                },
            )
    yield AssetMaterialization(
        lake.EXTRACT_FILES,
        partition=branch,
        metadata={**summary, "files_table": MetadataValue.md(_files_markdown(files)) if files else "no new file"},
    )
    yield AssetMaterialization(
        lake.ROW_ISSUES,
        partition=branch,
        metadata={
            "branch": branch,
            "rows_quarantined": sum(f["rows_quarantined"] or 0 for f in files),
            "rows_warned": sum(f["rows_warned"] or 0 for f in files),
            "top_rules": MetadataValue.json(dict(rule_counts.most_common(10))),
        },
    )


def _check(
    branch: str,
    name: str,
    passed: bool,
    severity: AssetCheckSeverity,
    description: str,
    metadata: dict,
    asset: str = SNAPSHOTS,
):
    """A check's result for one branch's partition (logged as the run goes, so many branches fit one run)."""
    return AssetCheckEvaluation(
        asset_key=AssetKey(asset),
        check_name=name,
        passed=passed,
        severity=severity,
        description=description,
        metadata={"branch": branch, **metadata},
        partition=branch,
    )


def _file_rules_evaluation(health: BranchHealth, as_of: date, files_this_run) -> AssetCheckEvaluation:
    return _check(
        health.branch_code,
        "file_rules",
        not health.failing,
        AssetCheckSeverity.ERROR,
        health.message(as_of),
        {
            "latest_delivery": health.latest["file_name"] if health.latest else "none",
            "latest_outcome": health.latest["outcome"] if health.latest else "none",
            "rule": (health.latest or {}).get("rejection_rule") or "none",
            "counting_snapshot": str(health.counting_on(as_of) or "none"),
            "waiting_snapshot": str(health.waiting_after(as_of) or "none"),
            "files_this_run": files_this_run,
        },
    )


def _claims_file_rules_evaluation(health: BranchHealth, files_this_run) -> AssetCheckEvaluation:
    claims = health.claims_latest or {}
    return _check(
        health.branch_code,
        "claims_file_rules",
        not health.claims_failing,
        AssetCheckSeverity.ERROR,
        health.claims_message(),
        {
            "latest_claims_delivery": claims.get("file_name") or "none",
            "latest_outcome": claims.get("outcome") or "none",
            "rule": claims.get("rejection_rule") or "none",
            "months_in": len(health.claims_months),
            "files_this_run": files_this_run,
        },
        asset=lake.CLAIM_PAYMENTS,
    )


def _checks(result: "BranchBatchResult", as_of: date):
    branch, files, rule_counts, health = result.branch_code, result.log_rows, result.rule_counts, result.health
    yield _file_rules_evaluation(health, as_of, MetadataValue.md(_files_markdown(files)) if files else "no new file")
    claims_files = [f for f in files if f.get("feed") == "claims"]
    yield _claims_file_rules_evaluation(
        health, MetadataValue.md(_files_markdown(claims_files)) if claims_files else "no new claims file"
    )
    read = [f for f in files if f["rows_read"]]
    checked = sum(f["rows_read"] for f in read)
    quarantined = sum(f["rows_quarantined"] or 0 for f in read)
    over_threshold = [f["file_name"] for f in files if f["rejection_rule"] == "quarantine_threshold"]
    yield _check(
        branch,
        "row_rules",
        not over_threshold,
        AssetCheckSeverity.WARN,
        f"Files over the quarantine threshold: {', '.join(over_threshold)}; each was rejected whole."
        if over_threshold
        else f"{quarantined} of {checked} rows quarantined in this run's files.",
        {
            "files_checked": len(read),
            "rows_checked": checked,
            "rows_quarantined": quarantined,
            "quarantined_share": round(quarantined / checked, 4) if checked else 0.0,
            "files_over_threshold": ", ".join(over_threshold) or "none",
            "top_rules": MetadataValue.json(dict(rule_counts.most_common(10))),
        },
    )
    dates = [d for d in health.snapshot_dates if d <= as_of]
    newest = max(dates, default=None)
    age = (as_of - newest).days if newest else None
    yield _check(
        branch,
        "snapshot_fresh",
        age is not None and age <= STALE_AFTER_DAYS,
        AssetCheckSeverity.WARN,
        f"Branch {branch} has no accepted snapshot on or before {as_of}: its regencies list it as missing."
        if newest is None
        else f"Newest accepted snapshot {newest}: {age} days old on {as_of} (stale after {STALE_AFTER_DAYS}).",
        {
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
    from ucj_pipeline.ingest.branch_ingest import reject_unusable_entries

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
