"""Descriptions of published tables and columns, from one source: SQL headers and `dbt_like_sql/schema.yml`.

`schema.yml` describes each column name once under `columns`; a table whose column means something more specific
overrides it under `tables: <model>: <column>`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from ucj_pipeline.settings import SQL_MODELS_DIR


@cache
def _schema(root: Path = SQL_MODELS_DIR) -> dict:
    with open(root / "schema.yml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def column_descriptions(table: str | None = None, root: Path = SQL_MODELS_DIR) -> dict[str, str]:
    schema = _schema(root)
    docs = {str(k): str(v) for k, v in schema["columns"].items()}
    docs.update({str(k): str(v) for k, v in (schema.get("tables") or {}).get(table, {}).items()})
    return docs


def describe_columns(columns: list[str], table: str | None = None, root: Path = SQL_MODELS_DIR) -> dict[str, str]:
    """Descriptions for these columns of `table`; a column without one is left out (a test requires none missing)."""
    docs = column_descriptions(table, root)
    return {c: docs[c] for c in columns if c in docs}
