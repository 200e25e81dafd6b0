"""Where the pipeline reads and writes, and the few knobs the contract makes configuration."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_MODELS_DIR = PROJECT_ROOT / "dbt_like_sql"
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

    @classmethod
    def from_env(cls) -> UcjPaths:
        return cls(Path(os.environ.get("UCJ_HOME", "./data")).resolve())

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
    def reports(self) -> Path:
        return self.home / "reports"

    @property
    def dagster_home(self) -> Path:
        return Path(os.environ.get("DAGSTER_HOME") or self.home / "dagster_home").resolve()

    def ensure(self) -> UcjPaths:
        for folder in (self.landing, self.archive, self.lake, self.warehouse_dir, self.reports):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def parse_as_of(value: str | None) -> date:
    """The reporting date: an ISO date, or today in Asia/Jakarta when empty."""
    return date.fromisoformat(value) if value else today_in_jakarta()
