"""The refresh sensor: one refresh after the ingests, never while one is still queued or running, for the reporting
date of the published figures (the rule in resources/pipeline_settings.py)."""

import time

from dagster import (
    AssetMaterialization,
    DagsterInstance,
    DagsterRunStatus,
    RunRequest,
    RunsFilter,
    build_sensor_context,
    instance_for_test,
)

from resources import AS_OF_DATE_TAG, REPORTING_DATE_METADATA, LandingArea, PipelineSettings
from schedules.refresh_hook import LANDING_SENSOR, REQUESTED_BY_TAG, SENSOR_TAG
from tests.dagster_test_internals import create_run_for_test
from tests.factories import make_nik, row, write_extract
from ucj_pipeline.orchestration.dagster_internals import execute_as_code_location_run
from ucj_pipeline.orchestration.definitions import build_definitions
from ucj_pipeline.orchestration.refresh_rule import refresh_decision
from ucj_pipeline.runtime.paths import today_in_jakarta

refresh_after_ingest = build_definitions().resolve_sensor_def("refresh_after_ingest")


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


def test_the_run_that_ends_last_does_not_wait_for_itself():
    """The hook of an ingest run asks the same rule as it ends, not counting itself (schedules/refresh_hook.py)."""
    with DagsterInstance.ephemeral() as instance:
        first = create_run_for_test(instance, job_name="ingest_branch_job", status=DagsterRunStatus.STARTED)
        second = create_run_for_test(instance, job_name="ingest_branch_job", status=DagsterRunStatus.STARTED)
        instance.report_runless_asset_event(AssetMaterialization("participant_snapshots", partition="SINJAI"))
        waiting = refresh_decision(instance, excluding_run_id=first.run_id)
        assert "waiting for 1 run(s)" in waiting.skip_message and second.run_id[:8] in waiting.skip_message
        instance.delete_run(second.run_id)
        assert isinstance(refresh_decision(instance, excluding_run_id=first.run_id), RunRequest)
        assert "waiting" in tick(instance).skip_message  # the sensor counts every run, this one too


QUEUED = {"run_coordinator": {"module": "dagster._core.run_coordinator", "class": "QueuedRunCoordinator"}}


def test_the_last_ingest_of_a_file_drop_queues_the_refresh_itself(tmp_path):
    """An ingest run the landing sensor started, ending with no other run in flight, puts one refresh on the run
    queue, in the same code location and with the rule's tags; a run started another way leaves it to the sensor."""
    home = tmp_path / "ucj"
    write_extract(home / "landing", "SINJAI_20251130.csv", [row(NIK=make_nik(region="7307"), KODE_WILAYAH="73.07")])
    defs = build_definitions(
        PipelineSettings(ucj_home=str(home)), LandingArea(location=str(home / "landing"), settle_seconds=0)
    )
    with instance_for_test(overrides=QUEUED) as instance:
        instance.add_dynamic_partitions("branch", ["SINJAI"])
        by_hand = execute_as_code_location_run(defs, "ingest_branch_job", instance, {}, {}, partition_key="SINJAI")
        assert by_hand.success and instance.get_runs(RunsFilter(job_name="refresh_warehouse_job")) == []

        write_extract(home / "landing", "SINJAI_20251201.csv", [row(NIK=make_nik(region="7307"), KODE_WILAYAH="73.07")])
        dropped = execute_as_code_location_run(
            defs, "ingest_branch_job", instance, {}, {SENSOR_TAG: LANDING_SENSOR}, partition_key="SINJAI"
        )
        [refresh] = instance.get_runs(RunsFilter(job_name="refresh_warehouse_job"))
        assert refresh.status == DagsterRunStatus.QUEUED
        assert refresh.tags[REQUESTED_BY_TAG] == dropped.run_id
        assert refresh.tags[AS_OF_DATE_TAG] == today_in_jakarta().isoformat()
        ingest = instance.get_run_by_id(dropped.run_id)
        assert refresh.remote_job_origin.location_name == ingest.remote_job_origin.location_name
        assert refresh.job_code_origin.repository_origin == ingest.job_code_origin.repository_origin
