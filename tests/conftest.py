"""Shared test helpers: the real `ucj` command on a home of its own, small extract sets for it, and the servers
some tests need (PostgreSQL, Redis, an S3-compatible server), started on 127.0.0.1 by the project's scripts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from tests.dagster_dev import free_port
from tests.factories import make_nik, row, write_extract
from ucj_pipeline.runtime.paths import PROJECT_ROOT

BIN = Path(sys.executable).parent
SCRIPTS = PROJECT_ROOT / "scripts"


def ucj_env(home: Path, **overrides: str) -> dict[str, str]:
    env = {**os.environ, "UCJ_HOME": str(home), **overrides}
    env.pop("DAGSTER_HOME", None)
    return env


def run_ucj(home: Path, *args: str, expect: int | None = 0, timeout: float = 600, **env) -> subprocess.CompletedProcess:
    """`ucj ARGS` as a user types it; asserts the exit code unless `expect` is None."""
    result = subprocess.run(
        [str(BIN / "ucj"), *args], env=ucj_env(home, **env), capture_output=True, text=True, timeout=timeout
    )
    if expect is not None:
        assert result.returncode == expect, (
            f"exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


def small_extracts(folder: Path, date: str = "20251130", people: int = 30) -> list[Path]:
    """Two branches that share people (national de-duplication matters): PALOPO (Enrekang) and MAKASSAR."""
    palopo = [row(NIK=make_nik(serial=i)) for i in range(1, people + 1)]
    makassar = [row(NIK=make_nik(serial=i), KODE_WILAYAH="73.71") for i in range(people // 2, people + 20)]
    return [
        write_extract(folder, f"PALOPO_{date}.csv", palopo),
        write_extract(folder, f"MAKASSAR_{date}.csv.gz", makassar),
    ]


def published_figures(home: Path) -> dict:
    """What a BI user sees: national and every regency with covered workers, and the ingest log's outcomes."""
    with duckdb.connect(str(home / "warehouse" / "ucj.duckdb"), read_only=True) as con:
        national = con.execute("SELECT as_of_date, covered_workers FROM marts.coverage_national").fetchall()
        regencies = con.execute(
            "SELECT regency_code, covered_workers FROM marts.coverage_regency WHERE covered_workers > 0 ORDER BY 1"
        ).fetchall()
        log = con.execute(
            "SELECT file_name, outcome, count(*) FROM quality.ingest_log GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    return {"national": national, "regencies": regencies, "log": log}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest test modules first (their `slow(seconds)` mark), so that `-n auto --dist loadfile` does not end
    with one core idle while the other runs a long module that started last. Order within a module is kept."""

    def seconds(item: pytest.Item) -> float:
        mark = item.get_closest_marker("slow")
        return mark.args[0] if mark is not None and mark.args else 0

    items.sort(key=seconds, reverse=True)  # stable: ties keep their collection order


@pytest.fixture
def home(tmp_path) -> Path:
    return tmp_path / "ucj_home"


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL server on 127.0.0.1 (scripts/local-postgres.sh): its port; user and password `dagster`."""
    with _server("local-postgres.sh", "ucj-pg-", "data") as port:
        yield port


@pytest.fixture(scope="module")
def redis_server():
    """A Redis server on 127.0.0.1 (scripts/local-redis.sh): its port."""
    with _server("local-redis.sh", "ucj-redis-", "redis") as port:
        yield port


@pytest.fixture(scope="module")
def s3_server():
    """An S3-compatible server (moto) on 127.0.0.1 over HTTP (scripts/local-s3.sh): its endpoint URL."""
    with _server("local-s3.sh", "ucj-s3-", "s3") as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def postgres_instance_env(postgres, tmp_path) -> dict[str, str]:
    """A fresh database on the server and a DAGSTER_HOME holding deploy/dagster.yaml: the variables that point a
    process at them (DAGSTER_HOME, UCJ_PG_*)."""
    import psycopg2

    database = f"dagster_{tmp_path.name.replace('-', '_').lower()}"[:60]
    server = psycopg2.connect(host="127.0.0.1", port=postgres, user="dagster", password="dagster", dbname="postgres")
    server.autocommit = True  # CREATE DATABASE cannot run in a transaction
    server.cursor().execute(f"CREATE DATABASE {database}")
    server.close()
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster.yaml", dagster_home / "dagster.yaml")
    return {
        "DAGSTER_HOME": str(dagster_home),
        "UCJ_PG_HOST": "127.0.0.1",
        "UCJ_PG_PORT": str(postgres),
        "UCJ_PG_USER": "dagster",
        "UCJ_PG_PASSWORD": "dagster",
        "UCJ_PG_DB": database,
    }


@contextmanager
def _server(script: str, prefix: str, folder: str):
    """Start a throwaway server with scripts/<script> in a new folder under /tmp on a free port; stop it after."""
    root = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    root.chmod(0o755)  # PostgreSQL runs as the postgres user when the tests run as root
    port = free_port()
    subprocess.run(["bash", str(SCRIPTS / script), "start", str(root / folder), str(port)], check=True, timeout=120)
    try:
        yield port
    finally:
        subprocess.run(["bash", str(SCRIPTS / script), "stop", str(root / folder)], timeout=60)
        shutil.rmtree(root, ignore_errors=True)
