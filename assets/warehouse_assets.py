"""The published DuckDB file that BI tools read, rebuilt and swapped in atomically."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from assets.sql_model_assets import SQL_MODEL_COLUMNS, SQL_MODELS
from resources import PipelineSettings
from schedules.automation import REFRESH_WHEN_UPSTREAM_UPDATES
from ucj_pipeline.model_docs import describe_columns
from ucj_pipeline.warehouse import PublishedTable, publish_warehouse, table_row_counts

PUBLISHED = [m for m in SQL_MODELS.values() if m.publish_as]


@asset(
    name="ucj_warehouse",
    group_name="publish",
    deps=[m.name for m in PUBLISHED],
    kinds={"duckdb"},
    pool="ucj_publish",
    automation_condition=REFRESH_WHEN_UPSTREAM_UPDATES,
    description="warehouse/ucj.duckdb: the BI-facing tables ("
    + ", ".join(m.publish_as for m in PUBLISHED)
    + "), rebuilt in a new file and swapped into place, so readers never block a run or see half of one.",
)
def ucj_warehouse(context: AssetExecutionContext, settings: PipelineSettings) -> MaterializeResult:
    paths = settings.paths
    tables = [
        PublishedTable(
            model.publish_as,
            model.read_sql(paths.lake),
            model.description,
            describe_columns([name for name, _ in SQL_MODEL_COLUMNS[model.name]], model.name),
        )
        for model in PUBLISHED
    ]
    target = publish_warehouse(tables, paths.warehouse)
    rows = table_row_counts(target)
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(target)),
            "tables": MetadataValue.json(rows),
            "connect": MetadataValue.md(f"`duckdb -readonly {target}`"),
        }
    )
