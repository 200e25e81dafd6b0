"""A branch's health: is its latest delivery counted, or was it rejected, and what should happen next?

A branch is *failing* while the most recent of its deliveries that was judged (accepted or rejected; duplicates and
superseded resends change nothing) was rejected. It stays failing whatever other branches deliver, until the branch
delivers a file that is accepted. The message is what an operator reads first in the Dagster UI: the file, the rule,
what keeps counting meanwhile and what to ask the branch for.

A snapshot counts for a reporting date when it is the branch's newest accepted one not after that date. A snapshot
dated after the published reporting date *waits*: it counts once figures are published for its date or a later one
(the daily refresh of that day, or a refresh tagged with that date). Every message that says a snapshot counts says
from which reporting date, and says when it waits.

`CountryHealth` is every branch of the registry on one reporting date: rejected, stale, never delivered, waiting.
It is the asset-level truth (`all_branches_healthy`), which no other branch's good delivery can overwrite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ucj_pipeline.contract.file_names import FILE_NAME
from ucj_pipeline.ingest import lake
from ucj_pipeline.runtime.paths import today_in_jakarta


@dataclass(frozen=True)
class BranchHealth:
    branch_code: str
    latest: dict | None  # the ingest log row of the branch's latest accepted or rejected delivery
    snapshot_dates: tuple[date, ...] = ()  # the branch's accepted snapshot dates, oldest first
    claims_latest: dict | None = None  # the same of its claims deliveries (the claims feed)
    claims_months: tuple[date, ...] = ()  # the months of its accepted claims files, oldest first

    @property
    def claims_failing(self) -> bool:
        """The branch's latest judged claims delivery was rejected: that month's payments are missing until a
        corrected file is accepted."""
        return self.claims_latest is not None and self.claims_latest["outcome"] == "rejected"

    def claims_message(self) -> str:
        if self.claims_latest is None:
            return f"Branch {self.branch_code} has not delivered a claims file yet."
        if not self.claims_failing:
            newest = max(self.claims_months, default=None)
            return (
                f"Branch {self.branch_code}: {self.claims_latest['file_name']} accepted; its claims are in for "
                f"{newest:%Y-%m} and {len(self.claims_months)} month(s) in all."
            )
        month = self.claims_latest.get("snapshot_date")
        which = f"the payments of {month:%Y-%m}" if month else "its payments"
        return (
            f"{_reason(self.claims_latest)} Nothing of it is used: {which} are missing from the benefit figures until "
            f"branch {self.branch_code} resends the month corrected (a resend _NN replaces it)."
        )

    @property
    def counting_snapshot(self) -> date | None:
        """The branch's newest accepted snapshot date: what the figures count from its own date on."""
        return max(self.snapshot_dates, default=None)

    def counting_on(self, as_of: date) -> date | None:
        """The snapshot that counts in the figures of reporting date `as_of`: the newest accepted one not after it."""
        return max((d for d in self.snapshot_dates if d <= as_of), default=None)

    def waiting_after(self, as_of: date) -> date | None:
        """The newest accepted snapshot dated after `as_of`: it waits for figures of its date (None: none waits)."""
        later = [d for d in self.snapshot_dates if d > as_of]
        return max(later) if later else None

    @property
    def failing(self) -> bool:
        return self.latest is not None and self.latest["outcome"] == "rejected"

    def message(self, as_of: date | None = None) -> str:
        """One line: what happened, what still counts (from which reporting date, given the published one `as_of`),
        what to do."""
        if self.latest is None:
            return f"Branch {self.branch_code} has not delivered a file yet."
        if not self.failing:
            return f"Branch {self.branch_code}: {self.latest['file_name']} accepted; {self._counts(as_of)}"
        counting = (
            f"the branch's snapshot of {self.counting_snapshot} keeps counting"
            if self.counting_snapshot
            else "no snapshot of this branch counts yet (its regencies list it as missing)"
        )
        return f"{_reason(self.latest)} Nothing of it is used; {counting}. {self.next_step()}"

    def _counts(self, as_of: date | None) -> str:
        newest = self.counting_snapshot
        if as_of is None or newest is None or newest <= as_of:
            return f"its snapshot of {newest} counts from reporting date {newest} on" + (
                f" (in the figures as of {as_of})." if as_of is not None else "."
            )
        return f"its snapshot of {newest} counts from reporting date {newest} on. {waiting_sentence(newest, as_of)}"

    def next_step(self) -> str:
        row = self.latest or {}
        resend = resend_name(row)
        if resend is None:
            return f"Ask branch {self.branch_code} to deliver a file named and laid out as the contract says."
        return (
            f"Ask branch {self.branch_code} to fix it and resend it as {resend} (`ucj check {resend}` shows the "
            "problems before delivery)."
        )


