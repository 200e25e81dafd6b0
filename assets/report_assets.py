"""The target report: an HTML page in $UCJ_HOME/reports and its charts in the Dagster UI (asset metadata)."""

import duckdb
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from resources import PipelineSettings
from ucj_pipeline.charts import markdown_image
from ucj_pipeline.target_report import ReportData, draw_charts, write_report

READS = ("coverage_national", "coverage_regency", "target_tracking", "target_history")


def _rows(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(query, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def load_report_data(settings: PipelineSettings) -> ReportData:
    """The rows the report shows, read from the published ucj.duckdb: the report shows what BI tools see."""
    storage = settings.storage
    source = {name: storage.published_name(name) for name in READS}
    with storage.connect_published() as con:
        tracking = _rows(con, f"SELECT * FROM {source['target_tracking']}")
        with_target = [t["region_code"] for t in tracking if t["level"] in ("regency", "village_programme")]
        return ReportData(
            as_of_date=settings.reporting_date(),
            national=_rows(con, f"SELECT * FROM {source['coverage_national']}")[0],
            tracking=tracking,
            target_history=_rows(con, f"SELECT * FROM {source['target_history']} ORDER BY as_of_date"),
            regencies=_rows(
                con,
                f"SELECT * FROM {source['coverage_regency']} "
                "WHERE covered_workers > 0 OR list_contains(?, regency_code) ORDER BY regency_code",
                [with_target],
            ),
        )


@asset(
    name="target_report",
    group_name="publish",
    deps=["ucj_warehouse"],
    kinds={"html"},
    description="reports/ucj_targets_YYYY-MM-DD.html (and latest.html): a self-contained page for regional governments "
    "with the target table, coverage against target by regency and each target's trend, drawn from the published "
    "ucj.duckdb once it is swapped in. The same charts show here as metadata.",
)
def target_report(context: AssetExecutionContext, settings: PipelineSettings) -> MaterializeResult:
    data = load_report_data(settings)
    charts = draw_charts(data)
    path = write_report(data, charts, settings.paths.reports)
    coverage_png = charts.coverage_against_target.png_base64
    trend_png = charts.target_trends.png_base64
    statuses = {t["target_id"]: t["status"] for t in data.tracking}
    context.log.info(f"Target report written to {path}")
    return MaterializeResult(
        metadata={
            "report": MetadataValue.path(str(path)),
            "as_of_date": str(data.as_of_date),
            "target_status": MetadataValue.json(statuses),
            "coverage_against_target": MetadataValue.md(markdown_image(coverage_png, "coverage against target")),
            "target_trends": MetadataValue.md(markdown_image(trend_png, "target trends")),
        }
    )
