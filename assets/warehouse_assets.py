"""The published DuckDB file that BI tools read: built aside, checked, then swapped in atomically.

The Great Expectations suites (`ge_*` checks) run on the newly built file before it replaces the published one. A
blocking expectation that fails (the build is wrong: a column, a key, a vocabulary, a percentage that contradicts
its counts, a region missing) stops the publish, and the last good `ucj.duckdb` keeps serving. An expectation of
severity warn that fails (the data is surprising: a regency above 100% of its estimated worker base) publishes, and
the check shows as a warning listing it.
"""

from pathlib import Path
from urllib.parse import quote

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from assets.ingest_assets import all_branches_healthy
from assets.sql_model_assets import SQL_MODEL_COLUMNS, SQL_MODELS
from resources import CODE_VERSION_METADATA, REPORTING_DATE_METADATA, MartsQuality, PipelineSettings
from ucj_pipeline.contract.columns import contract, describe_columns
from ucj_pipeline.contract.reference_data import RegionIndex, targets
from ucj_pipeline.models.figures_version import figures_code_version
from ucj_pipeline.orchestration.configuration import load_configuration
from ucj_pipeline.publish.quality import Suite, SuiteResult, column_expectations, data_docs_site, table_expectations
from ucj_pipeline.publish.warehouse import build_warehouse, swap_in, table_row_counts

PUBLISHED = [m for m in SQL_MODELS.values() if m.publish_as]
PUBLISHED_AS = {m.name: m.publish_as for m in PUBLISHED}
# A published table whose columns have tests in the contract gets a Great Expectations suite.
SUITE_MODELS = [m.name for m in PUBLISHED if m.name in contract().tested_tables()]
GE_CHECKS = [
    AssetCheckSpec(
        f"ge_{name}",
        asset="ucj_warehouse",
        blocking=True,
        description=f"Great Expectations suite on {PUBLISHED_AS[name]} in the newly built file, before it is "
        "published: every column of the contract (schema.yml) present, its tests (not-null, unique, accepted values "
        "and ranges, relationships), and the table's rules (every region of the reference present, percentages "
        "consistent with counts). Blocking means the build is wrong: such a failure keeps the last good ucj.duckdb "
        "published. Surprising data (a coverage above 100% of an estimated worker base) is a warning: the file is "
        "published and the check shows the warning.",
    )
    for name in SUITE_MODELS
]


def published_suites() -> list[Suite]:
    """The suites of the published tables, derived from the contract and the reference of this run."""
    index = RegionIndex.load()
    reference = {"regency": sorted(index.regencies), "province": sorted(index.provinces)}
    return [
        Suite(
            name,
            PUBLISHED_AS[name],
            column_expectations(contract().columns(name), dict(SQL_MODEL_COLUMNS[name]), PUBLISHED_AS)
            + table_expectations(name, reference, len(targets())),
        )
        for name in SUITE_MODELS
    ]


def _build_data_docs(context: AssetExecutionContext, marts_quality: MartsQuality) -> None:
    """The pages only show the checks' results: failing to build them must not fail a publish that happened."""
    try:
        marts_quality.build_data_docs()
    except Exception as error:  # noqa: BLE001 - any failure of GX's renderer
        context.log.warning(
            f"Data Docs not rebuilt ({type(error).__name__}: {error}); the checks and the published file are unaffected"
        )


def _check_results(
    context: AssetExecutionContext, results: list[SuiteResult], quality_dir: Path
) -> list[AssetCheckResult]:
    site = data_docs_site(quality_dir)
    data_docs_url = load_configuration().data_docs_url  # served by `ucj ui` (docs/ui.md: Data Docs)
    checks = []
    for result in results:
        page = result.page or "index.html"  # this suite's validation of this run (the page is built after the check)
        if not result.success:
            context.log.warning(f"{PUBLISHED_AS[result.table]}: " + "; ".join(result.failures))
        if result.warnings:
            context.log.warning(f"{PUBLISHED_AS[result.table]} (published, flagged): " + "; ".join(result.warnings))
        checks.append(
            AssetCheckResult(
                asset_key="ucj_warehouse",
                check_name=f"ge_{result.table}",
                passed=result.success and not result.warnings,
                severity=AssetCheckSeverity.ERROR if not result.success else AssetCheckSeverity.WARN,
                metadata={
                    "table": PUBLISHED_AS[result.table],
                    "expectations": result.evaluated,
                    "failed": len(result.failures),
                    "failures": MetadataValue.md("\n".join(f"- {f}" for f in result.failures) or "none"),
                    "warnings": MetadataValue.md("\n".join(f"- {w}" for w in result.warnings) or "none"),
                    "data_docs": MetadataValue.url(data_docs_url + quote(page)),
                    "data_docs_file": MetadataValue.path(str(site / page)),
                },
            )
        )
    return checks


@asset(
    name="ucj_warehouse",
    group_name="publish",
    deps=[m.name for m in PUBLISHED],
    kinds={"duckdb"},
    pool="ucj_publish",
    check_specs=GE_CHECKS,
    description="warehouse/ucj.duckdb: the BI-facing tables ("
    + ", ".join(m.publish_as for m in PUBLISHED)
    + "), built in a new file, checked, and swapped into place, so readers never block a run or see half of one.",
)
def ucj_warehouse(context: AssetExecutionContext, settings: PipelineSettings, marts_quality: MartsQuality):
    # Branch health on this refresh's reporting date, whatever the publish does: stale branches age with the date.
    for evaluation in all_branches_healthy(settings, settings.reporting_date()):
        context.log_event(evaluation)
    paths = settings.paths
    tables = settings.storage.published_tables(
        {m.name: describe_columns([name for name, _ in SQL_MODEL_COLUMNS[m.name]], m.name) for m in PUBLISHED}
    )
    built = build_warehouse(tables, paths.warehouse)
    try:
        rows = table_row_counts(built)
        quality_dir = paths.home / "quality"
        checks = _check_results(context, marts_quality.validate(built, quality_dir, published_suites()), quality_dir)
        failed = [c.check_name for c in checks if not c.passed and c.severity == AssetCheckSeverity.ERROR]
        if failed:
            _build_data_docs(context, marts_quality)
            yield from checks  # recorded on the asset; nothing is materialised
            raise Failure(
                description=f"not published: {', '.join(failed)} failed on the new file; the last good "
                f"{paths.warehouse} keeps serving",
            )
        stale_wal = swap_in(built, paths.warehouse)
    finally:
        built.unlink(missing_ok=True)
    # After the swap: readers get the new figures without waiting for the pages, which the helper builds while the
    # report is drawn (a failure to build them is logged when the run ends; it cannot undo a publish).
    try:
        marts_quality.start_data_docs()
    except Exception as error:  # noqa: BLE001 - any failure of GX's renderer, when built in this process
        context.log.warning(f"Data Docs not rebuilt ({type(error).__name__}: {error})")
    if stale_wal is not None:
        context.log.warning(
            f"A stale {paths.warehouse.name}.wal (left by a tool that opened the published file read-write and "
            f"died) was moved to {stale_wal}; BI tools must connect read-only (docs/bi.md)."
        )
    yield MaterializeResult(
        metadata={
            REPORTING_DATE_METADATA: str(settings.reporting_date()),
            CODE_VERSION_METADATA: figures_code_version(),
            "path": MetadataValue.path(str(paths.warehouse)),
            "tables": MetadataValue.json(rows),
            "connect": MetadataValue.md(f"`duckdb -readonly {paths.warehouse}`"),
            "stale_wal_moved_to": str(stale_wal) if stale_wal else "none",
        },
        check_results=checks,
    )
