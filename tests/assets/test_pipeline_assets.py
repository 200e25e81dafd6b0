"""The asset graph materialised in-process on small, explicit extracts: the contract's coverage rule end to end."""

from datetime import date

import duckdb
import pytest
from dagster import DagsterEventType, DagsterInstance, materialize

from assets.checks import asset_checks
from assets.ingest_assets import ingest_branch_extracts
from assets.reference_assets import reference_assets
from assets.report_assets import target_report
from assets.sql_model_assets import sql_model_assets
from assets.warehouse_assets import ucj_warehouse
from resources import AS_OF_DATE_TAG, LandingArea, MartsQuality, PipelineSettings
from tests.factories import make_nik, row, write_extract
from ucj_pipeline.models.sql_models import discover_models

ENREKANG, MAKASSAR_CITY = "73.16", "73.71"


def nik(i: int) -> str:
    return make_nik(serial=i)


@pytest.fixture
def run_pipeline(tmp_path):
    instance = DagsterInstance.ephemeral()
    landing = tmp_path / "landing"

    def run(branches: list[str], as_of: str) -> duckdb.DuckDBPyConnection:
        resources = {
            "settings": PipelineSettings(ucj_home=str(tmp_path)),
            "landing_area": LandingArea(location=str(landing), settle_seconds=0),
            "marts_quality": MartsQuality(),
        }
        instance.add_dynamic_partitions("branch", branches)
        for branch in branches:
            run.ingests[branch] = materialize(
                [ingest_branch_extracts], partition_key=branch, instance=instance, resources=resources,
                raise_on_error=False, tags={AS_OF_DATE_TAG: as_of},
            )  # fmt: skip
        run.refresh = materialize([*reference_assets, *sql_model_assets, ucj_warehouse, target_report, *asset_checks],
                                  instance=instance, resources=resources, tags={AS_OF_DATE_TAG: as_of})  # fmt: skip
        assert run.refresh.success
        return duckdb.connect(str(tmp_path / "warehouse" / "ucj.duckdb"), read_only=True)

    run.landing = landing
    run.instance = instance
    run.ingests = {}
    return run


def check_results(result, instance: DagsterInstance, partition: str | None = None) -> dict[str, tuple[bool, dict, str]]:
    """Asset check name -> (passed, metadata, description), from a run's events in the instance (ingest logs each
    branch's results as it finishes: they are in the event log, not in the step's own outputs). With `partition`:
    that branch's evaluations and the unpartitioned checks (an ingest run also evaluates the failing branches'
    `file_rules` again at its end)."""
    evaluations = [
        entry.dagster_event.event_specific_data
        for entry in instance.all_logs(result.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
    ]
    return {
        e.check_name: (e.passed, e.metadata, e.description)
        for e in evaluations
        if partition is None or e.partition in (None, partition)
    }


def regency(con, code: str) -> dict:
    cursor = con.execute("SELECT * FROM marts.coverage_regency WHERE regency_code = ?", [code])
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchall()[0], strict=True))


