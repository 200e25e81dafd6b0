"""Benchmark: how long a dropped file takes to reach the published marts under the daemon.

    python benchmarks/drop_to_published.py [--drops 6]

Starts the real `ucj ui` (webserver, daemon, code server) on a fresh home on 127.0.0.1, lets the first start
publish, then drops, again and again, a bad file for PALOPO (a column missing) and a good one for SINJAI together,
each with its `.done` marker, and times from the drop until `ucj.duckdb` shows SINJAI's new count. The baseline,
in the same run: `ucj run` doing the same work on a copy of the same home in one process (no sensors, no run
launches). Prints each drop, the median and the worst, and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.dagster_dev import BIN, dagster_dev, wait_for  # noqa: E402
from tests.orchestration.test_ui_truth import HEADER, drop, palopo_people, sinjai_covered, sinjai_people  # noqa: E402


def drop_pair(home: Path, outbox: Path, day: int) -> int:
    """PALOPO's bad file and SINJAI's good one for 2025-12-<day>; returns SINJAI's new covered count."""
    count = 5 + day
    drop(home, outbox, f"PALOPO_202512{day:02d}.csv", palopo_people(), header=[h for h in HEADER if h != "PROGRAM"])
    drop(home, outbox, f"SINJAI_202512{day:02d}.csv", sinjai_people(count))
    return count


def under_the_daemon(home: Path, outbox: Path, drops: int) -> list[float]:
    took = []
    with dagster_dev(home):
        wait_for(lambda: sinjai_covered(home) == 5, timeout=300, interval=1, what="the first refresh to publish")
        time.sleep(10)  # the first start's runs are over
        for day in range(1, drops + 1):
            started = time.monotonic()
            count = drop_pair(home, outbox, day)
            wait_for(lambda c=count: sinjai_covered(home) == c, timeout=300, interval=0.2, what="the drop published")
            took.append(time.monotonic() - started)
            print(f"  drop {day}: {took[-1]:.1f} s", flush=True)
            time.sleep(8)  # let the drop's runs end before the next one
    return took


def in_one_process(home: Path, outbox: Path) -> float:
    """The same kind of drop processed by `ucj run` (ingest both branches, refresh, publish) in one process."""
    count = drop_pair(home, outbox, 28)
    started = time.monotonic()
    subprocess.run(
        [str(BIN / "ucj"), "run"],
        env={"UCJ_HOME": str(home), "PATH": str(BIN)},
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    took = time.monotonic() - started
    assert sinjai_covered(home) == count, "ucj run did not publish the drop"
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drops", type=int, default=6)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ucj-drop-bench-"))
    try:
        home, outbox = work / "ucj", work / "outbox"
        (home / "landing").mkdir(parents=True)
        drop(home, outbox, "PALOPO_20251130.csv", palopo_people())
        drop(home, outbox, "SINJAI_20251130.csv", sinjai_people(5))
        print(f"{args.drops} drops (PALOPO rejected, SINJAI accepted) under the daemon of `ucj ui`:")
        took = under_the_daemon(home, outbox, args.drops)
        copy = work / "copy"
        shutil.copytree(home, copy, ignore=shutil.ignore_patterns("dagster_dev.log"))
        baseline = in_one_process(copy, outbox)
        median = statistics.median(took)
        print(
            f"drop to published under the daemon: median {median:.1f} s, worst {max(took):.1f} s, "
            f"best {min(took):.1f} s"
        )
        print(
            f"the same drop through `ucj run` in one process: {baseline:.1f} s; "
            f"daemon / one process: {median / baseline:.1f}x (median)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