def waiting_sentence(snapshot: date, published: date, today: date | None = None) -> str:
    """What a snapshot dated after the published reporting date waits for, and how to publish it now."""
    today = today or today_in_jakarta()
    daily = "the next daily refresh" if snapshot <= today else f"the daily refresh of {snapshot}"
    return (
        f"The published figures are as of {published}, so it waits: {daily} (06:00 Asia/Jakarta) publishes figures "
        f"that include it, or now a refresh for its date: `ucj run --as-of {snapshot}` (or a run of "
        f"refresh_warehouse_job tagged ucj/as_of_date={snapshot})."
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


def branch_health(log: lake.IngestLog, branch_code: str) -> BranchHealth:
    """A branch's health as its ingest log (read once by the caller) tells it."""
    dates = tuple(sorted(log.accepted_snapshot_dates(branch_code)))
    months = tuple(sorted(log.accepted_snapshot_dates(branch_code, "claims")))
    return BranchHealth(
        branch_code, log.latest_judged(branch_code), dates, log.latest_judged(branch_code, "claims"), months
    )


@dataclass(frozen=True)
class CountryHealth:
    """Every branch of the registry on one reporting date: the asset-level truth of branch health."""

    as_of: date
    branches: list[BranchHealth] = field(default_factory=list)

    def delivering(self) -> list[BranchHealth]:
        """Branches that have delivered at least once (accepted or rejected): the ones whose health is judged."""
        return [b for b in self.branches if b.latest is not None or b.snapshot_dates]

    def never_delivered(self) -> list[BranchHealth]:
        """Registry branches that never delivered: their regencies list them as missing; told, not judged."""
        return [b for b in self.branches if b.latest is None and not b.snapshot_dates]

    def rejected(self) -> list[BranchHealth]:
        """Branches whose latest delivery was rejected (their last good snapshot keeps counting)."""
        return [b for b in self.branches if b.failing]

    def claims_rejected(self) -> list[BranchHealth]:
        """Branches whose latest claims delivery was rejected (that month's payments are missing meanwhile)."""
        return [b for b in self.branches if b.claims_failing]

    def claims_delivering(self) -> list[BranchHealth]:
        return [b for b in self.branches if b.claims_latest is not None or b.claims_months]

    def claims_summary(self, shown: int = 10) -> str:
        """The claims check's paragraph: how many delivering branches have their latest claims file accepted, then
        each rejected one with its reason."""
        rejected, delivering = self.claims_rejected(), self.claims_delivering()
        lines = [
            f"{len(delivering) - len(rejected)} of the {len(delivering)} branches delivering claims have their latest "
            f"claims file accepted; {len(rejected)} with a rejected latest claims delivery. "
            f"{len(self.branches) - len(delivering)} of the registry's {len(self.branches)} branches have not "
            "delivered claims yet (their months are missing from the benefit figures)."
        ]
        lines += [f"- REJECTED {b.branch_code}: {b.claims_message()}" for b in rejected[:shown]]
        if len(rejected) > shown:
            lines.append(f"- … and {len(rejected) - shown} more")
        return "\n".join(lines)

    def stale(self, stale_after_days: int) -> list[BranchHealth]:
        """Branches whose counting snapshot is older than the stale limit on the reporting date."""
        return [
            b for b in self.branches
            if (d := b.counting_on(self.as_of)) is not None and (self.as_of - d).days > stale_after_days
        ]  # fmt: skip

    def missing(self) -> list[BranchHealth]:
        """Branches that delivered but have no accepted snapshot on or before the reporting date (rejected ones are
        listed as rejected)."""
        return [b for b in self.delivering() if b.counting_on(self.as_of) is None and not b.failing]

    def waiting(self) -> list[BranchHealth]:
        """Branches with an accepted snapshot dated after the reporting date: it waits for a later one."""
        return [b for b in self.branches if b.waiting_after(self.as_of) is not None]

    def healthy(self, stale_after_days: int) -> bool:
        return not (self.rejected() or self.stale(stale_after_days) or self.missing())

    def summary(self, stale_after_days: int, shown: int = 10) -> str:
        """The check's one paragraph: how many branches are healthy, then each rejected and stale branch with its
        one-line reason, the branches never delivered and the snapshots waiting."""
        rejected, stale, missing = self.rejected(), self.stale(stale_after_days), self.missing()
        unhealthy = {b.branch_code for b in (*rejected, *stale, *missing)}
        delivering, never = self.delivering(), self.never_delivered()
        lines = [
            f"{len(delivering) - len(unhealthy)} of the {len(delivering)} delivering branches healthy on reporting "
            f"date {self.as_of}: {len(rejected)} with a rejected latest delivery, {len(stale)} stale (snapshot older "
            f"than {stale_after_days} days), {len(missing)} with no snapshot on or before that date. "
            f"{len(never)} of the registry's {len(self.branches)} branches have never delivered."
        ]
        lines += [f"- REJECTED {b.branch_code}: {b.message(self.as_of)}" for b in rejected[:shown]]
        lines += [
            f"- STALE {b.branch_code}: snapshot of {b.counting_on(self.as_of)}, "
            f"{(self.as_of - b.counting_on(self.as_of)).days} days old; it still counts, its figures say so."
            for b in stale[:shown]
        ]
        if missing:
            names = ", ".join(b.branch_code for b in missing[:shown]) + (" …" if len(missing) > shown else "")
            lines.append(
                f"- NO SNAPSHOT ON {self.as_of} ({len(missing)}): {names}; their regencies list them as missing."
            )
        if never:
            names = ", ".join(b.branch_code for b in never[:shown]) + (" …" if len(never) > shown else "")
            lines.append(f"- NEVER DELIVERED ({len(never)}): {names}; their regencies list them as missing.")
        lines += [
            f"- WAITING {b.branch_code}: snapshot of {b.waiting_after(self.as_of)}. "
            + waiting_sentence(b.waiting_after(self.as_of), self.as_of)
            for b in self.waiting()[:shown]
        ]
        return "\n".join(lines)


def country_health(log: lake.IngestLog | Path, branch_codes: list[str], as_of: date) -> CountryHealth:
    """Every branch's health from the ingest log (every branch's, read once: given, or read here from the lake
    folder), on reporting date `as_of`."""
    log = log if isinstance(log, lake.IngestLog) else lake.IngestLog.read(log)
    return CountryHealth(as_of, [branch_health(log, code) for code in sorted(branch_codes)])
