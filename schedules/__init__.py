"""When things run: jobs, the daily schedule, the file-drop sensor and the refresh after ingests. Each is built by a
function that `ucj_pipeline.orchestration.definitions.build_definitions` calls: nothing is built at import."""

from schedules.daily import build_daily_schedule
from schedules.jobs import PipelineJobs, build_jobs
from schedules.landing_sensor import build_landing_sensor
from schedules.refresh_hook import refresh_hooks
from schedules.refresh_sensor import build_refresh_sensor

__all__ = [
    "PipelineJobs",
    "build_daily_schedule",
    "build_jobs",
    "build_landing_sensor",
    "build_refresh_sensor",
    "refresh_hooks",
]
