"""The Dagster code location: every asset, resource and job of the pipeline."""

from __future__ import annotations

from dagster import Definitions, ExecutorDefinition

from assets.checks import asset_checks
from assets.ingest_assets import ingest_branch_extracts, misnamed_extract_files
from assets.reference_assets import reference_assets
from assets.report_assets import target_report
from assets.sql_model_assets import code_linked, sql_model_assets
from assets.warehouse_assets import ucj_warehouse
from resources import LandingArea, MartsQuality, PipelineSettings
from schedules import (
    daily_coverage_refresh,
    ingest_branch_job,
    landing_area_sensor,
    misnamed_files_job,
    refresh_after_ingest,
    refresh_warehouse_job,
)
from ucj_pipeline.configuration import load_configuration
from ucj_pipeline.execution import pipeline_executor
from ucj_pipeline.settings import private_umask


def build_definitions(
    settings: PipelineSettings | None = None,
    landing_area: LandingArea | None = None,
    executor: ExecutorDefinition | None = None,
) -> Definitions:
    """The code location; `executor` defaults to the configured one (in-process, or Celery with a broker)."""
    settings = settings or PipelineSettings.from_env()
    configuration = load_configuration()
    return Definitions(
        assets=[
            *reference_assets,
            ingest_branch_extracts,
            misnamed_extract_files,
            *code_linked(sql_model_assets, configuration),  # links to the repository (UCJ_CODE_URL)
            ucj_warehouse,
            target_report,
        ],
        asset_checks=asset_checks,
        resources={
            "settings": settings,
            "landing_area": landing_area or LandingArea.from_env(settings.paths.landing),
            "marts_quality": MartsQuality(),
        },
        jobs=[ingest_branch_job, misnamed_files_job, refresh_warehouse_job],
        schedules=[daily_coverage_refresh],
        sensors=[landing_area_sensor, refresh_after_ingest],
        # every job and a "Materialize" click: the run's own process (cheap steps), or Celery workers
        executor=executor or pipeline_executor(configuration),
    )


private_umask()  # the code server and every run process it starts create owner-only files
defs = build_definitions()
