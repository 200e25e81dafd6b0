"""Asset checks on the marts and the published file, visible in the Dagster UI:

- reconciliation (blocking): a province equals the sum of its regencies, the country the sum of its provinces; a
  failure stops the run before anything is published, so the last good ucj.duckdb keeps serving;
- branch freshness: which branches' snapshots are older than 35 days on the reporting date;
(The Great Expectations suites run inside `ucj_warehouse`, on the new file before it is swapped in.)
"""

import duckdb
from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue, asset_check

from assets.sql_model_assets import SQL_MODELS
from resources import PipelineSettings
from ucj_pipeline.quality import reconciliation_mismatches
from ucj_pipeline.settings import STALE_AFTER_DAYS


def _sources(settings: PipelineSettings) -> dict[str, str]:
    lake = settings.paths.lake
    return {level: SQL_MODELS[f"coverage_{level}"].read_sql(lake) for level in ("regency", "province", "national")}


def _reconciliation(level: str, settings: PipelineSettings) -> AssetCheckResult:
    mismatches = reconciliation_mismatches(level, _sources(settings))
    return AssetCheckResult(
        passed=not mismatches,
        metadata={
            "mismatches": len(mismatches),
            "details": MetadataValue.md("\n".join(f"- {m}" for m in mismatches[:20]) or "none"),
        },
    )


@asset_check(
    asset="coverage_province",
    name="province_equals_sum_of_regencies",
    blocking=True,
    description="Each province's covered workers and worker base equal the sums over its regencies.",
)
def province_equals_sum_of_regencies(settings: PipelineSettings) -> AssetCheckResult:
    return _reconciliation("province", settings)


@asset_check(
    asset="coverage_national",
    name="national_equals_sum_of_provinces",
    blocking=True,
    description="Indonesia's covered workers and worker base equal the sums over the provinces.",
)
def national_equals_sum_of_provinces(settings: PipelineSettings) -> AssetCheckResult:
    return _reconciliation("national", settings)


@asset_check(
    asset="branch_status",
    name="branches_fresh",
    description=f"Every branch that has delivered has a snapshot at most {STALE_AFTER_DAYS} days old on the "
    "reporting date (a stale branch still counts, and the figures that depend on it say so).",
)
def branches_fresh(settings: PipelineSettings) -> AssetCheckResult:
    with duckdb.connect() as con:
        rows = con.execute(
            f"SELECT branch_code, current_snapshot_date, days_since_snapshot, snapshot_state "
            f"FROM {SQL_MODELS['branch_status'].read_sql(settings.paths.lake)} ORDER BY branch_code"
        ).fetchall()
    stale = [r for r in rows if r[3] == "stale"]
    delivered = [r for r in rows if r[3] != "missing"]
    return AssetCheckResult(
        passed=not stale,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "branches_delivered": len(delivered),
            "branches_stale": len(stale),
            "branches_never_delivered": len(rows) - len(delivered),
            "stale": MetadataValue.md(
                "\n".join(f"- {b}: last snapshot {d}, {days} days old" for b, d, days, _ in stale) or "none"
            ),
        },
    )


asset_checks = [
    province_equals_sum_of_regencies,
    national_equals_sum_of_provinces,
    branches_fresh,
]
