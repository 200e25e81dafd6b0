"""The target report: an HTML page in $UCJ_HOME/reports and its charts in the Dagster UI (asset metadata). The page
itself is ucj_pipeline.publish.target_report (plain Python); this asset reads the published file and the language
(UCJ_REPORT_LANG) and wires them."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from resources import PipelineSettings
from ucj_pipeline.orchestration.configuration import load_configuration
from ucj_pipeline.publish.charts import markdown_image
from ucj_pipeline.publish.report_texts import texts_for
from ucj_pipeline.publish.target_report import REPORT_TABLES, ReportData, draw_charts, read_report_data, write_report


def load_report_data(settings: PipelineSettings) -> ReportData:
    """The rows the report shows, read from the published ucj.duckdb: the report shows what BI tools see."""
    storage = settings.storage
    with storage.connect_published() as con:
        tables = {name: storage.published_name(name) for name in REPORT_TABLES}
        return read_report_data(con, settings.reporting_date(), tables)


@asset(
    name="target_report",
    group_name="publish",
    deps=["ucj_warehouse"],
    kinds={"html"},
    description="reports/ucj_targets_YYYY-MM-DD.html (and latest.html): a self-contained page for regional governments "
    "(Bahasa Indonesia, or English with UCJ_REPORT_LANG=en) saying how many branch offices delivered, with the target "
    "table, coverage against target for every regency of a province with a target and each target's trend, drawn "
    "from the published ucj.duckdb once it is swapped in. The same charts show here as metadata.",
)
def target_report(context: AssetExecutionContext, settings: PipelineSettings) -> MaterializeResult:
    lang = load_configuration(check_home=False).report_lang
    texts = texts_for(lang)
    data = load_report_data(settings)
    charts = draw_charts(data, lang)
    path = write_report(data, charts, settings.paths.reports)
    trends = "\n\n".join(markdown_image(chart.png_base64, f"{texts.alt_trends}: {target_id}")
                         for target_id, chart in charts.target_trends)  # fmt: skip
    statuses = {t["target_id"]: t["status"] for t in data.tracking}
    context.log.info(f"Target report written to {path}")
    return MaterializeResult(
        metadata={
            "report": MetadataValue.path(str(path)),
            "as_of_date": str(data.as_of_date),
            "language": lang,
            "target_status": MetadataValue.json(statuses),
            "coverage_against_target": MetadataValue.md(
                markdown_image(charts.coverage_against_target.png_base64, texts.alt_coverage)
            ),
            "target_trends": MetadataValue.md(trends),
        }
    )
