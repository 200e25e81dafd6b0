"""Every SQL model in dbt_like_sql/ becomes an asset; its upstream assets are the tables its SQL reads."""

import warnings

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    BetaWarning,
    CodeReferencesMetadataValue,
    LocalFileCodeReference,
    MaterializeResult,
    TableColumnDep,
    TableColumnLineage,
    asset,
)

from assets.metadata import column_schema
from resources import PipelineSettings
from ucj_pipeline.settings import PROJECT_ROOT
from ucj_pipeline.sql_manifest import load_manifest
from ucj_pipeline.sql_models import SqlModel, discover_models, run_model

GROUPS = {"staging": "staging", "intermediate": "intermediate", "marts": "marts"}


def _lineage(feeds: dict[str, list[list[str]]]) -> TableColumnLineage:
    return TableColumnLineage(
        deps_by_column={
            column: [TableColumnDep(asset_key=table, column_name=source) for table, source in deps]
            for column, deps in feeds.items()
        }
    )


def _code_reference(model: SqlModel) -> CodeReferencesMetadataValue:
    """A link from the asset to its SQL file (the UI's "code" button). Dagster 1.13 calls it beta: it warns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BetaWarning)
        return CodeReferencesMetadataValue(
            code_references=[LocalFileCodeReference(file_path=str(model.path), line_number=1)]
        )


def _model_asset(model: SqlModel, models: dict[str, SqlModel], known: dict) -> AssetsDefinition:
    columns = [(name, kind) for name, kind in known["columns"]]

    @asset(
        name=model.name,
        group_name=GROUPS[model.layer],
        deps=list(model.depends_on),
        description=model.description,
        kinds={"duckdb", "sql"},
        owners=["team:ucj-pipeline"],
        tags={"ucj/layer": model.layer, **({"ucj/published": "true"} if model.publish_as else {})},
        metadata={
            "sql_file": str(model.path.relative_to(PROJECT_ROOT)),
            "dagster/code_references": _code_reference(model),
            "dagster/column_lineage": _lineage(known["lineage"]),
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
MANIFEST = load_manifest(SQL_MODELS)  # columns and lineage, without running DuckDB at import
SQL_MODEL_COLUMNS = {name: [(c, t) for c, t in known["columns"]] for name, known in MANIFEST.items()}
sql_model_assets = [_model_asset(model, SQL_MODELS, MANIFEST[model.name]) for model in SQL_MODELS.values()]
