"""A branch's health: is its latest delivery counted, or was it rejected, and what should happen next?

A branch is *failing* while the most recent of its deliveries that was judged (accepted or rejected; duplicates and
superseded resends change nothing) was rejected. It stays failing whatever other branches deliver, until the branch
delivers a file that is accepted. The message is what an operator reads first in the Dagster UI: the file, the rule,
what keeps counting meanwhile and what to ask the branch for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ucj_pipeline import lake
from ucj_pipeline.extract_files import FILE_NAME


@dataclass(frozen=True)
class BranchHealth:
    branch_code: str
    latest: dict | None  # the ingest log row of the branch's latest accepted or rejected delivery
    snapshot_dates: tuple[date, ...] = ()  # the branch's accepted snapshot dates, oldest first

    @property
    def counting_snapshot(self) -> date | None:
        """The branch's newest accepted snapshot date: what the figures count."""
        return max(self.snapshot_dates, default=None)

    @property
    def failing(self) -> bool:
        return self.latest is not None and self.latest["outcome"] == "rejected"

    def message(self) -> str:
        """One line: what happened, what still counts, what to do."""
        if self.latest is None:
            return f"Branch {self.branch_code} has not delivered a file yet."
        if not self.failing:
            return (
                f"Branch {self.branch_code}: {self.latest['file_name']} accepted; its snapshot of "
                f"{self.counting_snapshot} counts."
            )
        counting = (
            f"the branch's snapshot of {self.counting_snapshot} keeps counting"
            if self.counting_snapshot
            else "no snapshot of this branch counts yet (its regencies list it as missing)"
        )
        return f"{_reason(self.latest)} Nothing of it is used; {counting}. {self.next_step()}"

    def next_step(self) -> str:
        row = self.latest or {}
        resend = resend_name(row)
        if resend is None:
            return f"Ask branch {self.branch_code} to deliver a file named and laid out as the contract says."
        return (
            f"Ask branch {self.branch_code} to fix it and resend it as {resend} (`ucj check {resend}` shows the "
            "problems before delivery)."
        )


def _reason(row: dict) -> str:
    reason = (row.get("reason") or "").strip() or f"{row['file_name']}: rejected ({row.get('rejection_rule')})"
    return reason if reason.endswith(".") else reason + "."


def resend_name(row: dict) -> str | None:
    """The name the corrected file should have: the next resend number of the same branch and date."""
    name = FILE_NAME.fullmatch(row["file_name"])
    if name is None or not row.get("branch_code") or row.get("snapshot_date") is None:
        return None  # the name itself broke the contract
    return f"{row['branch_code']}_{row['snapshot_date']:%Y%m%d}_{(row.get('resend') or 0) + 1:02d}.{name['ext']}"


def branch_health(lake_dir: Path, branch_code: str) -> BranchHealth:
    latest = lake.latest_judged_delivery(lake_dir, branch_code)
    return BranchHealth(branch_code, latest, tuple(sorted(lake.accepted_snapshot_dates(lake_dir, branch_code))))
