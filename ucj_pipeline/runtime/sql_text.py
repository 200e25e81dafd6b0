"""Values spliced into SQL text (paths in `read_parquet('…')`, comments): always through here, quoted.

A path under `UCJ_HOME` may hold an apostrophe (`/srv/data/kantor'cabang`); a description may too. DuckDB cannot
take a parameter for a table function's file name or for `COMMENT ON`, so these are literals, escaped.
"""

from __future__ import annotations

from os import PathLike


def sql_string(value: str | PathLike) -> str:
    """A SQL string literal holding `value` exactly."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_string_list(values) -> str:
    """A DuckDB list literal of strings: `['a', 'b']`."""
    return "[" + ", ".join(sql_string(v) for v in values) + "]"
