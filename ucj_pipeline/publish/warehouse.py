"""Publishing: the BI-facing DuckDB file, rebuilt whole and swapped into place atomically.

BI tools (Metabase, Superset, the DuckDB CLI) read `warehouse/ucj.duckdb`. A run never opens that file: it
builds a new one beside it, checkpoints and closes it, checks the new file (row counts, Great Expectations), and
only then renames it over the old one. A reader connected
during the run keeps seeing the previous file, complete; the next connection sees the new one, complete. No lock
is ever shared between the pipeline and a reader. Table and column descriptions become DuckDB comments, which
BI tools show next to the data.

The file is written in DuckDB's v1.4 storage format: BI drivers and the DuckDB CLI (1.4 and later) read it, not
only DuckDB 2.0 (whose own format older readers refuse).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ucj_pipeline.runtime.atomic_files import temporary_path
from ucj_pipeline.runtime.sql_text import sql_string


@dataclass(frozen=True)
class PublishedTable:
    qualified_name: str  # schema.table
    source_sql: str  # a DuckDB table expression, e.g. read_parquet('…')
    description: str
    column_descriptions: dict[str, str]


STORAGE_VERSION = "v1.4.0"


def build_warehouse(tables: list[PublishedTable], target: Path) -> Path:
    """Build the new file beside `target` (never touching it) and return its path; the caller checks it, then
    `swap_in` or deletes it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(target, "building")
    tmp.unlink(missing_ok=True)
    with duckdb.connect() as con:
        con.execute("SET python_enable_replacements = false")
        con.execute(f"ATTACH {sql_string(tmp)} AS published (STORAGE_VERSION '{STORAGE_VERSION}')")
        con.execute("USE published")
        for schema in sorted({t.qualified_name.split(".")[0] for t in tables}):
            con.execute(f"CREATE SCHEMA {schema}")
        for table in tables:
            con.execute(f"CREATE TABLE {table.qualified_name} AS SELECT * FROM {table.source_sql}")
            con.execute(f"COMMENT ON TABLE {table.qualified_name} IS {sql_string(table.description)}")
            for column, description in table.column_descriptions.items():
                con.execute(f'COMMENT ON COLUMN {table.qualified_name}."{column}" IS {sql_string(description)}')
        con.execute("CHECKPOINT published")
        con.execute("USE memory")
        con.execute("DETACH published")
    return tmp


def swap_in(built: Path, target: Path) -> Path | None:
    """Rename the checked file over the published one. A `ucj.duckdb.wal` beside it belongs to a BI tool that
    opened the published file read-write and died: replayed onto the new file it would corrupt it (or fail every
    reader), so it is moved aside first. Returns where it went, if there was one."""
    wal = target.with_name(target.name + ".wal")
    moved = None
    if wal.exists():
        aside = target.parent / "stale_wal"
        aside.mkdir(mode=0o700, exist_ok=True)
        moved = aside / f"{target.name}.wal.{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}"
        os.replace(wal, moved)
    os.replace(built, target)
    return moved


def table_row_counts(warehouse: Path) -> dict[str, int]:
    """Rows per published table, read from DuckDB's catalogue of the (built) file."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [r[0] for r in con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()]
        return {name: con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0] for name in sorted(names)}
