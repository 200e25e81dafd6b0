"""Through the real CLI, on the synthetic sample: `ucj sample`, `ucj run`, `ucj status`, as a user runs them."""

import re
import shutil
import threading
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_ucj as ucj
from tests.independent_coverage import _date, _read, covered_by_regency
from ucj_pipeline.contract.reference_data import RegionIndex

pytestmark = pytest.mark.slow(165)  # seconds, for the test order (conftest)

BRANCHES = "PALOPO,MAKASSAR"  # Enrekang's branch, and one sharing people with it


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    home = tmp_path_factory.mktemp("ucj_home")
    ucj(home, "sample", "--branches", BRANCHES)
    extracts = tmp_path_factory.mktemp("extracts")
    for path in (home / "landing").iterdir():
        shutil.copy(path, extracts)
    ucj(home, "run", "--as-of", "2025-12-31")
    return home, sorted(p for p in extracts.iterdir() if "_KLAIM_" not in p.name)  # the membership extracts


def claims_files(extracts: list[Path]) -> list[Path]:
    """The sample's claims months, beside its membership extracts."""
    return sorted(p for p in extracts[0].parent.iterdir() if "_KLAIM_" in p.name and not p.name.endswith(".done"))


def connect(home: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(home / "warehouse" / "ucj.duckdb"), read_only=True)


def test_enrekang_reports_the_seed_figure(sample_run):
    home, _ = sample_run
    with connect(home) as con:
        rows = con.execute(
            "SELECT as_of_date, covered_workers FROM marts.coverage_regency WHERE regency_code = '73.16'"
        ).fetchall()
    assert rows == [(date(2025, 12, 31), 46_589)]


def test_every_regency_equals_an_independent_recomputation(sample_run):
    home, extracts = sample_run
    index = RegionIndex.load()
    regions = {"province": set(index.provinces), "regency": set(index.regencies), "village": set(index.villages)}
    expected = covered_by_regency(extracts, date(2025, 12, 31), regions)
    with connect(home) as con:
        published = dict(con.execute("SELECT regency_code, covered_workers FROM marts.coverage_regency").fetchall())
        provinces = dict(con.execute("SELECT province_code, covered_workers FROM marts.coverage_province").fetchall())
    assert {k: v for k, v in published.items() if v} == dict(expected)
    assert sum(published.values()) == sum(expected.values()) > 100_000
    for province, covered in provinces.items():
        assert covered == sum(v for k, v in expected.items() if k.startswith(province + "."))


