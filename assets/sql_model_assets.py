"""Every SQL model in dbt_like_sql/ becomes an asset; its upstream assets are the tables its SQL reads."""

from dagster import AssetExecutionContext, AssetsDefinition, MaterializeResult, asset

from assets.metadata import column_schema
from resources import PipelineSettings
from ucj_pipeline.settings import PROJECT_ROOT
from ucj_pipeline.sql_models import SqlModel, describe_models, discover_models, run_model

GROUPS = {"staging": "staging", "intermediate": "intermediate", "marts": "marts"}


def _model_asset(model: SqlModel, models: dict[str, SqlModel], columns: list[tuple[str, str]]) -> AssetsDefinition:
    @asset(
        name=model.name,
        group_name=GROUPS[model.layer],
        deps=list(model.depends_on),
        description=model.description,
        kinds={"duckdb", "sql"},
        metadata={
            "sql_file": str(model.path.relative_to(PROJECT_ROOT)),
            "materialized": model.materialized,
            "dagster/column_schema": column_schema(columns, model.name),
            **({"published_as": model.publish_as} if model.publish_as else {}),
        },
    )
    def _run(context: AssetExecutionContext, settings: PipelineSettings) -> MaterializeResult:
        as_of = settings.reporting_date()
        result = run_model(model, models, settings.paths.lake, as_of)
        return MaterializeResult(
            metadata={
                "dagster/row_count": result.row_count,
                "dagster/column_schema": column_schema(result.columns, model.name),
                "as_of_date": str(as_of),
            }
        )

    return _run


SQL_MODELS = discover_models()
SQL_MODEL_COLUMNS = describe_models(SQL_MODELS)
sql_model_assets = [_model_asset(model, SQL_MODELS, SQL_MODEL_COLUMNS[model.name]) for model in SQL_MODELS.values()]
