"""The refresh sensor: one refresh after the ingests, never while one is still queued or running, for the reporting
date of the published figures (the rule in resources/pipeline_settings.py)."""

import time

from dagster import AssetMaterialization, DagsterInstance, DagsterRunStatus, RunRequest, build_sensor_context
from dagster._core.test_utils import create_run_for_test

from resources import AS_OF_DATE_TAG, REPORTING_DATE_METADATA
from schedules import refresh_after_ingest
from ucj_pipeline.settings import today_in_jakarta


def tick(instance):
    return refresh_after_ingest(build_sensor_context(instance=instance))


def test_one_refresh_after_the_ingests_have_finished():
    with DagsterInstance.ephemeral() as instance:
        assert "no branch has been ingested" in tick(instance).skip_message
        queued = create_run_for_test(instance, job_name="ingest_branch_job", status=DagsterRunStatus.STARTING)
        instance.report_runless_asset_event(AssetMaterialization("participant_snapshots", partition="PALOPO"))
        waiting = tick(instance)
        assert "waiting for 1 run(s)" in waiting.skip_message and "ingest_branch_job" in waiting.skip_message
        instance.delete_run(queued.run_id)

        request = tick(instance)
        assert isinstance(request, RunRequest)
        assert request.tags[AS_OF_DATE_TAG] == today_in_jakarta().isoformat()  # nothing published yet
        assert request.run_key == tick(instance).run_key  # the same change is refreshed once

        time.sleep(0.01)
        create_run_for_test(instance, job_name="refresh_warehouse_job", status=DagsterRunStatus.SUCCESS)
        assert "include every ingest" in tick(instance).skip_message


def test_a_file_drop_keeps_the_published_reporting_date():
    with DagsterInstance.ephemeral() as instance:
        instance.report_runless_asset_event(
            AssetMaterialization("ucj_warehouse", metadata={REPORTING_DATE_METADATA: "2025-12-31"})
        )
        instance.report_runless_asset_event(AssetMaterialization("extract_files", partition="SINJAI"))
        assert tick(instance).tags[AS_OF_DATE_TAG] == "2025-12-31"


def test_no_refresh_while_another_refresh_runs():
    with DagsterInstance.ephemeral() as instance:
        instance.report_runless_asset_event(AssetMaterialization("row_issues", partition="SINJAI"))
        create_run_for_test(instance, job_name="refresh_warehouse_job", status=DagsterRunStatus.STARTED)
        assert "refresh_warehouse_job" in tick(instance).skip_message
