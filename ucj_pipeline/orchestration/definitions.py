"""The Dagster code location: every asset, resource, job, schedule and sensor of the pipeline, assembled by
`build_definitions()` when called (nothing is built at import). `workspace.yaml` loads `defs`, which Dagster calls
when it loads the code location."""

from __future__ import annotations

import dagster as dg
from dagster import Definitions, ExecutorDefinition

from assets.checks import asset_checks
from assets.ingest_assets import ingest_branch_extracts, misnamed_extract_files
from assets.reference_assets import reference_assets
from assets.report_assets import target_report
from assets.sql_model_assets import code_linked, sql_model_assets
from assets.warehouse_assets import ucj_warehouse
from resources import LandingArea, MartsQuality, PipelineSettings
from schedules import build_daily_schedule, build_jobs, build_landing_sensor, build_refresh_sensor, refresh_hooks
from schedules.jobs import REFRESH_WAREHOUSE_JOB
from ucj_pipeline.orchestration.configuration import Configuration, load_configuration
from ucj_pipeline.orchestration.execution import pipeline_executor
from ucj_pipeline.runtime.paths import private_umask


def build_definitions(
    settings: PipelineSettings | None = None,
    landing_area: LandingArea | None = None,
    executor: ExecutorDefinition | None = None,
    configuration: Configuration | None = None,
) -> Definitions:
    """The code location; `executor` defaults to the configured one (in-process, or Celery with a broker)."""
    settings = settings or PipelineSettings.from_env()
    configuration = configuration or load_configuration()
    defs: Definitions | None = None

    def refresh_job() -> dg.JobDefinition:  # for the hooks, as a run ends: these definitions exist by then
        assert defs is not None
        return defs.resolve_job_def(REFRESH_WAREHOUSE_JOB)

    jobs = build_jobs(drop_hooks=refresh_hooks(refresh_job))  # a file drop's last run queues the refresh
    defs = Definitions(
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
        jobs=jobs.all(),
        schedules=[build_daily_schedule(jobs.refresh_warehouse)],
        sensors=[
            build_landing_sensor(configuration, jobs.ingest_branch, jobs.misnamed_files),
            build_refresh_sensor(configuration, jobs.refresh_warehouse),
        ],
        # every job and a "Materialize" click: the run's own process (cheap steps), or Celery workers
        executor=executor or pipeline_executor(configuration),
    )
    return defs


@dg.definitions
def defs() -> Definitions:
    """The code location as Dagster loads it (webserver, daemon, each run's process)."""
    private_umask()  # the code server and every run process it starts create owner-only files
    return build_definitions()
