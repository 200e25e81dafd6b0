"""When things run: jobs and the daily schedule (sensors come beside them)."""

from schedules.daily import daily_coverage_refresh
from schedules.jobs import ingest_branch_job, refresh_warehouse_job

__all__ = ["daily_coverage_refresh", "ingest_branch_job", "refresh_warehouse_job"]
