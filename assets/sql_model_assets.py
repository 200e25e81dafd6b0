"""Every SQL model in dbt_like_sql/ becomes an asset; its upstream assets are the tables its SQL reads.

The models are the specs of one multi-asset, as dagster-dbt makes a dbt project one: a refresh runs them in one step
(a step per model cost about a quarter of a second of Dagster bookkeeping each, more than most models take), while
the UI shows, materialises and checks each model on its own.
"""

import time
import warnings
from collections.abc import Sequence

import duckdb
from dagster import (
    AnchorBasedFilePathMapping,
    AssetExecutionContext,
    AssetsDefinition,
    AssetSpec,
    BetaWarning,
    CodeReferencesMetadataValue,
    Failure,
    LocalFileCodeReference,
    MaterializeResult,
    MetadataValue,
    TableColumnDep,
    TableColumnLineage,
    link_code_references_to_git,
    multi_asset,
)

from assets.metadata import column_schema
from resources import PipelineSettings
from ucj_pipeline.ingest import lake
from ucj_pipeline.models.sql_manifest import load_manifest
from ucj_pipeline.models.sql_models import ModelRun, ModelSession, SqlModel, project_models, topological_order
from ucj_pipeline.orchestration.configuration import Configuration
from ucj_pipeline.runtime.paths import PROJECT_ROOT


def _lineage(feeds: dict[str, list[list[str]]]) -> TableColumnLineage:
    return TableColumnLineage(
        deps_by_column={
            column: [TableColumnDep(asset_key=table, column_name=source) for table, source in deps]
            for column, deps in feeds.items()
        }
    )


def _lineage_table(columns: list[str], feeds: dict[str, list[list[str]]]) -> MetadataValue:
    """The column lineage as a table to read on the asset's page: Dagster's open-source UI stores
    `dagster/column_lineage` but draws no view of it (1.13)."""
    rows = [
        f"| `{column}` | ← {', '.join(f'`{table}.{source}`' for table, source in feeds[column])} |"
        if feeds.get(column)
        else f"| `{column}` | none: the reporting date or a constant |"
        for column in columns
    ]
    return MetadataValue.md("\n".join(["| column | ← sources |", "|---|---|", *rows]))


def code_linked(assets_defs: Sequence[AssetsDefinition], configuration: Configuration) -> list[AssetsDefinition]:
    """The SQL model assets with a link to each model's `.sql` file in the repository (the "Source code" entry of the
    asset's page) when UCJ_CODE_URL names it, on UCJ_CODE_BRANCH; without it, no code reference at all (a
    local-editor link opens only on the server's own desktop): the `sql_file` metadata names the file, relative to
    the repository."""
    if not configuration.code_url:
        return list(assets_defs)
    with warnings.catch_warnings():  # code references are beta in Dagster 1.13: it warns
        warnings.simplefilter("ignore", BetaWarning)
        local = [assets_def.map_asset_specs(_with_local_reference) for assets_def in assets_defs]
        return list(
            link_code_references_to_git(
                local,
                git_url=configuration.code_url,
                git_branch=configuration.code_branch,
                file_path_mapping=AnchorBasedFilePathMapping(
                    local_file_anchor=PROJECT_ROOT, file_anchor_path_in_repository="."
                ),
            )
        )


def _with_local_reference(spec: AssetSpec) -> AssetSpec:
    if "sql_file" not in spec.metadata:
        return spec
    path = spec.metadata["sql_file"]  # relative to the repository
    reference = LocalFileCodeReference(file_path=str(PROJECT_ROOT / path), line_number=1, label=path)
    return spec.merge_attributes(
        metadata={"dagster/code_references": CodeReferencesMetadataValue(code_references=[reference])}
    )


def _model_spec(model: SqlModel, known: dict) -> AssetSpec:
    columns = [(name, kind) for name, kind in known["columns"]]
    return AssetSpec(
        key=model.name,
        group_name=model.layer,
        deps=[writer for name in model.depends_on for writer in lake.WRITERS.get(name, (name,))],
        description=model.description,
        kinds={"duckdb", "sql"},
        owners=["team:ucj-pipeline"],
        tags={"ucj/layer": model.layer, **({"ucj/published": "true"} if model.publish_as else {})},
        metadata={
            "sql_file": str(model.path.relative_to(PROJECT_ROOT)),  # code links: `code_linked`
            "dagster/column_lineage": _lineage(known["lineage"]),
            "column_lineage": _lineage_table([name for name, _ in columns], known["lineage"]),
            "materialized": model.materialized,
            "dagster/column_schema": column_schema(columns, model.name),
            **({"published_as": model.publish_as} if model.publish_as else {}),
        },
    )


SQL_MODELS = project_models()
MANIFEST = load_manifest(SQL_MODELS)  # columns and lineage, without running DuckDB at import
SQL_MODEL_COLUMNS = {name: [(c, t) for c, t in known["columns"]] for name, known in MANIFEST.items()}
MODEL_ORDER = topological_order(SQL_MODELS)


@multi_asset(
    name="sql_models",
    specs=[_model_spec(SQL_MODELS[name], MANIFEST[name]) for name in MODEL_ORDER],
    can_subset=True,
    description="Every SQL model of dbt_like_sql/, run in one step in dependency order (as dbt runs a project): "
    "each is its own asset, with the lineage its SQL gives.",
)
def sql_models(context: AssetExecutionContext, settings: PipelineSettings):
    """Runs the selected models only; a model that is not selected is read from the lake as it stands."""
    as_of = settings.reporting_date()
    selected = {key.to_user_string() for key in context.selected_asset_keys}
    for migration in settings.storage.upgrade_lake(settings.lock_wait_seconds, context.log.warning):
        context.log.info(
            f"lake migration {migration['name']}: {migration['files_rewritten']} {migration['description']} "
            f"(once: recorded in lake/_migrations/)"
        )
    with settings.storage.model_session(as_of) as session:
        yield from _run_models(session, [n for n in MODEL_ORDER if n in selected], as_of)


def _run_models(session: ModelSession, names: list[str], as_of):
    for name in names:
        model = SQL_MODELS[name]
        started = time.perf_counter()
        try:
            result = session.run(model)
        except duckdb.Error as error:
            raise Failure(
                description=f"SQL model {name} ({model.path.relative_to(PROJECT_ROOT)}) failed: {error}. The models "
                "before it in this run are materialised; the ones after it are not, and nothing was published.",
            ) from error
        yield MaterializeResult(
            asset_key=name,
            metadata={
                **({"dagster/row_count": result.row_count} if result.row_count is not None else {}),
                "dagster/column_schema": column_schema(result.columns, model.name),
                "as_of_date": str(as_of),
                "seconds": round(time.perf_counter() - started, 3),  # where a refresh's time goes, model by model
                **_incremental_metadata(result),
            },
        )


def _incremental_metadata(result: ModelRun) -> dict:
    counts = {"groups_changed": result.groups_changed, "keys_recomputed": result.keys_recomputed}
    return {name: count for name, count in counts.items() if count is not None}


sql_model_assets = [sql_models]
