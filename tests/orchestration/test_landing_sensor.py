"""The file-drop sensor, evaluated as the daemon evaluates it: exact run requests, partitions and cursor."""

import os
import time

import pytest
from dagster import DagsterInstance, PartitionKeyRange, build_sensor_context

from resources import LandingArea
from tests.factories import row, write_extract
from ucj_pipeline.orchestration.definitions import build_definitions

landing_area_sensor = build_definitions().resolve_sensor_def("landing_area_sensor")


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as instance:
        yield instance


def tick(instance, landing, cursor=None):
    context = build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"landing_area": LandingArea(location=str(landing), settle_seconds=0)},
    )
    return landing_area_sensor(context)


def test_two_new_branches_one_run_the_same_files_again_none(tmp_path, instance):
    write_extract(tmp_path, "PALOPO_20251231.csv", [row()])
    write_extract(tmp_path, "SINJAI_20251231.csv", [row()])
    result = tick(instance, tmp_path)
    [run] = result.run_requests  # both branches in one run: a range of their partitions
    assert (run.job_name, run.partition_key, run.partition_key_range) == (
        "ingest_branch_job",
        None,
        PartitionKeyRange("PALOPO", "SINJAI"),
    )
    assert run.run_key and run.tags["ucj/files"] == "PALOPO_20251231.csv, SINJAI_20251231.csv"
    [partitions] = result.dynamic_partitions_requests
    assert (partitions.partitions_def_name, sorted(partitions.partition_keys)) == ("branch", ["PALOPO", "SINJAI"])

    instance.add_dynamic_partitions("branch", ["PALOPO", "SINJAI"])  # as the daemon applies the request
    again = tick(instance, tmp_path, cursor=result.cursor)
    assert again.run_requests == [] and again.dynamic_partitions_requests == []
    assert again.cursor == result.cursor


def test_branches_apart_in_the_partition_order_run_apart(tmp_path, instance):
    """A failed run shows every partition of its range it did not materialise as failed: a range never holds a
    branch without new files."""
    instance.add_dynamic_partitions("branch", ["PALOPO", "LUWUK", "SINJAI"])
    write_extract(tmp_path, "PALOPO_20251231.csv", [row()])
    write_extract(tmp_path, "SINJAI_20251231.csv", [row()])
    runs = tick(instance, tmp_path).run_requests
    assert [(r.partition_key, r.partition_key_range) for r in runs] == [("PALOPO", None), ("SINJAI", None)]
    assert len({r.run_key for r in runs}) == 2


def test_a_new_branch_adds_a_partition_and_a_known_one_does_not(tmp_path, instance):
    instance.add_dynamic_partitions("branch", ["PALOPO"])
    write_extract(tmp_path, "PALOPO_20251231.csv", [row()])
    write_extract(tmp_path, "LUWUK_20251231.csv", [row()])
    result = tick(instance, tmp_path)
    [partitions] = result.dynamic_partitions_requests
    assert list(partitions.partition_keys) == ["LUWUK"]


def test_a_resent_file_runs_again_a_restart_repeats_nothing(tmp_path, instance):
    path = write_extract(tmp_path, "PALOPO_20251231.csv", [row()])
    first = tick(instance, tmp_path)
    instance.add_dynamic_partitions("branch", ["PALOPO"])
    restarted = tick(instance, tmp_path, cursor=first.cursor)  # the cursor survives a daemon restart
    assert restarted.run_requests == []
    write_extract(tmp_path, "PALOPO_20251231.csv", [row(), row(serial=2)])  # resent: new content, same name
    earlier = time.time() - 100  # a copy keeping the sender's modification time, as `cp -p` does
    os.utime(path, (earlier, earlier))
    resent = tick(instance, tmp_path, cursor=first.cursor)
    assert [r.partition_key for r in resent.run_requests] == ["PALOPO"]
    assert resent.run_requests[0].run_key != first.run_requests[0].run_key


def test_a_half_written_file_waits(tmp_path, instance):
    write_extract(tmp_path, "PALOPO_20251231.csv", [row()])
    context = build_sensor_context(
        instance=instance, resources={"landing_area": LandingArea(location=str(tmp_path), settle_seconds=3600)}
    )
    assert landing_area_sensor(context).run_requests == []
    (tmp_path / "PALOPO_20251231.csv.done").touch()  # the writer says it is finished
    assert [r.partition_key for r in landing_area_sensor(context).run_requests] == ["PALOPO"]


def test_a_misnamed_file_asks_for_the_misnamed_files_job(tmp_path, instance):
    write_extract(tmp_path, "palopo 2025.csv", [row()])
    result = tick(instance, tmp_path)
    assert [r.job_name for r in result.run_requests] == ["misnamed_files_job"]
    assert result.dynamic_partitions_requests == []
