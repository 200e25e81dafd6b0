"""Many branches in one ingest run, their files read by parallel worker processes: each branch's partition still gets
its own materialisations, checks and outcome on the instance, and one branch's rejected file stops no other."""

import duckdb
from dagster import AssetKey, DagsterEventType, DagsterInstance, materialize

from assets.ingest_assets import ingest_branch_extracts
from assets.partitions import branch_partitions
from resources import AS_OF_DATE_TAG, LandingArea, PipelineSettings
from tests.dagster_test_internals import get_and_update_asset_status_cache_value
from tests.factories import HEADER, make_nik, row, write_extract
from ucj_pipeline.orchestration.dagster_internals import PARTITION_RANGE_END_TAG as ASSET_PARTITION_RANGE_END_TAG
from ucj_pipeline.orchestration.dagster_internals import PARTITION_RANGE_START_TAG as ASSET_PARTITION_RANGE_START_TAG

BRANCHES = ["MAKASSAR", "PALOPO", "SINJAI", "PALU"]  # the instance's partition order


def test_one_run_over_a_range_of_branches_reports_each_branch_on_its_own(tmp_path):
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("branch", BRANCHES)
    landing = tmp_path / "landing"
    write_extract(landing, "MAKASSAR_20251231.csv", [row(NIK=make_nik(region="7371", serial=i)) for i in range(1, 31)])
    write_extract(landing, "PALOPO_20251231.csv", [row(NIK=make_nik(serial=i)) for i in range(1, 6)],
                  header=[h for h in HEADER if h != "PROGRAM"])  # fmt: skip
    write_extract(landing, "SINJAI_20251231.csv", [row(NIK=make_nik(serial=100 + i)) for i in range(12)])
    write_extract(landing, "PALU_20251231.csv", [row(NIK=make_nik(serial=200 + i)) for i in range(3)])

    result = materialize(
        [ingest_branch_extracts],
        instance=instance,
        resources={
            "settings": PipelineSettings(ucj_home=str(tmp_path), ingest_workers=2),  # two worker processes
            "landing_area": LandingArea(location=str(landing), settle_seconds=0),
        },
        tags={
            ASSET_PARTITION_RANGE_START_TAG: "MAKASSAR",
            ASSET_PARTITION_RANGE_END_TAG: "SINJAI",  # PALU is outside the range: its file stays landed
            AS_OF_DATE_TAG: "2025-12-31",
        },
        raise_on_error=False,
    )

    # The run fails for Palopo's rejected file, saying so, after every branch was done.
    assert not result.success
    [failure] = result.get_step_failure_events()
    said = failure.step_failure_data.user_failure_data.description
    assert said.startswith("PALOPO_20251231.csv: rejected by rule 'missing_column'"), said
    assert instance.get_run_by_id(result.run_id).tags["ucj/rejected"].startswith("PALOPO_20251231.csv")

    # Each branch's partition has its own materialisations, with its own figures.
    materialized = [e.materialization for e in _events(instance, result.run_id, DagsterEventType.ASSET_MATERIALIZATION)]
    snapshots = {
        m.partition: m.metadata["rows_accepted"].value
        for m in materialized
        if m.asset_key == AssetKey("participant_snapshots")
    }
    assert snapshots == {"MAKASSAR": 30, "SINJAI": 12}
    logged = {m.partition for m in materialized if m.asset_key == AssetKey("extract_files")}
    assert logged == {"MAKASSAR", "PALOPO", "SINJAI"}

    # ... and its own checks: Palopo's file check fails, the others pass.
    checks = {
        (e.check_name, e.partition): e.passed
        for e in _events(instance, result.run_id, DagsterEventType.ASSET_CHECK_EVALUATION)
    }
    assert {b: checks[("file_rules", b)] for b in ("MAKASSAR", "PALOPO", "SINJAI")} == {
        "MAKASSAR": True,
        "PALOPO": False,
        "SINJAI": True,
    }
    assert {p for (name, p) in checks if name == "row_rules"} == {"MAKASSAR", "PALOPO", "SINJAI"}

    # What the UI's partition bar shows: Palopo failed, Makassar and Sinjai materialised, Palu untouched.
    status = get_and_update_asset_status_cache_value(instance, AssetKey("participant_snapshots"), branch_partitions)
    assert set(status.deserialize_failed_partition_subsets(branch_partitions).get_partition_keys()) == {"PALOPO"}
    shown = status.deserialize_materialized_partition_subsets(branch_partitions).get_partition_keys()
    assert set(shown) == {"MAKASSAR", "SINJAI"}

    # The lake holds both good snapshots; Palu's file waits for its own run.
    lake = tmp_path / "lake" / "participant_snapshots"
    counted = duckdb.sql(
        f"SELECT branch_code, count(*) FROM read_parquet('{lake}/**/*.parquet', hive_partitioning = false) GROUP BY 1"
    ).fetchall()
    assert dict(counted) == {"MAKASSAR": 30, "SINJAI": 12}
    assert (landing / "PALU_20251231.csv").exists() and not (landing / "SINJAI_20251231.csv").exists()


def _events(instance: DagsterInstance, run_id: str, kind: DagsterEventType):
    return [entry.dagster_event.event_specific_data for entry in instance.all_logs(run_id, of_type=kind)]
