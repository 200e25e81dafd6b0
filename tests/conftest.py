"""Shared test helpers: the real `ucj` command on a home of its own, and small extract sets for it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.factories import make_nik, row, write_extract

BIN = Path(sys.executable).parent


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


@pytest.fixture
def home(tmp_path) -> Path:
    return tmp_path / "ucj_home"
