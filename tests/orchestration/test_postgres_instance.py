"""Dagster's instance in a real PostgreSQL server (deploy/dagster.yaml, as production runs it): a pipeline run is
recorded there and a new process sees it; three branch partitions run in parallel, each run in its own process.

The server is installed by scripts/install-test-services.sh (make test) and started here on 127.0.0.1 by
scripts/local-postgres.sh, then stopped."""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from dagster import DagsterInstance

from tests.factories import make_nik, row, write_extract
from ucj_pipeline.orchestration.definitions import build_definitions

pytestmark = pytest.mark.slow(135)  # seconds, for the test order (conftest)

BIN = Path(sys.executable).parent
BRANCHES = {"PALOPO": "7316", "SINJAI": "7307", "LUWUTIMUR": "7324"}  # branch -> regency its sample people live in


@pytest.fixture
def pg_env(postgres_instance_env, tmp_path, monkeypatch):
    """A fresh database per test, UCJ_HOME and a DAGSTER_HOME holding the production dagster.yaml."""
    env = {**postgres_instance_env, "UCJ_HOME": str(tmp_path / "ucj"), "UCJ_SETTLE_SECONDS": "0"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for branch, regency in BRANCHES.items():
        people = [row(NIK=make_nik(region=regency, serial=i), KODE_WILAYAH=f"{regency[:2]}.{regency[2:]}")
                  for i in range(1, 31)]  # fmt: skip
        write_extract(tmp_path / "ucj" / "landing", f"{branch}_20251231.csv", people)
    return env


SEE_FROM_A_NEW_PROCESS = """
import json
from dagster import DagsterInstance, RunsFilter
instance = DagsterInstance.get()
runs = instance.get_runs()
print(json.dumps({
    "run_storage": type(instance.run_storage).__name__,
    "runs": sorted([r.job_name, r.tags.get("dagster/partition"), r.status.value] for r in runs),
    "events": {r.run_id: [e.dagster_event.event_type_value for e in instance.all_logs(r.run_id) if e.dagster_event]
               for r in runs},
    "partitions": sorted(instance.get_dynamic_partitions("branch")),
}))
"""


def test_a_run_is_recorded_in_postgres_and_a_new_process_sees_it(pg_env):
    run = subprocess.run([str(BIN / "ucj"), "run", "--as-of", "2025-12-31"], env=os.environ, capture_output=True,
                         text=True, timeout=600)  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]

    seen = subprocess.run([sys.executable, "-c", SEE_FROM_A_NEW_PROCESS], env=os.environ, capture_output=True,
                          text=True, timeout=120, check=True)  # fmt: skip
    state = json.loads(seen.stdout.strip().splitlines()[-1])
    assert state["run_storage"] == "PostgresRunStorage"
    # Every branch in one ingest run (a range of their partitions), then the refresh.
    assert state["runs"] == [["ingest_branch_job", None, "SUCCESS"], ["refresh_warehouse_job", None, "SUCCESS"]]
    for events in state["events"].values():
        assert {"PIPELINE_START", "PIPELINE_SUCCESS", "ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION"} <= set(events)
    assert state["partitions"] == sorted(BRANCHES)

    # The rows are in PostgreSQL itself, not in a SQLite file beside it.
    with psycopg2.connect(host="127.0.0.1", port=int(pg_env["UCJ_PG_PORT"]), user="dagster", password="dagster",
                          dbname=pg_env["UCJ_PG_DB"]) as con:  # fmt: skip
        cursor = con.cursor()
        cursor.execute("SELECT count(*) FROM runs")
        assert cursor.fetchone()[0] == 2
        cursor.execute("SELECT count(*) FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION'")
        assert cursor.fetchone()[0] > 10
    assert not list(Path(pg_env["DAGSTER_HOME"]).rglob("*.db"))


def test_three_branch_partitions_run_in_parallel_processes(pg_env):
    DagsterInstance.get().add_dynamic_partitions("branch", list(BRANCHES))
    # Three runs at once, as the daemon launches them: each its own process, running its step in that process
    # (in-process executor), all writing the lake and the PostgreSQL instance concurrently.
    runs = {
        branch: subprocess.Popen(
            [
                str(BIN / "dagster"),
                "asset",
                "materialize",
                "-m",
                "ucj_pipeline.orchestration.definitions",
                "--select",
                "participant_snapshots,claim_payments,extract_files,row_issues",
                "--partition",
                branch,
            ],
            env=os.environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        for branch in BRANCHES
    }
    logs = {branch: process.communicate(timeout=300)[0] for branch, process in runs.items()}
    for branch, process in runs.items():
        assert process.returncode == 0, logs[branch][-3000:]
        # Each branch is its own run, in its own process; its one step runs in that process (in-process executor).
        assert "Executing steps in process" in logs[branch] and "RUN_SUCCESS" in logs[branch]
    instance = DagsterInstance.get()
    finished = [r for r in instance.get_runs() if r.tags.get("dagster/partition") in BRANCHES]
    assert sorted((r.tags["dagster/partition"], r.status.value) for r in finished) == [
        (branch, "SUCCESS") for branch in sorted(BRANCHES)
    ]
    starts = sorted(instance.get_run_record_by_id(r.run_id).start_time for r in finished)
    ends = sorted(instance.get_run_record_by_id(r.run_id).end_time for r in finished)
    assert starts[-1] < ends[0], "the three runs overlapped in time"
    lake = Path(pg_env["UCJ_HOME"]) / "lake" / "participant_snapshots"
    assert sorted(p.name for p in lake.iterdir()) == [f"branch_code={b}" for b in sorted(BRANCHES)]

    refresh = (
        build_definitions()
        .resolve_job_def("refresh_warehouse_job")
        .execute_in_process(instance=instance, tags={"ucj/as_of_date": "2025-12-31"})
    )
    assert refresh.success
    import duckdb

    with duckdb.connect(str(Path(pg_env["UCJ_HOME"]) / "warehouse" / "ucj.duckdb"), read_only=True) as con:
        counts = dict(con.execute(
            "SELECT regency_code, covered_workers FROM marts.coverage_regency WHERE covered_workers > 0"
        ).fetchall())  # fmt: skip
    assert counts == {"73.16": 30, "73.07": 30, "73.24": 30}
    instance.dispose()
