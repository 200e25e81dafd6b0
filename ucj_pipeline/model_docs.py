"""Descriptions of published tables and columns, from one source: SQL headers and `dbt_like_sql/schema.yml`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from ucj_pipeline.settings import SQL_MODELS_DIR


@cache
def column_descriptions(root: Path = SQL_MODELS_DIR) -> dict[str, str]:
    with open(root / "schema.yml", encoding="utf-8") as f:
        return {str(k): str(v) for k, v in yaml.safe_load(f)["columns"].items()}


def describe_columns(columns: list[str], root: Path = SQL_MODELS_DIR) -> dict[str, str]:
    """Descriptions for these columns; a column without one is left out (a test requires none missing)."""
    docs = column_descriptions(root)
    return {c: docs[c] for c in columns if c in docs}
