"""Dagster metadata built from the pipeline's own descriptions (one source for the UI and for BI tools)."""

from dagster import TableColumn, TableSchema

from ucj_pipeline.model_docs import describe_columns


def column_schema(columns: list[tuple[str, str]], table: str) -> TableSchema:
    docs = describe_columns([name for name, _ in columns], table)
    return TableSchema(
        columns=[TableColumn(name=name, type=str(kind), description=docs.get(name)) for name, kind in columns]
    )


def arrow_column_schema(schema, table: str) -> TableSchema:
    """Column schema of a lake table (asset `table`) from its pyarrow schema."""
    return column_schema([(field.name, str(field.type)) for field in schema], table)
