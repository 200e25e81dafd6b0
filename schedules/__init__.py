"""When things run: jobs, the daily schedule, the file-drop sensor and the refresh after ingests."""

from schedules.daily import daily_coverage_refresh
from schedules.jobs import ingest_branch_job, misnamed_files_job, refresh_warehouse_job
from schedules.landing_sensor import landing_area_sensor
from schedules.refresh_sensor import refresh_after_ingest

__all__ = [
    "daily_coverage_refresh",
    "ingest_branch_job",
    "landing_area_sensor",
    "misnamed_files_job",
    "refresh_after_ingest",
    "refresh_warehouse_job",
]
