"""The daily schedule: evaluated for a given time, it asks for a refresh run for that day in Asia/Jakarta."""

from datetime import UTC, datetime

from dagster import build_schedule_context

from resources import AS_OF_DATE_TAG
from ucj_pipeline.orchestration.definitions import build_definitions
from ucj_pipeline.runtime.paths import JAKARTA

defs = build_definitions()

daily_coverage_refresh = defs.resolve_schedule_def("daily_coverage_refresh")


def test_daily_refresh_requests_a_run_for_the_jakarta_day():
    context = build_schedule_context(scheduled_execution_time=datetime(2026, 1, 15, 6, 0, tzinfo=JAKARTA))
    request = daily_coverage_refresh.evaluate_tick(context).run_requests[0]
    assert request.run_key == "daily-2026-01-15"
    assert request.tags[AS_OF_DATE_TAG] == "2026-01-15"


def test_the_jakarta_day_not_the_utc_day():
    # 06:00 in Jakarta is 23:00 UTC the evening before.
    context = build_schedule_context(scheduled_execution_time=datetime(2026, 1, 14, 23, 0, tzinfo=UTC))
    assert daily_coverage_refresh.evaluate_tick(context).run_requests[0].tags[AS_OF_DATE_TAG] == "2026-01-15"


def test_the_scheduled_job_materialises_history_targets_and_the_report():
    job = defs.resolve_job_def(daily_coverage_refresh.job_name)
    keys = {key.to_user_string() for key in job.asset_layer.executable_asset_keys}
    assert {"coverage_history", "target_history", "target_tracking", "village_programme", "ucj_warehouse",
            "target_report"} <= keys  # fmt: skip
    assert "participant_snapshots" not in keys  # ingest runs per branch partition, not daily
