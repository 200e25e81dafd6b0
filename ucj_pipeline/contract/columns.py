"""The column contract, `dbt_like_sql/schema.yml`: every stored or published column defined once, with its
description, its type (for lake tables) and its tests. The lake's Parquet schemas, the Dagster column schemas, the
DuckDB comments and the Great Expectations suites are all derived from it here.

`shared` takes the definition of the same name from the `columns` glossary: a shared meaning is chosen per table,
never matched by name alone (so `participant_snapshots.status` does not get the targets' status rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from ucj_pipeline.runtime.paths import SQL_MODELS_DIR

SHARED = "shared"
# The DuckDB types lake columns may have, and how pyarrow writes them to Parquet.
ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "BOOLEAN": pa.bool_(),
    "DOUBLE": pa.float64(),
    "DECIMAL(38, 0)": pa.decimal128(38, 0),
    "TIMESTAMP WITH TIME ZONE": pa.timestamp("us", tz="UTC"),
}
TESTS = ("not_null", "unique", "accepted_values", "accepted_range", "relationships")


class ContractError(ValueError):
    """schema.yml breaks its own rules; the message names the table and column."""


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    type: str | None  # DuckDB type: declared for lake tables; a model's comes from its SQL (manifest.json)
    tests: tuple[tuple[str, Any], ...] = ()  # (test name, its argument or None)


def _test(table: str, column: str, test) -> tuple[str, Any]:
    name, argument = (test, None) if isinstance(test, str) else next(iter(dict(test).items()))
    if name not in TESTS or (isinstance(test, dict) and len(test) != 1):
        raise ContractError(f"schema.yml: {table}.{column} has unknown test {test!r} (known: {', '.join(TESTS)})")
    return name, argument


class ColumnContract:
    """The contract read from one `schema.yml` (a test reads a changed copy)."""

    def __init__(self, root: Path = SQL_MODELS_DIR):
        self.path = root / "schema.yml"
        with open(self.path, encoding="utf-8") as f:
            raw = yaml.safe_load(f)
        glossary = raw["columns"]
        self.tables: dict[str, list[Column]] = {}
        for table, columns in raw["tables"].items():
            parsed = []
            for name, entry in columns.items():
                entry = entry if isinstance(entry, dict) else {"description": entry}
                text = entry.get("description", SHARED)
                if text == SHARED and name not in glossary:
                    raise ContractError(f"schema.yml: {table}.{name} is '{SHARED}' but the glossary has no {name}")
                kind = entry.get("type")
                if kind is not None and kind not in ARROW_TYPES:
                    raise ContractError(
                        f"schema.yml: {table}.{name} has type {kind!r}; lake columns may be {', '.join(ARROW_TYPES)}"
                    )
                tests = tuple(_test(table, name, t) for t in entry.get("tests", ()))
                parsed.append(Column(str(name), str(glossary[name] if text == SHARED else text), kind, tests))
            self.tables[table] = parsed

    def columns(self, table: str) -> list[Column]:
        if table not in self.tables:
            raise ContractError(f"schema.yml has no table {table}")
        return self.tables[table]

    def descriptions(self, table: str) -> dict[str, str]:
        return {c.name: c.description for c in self.tables.get(table, [])}

    def typed_columns(self, table: str) -> list[tuple[str, str]]:
        """(column, DuckDB type) of a lake table, as the contract declares them."""
        missing = [c.name for c in self.columns(table) if c.type is None]
        if missing:
            raise ContractError(f"schema.yml: lake table {table} needs a type for {', '.join(missing)}")
        return [(c.name, c.type) for c in self.columns(table)]

    def arrow_schema(self, table: str) -> pa.Schema:
        """The Parquet schema of a lake table; each field carries its description."""
        types = dict(self.typed_columns(table))
        return pa.schema(
            pa.field(c.name, ARROW_TYPES[types[c.name]], metadata={"description": c.description})
            for c in self.columns(table)
        )

    def tested_tables(self) -> list[str]:
        return [t for t, columns in self.tables.items() if any(c.tests for c in columns)]


CONTRACT_ROOT = SQL_MODELS_DIR  # the folder of schema.yml (a test points it at a changed copy before loading)


def contract() -> ColumnContract:
    """The project's contract (read once per process)."""
    return _read(CONTRACT_ROOT)


@cache
def _read(root: Path) -> ColumnContract:
    return ColumnContract(root)


def describe_columns(columns: list[str], table: str) -> dict[str, str]:
    """Descriptions for these columns of `table`; a column without one is left out (a test requires none missing)."""
    docs = contract().descriptions(table)
    return {c: docs[c] for c in columns if c in docs}
