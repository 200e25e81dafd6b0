"""Ingest of many branches in one go, their files processed in parallel across the cores. No Dagster needed.

One ingest run covers every branch with new files (the landing sensor and `ucj run` ask for one run per contiguous
block of branch partitions, usually one for the whole country). The run lists the landing area once and parses
each name once (`landing_files.parse_landed`); each branch's parsed deliveries are ingested by
`branch_ingest.ingest_deliveries` in a worker process of its own (`helper_processes`: spawned, and gone with the run's process); branches are independent
(each writes only its own snapshot, log and row-issue files), so their order does not matter. What comes back is a
summary per branch, never the rows: the accepted rows went to the lake in the worker.

One branch never stops the others: a file still being written, or an unexpected error, is reported for its branch
while the rest go on. With one worker, or one branch, everything happens in this process (no spawn cost).
"""

from __future__ import annotations

import logging
import traceback
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import as_completed
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ucj_pipeline.contract.file_names import ExtractFile
from ucj_pipeline.ingest.branch_health import BranchHealth, branch_health
from ucj_pipeline.ingest.lake import IngestLog
from ucj_pipeline.runtime import home_lock
from ucj_pipeline.runtime.helper_processes import can_start_helpers, helper_pool

if TYPE_CHECKING:
    from ucj_pipeline.ingest.branch_ingest import IngestSettings
    from ucj_pipeline.ingest.landing_files import LandedFile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BranchBatchResult:
    """What ingest did for one branch: its files' ingest log rows and the rules that quarantined rows, or why it
    could not finish (`still_being_written`: retry later; `error`: an unexpected failure, with its traceback)."""

    branch_code: str
    log_rows: list[dict] = field(default_factory=list)
    rule_counts: Counter[str] = field(default_factory=Counter)
    health: BranchHealth | None = None  # after this ingest, read while the branch's lock was held
    still_being_written: str | None = None
    error: str | None = None

    @property
    def finished(self) -> bool:
        return self.still_being_written is None and self.error is None


def ingest_one_branch(
    branch_code: str,
    landing_location: str,
    extracts: list[ExtractFile],
    settings: IngestSettings,
    lock_wait_seconds: float,
) -> BranchBatchResult:
    """Ingest one branch's ready files (their names parsed by the run; the landing area is opened here, in the
    worker), holding the branch's lock (`home_lock.branch_alone`), its ingest log read once under it. Never
    raises."""
    from ucj_pipeline.ingest.branch_ingest import FileStillBeingWritten, ingest_deliveries
    from ucj_pipeline.ingest.landing_store import open_landing

    try:
        store = open_landing(landing_location)
        deliveries = [(extract, store.delivery(extract.name)) for extract in extracts]
        with home_lock.branch_alone(settings.paths.home, branch_code, lock_wait_seconds, log.warning):
            ingest_log = IngestLog.read(settings.paths.lake, branch_code)
            outcomes = ingest_deliveries(branch_code, deliveries, settings, ingest_log)
            health = branch_health(ingest_log, branch_code)  # here, in the worker: off the run's process
    except FileStillBeingWritten as exc:
        return BranchBatchResult(branch_code, still_being_written=str(exc))
    except Exception as exc:  # noqa: BLE001 - reported for this branch; the other branches go on
        return BranchBatchResult(branch_code, error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
    rules: Counter[str] = Counter()
    for outcome in outcomes:
        rules.update(outcome.rule_counts)
    return BranchBatchResult(branch_code, [o.log_row for o in outcomes], rules, health)


def ingest_branches(
    files_by_branch: dict[str, list[tuple[ExtractFile, LandedFile]]],
    landing_location: str,
    settings: IngestSettings,
    workers: int,
    lock_wait_seconds: float,
) -> Iterator[BranchBatchResult]:
    """Ingest every branch's parsed deliveries, `workers` branches at a time (largest first, so one big branch does
    not start last and run alone); yields each branch's result as it finishes."""
    largest_first = sorted(files_by_branch.items(), key=lambda item: -sum(f.size for _, f in item[1]))
    jobs = [
        (branch, landing_location, [extract for extract, _ in files], settings, lock_wait_seconds)
        for branch, files in largest_first
    ]
    if workers <= 1 or len(jobs) <= 1 or not can_start_helpers():
        for job in jobs:
            yield ingest_one_branch(*job)
        return
    with helper_pool(min(workers, len(jobs))) as pool:  # the workers exit if the run's process is killed
        futures = {pool.submit(ingest_one_branch, *job): job[0] for job in jobs}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # noqa: BLE001 - the worker process itself died (killed, out of memory)
                yield BranchBatchResult(futures[future], error=f"the worker ingesting it died: {exc!r}")