def test_coverage_rule_national_dedup_quarantine_and_rejection(run_pipeline):
    landing = run_pipeline.landing
    palopo = [row(NIK=nik(i)) for i in range(1, 41)]  # 40 covered in Enrekang
    palopo += [row(NIK=nik(41), STATUS="NONAKTIF"), row(NIK=nik(42), PROGRAM="JKK,JHT")]  # not covered
    palopo += [row(NIK=nik(43), SEGMEN="XX")]  # quarantined: 1 of 43 rows
    write_extract(landing, "PALOPO_20251130.csv", palopo)
    makassar = [row(NIK=make_nik(region="7371", serial=i), KODE_WILAYAH=MAKASSAR_CITY, SEGMEN="PU",
                    SUMBER_IURAN="PEMBERI_KERJA", KATEGORI="") for i in range(1, 21)]  # fmt: skip
    # People also on Palopo's books: 1 and 2 are covered here in a newer snapshot, so Makassar places them;
    # 3 is inactive here, so the covered Palopo record still counts.
    makassar += [row(NIK=nik(i), KODE_WILAYAH=MAKASSAR_CITY, TGL_KEPESERTAAN="2025-06-01") for i in (1, 2)]
    makassar += [row(NIK=nik(3), KODE_WILAYAH=MAKASSAR_CITY, STATUS="NONAKTIF")]
    write_extract(landing, "MAKASSAR_20251231.csv", makassar)
    # A later Palopo file with too many bad rows: rejected whole, the 30 November snapshot keeps counting.
    write_extract(landing, "PALOPO_20251231.csv", [row(NIK=nik(i), SEGMEN="XX") for i in range(1, 41)])

    con = run_pipeline(["PALOPO", "MAKASSAR"], as_of="2025-12-31")

    # The bad file fails Palopo's run and its file check, saying what happened and what to do; Makassar's run is
    # untouched.
    assert not run_pipeline.ingests["PALOPO"].success and run_pipeline.ingests["MAKASSAR"].success
    palopo_checks = check_results(run_pipeline.ingests["PALOPO"], run_pipeline.instance)
    assert palopo_checks["file_rules"][0] is False and palopo_checks["row_rules"][0] is False
    said = palopo_checks["file_rules"][2]
    assert said.startswith("PALOPO_20251231.csv: rejected by rule 'quarantine_threshold'"), said
    assert (
        "the branch's snapshot of 2025-11-30 keeps counting" in said and "resend it as PALOPO_20251231_01.csv" in said
    )
    [failure] = run_pipeline.ingests["PALOPO"].get_step_failure_events()
    assert failure.step_failure_data.user_failure_data.description == said
    makassar = check_results(run_pipeline.ingests["MAKASSAR"], run_pipeline.instance, "MAKASSAR")
    assert makassar["file_rules"][0] is True
    assert makassar["all_branches_healthy"][0] is False and "REJECTED PALOPO" in makassar["all_branches_healthy"][2]
    # The refresh still publishes, its checks pass but the branches' health, and the marts count Palopo's last good
    # snapshot.
    refresh_checks = check_results(run_pipeline.refresh, run_pipeline.instance)
    assert {name for name, (passed, *_) in refresh_checks.items() if not passed} == {"all_branches_healthy"}
    assert {"province_equals_sum_of_regencies", "national_equals_sum_of_provinces", "ge_coverage_regency",
            "ge_target_tracking", "branches_fresh"} <= set(refresh_checks)  # fmt: skip

    enrekang = regency(con, ENREKANG)
    assert enrekang["covered_workers"] == 38
    assert enrekang["coverage_pct"] == pytest.approx(round(100 * 38 / enrekang["worker_base"], 2))
    assert regency(con, MAKASSAR_CITY)["covered_workers"] == 22
    province = con.execute(
        "SELECT covered_workers, worker_base, coverage_pct FROM marts.coverage_province WHERE province_code = '73'"
    ).fetchall()[0]
    sums = con.execute(
        "SELECT sum(covered_workers), sum(worker_base) FROM marts.coverage_regency WHERE province_code = '73'"
    ).fetchall()[0]
    assert province[:2] == sums and province[0] == 60
    assert province[2] == pytest.approx(round(100 * sums[0] / sums[1], 2))
    assert con.execute("SELECT covered_workers FROM marts.coverage_national").fetchall() == [(60,)]

    quarantine = con.execute("SELECT file_name, source_row, rule FROM quality.quarantine ORDER BY 1, 2").fetchall()
    assert ("PALOPO_20251130.csv", 44, "segment_value") in quarantine
    log = dict(con.execute("SELECT file_name, outcome FROM quality.ingest_log").fetchall())
    assert log == {"PALOPO_20251130.csv": "accepted", "MAKASSAR_20251231.csv": "accepted",
                   "PALOPO_20251231.csv": "rejected"}  # fmt: skip
    branch = con.execute(
        "SELECT current_snapshot_date, snapshot_state FROM marts.branch_status WHERE branch_code = 'PALOPO'"
    ).fetchall()
    assert branch == [(date(2025, 11, 30), "current")]


def test_stale_branch_still_counts_and_says_so(run_pipeline):
    write_extract(run_pipeline.landing, "PALOPO_20251130.csv", [row(NIK=nik(i)) for i in range(1, 21)])
    con = run_pipeline(["PALOPO"], as_of="2026-01-10")  # 41 days after the snapshot
    enrekang = regency(con, ENREKANG)
    assert enrekang["covered_workers"] == 20
    assert enrekang["stale_branches"] == "PALOPO" and enrekang["has_stale_data"]
    assert regency(con, "73.24")["missing_branches"] == "LUWUTIMUR"  # never delivered


def test_every_published_table_and_column_is_described(run_pipeline):
    write_extract(run_pipeline.landing, "PALOPO_20251130.csv", [row(NIK=nik(i)) for i in range(1, 21)])
    con = run_pipeline(["PALOPO"], as_of="2025-12-31")
    missing = con.execute(
        "SELECT schema_name || '.' || table_name || '.' || column_name FROM duckdb_columns() "
        "WHERE schema_name IN ('marts', 'reference', 'quality') AND (comment IS NULL OR comment = '')"
    ).fetchall()
    assert missing == []
    tables = con.execute(
        "SELECT schema_name || '.' || table_name, comment FROM duckdb_tables() WHERE schema_name <> 'main'"
    ).fetchall()
    published = {m.publish_as for m in discover_models().values() if m.publish_as}
    assert {name for name, _ in tables} == published
    assert all(comment for _, comment in tables)


