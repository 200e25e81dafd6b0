"""Data checks as SQL files in `dbt_like_sql/checks/`, as dbt's singular data tests: each query returns the rows
that break a rule, and passes when it returns none.

The header comment says what the rule is; directives say which asset it checks and how hard:

    -- check: <asset>               (the model the check belongs to)
    -- blocking: true               (a failure stops the run before anything downstream, e.g. the publish)
    -- severity: warn               (default: error)

The tables it reads are found in the SQL (sqlglot), as for the models: they become the check's dependencies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ucj_pipeline.models.sql_models import SqlModel, connect_for_model, parse_header, table_dependencies
from ucj_pipeline.runtime.paths import SQL_MODELS_DIR

DIRECTIVE = re.compile(r"^--\s*(check|blocking|severity):\s*(\S+)\s*$")
SEVERITIES = ("error", "warn")


@dataclass(frozen=True)
class SqlCheck:
    name: str
    path: Path
    sql: str
    description: str
    asset: str
    blocking: bool
    severity: str
    depends_on: tuple[str, ...]


@dataclass(frozen=True)
class CheckOutcome:
    columns: list[str]
    rows: list[tuple]  # the offending rows

    @property
    def passed(self) -> bool:
        return not self.rows

    def as_markdown(self, limit: int = 20) -> str:
        if not self.rows:
            return "none"
        lines = [" | ".join(self.columns), " | ".join("---" for _ in self.columns)]
        lines += [" | ".join("" if v is None else str(v) for v in row) for row in self.rows[:limit]]
        more = len(self.rows) - limit
        return "\n".join(lines) + (f"\n\n… and {more} more" if more > 0 else "")


def discover_checks(models: dict[str, SqlModel], root: Path = SQL_MODELS_DIR) -> dict[str, SqlCheck]:
    checks = {}
    for path in sorted((root / "checks").glob("*.sql")):
        sql = path.read_text(encoding="utf-8")
        description, directives = parse_header(sql, DIRECTIVE)
        asset, severity = directives.get("check"), directives.get("severity", "error")
        if asset not in models:
            raise ValueError(f"{path}: '-- check: <model>' must name a model, not {asset!r}")
        if severity not in SEVERITIES or directives.get("blocking", "false") not in ("true", "false"):
            raise ValueError(f"{path}: severity must be one of {SEVERITIES}, blocking true or false")
        depends_on = tuple(sorted(table_dependencies(sql)))
        unknown = [d for d in depends_on if d not in models]
        if unknown:
            raise ValueError(f"{path}: reads unknown model(s) {', '.join(unknown)}")
        checks[path.stem] = SqlCheck(
            path.stem,
            path,
            sql,
            description,
            asset,
            directives.get("blocking") == "true",
            severity,
            depends_on,
        )
    return checks


def run_check(
    check: SqlCheck, models: dict[str, SqlModel], lake_root: Path, as_of_date: date, scratch: Path | None = None
) -> CheckOutcome:
    """The offending rows, read from what the models stored in the lake."""
    with connect_for_model(check.depends_on, models, lake_root, as_of_date, scratch) as con:
        cursor = con.execute(check.sql)
        return CheckOutcome([d[0] for d in cursor.description], cursor.fetchall())
