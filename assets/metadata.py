"""Dagster metadata built from the column contract (one source for the UI and for BI tools)."""

from dagster import TableColumn, TableSchema

from ucj_pipeline.contract.columns import contract, describe_columns


def column_schema(columns: list[tuple[str, str]], table: str) -> TableSchema:
    """Column schema of asset `table`: (column, DuckDB type) pairs, described by the contract."""
    docs = describe_columns([name for name, _ in columns], table)
    return TableSchema(
        columns=[TableColumn(name=name, type=str(kind), description=docs.get(name)) for name, kind in columns]
    )


def lake_column_schema(table: str, asset: str | None = None) -> TableSchema:
    """Column schema of a lake table as the contract types it (described as `asset`'s columns, if another asset
    writes into that table)."""
    return column_schema(contract().typed_columns(table), asset or table)
