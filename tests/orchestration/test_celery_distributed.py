"""The distributed profile on real servers: Redis as Celery's broker and result backend, two `dagster-celery worker`
processes in working directories of their own, the Dagster instance in PostgreSQL, and the daemon launching runs
from the landing sensor, as production runs them (docs/production.md).

Branch files dropped into the landing area are ingested by steps on both workers, the marts are published, every
step names the worker that ran it, and the published figures equal those of `ucj run` on one machine with the
same files. Slow (a daemon, two workers, a dozen runs): it runs in parallel with the rest under `make test`."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from pathlib import Path

import psutil
import pytest
from dagster import AssetKey, DagsterEventType, DagsterInstance, DagsterRunStatus

from tests.conftest import BIN, published_figures, ucj_env
from tests.factories import make_nik, row, write_extract
from ucj_pipeline.runtime.paths import PROJECT_ROOT, today_in_jakarta

# Six branches, each with people in a regency of its own, and some enrolled in two branches (national de-dup).
BRANCHES = {"PALOPO": "7316", "SINJAI": "7307", "LUWUTIMUR": "7324", "MAKASSAR": "7371", "PALU": "7271",
            "LUWUK": "7201"}  # fmt: skip
WAIT_SECONDS = 300

pytestmark = pytest.mark.slow(175)  # seconds, for the test order (conftest)


def extracts(folder: Path) -> None:
    for number, (branch, regency) in enumerate(BRANCHES.items()):
        people = [row(NIK=make_nik(region=regency, serial=i), KODE_WILAYAH=f"{regency[:2]}.{regency[2:]}")
                  for i in range(1, 41 + 10 * number)]  # fmt: skip
        people += [row(NIK=make_nik(region="7316", serial=900 + i), KODE_WILAYAH="73.16") for i in range(5)]
        write_extract(folder, f"{branch}_20251231.csv", people)


@pytest.fixture
def cluster(postgres_instance_env, redis_server, tmp_path):
    """PostgreSQL database, DAGSTER_HOME with deploy/dagster.yaml, two Celery workers and the daemon."""
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",  # `dagster-celery worker` starts `celery`
        **postgres_instance_env,
        "UCJ_HOME": str(tmp_path / "shared" / "ucj"),  # what every host mounts: lake, archive, warehouse
        "UCJ_CELERY_BROKER": f"redis://127.0.0.1:{redis_server}/0",
        "UCJ_PSEUDONYM_KEY": "distributed-test-key-0123456789",
        "UCJ_SETTLE_SECONDS": "0",
    }
    processes: list[subprocess.Popen] = []

    def start(name: str, command: list[str]) -> None:
        workdir = tmp_path / name
        workdir.mkdir()
        log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        processes.append(subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True))  # fmt: skip

    for worker in ("w1", "w2"):
        start(worker, [str(BIN / "dagster-celery"), "worker", "start", "-n", worker, "-A", "dagster_celery.app",
                       "-y", str(PROJECT_ROOT / "deploy" / "celery" / "worker.yaml"), "-l", "info",
                       "--", "--concurrency=1"])  # fmt: skip
    start("daemon", [str(BIN / "dagster-daemon"), "run", "-w", str(PROJECT_ROOT / "workspace.yaml")])
    try:
        yield env, tmp_path, processes
    finally:
        _stop_with_descendants(processes)


def _stop_with_descendants(processes: list[subprocess.Popen]) -> None:
    """SIGTERM the workers and the daemon and everything they started (the daemon's code server, run processes,
    Celery's pool), then SIGKILL what is left: nothing outlives the test."""
    family = []
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            parent = psutil.Process(process.pid)
            family += [parent, *parent.children(recursive=True)]
    for member in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.terminate()
    _, alive = psutil.wait_procs(family, timeout=30)
    for member in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.kill()


def _published_refresh(instance: DagsterInstance):
    runs = instance.get_runs()
    refreshes = [r for r in runs if r.job_name == "refresh_warehouse_job"]
    ingests = [r for r in runs if r.job_name == "ingest_branch_job"]
    if len(ingests) < len(BRANCHES) or not all(r.is_finished for r in ingests):
        return None
    failed = [r for r in runs if r.status == DagsterRunStatus.FAILURE]
    assert not failed, [
        (r.job_name, r.tags.get("dagster/partition"), [(e.dagster_event.message or "") + str(e.dagster_event.event_specific_data.error.to_string()[-2500:] if hasattr(e.dagster_event.event_specific_data, "error") and e.dagster_event.event_specific_data.error else "")
         for e in instance.all_logs(r.run_id) if e.dagster_event and e.dagster_event.is_failure])
        for r in failed
    ]  # fmt: skip
    done = [r for r in refreshes if r.status == DagsterRunStatus.SUCCESS]
    return done[0] if done else None


def test_branches_ingested_on_both_workers_and_published_as_on_one_machine(cluster, request):
    env, root, processes = cluster
    landing = Path(env["UCJ_HOME"]) / "landing"
    extracts(root / "same_files")
    os.environ.update({k: env[k] for k in ("DAGSTER_HOME", "UCJ_PG_HOST", "UCJ_PG_PORT", "UCJ_PG_USER",
                                           "UCJ_PG_PASSWORD", "UCJ_PG_DB")})  # fmt: skip
    # The same files on one machine, meanwhile: `ucj run`, in-process, SQLite instance, no broker, for the
    # reporting date the daemon's refresh uses (today in Asia/Jakarta: nothing was published before).
    as_of = today_in_jakarta().isoformat()
    alone = root / "alone"
    shutil.copytree(root / "same_files", alone / "landing")
    one_machine = subprocess.Popen(
        [str(BIN / "ucj"), "run", "--as-of", as_of],
        env=ucj_env(alone, UCJ_PSEUDONYM_KEY=env["UCJ_PSEUDONYM_KEY"], UCJ_CELERY_BROKER=""),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    request.addfinalizer(one_machine.kill)  # a no-op once it has ended
    shutil.copytree(root / "same_files", landing)  # the drop: the sensor sees every file at once

    with DagsterInstance.get() as instance:
        deadline = time.monotonic() + WAIT_SECONDS
        while (refresh := _published_refresh(instance)) is None:
            dead = [p.args[0] for p in processes if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                logs = {p.name: p.read_text(errors="replace")[-3000:] for p in root.glob("*.log")}
                pytest.fail(f"nothing published within {WAIT_SECONDS}s (exited: {dead}); runs: "
                            f"{[(r.job_name, r.status.value) for r in instance.get_runs()]}; logs: {logs}")  # fmt: skip
            time.sleep(2)
        runs = instance.get_runs()
        # Every step of every run says which worker ran it; the ingest steps ran on both.
        workers_by_job: dict[str, set[str]] = {}
        steps_without_worker = []
        for run in runs:
            events = instance.get_records_for_run(run.run_id).records
            delegated = [e.event_log_entry for e in events if e.event_log_entry.dagster_event
                         and e.event_log_entry.dagster_event.event_type == DagsterEventType.ENGINE_EVENT
                         and "in celery worker" in (e.event_log_entry.dagster_event.message or "")]  # fmt: skip
            started = {e.event_log_entry.step_key for e in events if e.event_log_entry.dagster_event
                       and e.event_log_entry.dagster_event.event_type == DagsterEventType.STEP_START}  # fmt: skip
            names = {e.step_key: e.dagster_event.engine_event_data.metadata["Celery worker"].value for e in delegated}
            steps_without_worker += sorted(started - set(names))
            workers_by_job.setdefault(run.job_name, set()).update(n.split("@")[0] for n in names.values())
        assert not steps_without_worker, steps_without_worker
        assert workers_by_job["ingest_branch_job"] == {"w1", "w2"}, workers_by_job
        assert workers_by_job["refresh_warehouse_job"] <= {"w1", "w2"}
        snapshots = instance.fetch_materializations(AssetKey("participant_snapshots"), limit=100).records
        assert {r.partition_key for r in snapshots} == set(BRANCHES)  # one materialisation per branch partition
        assert refresh.tags["ucj/as_of_date"] == as_of

    output, _ = one_machine.communicate(timeout=WAIT_SECONDS)
    assert one_machine.returncode == 0, output[-3000:]
    distributed = published_figures(Path(env["UCJ_HOME"]))
    assert distributed == published_figures(alone)
    assert len(distributed["regencies"]) == len(BRANCHES)
    assert (Path(env["UCJ_HOME"]) / "landing").exists() and not any((Path(env["UCJ_HOME"]) / "landing").iterdir())
