"""Operating the pipeline as a tired operator and a careless BI tool would, through the real `ucj` command:
configuration mistakes, exit codes, a home path with an apostrophe, owner-only files, overlapping runs, runs whose
process died, a BI tool holding the published file read-write with a stale WAL, and a branch's pre-flight."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import duckdb
import pytest

from tests.conftest import BIN, published_figures, run_ucj, small_extracts, ucj_env
from tests.factories import make_nik, row, write_extract

pytestmark = pytest.mark.slow(310)  # seconds, for the test order (conftest)


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"UCJ_PSEUDONYM_KEY": "short"}, "UCJ_PSEUDONYM_KEY is set but shorter than 16 characters"),
        ({"UCJ_QUARANTINE_THRESHOLD": "5"}, "UCJ_QUARANTINE_THRESHOLD='5' is not a share between 0 and 1"),
        ({"UCJ_SENSOR_INTERVAL_SECONDS": "2.5"}, "UCJ_SENSOR_INTERVAL_SECONDS='2.5' is not whole seconds"),
        ({"UCJ_SETTLE_SECONDS": "soon"}, "UCJ_SETTLE_SECONDS='soon' is not seconds"),
    ],
)
def test_bad_configuration_exits_2_with_one_clear_line_and_runs_nothing(home, env, says):
    small_extracts(home / "landing")
    result = run_ucj(home, "run", expect=2, **env)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"ucj: configuration error: {says}"), result.stderr
    assert "short" not in result.stderr.replace("shorter", "")  # the key itself is never echoed
    assert sorted(p.name for p in (home / "landing").iterdir()) == ["MAKASSAR_20251130.csv.gz", "PALOPO_20251130.csv"]
    assert not (home / "lake").exists()


def test_a_home_that_is_a_file_is_a_configuration_error(tmp_path):
    not_a_folder = tmp_path / "home"
    not_a_folder.write_text("oops")
    result = run_ucj(not_a_folder, "run", expect=2)
    assert "exists and is not a folder" in result.stderr


def test_exit_code_3_lists_rejections_with_an_apostrophe_in_the_home_and_owner_only_files(tmp_path):
    home = tmp_path / "kantor'cabang ucj"  # a path that breaks naive SQL quoting
    small_extracts(home / "landing")
    (home / "landing" / "SINJAI_20251130.csv").write_bytes(b"\xff\xfeN\x00I\x00K\x00")  # UTF-16
    (home / "landing" / "sinjai.csv").write_text("misnamed")
    result = run_ucj(home, "run", "--as-of", "2025-12-31", expect=3)
    assert "REJECTED SINJAI_20251130.csv (encoding): SINJAI_20251130.csv: rejected by rule 'encoding'" in result.stdout
    assert "REJECTED sinjai.csv (file_name)" in result.stdout
    assert "2 file(s) rejected" in result.stdout
    figures = published_figures(home)
    assert figures["national"][0][1] > 0
    assert ("MAKASSAR_20251130.csv.gz", "accepted", 1) in figures["log"]
    exposed = [
        str(p.relative_to(home))
        for p in [home, *home.rglob("*")]
        if p.stat().st_mode & 0o077 and p not in (home, home / "landing")  # made by this test, not by ucj
    ]
    assert exposed == []


def test_two_runs_started_together_one_waits_then_the_figures_equal_one_run(tmp_path):
    alone, together = tmp_path / "alone", tmp_path / "together"
    for home in (alone, together):
        small_extracts(home / "landing")
    run_ucj(alone, "run", "--as-of", "2025-12-31")
    runs = [
        subprocess.Popen([str(BIN / "ucj"), "run", "--as-of", "2025-12-31"], env=ucj_env(together),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]  # fmt: skip
    outputs = [r.communicate(timeout=600)[0] for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outputs
    assert sum("is in use by ucj run (pid" in out for out in outputs) == 1  # the second said why it waited
    assert not any("Traceback" in out for out in outputs)
    assert published_figures(together) == published_figures(alone)


def test_a_second_run_told_not_to_wait_refuses_cleanly(home):
    small_extracts(home / "landing")
    first = subprocess.Popen([str(BIN / "ucj"), "run"], env=ucj_env(home), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (home / ".ucj.lock.holder").exists():
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.1)
        second = run_ucj(home, "run", "--lock-wait", "0", expect=1)
        assert second.stderr.strip().startswith("ucj run: UCJ_HOME")
        assert "is still in use by ucj run (pid" in second.stderr and "nothing was changed" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        first.communicate(timeout=600)
    assert first.returncode == 0


def test_a_run_killed_while_publishing_is_marked_failed_and_its_slot_freed_by_the_next_run(home):
    small_extracts(home / "landing")
    run_ucj(home, "run", "--as-of", "2025-12-31")
    write_extract(home / "landing", "PALOPO_20251231.csv", [row(NIK=make_nik(serial=i)) for i in range(1, 40)])
    victim = subprocess.Popen([str(BIN / "ucj"), "run", "--as-of", "2025-12-31"], env=ucj_env(home),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 180
    building = home / "warehouse"
    while not list(building.glob(".ucj.duckdb.*.building")):  # killed while it holds the publish slot
        assert time.monotonic() < deadline and victim.poll() is None
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    result = run_ucj(home, "run", "--as-of", "2025-12-31", timeout=180)  # never waits for the dead run's slot
    assert f"its process {victim.pid} died" in result.stdout
    assert "freed the 'ucj_publish' slot" in result.stdout
    assert "removed 1 temporary file(s) left by interrupted runs" in result.stdout
    assert not list(building.glob(".ucj.duckdb.*.building"))
    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

    os.environ["DAGSTER_HOME"] = str(home / "dagster_home")
    try:
        with DagsterInstance.get() as instance:
            assert instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTED])) == []
    finally:
        del os.environ["DAGSTER_HOME"]


def test_a_bi_tool_holding_the_file_read_write_and_a_stale_wal_cannot_hurt_a_run(home):
    small_extracts(home / "landing")
    run_ucj(home, "run", "--as-of", "2025-11-30")
    published = home / "warehouse" / "ucj.duckdb"
    # A careless tool opened the published file read-write, wrote, and died without a checkpoint: a stale WAL.
    crasher = subprocess.run([str(BIN / "python"), "-c", (
        "import duckdb, os; con = duckdb.connect(os.environ['F']); con.execute('SET checkpoint_threshold=\"1GB\"');"
        "con.execute('CREATE TABLE main.scribble AS SELECT 1 AS x'); os._exit(9)")],
        env={**os.environ, "F": str(published)}, capture_output=True, text=True)  # fmt: skip
    wal = home / "warehouse" / "ucj.duckdb.wal"
    assert crasher.returncode == 9 and wal.exists()
    stale = wal.read_bytes()
    # Another tool keeps a read-write connection open for the whole run (opening, it replays that WAL; the
    # stale WAL is then put back, as a tool crashing during the run would leave it).
    holder = subprocess.Popen([str(BIN / "python"), "-c", (
        "import duckdb, os, sys, time; con = duckdb.connect(os.environ['F']); print('open', flush=True); "
        "sys.stdin.readline()")], env={**os.environ, "F": str(published)}, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "open"
        wal.write_bytes(stale)
        write_extract(home / "landing", "PALOPO_20251231.csv", [row(NIK=make_nik(serial=i)) for i in range(1, 80)])
        result = run_ucj(home, "run", "--as-of", "2025-12-31")
        assert "published:" in result.stdout
    finally:
        holder.communicate("done\n", timeout=60)
    assert not (home / "warehouse" / "ucj.duckdb.wal").exists()
    assert len(list((home / "warehouse" / "stale_wal").iterdir())) == 1
    figures = published_figures(home)
    assert str(figures["national"][0][0]) == "2025-12-31"
    assert dict(figures["regencies"])["73.16"] == 79
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'scribble'").fetchall() == [(0,)]


def test_a_long_lived_process_sees_new_figures_only_after_closing_every_connection(home):
    """What docs/bi.md tells BI admins, verified: DuckDB shares one database instance per path in a process."""
    small_extracts(home / "landing")
    run_ucj(home, "run", "--as-of", "2025-11-30")
    published = str(home / "warehouse" / "ucj.duckdb")
    query = "SELECT as_of_date::VARCHAR FROM marts.coverage_national"
    kept = duckdb.connect(published, read_only=True)
    assert kept.execute(query).fetchall() == [("2025-11-30",)]
    run_ucj(home, "run", "--as-of", "2025-12-31")
    with duckdb.connect(published, read_only=True) as another:  # a new connection while `kept` is open...
        assert another.execute(query).fetchall() == [("2025-11-30",)]  # ...still gets the old file
    kept.close()
    with duckdb.connect(published, read_only=True) as fresh:  # once every connection closed: the new file
        assert fresh.execute(query).fetchall() == [("2025-12-31",)]
    # Nothing new (no file, same date, same code, every ingest published): no refresh, the file is left alone.
    inode = os.stat(published).st_ino
    again = run_ucj(home, "run", "--as-of", "2025-12-31")
    assert "nothing new: no refresh (the figures published by run" in again.stdout
    assert "refresh warehouse" not in again.stdout and os.stat(published).st_ino == inode


def test_ucj_check_reports_per_file_and_writes_nothing(tmp_path):
    outbox = tmp_path / "outbox"
    good = write_extract(outbox, "PALOPO_20251130.csv", [row(NIK=make_nik(serial=i)) for i in range(1, 101)])
    some_bad = write_extract(outbox, "SINJAI_20251130.csv", [row(NIK=make_nik(serial=i)) for i in range(1, 98)]
                             + [row(NIK=make_nik(serial=200 + i), SEGMEN="XX") for i in range(3)])  # fmt: skip
    rejected = outbox / "MAKASSAR_20251130.csv"
    rejected.write_text("NIK\tNAMA\n1\t2\n")
    home = tmp_path / "never_created"

    ok = run_ucj(home, "check", str(good), expect=0)
    assert ok.stdout.startswith("PALOPO_20251130.csv: ACCEPTED as PALOPO's snapshot of 2025-11-30: 100 rows read")
    partly = run_ucj(home, "check", str(some_bad), expect=0)
    assert "3 would be quarantined (3.0%" in partly.stdout
    assert "  segment_value: 3 row(s) (rows 99, 100, 101)" in partly.stdout
    both = run_ucj(home, "check", str(good), str(rejected), expect=1)
    assert "MAKASSAR_20251130.csv: REJECTED (delimiter): the header is separated by tab" in both.stdout
    assert not home.exists()  # nothing written
    assert sorted(p.name for p in outbox.iterdir()) == sorted([good.name, some_bad.name, rejected.name])
    missing = run_ucj(home, "check", str(outbox / "PALOPO_20251231.csv"), expect=1)
    assert "REJECTED (not_found)" in missing.stdout


def test_ucj_check_never_prints_a_personal_value(tmp_path):
    people = [row(NIK=make_nik(serial=i)) for i in range(1, 60)]
    bad = row(NIK="7316" + "12345678901X", NAMA="Siti Aminah", TGL_LAHIR="1987-03-04", SEGMEN="1987-03-04")
    keyed = row(NIK=make_nik(serial=99), NAMA="Siti Aminah", TGL_LAHIR="1987-03-04", SEGMEN="1987-03-04")
    path = write_extract(tmp_path, "PALOPO_20251130.csv", [*people, bad, keyed])
    out = run_ucj(tmp_path / "h", "check", str(path), expect=0).stdout
    assert "misaligned_row" in out and "segment_value" in out  # two columns of the wrong form at once; one
    assert "1987-03-04" not in out and "Siti" not in out and "12345678901X" not in out
