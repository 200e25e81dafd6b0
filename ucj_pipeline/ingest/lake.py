"""The lake: Parquet files that ingest writes and the SQL models read.

Each ingest run writes only its own branch's files (write to a temporary name, then rename), so branch runs in
parallel never share a lock. The three source tables and their layout:

    participant_snapshots/branch_code=<B>/snapshot_date=<D>/snapshot.parquet   one row per accepted participant
    extract_files/<B>/<processed>_<hash>.parquet                              one row per delivered file (<B>: its
                                                                              branch, or _no_branch for a name that
                                                                              names none)
    row_issues/<hash>_<file name>.parquet                                     one row per (file row, broken rule)

No personal data is ever written here: the NIK is a keyed hash, names and birth dates are dropped.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from ucj_pipeline.contract.columns import contract
from ucj_pipeline.contract.file_names import delivery_rank, month_to_date
from ucj_pipeline.contract.pseudonymise import KEY_TYPE, key_from_hex_sql
from ucj_pipeline.contract.reference_data import REFERENCE_TABLES
from ucj_pipeline.runtime import home_lock
from ucj_pipeline.runtime.atomic_files import written_atomically
from ucj_pipeline.runtime.sql_text import sql_string

if TYPE_CHECKING:  # DuckDB, pandas and polars load only where they are used
    import duckdb
    import pandas as pd
    import polars as pl

PARTICIPANT_SNAPSHOTS = "participant_snapshots"
EXTRACT_FILES = "extract_files"
ROW_ISSUES = "row_issues"
CLAIM_PAYMENTS = "claim_payments"  # the claims feed's accepted payments, pseudonymised (contract/claims.py)
REFERENCE = "reference"
MODELS = "models"
KEY_COLUMN = "participant_key"  # participant_snapshots' pseudonymised NIK
HISTORY = "history"  # kept across runs and rebuilds of the published file: never deleted by the pipeline

# The tables ingest and the reference assets write; their columns, order and types are the column contract's.
LAKE_TABLES = (PARTICIPANT_SNAPSHOTS, CLAIM_PAYMENTS, EXTRACT_FILES, ROW_ISSUES, *REFERENCE_TABLES)
# Assets that write into a lake table, where it is not the table's own asset alone: what reads the table depends
# on each of them.
WRITERS: dict[str, tuple[str, ...]] = {EXTRACT_FILES: (EXTRACT_FILES, "misnamed_extract_files")}
SCHEMAS: dict[str, pa.Schema] = {table: contract().arrow_schema(table) for table in LAKE_TABLES}


def write_parquet(frame: pd.DataFrame | pl.DataFrame, path: Path, schema: pa.Schema | None = None) -> Path:
    """Write atomically: readers see the old file or the new one, never half of one."""
    if hasattr(frame, "to_arrow"):  # polars
        table = frame.to_arrow()
        table = table.select(schema.names).cast(schema) if schema is not None else table
    else:
        table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    with written_atomically(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    return path


def snapshot_path(
    lake: Path, branch_code: str, snapshot_date, table: str = PARTICIPANT_SNAPSHOTS, period: str = "snapshot_date"
) -> Path:
    """Where a branch's accepted delivery for a date (claims: `payment_month`, its first day) is stored, in its
    feed's lake table; a resend replaces the file."""
    return lake / table / f"branch_code={branch_code}" / f"{period}={snapshot_date}" / "snapshot.parquet"


def source_glob(lake: Path, table: str) -> str:
    return str(lake / table / "**" / "*.parquet")


def has_files(lake: Path, table: str) -> bool:
    return any((lake / table).glob("**/*.parquet")) if (lake / table).exists() else False


def table_sql(lake: Path, name: str) -> str:
    """A DuckDB table expression reading a lake table: a reference table's file, or every file of an ingest table.
    Snapshot files from before numeric participant keys are read with their keys made numeric (`hex_keyed`)."""
    if name in REFERENCE_TABLES:
        return f"read_parquet({sql_string(reference_path(lake, name))})"
    files = f"read_parquet({sql_string(source_glob(lake, name))}, hive_partitioning = false, union_by_name = true)"
    if name == PARTICIPANT_SNAPSHOTS and migration_record(lake, NUMERIC_KEYS) is None and hex_keyed(lake):
        # Old and new files together are read as text (hex digits, or the number's digits): both become the number.
        key = f"CAST({KEY_COLUMN} AS VARCHAR)"
        number = f"CASE WHEN length({key}) = 64 THEN {key_from_hex_sql(key)} ELSE CAST({key} AS {KEY_TYPE}) END"
        return f"(SELECT * REPLACE ({number} AS {KEY_COLUMN}) FROM {files})"
    if name == EXTRACT_FILES:  # rows logged before the log named the feed are membership's
        return f"(SELECT * REPLACE (coalesce(feed, '{MEMBERSHIP_FEED}') AS feed) FROM {with_every_column(name, files)})"
    return files


