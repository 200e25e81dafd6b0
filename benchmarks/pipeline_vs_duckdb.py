"""Benchmark: the whole pipeline against bare DuckDB on the same extract files, in the same run.

    python benchmarks/pipeline_vs_duckdb.py [--rows 2000000] [--branches 6]

Generates about N rows of synthetic extracts (one snapshot per branch), then times
  - the pipeline: `ucj run` end to end (Dagster runs, contract validation with Pandera, quarantine,
    pseudonymisation, lake, SQL models, atomic publish), as a user runs it;
  - the baseline: bare DuckDB doing only the arithmetic (read_csv, national de-duplication by NIK, coverage
    rule, group by regency), with none of the checks;
each in its own process, and prints rows, seconds, the ratio and each process's peak memory.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ucj_pipeline.reference_data import branch_service_areas, worker_bases  # noqa: E402
from ucj_pipeline.sample_extracts import (  # noqa: E402
    NOT_COVERED_SHARE,
    SEED_BRANCHES,
    STYLES,
    _unique_niks,
    people_of_regency,
    write_extract,
)

SNAPSHOT = date(2025, 12, 31)

BASELINE = textwrap.dedent(
    """
    import sys, duckdb
    files = sys.argv[1:]
    con = duckdb.connect()
    rows = con.execute('''
        WITH extract AS (
            SELECT * FROM read_csv($files, union_by_name = true, filename = true,
                                   types = {'NIK': 'VARCHAR', 'KODE_WILAYAH': 'VARCHAR'})
        ),
        covered AS (
            SELECT NIK, KODE_WILAYAH FROM extract
            WHERE STATUS = 'AKTIF' AND PROGRAM LIKE '%JKK%' AND PROGRAM LIKE '%JKM%'
            QUALIFY row_number() OVER (PARTITION BY NIK ORDER BY TGL_KEPESERTAAN DESC) = 1
        )
        SELECT left(replace(KODE_WILAYAH, '.', ''), 4) AS regency, count(*) FROM covered GROUP BY ALL
    ''', {'files': files}).fetchall()
    print(sum(r[1] for r in rows))
    """
)


def generate(landing: Path, rows: int, branches: tuple[str, ...], seed: int = 7) -> int:
    """About `rows` rows, spread over the branches' regencies by worker base."""
    rng = np.random.default_rng(seed)
    bases = worker_bases().query("base_kind == 'bps_employed'").set_index("regency_code")["workers"]
    served = branch_service_areas().query("branch_code in @branches")
    total_base = bases[served["regency_code"]].sum()
    taken: set[str] = set()
    written = 0
    for branch in branches:
        parts = [
            people_of_regency(code, max(1, round(rows * (1 - NOT_COVERED_SHARE) * bases[code] / total_base)), rng)
            for code in served.query("branch_code == @branch")["regency_code"]
        ]
        people = _unique_niks(pd.concat(parts, ignore_index=True), taken, rng)
        # The benchmark compares like with like: plain UTF-8 CSV with ISO dates for every branch.
        style = STYLES["PALOPO"]
        write_extract(people, landing, branch, SNAPSHOT, style)
        written += len(people)
    return written


def run_child(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{out.read()[-2000:]}\n{err.read()[-2000:]}")
        return seconds, usage.ru_maxrss / 1024, out.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--branches", type=int, default=len(SEED_BRANCHES), help="how many of the seed branches")
    parser.add_argument("--work-dir", type=Path, default=None, help="keep the files here (default: a temp dir)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        home = (args.work_dir or Path(tmp)).resolve()
        landing = home / "landing"
        landing.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        rows = generate(landing, args.rows, SEED_BRANCHES[: args.branches])
        files = sorted(str(p) for p in landing.iterdir())
        size = sum(Path(f).stat().st_size for f in files) / 1e6
        print(f"generated {rows:,} rows in {len(files)} files ({size:,.0f} MB) in {time.perf_counter() - start:.1f}s")

        env = {**os.environ, "UCJ_HOME": str(home), "DAGSTER_HOME": str(home / "dagster_home")}
        baseline_s, baseline_mb, covered = run_child([sys.executable, "-c", BASELINE, *files], env)
        bin_dir = Path(sys.executable).parent
        pipeline_s, pipeline_mb, pipeline_out = run_child(
            [str(bin_dir / "ucj"), "run", "--as-of", SNAPSHOT.isoformat()], env
        )

    print(f"rows:                 {rows:,}")
    print(f"bare DuckDB baseline: {baseline_s:8.2f} s   peak {baseline_mb:7.0f} MiB   ({int(covered):,} covered)")
    print(f"ucj run (pipeline):   {pipeline_s:8.2f} s   peak {pipeline_mb:7.0f} MiB")
    print(f"ratio pipeline/baseline: {pipeline_s / baseline_s:.2f}x")
    print(f"pipeline throughput:  {rows / pipeline_s:,.0f} rows/s")
    print("pipeline stages (Dagster runs inside `ucj run`; the rest is start-up and the instance):")
    for line in pipeline_out.splitlines():
        if line.startswith(("ingest ", "refresh ")):
            print("  " + line.split(" (run ")[0])


if __name__ == "__main__":
    main()
