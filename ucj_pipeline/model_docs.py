"""Descriptions of tables and columns, from one source: SQL headers and `dbt_like_sql/schema.yml`.

`schema.yml` lists every column of every table asset under `tables: <table>:`, with its own text or `shared`,
which takes the definition of the same name from the `columns` glossary: a shared meaning is chosen per table,
never matched by name alone (so `participant_snapshots.status` does not get the targets' status rule).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from ucj_pipeline.settings import SQL_MODELS_DIR

SHARED = "shared"


@cache
def _schema(root: Path = SQL_MODELS_DIR) -> dict:
    with open(root / "schema.yml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def documented_tables(root: Path = SQL_MODELS_DIR) -> dict[str, dict[str, str]]:
    """Table -> column -> description, as schema.yml lists them (`shared` resolved from the glossary)."""
    schema = _schema(root)
    glossary = schema["columns"]
    return {
        table: {str(c): str(glossary[c] if text == SHARED else text) for c, text in columns.items()}
        for table, columns in schema["tables"].items()
    }


def column_descriptions(table: str, root: Path = SQL_MODELS_DIR) -> dict[str, str]:
    return documented_tables(root).get(table, {})


def describe_columns(columns: list[str], table: str, root: Path = SQL_MODELS_DIR) -> dict[str, str]:
    """Descriptions for these columns of `table`; a column without one is left out (a test requires none missing)."""
    docs = column_descriptions(table, root)
    return {c: docs[c] for c in columns if c in docs}
