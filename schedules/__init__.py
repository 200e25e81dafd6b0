"""When things run: jobs, the daily schedule, the file-drop sensor and declarative automation."""

from schedules.automation import automation_sensor
from schedules.daily import daily_coverage_refresh
from schedules.jobs import ingest_branch_job, misnamed_files_job, refresh_warehouse_job
from schedules.landing_sensor import landing_area_sensor

__all__ = [
    "automation_sensor",
    "daily_coverage_refresh",
    "ingest_branch_job",
    "landing_area_sensor",
    "misnamed_files_job",
    "refresh_warehouse_job",
]
