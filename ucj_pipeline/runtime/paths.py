"""Where the pipeline reads and writes, and the few knobs the contract makes configuration."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # ucj_pipeline/
PROJECT_ROOT = PACKAGE_ROOT.parent
SQL_MODELS_DIR = PROJECT_ROOT / "dbt_like_sql"  # a package beside this one, installed with it
# The code location as `ucj ui` serves it: a link to the repository's workspace.yaml (a copy when installed).
WORKSPACE_FILE = PACKAGE_ROOT / "orchestration" / "workspace.yaml"
REFERENCE_DIR = PACKAGE_ROOT / "contract" / "reference"
JAKARTA = ZoneInfo("Asia/Jakarta")

# Contract: "More than 5% of rows quarantined (the threshold is configuration)".
DEFAULT_QUARANTINE_THRESHOLD = 0.05
# Contract: "A branch that has not delivered for more than 35 days is stale".
STALE_AFTER_DAYS = 35


def today_in_jakarta() -> date:
    return datetime.now(JAKARTA).date()


@dataclass(frozen=True)
class UcjPaths:
    """The folders under UCJ_HOME. Every component takes its paths from here (through `storage.Storage` for tables)."""

    home: Path
    landing: Path = field(init=False)  # where branches deliver (unless UCJ_LANDING_URL names a bucket)
    archive: Path = field(init=False)  # raw delivered bytes by SHA-256: the only place personal data is kept
    lake: Path = field(init=False)  # Parquet: ingest output, reference data, stored models, history
    warehouse_dir: Path = field(init=False)  # the published file's folder
    warehouse: Path = field(init=False)  # the published file BI tools read
    tmp: Path = field(init=False)  # scratch space of running steps: private, emptied of dead runs' leftovers
    set_aside: Path = field(init=False)  # landing entries that are not regular files, moved here unread
    reports: Path = field(init=False)  # the HTML target reports

    def __post_init__(self) -> None:
        layout = {
            "landing": "landing",
            "archive": "archive",
            "lake": "lake",
            "warehouse_dir": "warehouse",
            "warehouse": "warehouse/ucj.duckdb",
            "tmp": "tmp",
            "set_aside": "set_aside",
            "reports": "reports",
        }
        for name, relative in layout.items():
            object.__setattr__(self, name, self.home / relative)

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