def with_every_column(table: str, files_sql: str) -> str:
    """The rows of `files_sql` with every column the contract declares for the lake table, in its order: a column
    added since older files were written (`feed` of the ingest log) reads as empty in them."""
    typed = ", ".join(f"NULL::{kind} AS {name}" for name, kind in contract().typed_columns(table))
    return f"(SELECT {typed} WHERE false UNION ALL BY NAME SELECT * FROM {files_sql})"


def snapshot_files(lake: Path) -> list[Path]:
    """Every stored snapshot file (`snapshot_path`), in branch and date order."""
    return sorted((lake / PARTICIPANT_SNAPSHOTS).glob("*/*/*.parquet"))


def hex_keyed(lake: Path) -> list[Path]:
    """The snapshot files whose participant keys are 64 hex digits, as ingest wrote them before the key became a
    number (`pseudonymise.participant_key_sql`), found by their Parquet footers."""
    return [path for path in snapshot_files(lake) if _hex_keyed_file(path)]


def _hex_keyed_file(path: Path) -> bool:
    try:
        return pa.types.is_string(pq.read_schema(path).field(KEY_COLUMN).type)
    except FileNotFoundError:  # replaced, or removed, since the folder was listed
        return False


def upgrade_hex_keys(lake: Path, home: Path, wait_seconds: float, say: Callable[[str], None]) -> int:
    """Rewrite each hex-keyed snapshot file with numeric keys (the hex's first 120 bits, as ingest now computes
    them), once, holding its branch's ingest lock (an ingest never replaces the file meanwhile), atomically (a run
    that dies between two files leaves the rest for the next one; a reader sees the old file or the new one, and
    `table_sql` reads both alike). Everything else in the file stays as it was, its `stored_snapshot_id` too.
    Returns how many files it rewrote."""
    import duckdb

    rewritten = 0
    for path in hex_keyed(lake):
        branch = path.parent.parent.name.removeprefix("branch_code=")
        if not branch.isalnum():  # not a folder ingest writes: read as it is (`table_sql`), left alone
            continue
        with home_lock.branch_alone(home, branch, wait_seconds, say):
            if not _hex_keyed_file(path):  # replaced by a new delivery meanwhile
                continue
            with duckdb.connect() as con:
                con.execute("SET python_enable_replacements = false")
                numeric = f"SELECT * REPLACE ({key_from_hex_sql(KEY_COLUMN)} AS {KEY_COLUMN}) FROM read_parquet($path)"
                copy_to_parquet(con, numeric, {"path": str(path)}, path)
        rewritten += 1
    return rewritten


@dataclass(frozen=True)
class LakeMigration:
    """A one-off rewrite of lake files written by an older version, run once per lake and recorded
    (`lake/_migrations/<name>.json`): a refresh asks only whether it is recorded."""

    name: str
    description: str
    run: Callable[[Path, Path, float, Callable[[str], None]], int]  # (lake, home, lock wait, say) -> files rewritten


MIGRATIONS_FOLDER = "_migrations"
NUMERIC_KEYS = LakeMigration(
    "numeric_participant_keys",
    "snapshot files from before numeric participant keys rewritten with them (`upgrade_hex_keys`)",
    lambda lake, home, wait_seconds, say: upgrade_hex_keys(lake, home, wait_seconds, say),
)
MIGRATIONS = (NUMERIC_KEYS,)


def migration_record(lake: Path, migration: LakeMigration) -> dict | None:
    path = lake / MIGRATIONS_FOLDER / f"{migration.name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def run_migrations(lake: Path, home: Path, wait_seconds: float, say: Callable[[str], None]) -> list[dict]:
    """Every migration not yet recorded for this lake, in order, each recorded once it is done (a run that dies
    midway leaves it unrecorded, and the next one finishes it: each is safe to run again). Returns the records
    written now."""
    done = []
    for migration in MIGRATIONS:
        if migration_record(lake, migration) is not None:
            continue
        rewritten = migration.run(lake, home, wait_seconds, say)
        record = {
            "name": migration.name,
            "description": migration.description,
            "applied_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "files_rewritten": rewritten,
        }
        target = lake / MIGRATIONS_FOLDER / f"{migration.name}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        with written_atomically(target) as tmp:
            tmp.write_text(json.dumps(record, indent=1) + "\n")
        done.append(record)
    return done


def reference_path(lake: Path, name: str) -> Path:
    return lake / REFERENCE / f"{name}.parquet"


def model_path(lake: Path, name: str) -> Path:
    return lake / MODELS / f"{name}.parquet"


