"""The Dagster code location: every asset, resource and job of the pipeline."""

from __future__ import annotations

from dagster import Definitions

from assets.ingest_assets import ingest_branch_extracts
from assets.reference_assets import reference_assets
from assets.report_assets import target_report
from assets.sql_model_assets import sql_model_assets
from assets.warehouse_assets import ucj_warehouse
from resources import LandingArea, PipelineSettings
from schedules import daily_coverage_refresh, ingest_branch_job, refresh_warehouse_job


def build_definitions(settings: PipelineSettings | None = None) -> Definitions:
    settings = settings or PipelineSettings.from_env()
    return Definitions(
        assets=[*reference_assets, ingest_branch_extracts, *sql_model_assets, ucj_warehouse, target_report],
        resources={
            "settings": settings,
            "landing_area": LandingArea(folder=str(settings.paths.landing)),
        },
        jobs=[ingest_branch_job, refresh_warehouse_job],
        schedules=[daily_coverage_refresh],
    )


defs = build_definitions()
