"""Asset checks on the marts, visible in the Dagster UI: one per SQL file in `dbt_like_sql/checks/`, made by one
factory. Each query returns the rows that break its rule; the check passes when there are none and shows the
first offending rows otherwise.

- reconciliation (blocking): a province equals the sum of its regencies, the country the sum of its provinces; a
  failure stops the run before anything is published, so the last good ucj.duckdb keeps serving;
- branch freshness (warning): which branches' snapshots are older than 35 days on the reporting date;
- regencies within their worker base (warning): which regencies count more covered workers than their base.
Blocking means "the build is wrong" (figures that contradict each other); "the data is surprising" is a warning that
publishes and flags.
(The Great Expectations suites run inside `ucj_warehouse`, on the new file before it is swapped in.)
"""

from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, MetadataValue, asset_check

from assets.sql_model_assets import SQL_MODELS
from resources import PipelineSettings
from ucj_pipeline.models.sql_checks import SqlCheck, discover_checks
from ucj_pipeline.runtime.paths import PROJECT_ROOT

SEVERITY = {"error": AssetCheckSeverity.ERROR, "warn": AssetCheckSeverity.WARN}


def sql_asset_check(check: SqlCheck) -> AssetChecksDefinition:
    """The Dagster check of one SQL file; the models it reads besides its asset are its extra dependencies."""

    @asset_check(
        asset=check.asset,
        name=check.name,
        blocking=check.blocking,
        description=f"{check.description} ({check.path.relative_to(PROJECT_ROOT)}: passes when it returns no row.)",
        additional_deps=[d for d in check.depends_on if d != check.asset],
    )
    def _check(settings: PipelineSettings) -> AssetCheckResult:
        outcome = settings.storage.run_check(check, settings.reporting_date())
        return AssetCheckResult(
            passed=outcome.passed,
            severity=SEVERITY[check.severity],
            metadata={
                "offending_rows": len(outcome.rows),
                "details": MetadataValue.md(outcome.as_markdown()),
                "sql_file": str(check.path.relative_to(PROJECT_ROOT)),
            },
        )

    return _check


asset_checks = [sql_asset_check(check) for check in discover_checks(SQL_MODELS).values()]
