"""`ucj sample`: synthetic deliveries of both feeds that follow their contracts and reproduce the seeds' figures.
SYNTHETIC DATA: every person is invented. The membership extracts (`sample_extracts`) first, then each branch's
claims months of 2025 paying the same people (`sample_claims`), with a random stream of their own: the membership
files are byte-identical with or without the claims."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ucj_pipeline.contract.sample_claims import write_claims_months
from ucj_pipeline.contract.sample_extracts import DEFAULT_SCALE, SEED_BRANCHES, SNAPSHOT_DATES, membership_sample


def generate_sample(
    landing: Path,
    scale: float = DEFAULT_SCALE,
    seed: int = 20251231,
    branches: tuple[str, ...] = SEED_BRANCHES,
    snapshot_dates: tuple[date, ...] = SNAPSHOT_DATES,
) -> list[Path]:
    """Write every (branch, snapshot date) extract and every branch's claims month of 2025 into `landing`; returns
    the files written."""
    written, populations = membership_sample(landing, scale, seed, branches, snapshot_dates)
    return written + write_claims_months(populations, landing, seed)