def test_enrekang_workers_funded_by_the_regional_budget_are_one_query(sample_run):
    home, _ = sample_run
    with connect(home) as con:
        apbd = con.execute(
            "SELECT sum(covered_workers) FROM marts.coverage_breakdown "
            "WHERE region_code = '73.16' AND funding_source = 'APBD'"
        ).fetchall()
        levels = con.execute(
            "SELECT region_level, sum(covered_workers) FROM marts.coverage_breakdown GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        national = con.execute("SELECT covered_workers FROM marts.coverage_national").fetchall()[0][0]
    assert apbd == [(17_125,)]
    assert levels == [("national", national), ("province", national), ("regency", national)]


def test_province_and_national_are_ratios_of_sums(sample_run):
    home, _ = sample_run
    with connect(home) as con:
        mismatches = con.execute(
            """
            SELECT p.province_code FROM marts.coverage_province p
            JOIN (SELECT province_code, sum(covered_workers) c, sum(worker_base) b
                  FROM marts.coverage_regency GROUP BY ALL) r USING (province_code)
            WHERE p.covered_workers <> r.c OR p.worker_base <> r.b OR p.coverage_pct <> round(100.0 * r.c / r.b, 2)
            """
        ).fetchall()
        national = con.execute("SELECT covered_workers, worker_base FROM marts.coverage_national").fetchall()
        sums = con.execute("SELECT sum(covered_workers), sum(worker_base) FROM marts.coverage_province").fetchall()
    assert mismatches == [] and national == sums


def test_quarantined_rows_are_reported_not_counted(sample_run):
    home, _ = sample_run
    with connect(home) as con:
        rules = dict(con.execute("SELECT rule, count(*) FROM quality.quarantine GROUP BY rule").fetchall())
        log = con.execute("SELECT feed, outcome, count(*) FROM quality.ingest_log GROUP BY ALL ORDER BY ALL").fetchall()
    assert {"nik_format", "nik_province", "region_code_unknown", "duplicate_nik", "age_range"} <= set(rules)
    assert {"amount_format", "payment_date_in_month", "program_benefit_pair", "duplicate_payment"} <= set(rules)
    # 2 branches x 12 months; 3 snapshots and the one before the claims year (sample.CLAIMS_BASELINE)
    assert log == [("claims", "accepted", 24), ("membership", "accepted", 8)]


def test_no_personal_data_in_the_published_file_or_the_lake(sample_run):
    home, extracts = sample_run
    niks, names, births = set(), set(), set()
    for path in extracts:
        for r in _read(path):
            niks.add(r["NIK"])
            names.add(r["NAMA"])
            born = _date(r["TGL_LAHIR"])
            # Workers' birth dates (the sample's are all before 2010; later ones are its too-young bad rows,
            # which could coincide with enrolment dates), both as delivered and as ISO dates.
            if born and born.year < 2010:
                births.update({r["TGL_LAHIR"], born.isoformat()})
    assert len(niks) > 100_000
    claim_numbers = set()
    for path in claims_files(extracts):  # a single person's claim: its number, its payee's NIK
        for r in _read(path):
            niks.add(r["NIK"])
            claim_numbers.add(r["NO_KLAIM"])
    assert len(claim_numbers) > 1_000

    def scan(con: duckdb.DuckDBPyConnection, relation: str) -> None:
        for (column,) in con.execute(f"SELECT column_name FROM (DESCRIBE SELECT * FROM {relation})").fetchall():
            values = {
                v for (v,) in con.execute(f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM {relation}').fetchall()
            }
            assert not values & niks, f"NIK in {relation}.{column}"
            assert not values & names, f"name in {relation}.{column}"
            assert not values & claim_numbers, f"claim number in {relation}.{column}"
            assert not values & births, f"birth date in {relation}.{column}"
            assert not any(re.fullmatch(r"\d{16}", v or "") for v in values), f"16 digits in {relation}.{column}"

    with connect(home) as con:
        tables = con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()
        assert len(tables) >= 9
        for (table,) in tables:
            scan(con, table)
    parquet_files = list((home / "lake").rglob("*.parquet"))
    assert len(parquet_files) > 20
    with duckdb.connect() as con:
        for path in parquet_files:
            scan(con, f"read_parquet('{path}')")


def test_a_reader_held_open_during_a_run_neither_blocks_it_nor_sees_a_mixed_state(sample_run):
    home, _ = sample_run
    reader = connect(home)
    before = reader.execute("SELECT as_of_date, covered_workers FROM marts.coverage_national").fetchall()
    seen: set = set()
    stop = threading.Event()

    def keep_reading() -> None:
        while not stop.is_set():
            seen.add(tuple(reader.execute(
                "SELECT n.as_of_date, n.covered_workers, (SELECT sum(covered_workers) FROM marts.coverage_regency) "
                "FROM marts.coverage_national n"
            ).fetchall()[0]))  # fmt: skip

    thread = threading.Thread(target=keep_reading)
    thread.start()
    try:
        ucj(home, "run", "--as-of", "2025-11-30")  # a different reporting date: different figures
    finally:
        stop.set()
        thread.join()
    assert seen == {(before[0][0], before[0][1], before[0][1])}  # only the old, complete state
    reader.close()  # DuckDB shares one instance per file within a process: close it to open the new file
    with connect(home) as fresh:
        after = fresh.execute("SELECT as_of_date, covered_workers FROM marts.coverage_national").fetchall()
    assert after[0][0] == date(2025, 11, 30) and after != before
    ucj(home, "run", "--as-of", "2025-12-31")  # leave the module's state as the other tests expect


def test_status_prints_coverage(sample_run):
    home, _ = sample_run
    out = ucj(home, "status").stdout
    assert "Kabupaten Enrekang" in out and "46,589" in out and "Coverage by province" in out
