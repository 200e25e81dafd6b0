"""`ucj sample`: synthetic deliveries of both feeds that follow their contracts and reproduce the seeds' figures.
SYNTHETIC DATA: every person is invented. The membership extracts (`sample_extracts`) first, then each branch's
claims months of 2025 paying the same people (`sample_claims`), and each branch's snapshot of the year before the
claims (`CLAIMS_BASELINE`), each with a random stream of its own: the other membership files are byte-identical with
or without the claims."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np

from ucj_pipeline.contract.sample_claims import CLAIM_YEAR, write_claims_months
from ucj_pipeline.contract.sample_extracts import (
    DEFAULT_SCALE,
    SEED_BRANCHES,
    SNAPSHOT_DATES,
    membership_sample,
    write_snapshots,
)

# Each branch's snapshot on the last day before the claims year: a 2025 payee was a participant before the payment
# month (the claims contract's warning looks only at snapshots up to it), as for a branch that has delivered for
# years. Only the sample's outsiders are then flagged. It adds one date to the history (`ucj backfill`).
CLAIMS_BASELINE = date(CLAIM_YEAR - 1, 12, 31)


def generate_sample(
    landing: Path,
    scale: float = DEFAULT_SCALE,
    seed: int = 20251231,
    branches: tuple[str, ...] = SEED_BRANCHES,
    snapshot_dates: tuple[date, ...] = SNAPSHOT_DATES,
) -> list[Path]:
    """Write every (branch, snapshot date) extract, each branch's `CLAIMS_BASELINE` snapshot and every branch's
    claims month of 2025 into `landing`; returns the files written."""
    written, populations = membership_sample(landing, scale, seed, branches, snapshot_dates)
    baseline = write_snapshots(populations, landing, (CLAIMS_BASELINE,), np.random.default_rng(seed + 1))
    return written + baseline + write_claims_months(populations, landing, seed)
