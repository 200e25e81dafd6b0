"""Publishing: the BI-facing DuckDB file, rebuilt whole and swapped into place atomically.

BI tools (Metabase, Superset, the DuckDB CLI) read `warehouse/ucj.duckdb`. A run never writes into that file:
it builds a new one beside it, checkpoints and closes it, then renames it over the old one. A reader connected
during the run keeps seeing the previous file, complete; the next connection sees the new one, complete. No lock
is ever shared between the pipeline and a reader. Table and column descriptions become DuckDB comments, which
BI tools show next to the data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class PublishedTable:
    qualified_name: str  # schema.table
    parquet: Path
    description: str
    column_descriptions: dict[str, str]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def publish_warehouse(tables: list[PublishedTable], target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.building")
    tmp.unlink(missing_ok=True)
    with duckdb.connect(str(tmp)) as con:
        con.execute("SET python_enable_replacements = false")
        for schema in sorted({t.qualified_name.split(".")[0] for t in tables}):
            con.execute(f"CREATE SCHEMA {schema}")
        for table in tables:
            con.execute(
                f"CREATE TABLE {table.qualified_name} AS SELECT * FROM read_parquet({_literal(str(table.parquet))})"
            )
            con.execute(f"COMMENT ON TABLE {table.qualified_name} IS {_literal(table.description)}")
            for column, description in table.column_descriptions.items():
                con.execute(f'COMMENT ON COLUMN {table.qualified_name}."{column}" IS {_literal(description)}')
        con.execute("CHECKPOINT")
    os.replace(tmp, target)
    return target