def history_path(lake: Path, name: str, as_of_date) -> Path:
    """One file per reporting date: a re-run of a date replaces that date, and no other date is touched."""
    return lake / HISTORY / name / f"as_of_date={as_of_date}.parquet"


def history_glob(lake: Path, name: str) -> str:
    return str(lake / HISTORY / name / "*.parquet")


def copy_to_parquet(con, query: str, params: dict, path: Path) -> Path:
    """Write a DuckDB query's result atomically (temporary name, then rename)."""
    with written_atomically(path) as tmp:
        con.execute(f"COPY ({query}) TO {sql_string(tmp)} (FORMAT parquet, COMPRESSION zstd)", params)
    return path


def write_query(con, query: str, params: dict, path: Path, schema: pa.Schema, batch_rows: int = 100_000) -> Path:
    """Write a DuckDB query's result atomically with `schema` (its types and column descriptions), one batch of
    rows at a time: memory does not grow with the result."""
    with written_atomically(path) as tmp, pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for batch in con.sql(query, params=params).to_arrow_reader(batch_rows):
            writer.write_table(pa.Table.from_batches([batch]).select(schema.names).cast(schema))
    return path


NO_BRANCH = "_no_branch"  # the ingest log's folder for entries whose name names no branch


def log_folder(lake: Path, branch_code: str | None) -> Path:
    """Each branch's ingest log rows in a folder of their own: a branch's ingest reads only its own rows (the log
    grows by one file per delivery, about 300 a day nationally)."""
    return lake / EXTRACT_FILES / (branch_code or NO_BRANCH)


def write_log_row(lake: Path, row: dict, identity: str) -> Path:
    """One ingest log row, in a file of its own (parallel branch runs never write the same file), in its branch's
    folder."""
    import pandas as pd

    key = hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    stamp = row["processed_at"].strftime("%Y%m%dT%H%M%S%f")
    target = log_folder(lake, row["branch_code"]) / f"{stamp}_{key}.parquet"
    return write_parquet(pd.DataFrame([row]), target, SCHEMAS[EXTRACT_FILES])


ALL_BRANCHES = "*"


def _log_files(lake: Path, branch_code: str | None) -> list[str]:
    """The ingest log's files holding `branch_code`'s rows (ALL_BRANCHES: every file); a home from before the
    per-branch folders keeps its older rows directly in extract_files/, which every reader also reads."""
    root = lake / EXTRACT_FILES
    if not root.is_dir():
        return []
    folders = root.glob("*/") if branch_code == ALL_BRANCHES else [log_folder(lake, branch_code)]
    return sorted(str(p) for folder in (root, *folders) for p in folder.glob("*.parquet"))


def row_issues_path(lake: Path, file_hash: str, file_name: str) -> Path:
    """The same bytes delivered under two names (two dates, say) keep two sets of row issues."""
    return lake / ROW_ISSUES / f"{file_hash}_{file_name}.parquet"


_log_reader: tuple[int, duckdb.DuckDBPyConnection] | None = None  # (the process, its connection)


def _log_reader_cursor() -> duckdb.DuckDBPyConnection:
    """A cursor of this process's in-memory DuckDB, which reads the ingest log: a connection takes 15 ms to open,
    reading a branch's log 1.5 ms, and ingest reads it several times per branch. Never shared with a forked child."""
    import duckdb

    global _log_reader
    if _log_reader is None or _log_reader[0] != os.getpid():
        _log_reader = (os.getpid(), duckdb.connect())
    cursor = _log_reader[1].cursor()
    cursor.execute("SET python_enable_replacements = false")
    return cursor


def _ingest_log(lake: Path, branch_code: str | None, where: str, params: dict, columns: str = "*") -> list[tuple]:
    files = _log_files(lake, branch_code)
    if not files:
        return []
    with _log_reader_cursor() as con:
        return con.execute(
            f"SELECT {columns} FROM "
            f"{with_every_column(EXTRACT_FILES, 'read_parquet($files, hive_partitioning = false, union_by_name = true)')} "
            f"WHERE {where}",
            {"files": files, **params},
        ).fetchall()


def _log_rows(lake: Path, branch_code: str | None, where: str, params: dict) -> list[dict]:
    """Whole ingest log rows, as dicts."""
    names = SCHEMAS[EXTRACT_FILES].names
    rows = _ingest_log(lake, branch_code, where, params, ", ".join(names))
    return [dict(zip(names, row, strict=True)) for row in rows]


MEMBERSHIP_FEED = "membership"  # the feed of log rows written before the log named it


@dataclass(frozen=True)
class CurrentDelivery:
    file_name: str
    file_hash: str
    resend: int
    rank: tuple  # `file_names.delivery_rank`: a delivery ranked lower is superseded by this one
    month_to_date: bool = False


