"""The daily refresh: every day at 06:00 Asia/Jakarta, history and target tables for that day.

It runs even when no file arrived: the reporting date moves on, so branches that stopped delivering go stale
honestly and the recent pace reflects it.
"""

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    schedule,
)

from resources import AS_OF_DATE_TAG
from schedules.jobs import AssetJob
from ucj_pipeline.runtime.paths import JAKARTA


def build_daily_schedule(refresh_job: AssetJob) -> ScheduleDefinition:
    @schedule(
        name="daily_coverage_refresh",
        job=refresh_job,
        cron_schedule="0 6 * * *",
        execution_timezone="Asia/Jakarta",
        default_status=DefaultScheduleStatus.RUNNING,
        description="Every day at 06:00 Asia/Jakarta: coverage marts, history, target tracking, the published file "
        "and the target report, for that day as reporting date.",
    )
    def daily_coverage_refresh(context: ScheduleEvaluationContext) -> RunRequest:
        as_of = context.scheduled_execution_time.astimezone(JAKARTA).date().isoformat()
        return RunRequest(run_key=f"daily-{as_of}", tags={AS_OF_DATE_TAG: as_of})

    return daily_coverage_refresh
