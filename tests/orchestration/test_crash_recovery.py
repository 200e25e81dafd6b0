"""kill -9 at ten random moments of `ucj run`, one after the other on one home: the published file is always an
old or the new complete state, no delivery is ever lost, and the run after the last kill publishes exactly the
figures an independent recomputation from the raw files gives.

Before each trial both branches deliver a new snapshot (1 to 10 December), so every killed run has files to
ingest, models to refresh and a file to publish. The delay before SIGKILL is drawn from a seeded generator over
the length of an uninterrupted run. Each killed run leaves its work to the next one, which is itself killed: ten
interruptions compound before the final, uninterrupted run. Expected figures come from
`tests/independent_coverage.py` (plain Python over the CSV files, no code shared with the pipeline).
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.conftest import BIN, published_figures, run_ucj, small_extracts, ucj_env
from tests.independent_coverage import covered_by_regency
from ucj_pipeline.contract.reference_data import RegionIndex

pytestmark = pytest.mark.slow(145)  # seconds, for the test order (conftest)

TRIALS = 10
AS_OF = date(2025, 12, 31)


def _published(home: Path) -> dict[str, int] | None:
    """The published regency figures, after checking the file is complete (national = sum of regencies)."""
    path = home / "warehouse" / "ucj.duckdb"
    if not path.exists():
        return None
    with duckdb.connect(str(path), read_only=True) as con:
        national = con.execute("SELECT covered_workers FROM marts.coverage_national").fetchall()[0][0]
        regencies = dict(
            con.execute(
                "SELECT regency_code, covered_workers FROM marts.coverage_regency WHERE covered_workers > 0"
            ).fetchall()
        )
        assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchall()[0][0] >= 9
    assert national == sum(regencies.values())
    return regencies


def test_kill_9_at_ten_random_moments_then_one_run_gives_the_exact_figures(tmp_path):
    index = RegionIndex.load()
    regions = {"province": set(index.provinces), "regency": set(index.regencies), "village": set(index.villages)}
    home, outbox = tmp_path / "home", tmp_path / "outbox"
    delivered = small_extracts(outbox / "11", "20251130")
    (home / "landing").mkdir(parents=True)
    for path in delivered:
        (home / "landing" / path.name).write_bytes(path.read_bytes())
    started = time.monotonic()
    run_ucj(home, "run", "--as-of", AS_OF.isoformat())
    run_seconds = time.monotonic() - started
    states = [dict(covered_by_regency(delivered, AS_OF, regions))]  # every complete state, in order
    assert _published(home) == states[0]
    seen = 0  # the newest state the published file has shown: it never goes back
    generator = random.Random(20251231)

    for trial in range(TRIALS):
        new = small_extracts(outbox / f"12{trial:02d}", f"202512{trial + 1:02d}", people=30 + 3 * trial)
        for path in new:
            (home / "landing" / path.name).write_bytes(path.read_bytes())
        delivered += new
        states.append(dict(covered_by_regency(delivered, AS_OF, regions)))
        delay = generator.uniform(0.3, run_seconds)
        victim = subprocess.Popen([str(BIN / "ucj"), "run", "--as-of", AS_OF.isoformat()], env=ucj_env(home),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(delay)
        victim.send_signal(signal.SIGKILL)
        victim.wait()

        published = _published(home)  # complete, whatever moment the kill hit
        assert published in states[seen:], f"trial {trial} (killed after {delay:.1f}s): not an old or new state"
        seen = states.index(published, seen)
        for path in delivered:  # every delivery is still landed, or archived with its bytes
            landed = home / "landing" / path.name
            archived = [a.read_bytes() for a in (home / "archive").glob(f"*/{path.name}")]
            assert landed.exists() or path.read_bytes() in archived, f"trial {trial}: {path.name} lost"

    result = run_ucj(home, "run", "--as-of", AS_OF.isoformat())
    assert _published(home) == states[-1], result.stdout[-2000:]
    log = published_figures(home)["log"]
    assert log == sorted((p.name, "accepted", 1) for p in delivered)  # each delivery counted exactly once
    assert list((home / "landing").iterdir()) == []
    leftovers = [p for p in home.rglob(".*") if p.name.endswith((".tmp", ".building")) or p.name.startswith(".scratch")]
    assert leftovers == []