def test_a_file_still_being_written_is_retried_with_backoff(run_pipeline, monkeypatch):
    import ucj_pipeline.ingest.branch_ingest as ingest_module

    path = write_extract(run_pipeline.landing, "PALOPO_20251130.csv", [row(NIK=nik(i)) for i in range(1, 21)])
    complete = path.read_bytes()
    path.write_bytes(complete[: len(complete) // 2])  # the transfer job has written half of it
    original = ingest_module.judged_rows
    calls = []

    def read_while_the_writer_finishes(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            path.write_bytes(complete)  # the writer finishes while the pipeline reads
        return original(*args, **kwargs)

    monkeypatch.setattr(ingest_module, "judged_rows", read_while_the_writer_finishes)
    monkeypatch.setattr("assets.ingest_assets.RETRY_BASE_SECONDS", 0)
    con = run_pipeline(["PALOPO"], as_of="2025-12-31")
    result = run_pipeline.ingests["PALOPO"]
    assert result.success
    assert [e.event_type_value for e in result.all_events].count("STEP_UP_FOR_RETRY") == 1
    assert regency(con, ENREKANG)["covered_workers"] == 20  # the complete file, never the half-written one
    log = con.execute("SELECT outcome, rows_read FROM quality.ingest_log").fetchall()
    assert log == [("accepted", 20)]


def test_a_snapshot_after_the_reporting_date_is_kept_for_later_not_rejected(run_pipeline):
    write_extract(run_pipeline.landing, "PALOPO_20251130.csv", [row(NIK=nik(i)) for i in range(1, 21)])
    write_extract(run_pipeline.landing, "PALOPO_20260115.csv", [row(NIK=nik(i)) for i in range(1, 31)])
    con = run_pipeline(["PALOPO"], as_of="2025-12-31")  # figures for a past date; the January file is not "future"
    assert run_pipeline.ingests["PALOPO"].success
    log = dict(con.execute("SELECT file_name, outcome FROM quality.ingest_log").fetchall())
    assert log == {"PALOPO_20251130.csv": "accepted", "PALOPO_20260115.csv": "accepted"}
    assert regency(con, ENREKANG)["covered_workers"] == 20  # the snapshot current on 2025-12-31


def test_a_regency_above_its_worker_base_is_published_and_flagged_never_blocked(run_pipeline):
    """Supiori (91.19, a worker base of 13,935) counts more covered workers than its base: the file is published,
    the regency flagged, the suite and the SQL check report it as warnings, and nothing blocks the country."""
    niks = [make_nik(region="9119", district=f"0{1 + i // 9000}", serial=1 + i % 9000) for i in range(15_000)]
    supiori = [row(NIK=n, KODE_WILAYAH="91.19") for n in niks]
    write_extract(run_pipeline.landing, "JAYAPURA2_20251231.csv", supiori)
    write_extract(run_pipeline.landing, "PALOPO_20251231.csv", [row(NIK=nik(i)) for i in range(1, 31)])
    con = run_pipeline(["JAYAPURA2", "PALOPO"], "2025-12-31")
    flagged = regency(con, "91.19")
    assert (flagged["covered_workers"], flagged["worker_base"], flagged["exceeds_worker_base"]) == (
        15_000,
        13_935,
        True,
    )
    assert flagged["coverage_pct"] == 107.64
    assert regency(con, ENREKANG)["covered_workers"] == 30 and not regency(con, ENREKANG)["exceeds_worker_base"]
    [(province_flag, exceeding)] = con.execute(
        "SELECT exceeds_worker_base, regencies_exceeding_worker_base FROM marts.coverage_province "
        "WHERE province_code = '91'"
    ).fetchall()
    assert (province_flag, exceeding) == (False, 1)
    checks = check_results(run_pipeline.refresh, run_pipeline.instance)
    passed, metadata, _ = checks["regencies_within_worker_base"]
    assert not passed and "91.19" in metadata["details"].value
    passed, metadata, _ = checks["ge_coverage_regency"]
    assert not passed and metadata["failures"].value == "none" and "max_value=100" in metadata["warnings"].value
    severities = {
        e.dagster_event.event_specific_data.check_name: e.dagster_event.event_specific_data.severity
        for e in run_pipeline.instance.all_logs(
            run_pipeline.refresh.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
        )
    }
    assert severities["ge_coverage_regency"].value == "WARN" == severities["regencies_within_worker_base"].value
    assert run_pipeline.refresh.asset_materializations_for_node("ucj_warehouse")  # published
