"""kill -9 at random moments of `ucj run` (the trials; run by test_crash_recovery*.py, split in two files so that
both test workers share them): the published file is always the old or the new complete state, no
delivery is lost, temporary files are cleared, and the next run gives exactly the figures of an uninterrupted run.

Each trial starts from a copy of a home that has published the branches' November snapshots, lands their
December snapshots, starts `ucj run` and kills it with SIGKILL after a random delay drawn from a seeded
generator (spread over ingest, the models, the publish and the report), then checks the home and runs again.
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import BIN, published_figures, run_ucj, small_extracts, ucj_env

AS_OF = "2025-12-31"


@pytest.fixture(scope="module")
def homes(tmp_path_factory):
    """(a home with November published and December landed, December's files, the uninterrupted figures)."""
    base = tmp_path_factory.mktemp("base") / "home"
    small_extracts(base / "landing", "20251130")
    run_ucj(base, "run", "--as-of", "2025-11-30")
    december = small_extracts(tmp_path_factory.mktemp("december"), "20251231", people=45)
    for path in december:
        shutil.copy(path, base / "landing")
    reference = tmp_path_factory.mktemp("reference") / "home"
    shutil.copytree(base, reference, symlinks=True)
    started = time.monotonic()
    run_ucj(reference, "run", "--as-of", AS_OF)
    return base, december, published_figures(reference), time.monotonic() - started


def _state(home: Path) -> tuple:
    """The published file's state, which must be complete: every table readable, national = sum of regencies."""
    with duckdb.connect(str(home / "warehouse" / "ucj.duckdb"), read_only=True) as con:
        as_of, national = con.execute(
            "SELECT as_of_date::VARCHAR, covered_workers FROM marts.coverage_national"
        ).fetchall()[0]
        regencies = con.execute("SELECT sum(covered_workers) FROM marts.coverage_regency").fetchall()[0][0]
        tables = con.execute("SELECT count(*) FROM duckdb_tables()").fetchall()[0][0]
    assert national == regencies and tables >= 9
    return as_of, national


def kill_9_trial(trial: int, homes, tmp_path: Path) -> None:
    base, december, reference, run_seconds = homes
    home = tmp_path / "home"
    shutil.copytree(base, home, symlinks=True)
    old_state = _state(home)
    delay = random.Random(20251231 + trial).uniform(0.5, run_seconds * 0.95)
    victim = subprocess.Popen([str(BIN / "ucj"), "run", "--as-of", AS_OF], env=ucj_env(home),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    time.sleep(delay)
    victim.send_signal(signal.SIGKILL)
    victim.wait()

    assert _state(home) in (old_state, (AS_OF, reference["national"][0][1]))  # old or new, complete
    for path in december:  # every delivery is either still landed or archived with its bytes
        landed = home / "landing" / path.name
        archived = list((home / "archive").glob(f"*/{path.name}"))
        assert landed.exists() or any(a.read_bytes() == path.read_bytes() for a in archived), path.name

    result = run_ucj(home, "run", "--as-of", AS_OF)
    assert published_figures(home) == reference, (delay, result.stdout[-2000:])
    assert list((home / "landing").iterdir()) == []
    leftovers = [p for p in home.rglob(".*") if p.name.endswith((".tmp", ".building")) or p.name.startswith(".scratch")]
    assert leftovers == [], leftovers