@dataclass
class IngestLog:
    """The ingest log of one branch (or of every branch: ALL_BRANCHES), read once, and asked in memory; what ingest
    appends is written and added here as it goes. A branch's ingest reads it once, holding the branch's lock
    (`home_lock.branch_alone`), so no other run changes it meanwhile."""

    lake: Path
    rows: list[dict]

    @classmethod
    def read(cls, lake: Path, branch_code: str | None = ALL_BRANCHES) -> IngestLog:
        return cls(lake, _log_rows(lake, branch_code, "true", {}))

    def append(self, row: dict) -> None:
        write_log_row(self.lake, row, row["file_hash"] or row["file_name"])
        self.rows.append(row)

    def _rows(self, branch_code: str | None, feed: str | None = None, **equal) -> list[dict]:
        """The rows of a branch (of one feed: rows logged before feeds were are membership's)."""
        return [
            r
            for r in self.rows
            if r["branch_code"] == branch_code
            and (feed is None or (r.get("feed") or MEMBERSHIP_FEED) == feed)
            and all(r[k] == v for k, v in equal.items())
        ]

    def current_delivery(self, branch_code: str, snapshot_date, feed: str = "membership") -> CurrentDelivery | None:
        """The accepted file that counts for a branch, feed and snapshot date (claims: month): the greatest
        `file_names.delivery_rank` (the highest resend; a month-to-date claims file below any later delivery), then
        the latest processed."""

        def rank(row: dict) -> tuple:
            return delivery_rank(feed, snapshot_date, row["resend"], row["received_at"])

        best = max(
            self._rows(branch_code, feed, outcome="accepted", snapshot_date=snapshot_date),
            key=lambda r: (rank(r), r["processed_at"]),
            default=None,
        )
        if best is None:
            return None
        return CurrentDelivery(
            best["file_name"],
            best["file_hash"],
            best["resend"],
            rank(best),
            feed == "claims" and month_to_date(snapshot_date, best["received_at"]),
        )

    def logged_delivery(self, branch_code: str | None, file_hash: str, file_name: str, received_at) -> dict | None:
        """The log row of this very delivery of `branch_code` (same bytes, name and landing time), if one was
        written: the sign of a run that died after logging a file and before clearing it from the landing area."""
        rows = self._rows(branch_code, file_hash=file_hash, file_name=file_name, received_at=received_at)
        return max(rows, key=lambda r: r["processed_at"], default=None)

    def accepted_delivery_of(self, branch_code: str, file_hash: str) -> dict | None:
        """The log row of an accepted delivery of `branch_code` with these bytes, if any (the first)."""
        rows = self._rows(branch_code, outcome="accepted", file_hash=file_hash)
        return min(rows, key=lambda r: r["processed_at"], default=None)

    def latest_judged(self, branch_code: str, feed: str = "membership") -> dict | None:
        """The log row of the branch's most recent delivery of a feed that was accepted or rejected (duplicates and
        superseded resends are neither): whether the branch is healthy."""
        rows = [r for r in self._rows(branch_code, feed) if r["outcome"] in ("accepted", "rejected")]
        return max(rows, key=lambda r: r["processed_at"], default=None)

    def accepted_snapshot_dates(self, branch_code: str | None = ALL_BRANCHES, feed: str = "membership") -> set:
        """Snapshot dates (claims: months) of the accepted deliveries of a feed (of one branch, or of every branch
        read)."""
        return {
            r["snapshot_date"]
            for r in self.rows
            if r["outcome"] == "accepted"
            and branch_code in (ALL_BRANCHES, r["branch_code"])
            and (r.get("feed") or MEMBERSHIP_FEED) == feed
        }


def current_delivery(lake: Path, branch_code: str, snapshot_date) -> CurrentDelivery | None:
    return IngestLog.read(lake, branch_code).current_delivery(branch_code, snapshot_date)


def accepted_delivery_of(lake: Path, branch_code: str, file_hash: str) -> dict | None:
    return IngestLog.read(lake, branch_code).accepted_delivery_of(branch_code, file_hash)


def logged_since(lake: Path, since) -> list[dict]:
    """Ingest log rows written at or after `since`, oldest first (what one `ucj run` did)."""
    return _log_rows(lake, ALL_BRANCHES, "processed_at >= $since ORDER BY processed_at", {"since": since})


def accepted_snapshot_dates(lake: Path, branch_code: str | None = None) -> set:
    """Snapshot dates of the accepted extracts in the ingest log (of one branch, or all): the dates history can be
    rebuilt for, and how fresh a branch is."""
    branch = ALL_BRANCHES if branch_code is None else branch_code
    return IngestLog.read(lake, branch).accepted_snapshot_dates(branch)
