"""Publishing: the BI-facing DuckDB file, rebuilt whole and swapped into place atomically.

BI tools (Metabase, Superset, the DuckDB CLI) read `warehouse/ucj.duckdb`. A run never writes into that file:
it builds a new one beside it, checkpoints and closes it, then renames it over the old one. A reader connected
during the run keeps seeing the previous file, complete; the next connection sees the new one, complete. No lock
is ever shared between the pipeline and a reader. Table and column descriptions become DuckDB comments, which
BI tools show next to the data.

The file is written in DuckDB's v1.4 storage format: BI drivers and the DuckDB CLI (1.4 and later) read it, not
only DuckDB 2.0 (whose own format older readers refuse).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class PublishedTable:
    qualified_name: str  # schema.table
    source_sql: str  # a DuckDB table expression, e.g. read_parquet('…')
    description: str
    column_descriptions: dict[str, str]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


STORAGE_VERSION = "v1.4.0"


def publish_warehouse(tables: list[PublishedTable], target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.building")
    tmp.unlink(missing_ok=True)
    with duckdb.connect() as con:
        con.execute("SET python_enable_replacements = false")
        con.execute(f"ATTACH {_literal(str(tmp))} AS published (STORAGE_VERSION '{STORAGE_VERSION}')")
        con.execute("USE published")
        for schema in sorted({t.qualified_name.split(".")[0] for t in tables}):
            con.execute(f"CREATE SCHEMA {schema}")
        for table in tables:
            con.execute(f"CREATE TABLE {table.qualified_name} AS SELECT * FROM {table.source_sql}")
            con.execute(f"COMMENT ON TABLE {table.qualified_name} IS {_literal(table.description)}")
            for column, description in table.column_descriptions.items():
                con.execute(f'COMMENT ON COLUMN {table.qualified_name}."{column}" IS {_literal(description)}')
        con.execute("CHECKPOINT published")
        con.execute("USE memory")
        con.execute("DETACH published")
    os.replace(tmp, target)
    return target


def table_row_counts(warehouse: Path) -> dict[str, int]:
    """Rows per published table, read from DuckDB's catalogue of the published file."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [r[0] for r in con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()]
        return {name: con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0] for name in sorted(names)}
