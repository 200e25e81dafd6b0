"""Column lineage of a SQL model, derived from its SQL with sqlglot: for each output column, the columns of the
tables it reads that feed it (through CTEs, joins' select lists, expressions and aggregates).

`count(*)` feeds a column from the rows of a table rather than from a column; it is shown as that table's first
column, which by the models' convention is the table's key (e.g. `int_covered_workers.participant_key`, one row
per covered person). Columns computed from nothing read (the reporting date variable, literals) have no lineage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlglot
from sqlglot import exp
from sqlglot.lineage import Node, lineage
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import build_scope


def column_lineage(
    sql: str, output_columns: Sequence[str], tables: Mapping[str, Sequence[str]]
) -> dict[str, set[tuple[str, str]]]:
    """Output column -> {(table, column)} it is computed from. `tables`: the columns of every table it may read."""
    schema = {name: {column: "VARCHAR" for column in columns} for name, columns in tables.items()}
    # Qualified and scoped once per model, not once per column (which took seconds at import for all models).
    tree = qualify(
        sqlglot.parse_one(sql, read="duckdb"), schema=schema, dialect="duckdb", validate_qualify_columns=False
    )
    scope = build_scope(tree)
    feeds = {}
    for column in output_columns:
        found: set[tuple[str, str]] = set()
        _leaves(lineage(column, tree, schema=schema, dialect="duckdb", scope=scope), tables, found)
        feeds[column] = found
    return feeds


def _leaves(node: Node, tables: Mapping[str, Sequence[str]], found: set[tuple[str, str]]) -> None:
    if node.downstream:
        for child in node.downstream:
            _leaves(child, tables, found)
        return
    if isinstance(node.source, exp.Table) and node.source.name in tables:
        found.add((node.source.name, node.name.split(".")[-1].strip('"')))
    elif node.expression.find(exp.Star) is not None and node.source is not None:
        for table in node.source.find_all(exp.Table):
            if tables.get(table.name):
                found.add((table.name, tables[table.name][0]))
