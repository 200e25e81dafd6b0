"""When things run: jobs, and (later) schedules and sensors."""

from schedules.jobs import ingest_branch_job, refresh_warehouse_job

__all__ = ["ingest_branch_job", "refresh_warehouse_job"]
