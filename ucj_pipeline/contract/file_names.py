"""The contract's file rules that need no parsing: the extract's name. (The content hash is taken while the bytes
are copied into the archive: `archive.take_into_archive`.)

`<BRANCH>_<YYYYMMDD>[_<NN>].<ext>` with a known branch, a real date not in the future, and one of the contract's
formats. Anything else is rejected before a byte of the file is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from ucj_pipeline.contract.file_rules import file_rule
from ucj_pipeline.runtime.paths import JAKARTA

# Matched whole (`fullmatch`: `$` would let a trailing newline through) and in ASCII only (`\d` would take
# Arabic-Indic digits).
FILE_NAME = re.compile(
    r"(?P<branch>[A-Z0-9]{3,12})_(?P<date>[0-9]{8})(?:_(?P<resend>[0-9]{2}))?\.(?P<ext>csv|csv\.gz|xlsx|parquet)",
    re.ASCII,
)
CLAIMS_FILE_NAME = re.compile(
    r"(?P<branch>[A-Z0-9]{3,12})_KLAIM_(?P<month>[0-9]{6})(?:_(?P<resend>[0-9]{2}))?\.(?P<ext>csv|csv\.gz|xlsx|parquet)",
    re.ASCII,
)
FORMATS = {"csv": "csv", "csv.gz": "csv", "xlsx": "xlsx", "parquet": "parquet"}


class ExtractRejected(Exception):
    """A whole file is rejected: names the file, the contract rule and what was wrong."""

    def __init__(self, file_name: str, rule: str, detail: str):
        file_rule(rule)
        super().__init__(f"{file_name}: rejected by rule '{rule}': {detail}")
        self.file_name = file_name
        self.rule = rule
        self.detail = detail


@dataclass(frozen=True, order=True)
class ExtractFile:
    """A landed extract whose name passed the contract: one full snapshot of one branch on one date."""

    snapshot_date: date  # membership: the snapshot date; claims: the first day of the payment month
    resend: int
    branch_code: str
    name: str
    file_format: str
    feed: str = "membership"  # the feed whose contract the name follows (`contract/feeds.py`)

    @property
    def sort_key(self) -> tuple[date, int]:
        """Processing order within a branch: older snapshots first; within a date, the highest resend first, so that
        the file that counts is judged before the lower resends of the same delivery set (logged `superseded`)."""
        return (self.snapshot_date, -self.resend)


def month_to_date(payment_month: date, received_at: datetime) -> bool:
    """Whether a claims delivery landed before its payment month was over (Asia/Jakarta): a month-to-date file
    (claims-extract.md, "File name"). A naive `received_at` is UTC, as the ingest log keeps it."""
    landed = (received_at if received_at.tzinfo else received_at.replace(tzinfo=UTC)).astimezone(JAKARTA)
    return (landed.year, landed.month) <= (payment_month.year, payment_month.month)


def delivery_rank(feed: str, period: date, resend: int, received_at: datetime) -> tuple:
    """Which accepted delivery of a branch and period counts: the one with the greatest rank. The highest resend
    `NN`, whatever the order of arrival (both contracts); but a claims file for the month it landed in is
    month-to-date, outranked by any delivery that landed after it: by every complete file, and among month-to-date
    files by the one that landed last, whatever its `NN` (claims-extract.md)."""
    if feed == "claims" and month_to_date(period, received_at):
        return (0, received_at.timestamp())
    return (1, resend)


def parse_extract_name(name: str, known_branches: frozenset[str], today: date) -> ExtractFile:
    """Parse a landed file's name, or raise ExtractRejected naming the rule it breaks."""
    match = FILE_NAME.fullmatch(name)
    if match is None:
        raise ExtractRejected(name, "file_name", "expected <BRANCH>_<YYYYMMDD>[_<NN>].<csv|csv.gz|xlsx|parquet>")
    branch = match["branch"]
    if branch not in known_branches:
        raise ExtractRejected(name, "unknown_branch", f"branch code {branch!r} is not in the branch registry")
    try:
        snapshot_date = datetime.strptime(match["date"], "%Y%m%d").date()
    except ValueError:
        raise ExtractRejected(name, "snapshot_date", f"{match['date']} is not a real date") from None
    if snapshot_date > today:
        raise ExtractRejected(name, "snapshot_date", f"snapshot date {snapshot_date} is in the future")
    return ExtractFile(
        snapshot_date=snapshot_date,
        resend=int(match["resend"] or 0),
        branch_code=branch,
        name=name,
        file_format=FORMATS[match["ext"]],
    )


def parse_claims_name(name: str, known_branches: frozenset[str], today: date) -> ExtractFile:
    """Parse a landed claims file's name (`<BRANCH>_KLAIM_<YYYYMM>[_<NN>].<ext>`, claims-extract.md), or raise
    ExtractRejected naming the rule it breaks. A month after the current month (`today`, Asia/Jakarta) is rejected;
    the current month is a month-to-date file."""
    match = CLAIMS_FILE_NAME.fullmatch(name)
    if match is None:
        raise ExtractRejected(name, "file_name", "expected <BRANCH>_KLAIM_<YYYYMM>[_<NN>].<csv|csv.gz|xlsx|parquet>")
    branch = match["branch"]
    if branch not in known_branches:
        raise ExtractRejected(name, "unknown_branch", f"branch code {branch!r} is not in the branch registry")
    year, month = int(match["month"][:4]), int(match["month"][4:])
    if not 1 <= month <= 12 or year < 1900:
        raise ExtractRejected(name, "payment_month", f"{match['month']} is not a real month (YYYYMM)")
    first_day = date(year, month, 1)
    if first_day > today.replace(day=1):
        raise ExtractRejected(name, "payment_month", f"payment month {match['month']} is after the current month")
    return ExtractFile(
        snapshot_date=first_day,
        resend=int(match["resend"] or 0),
        branch_code=branch,
        name=name,
        file_format=FORMATS[match["ext"]],
        feed="claims",
    )


def parse_delivery_name(name: str, known_branches: frozenset[str], today: date) -> ExtractFile:
    """A landed name, parsed by the contract of the feed it names: `_KLAIM_` names are the claims feed's
    (claims-extract.md), every other name the membership feed's (branch-extract.md), whose rules reject it when it
    is neither."""
    if "_KLAIM_" in name:
        return parse_claims_name(name, known_branches, today)
    return parse_extract_name(name, known_branches, today)
