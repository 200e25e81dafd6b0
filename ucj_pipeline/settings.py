"""Where the pipeline reads and writes, and the few knobs the contract makes configuration."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_MODELS_DIR = PROJECT_ROOT / "dbt_like_sql"  # a package beside this one, installed with it
# The code location as `ucj ui` serves it: a link to the repository's workspace.yaml (a copy when installed).
WORKSPACE_FILE = Path(__file__).resolve().parent / "workspace.yaml"
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
JAKARTA = ZoneInfo("Asia/Jakarta")

# Contract: "More than 5% of rows quarantined (the threshold is configuration)".
DEFAULT_QUARANTINE_THRESHOLD = 0.05
# Contract: "A branch that has not delivered for more than 35 days is stale".
STALE_AFTER_DAYS = 35


def today_in_jakarta() -> date:
    return datetime.now(JAKARTA).date()


@dataclass(frozen=True)
class UcjPaths:
    """The folders under UCJ_HOME. Every component takes its paths from here."""

    home: Path

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def archive(self) -> Path:
        return self.home / "archive"

    @property
    def lake(self) -> Path:
        return self.home / "lake"

    @property
    def warehouse_dir(self) -> Path:
        return self.home / "warehouse"

    @property
    def warehouse(self) -> Path:
        return self.warehouse_dir / "ucj.duckdb"

    @property
    def tmp(self) -> Path:
        """Scratch space of running steps (a transcoded extract, say): private, emptied of dead runs' leftovers."""
        return self.home / "tmp"

    @property
    def set_aside(self) -> Path:
        """Landing-area entries that are not regular files (links, directories, pipes), moved here unread."""
        return self.home / "set_aside"

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    def ensure(self) -> UcjPaths:
        """Create the folders owner-only. The archive (raw NIKs, names, birth dates), the lake, scratch space and
        set-aside entries are made owner-only even if someone opened them up; the landing area and the published
        folders keep what an operator granted (a branches' upload group, a BI service's group)."""
        private_umask()
        for folder in (self.home, self.landing, self.warehouse_dir, self.reports):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for folder in (self.archive, self.lake, self.tmp, self.set_aside):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if folder.stat().st_mode & 0o077:
                folder.chmod(0o700)
        return self


def private_umask() -> None:
    """Files and folders this process creates are owner-only (0600 / 0700): the archive holds raw personal data,
    and Dagster's storage and logs name files and branches. Run the webserver and daemon with `umask 077` too."""
    os.umask(0o077)


def parse_as_of(value: str | None) -> date:
    """The reporting date: an ISO date, or today in Asia/Jakarta when empty."""
    return date.fromisoformat(value) if value else today_in_jakarta()
