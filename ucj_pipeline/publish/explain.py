"""`ucj explain REGION [--as-of D]`: where a published coverage figure comes from, read from ucj.duckdb as a BI tool
reads it (read-only).

For a region (Indonesia, a province or a regency) and a reporting date in `marts.coverage_history`, it prints the
figure, the files behind it (`marts.figure_sources`: each branch the figure depends on, its snapshot, the file as
delivered that made it, its SHA-256 and the covered workers counted from it in the region), a total that equals the
figure, the blocking checks every publish passes, and what each file had quarantined (`quality.quarantine`,
`quality.ingest_log`). No Dagster here: the checks are named from the same SQL files and contract the code location
builds them from.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ucj_pipeline.runtime.paths import STALE_AFTER_DAYS, UcjPaths

if TYPE_CHECKING:  # loaded by `explain` only: the CLI starts without DuckDB
    import duckdb

NATIONAL = ("national", "ID")
NATIONAL_NAMES = {"ID", "NATIONAL", "INDONESIA"}
KEPT_DATES_SHOWN = 8  # dates named in the message for a date that is not in the history


class ExplainError(Exception):
    """The region or date is unknown, or nothing is published: one message for the user (exit code 2)."""


@dataclass(frozen=True)
class Source:
    branch_code: str
    snapshot_date: date | None
    snapshot_state: str
    file_name: str | None
    file_sha256: str | None
    received_at: datetime | None  # None for a missing branch
    archived_as: str | None
    rows_read: int | None
    rows_accepted: int | None
    covered_workers_counted: int


@dataclass(frozen=True)
class FileQuality:
    file_name: str
    rows_read: int | None
    rows_accepted: int | None
    rows_quarantined: int | None
    rows_warned: int | None
    by_rule: list[tuple[str, str, int]]  # (severity, rule, rows)


@dataclass(frozen=True)
class Check:
    name: str
    on: str
    description: str


@dataclass(frozen=True)
class Explanation:
    as_of_date: date
    published_date: date
    region_level: str
    region_code: str
    region_name: str
    covered_workers: int
    worker_base: int | None
    coverage_pct: float | None
    has_stale_data: bool
    sources: list[Source] | None  # None: the files behind this date's figures were not recorded
    checks: list[Check]
    quality: list[FileQuality] | None  # None: the published file has no quality tables

    @property
    def traced_total(self) -> int | None:
        return None if self.sources is None else sum(s.covered_workers_counted for s in self.sources)

    @property
    def adds_up(self) -> bool:
        return self.traced_total == self.covered_workers


def parse_region(text: str) -> tuple[str, str]:
    """(level, code) of a region as typed: `ID` (or `national`) for Indonesia, a province `73`, a regency `73.16` or
    `7316`. Anything else is an ExplainError saying what is accepted."""
    typed = text.strip()
    if typed.upper() in NATIONAL_NAMES:
        return NATIONAL
    if re.fullmatch(r"\d{2}", typed):
        return "province", typed
    if re.fullmatch(r"\d{2}\.?\d{2}", typed):
        digits = typed.replace(".", "")
        return "regency", f"{digits[:2]}.{digits[2:]}"
    finer = re.fullmatch(r"(\d{2})\.?(\d{2})\.?\d{2}(\.?\d{4})?", typed)
    if finer:
        raise ExplainError(
            f"{typed} is a district or village code: figures are published for Indonesia, provinces and regencies "
            f"(its regency is {finer[1]}.{finer[2]})"
        )
    raise ExplainError(
        f"{typed!r} is not a region code: give a Kemendagri regency code (73.16 or 7316), a province code (73), "
        "or ID for Indonesia"
    )


def blocking_checks() -> list[Check]:
    """The checks that gate every publish, named from the definitions' sources: the SQL checks with `blocking: true`
    (dbt_like_sql/checks) and the Great Expectations suite `ge_<model>` that `ucj_warehouse` runs on the new file for
    every published model whose columns have tests in the contract (schema.yml)."""
    from ucj_pipeline.contract.columns import contract
    from ucj_pipeline.models.sql_checks import discover_checks
    from ucj_pipeline.models.sql_models import project_models

    models = project_models()
    sql = [
        Check(c.name, c.asset, c.description)
        for c in sorted(discover_checks(models).values(), key=lambda c: c.name)
        if c.blocking
    ]
    tested = set(contract().tested_tables())
    suites = [
        Check(f"ge_{m.name}", "ucj_warehouse", f"Great Expectations suite on {m.publish_as} in the newly built file")
        for m in models.values()
        if m.publish_as and m.name in tested
    ]
    return sql + suites


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()}


def explain(warehouse: Path, region: str, as_of: date | None = None) -> Explanation:
    """The explanation of one region's figure on one date, from the published file; ExplainError when the region or
    date is unknown or nothing is published."""
    import duckdb

    level, code = parse_region(region)
    if not warehouse.exists():
        raise ExplainError(f"nothing is published: no {warehouse} (run `ucj run` first)")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = _tables(con)
        if not {"marts.coverage_history", "marts.coverage_national"} <= tables:
            raise ExplainError(f"{warehouse} holds no coverage figures (run `ucj run`)")
        [(published,)] = con.execute("SELECT max(as_of_date) FROM marts.coverage_national").fetchall()
        day = as_of or published
        name = _region_name(con, tables, level, code)
        figure = con.execute(
            "SELECT region_name, covered_workers, worker_base, coverage_pct, has_stale_data FROM marts.coverage_history "
            "WHERE as_of_date = ? AND region_level = ? AND region_code = ?",
            [day, level, code],
        ).fetchall()
        if not figure:
            dates = [
                r[0]
                for r in con.execute("SELECT DISTINCT as_of_date FROM marts.coverage_history ORDER BY 1").fetchall()
            ]
            shown = ", ".join(map(str, dates[-KEPT_DATES_SHOWN:]))
            more = f" (and {len(dates) - KEPT_DATES_SHOWN} earlier)" if len(dates) > KEPT_DATES_SHOWN else ""
            raise ExplainError(
                f"no published figures for {day}: marts.coverage_history holds {shown or 'no date'}{more}; "
                f"`ucj run --as-of {day}` or `ucj backfill` computes a date"
            )
        [(history_name, covered, base, pct, stale)] = figure
        sources = _sources(con, tables, day, level, code)
        quality = _quality(con, tables, sources) if sources is not None else None
    return Explanation(day, published, level, code, history_name or name, covered, base, pct, bool(stale), sources,
                       blocking_checks(), quality)  # fmt: skip


def _region_name(con: duckdb.DuckDBPyConnection, tables: set[str], level: str, code: str) -> str:
    """The region's name in the published reference; ExplainError if the code names no region of its level."""
    if (level, code) == NATIONAL:
        return "Indonesia"
    if "reference.regions" in tables:
        found = con.execute(
            "SELECT region_name FROM reference.regions WHERE region_level = ? AND region_code = ?", [level, code]
        ).fetchall()
    else:  # a published file without the reference: the regions with figures
        found = con.execute(
            "SELECT any_value(region_name) FROM marts.coverage_history WHERE region_level = ? AND region_code = ? "
            "HAVING count(*) > 0",
            [level, code],
        ).fetchall()
    if not found:
        raise ExplainError(f"unknown region: {code} is not a Kemendagri {level} code (reference.regions)")
    return found[0][0]


def _sources(con: duckdb.DuckDBPyConnection, tables: set[str], day: date, level: str, code: str) -> list[Source] | None:
    """The rows of marts.figure_sources for the region and date; None when that date's sources were not recorded
    (figures computed before the model existed, or a file published without it)."""
    if "marts.figure_sources" not in tables:
        return None
    [(recorded,)] = con.execute("SELECT count(*) FROM marts.figure_sources WHERE as_of_date = ?", [day]).fetchall()
    if not recorded:
        return None
    rows = con.execute(
        "SELECT branch_code, snapshot_date, snapshot_state, file_name, file_sha256, received_at, archived_as, "
        "rows_read, rows_accepted, covered_workers_counted FROM marts.figure_sources "
        "WHERE as_of_date = ? AND region_level = ? AND region_code = ? "
        "ORDER BY covered_workers_counted DESC, branch_code",
        [day, level, code],
    ).fetchall()
    return [Source(*row) for row in rows]


def _quality(con: duckdb.DuckDBPyConnection, tables: set[str], sources: list[Source]) -> list[FileQuality] | None:
    """For each file behind the figure: its rows read, accepted, quarantined and warned (quality.ingest_log) and the
    rows each rule quarantined or flagged (quality.quarantine; a row breaking two rules counts for both)."""
    if "quality.ingest_log" not in tables and "quality.quarantine" not in tables:
        return None
    found = []
    for source in sources:
        if source.file_sha256 is None:
            continue
        counts = (source.rows_read, source.rows_accepted, None, None)
        if "quality.ingest_log" in tables:
            logged = con.execute(
                "SELECT rows_read, rows_accepted, rows_quarantined, rows_warned FROM quality.ingest_log "
                "WHERE file_hash = ? AND file_name = ? AND outcome = 'accepted' ORDER BY processed_at DESC LIMIT 1",
                [source.file_sha256, source.file_name],
            ).fetchall()
            counts = logged[0] if logged else counts
        by_rule = []
        if "quality.quarantine" in tables:
            by_rule = con.execute(
                "SELECT severity, rule, count(DISTINCT source_row) AS rows FROM quality.quarantine "
                "WHERE file_hash = ? AND file_name = ? GROUP BY ALL "
                "ORDER BY severity, rows DESC, rule",
                [source.file_sha256, source.file_name],
            ).fetchall()
        found.append(FileQuality(source.file_name, *counts, by_rule))
    return found


def _number(value) -> str:
    return "" if value is None else f"{value:,}"


def _table(rows: list[list[str]], headers: list[str], numeric: set[int]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        padded = [
            c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(padded).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def render(e: Explanation) -> str:
    """The explanation as the terminal shows it."""
    where = "Indonesia" if e.region_level == "national" else f"{e.region_name} ({e.region_level} {e.region_code})"
    published = "the published reporting date" if e.as_of_date == e.published_date else (
        f"from marts.coverage_history; the published reporting date is {e.published_date}"
    )  # fmt: skip
    pct = "" if e.coverage_pct is None else f"{e.coverage_pct:.2f}%"
    out = [
        f"{where}, as of {e.as_of_date} ({published})",
        "",
        f"  covered workers  {e.covered_workers:,}",
        f"  worker base      {_number(e.worker_base)}",
        f"  coverage         {pct}",
        f"  stale data       {_stale_line(e)}",
        "",
    ]
    if e.sources is None:
        again = (
            f"`ucj run --as-of {e.as_of_date}` recomputes them."
            if e.as_of_date == e.published_date
            else f"`ucj backfill --from {e.as_of_date} --to {e.published_date}` recomputes them (for a snapshot date; "
            f"any other date: `ucj run --as-of {e.as_of_date}`), then publishes {e.published_date} again."
        )
        out += [
            f"The files behind the figures of {e.as_of_date} are not recorded: they were computed before "
            "marts.figure_sources existed.",
            again,
        ]
        return "\n".join(out)
    out.append("Files behind the figure (marts.figure_sources)")
    headers = ["branch", "snapshot", "state", "file as delivered", "SHA-256", "delivered (UTC)", "rows accepted",
               "covered counted here"]  # fmt: skip
    rows = [
        [
            s.branch_code,
            "" if s.snapshot_date is None else str(s.snapshot_date),
            s.snapshot_state,
            s.file_name or "(none delivered)",
            s.file_sha256 or "",
            "" if s.received_at is None else s.received_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            _number(s.rows_accepted),
            _number(s.covered_workers_counted),
        ]
        for s in e.sources
    ]
    verdict = "= the published figure" if e.adds_up else f"DIFFERS from the published {e.covered_workers:,}"
    rows.append(["total", "", "", f"{len(e.sources)} branch(es)", "", "", "", _number(e.traced_total)])
    table = _table(rows, headers, numeric={6, 7})
    out += [*table[:-1], table[1], f"{table[-1]}  {verdict}"]
    if not e.sources:
        out.append("(no branch serves this region and no covered worker is counted there)")
    passed = "Checks this figure passed" if e.adds_up else "Checks every publish must pass"
    out += ["", f"{passed} (blocking: a publish stops when one fails; the last good file keeps serving)"]
    width = max((len(c.name) for c in e.checks), default=0)
    out += [f"  {c.name.ljust(width)}  on {c.on}: {c.description}" for c in e.checks]
    out += ["", "Quarantine of each file (quality.quarantine: rows by rule; a row breaking two rules counts for both)"]
    if e.quality is None:
        out.append("  (the published file has no quality tables)")
    for q in e.quality or []:
        out.append(
            f"  {q.file_name}: {_number(q.rows_read)} rows read, {_number(q.rows_accepted)} accepted, "
            f"{_number(q.rows_quarantined)} quarantined, {_number(q.rows_warned)} kept with a warning"
        )
        for severity in ("error", "warning"):
            rules = [f"{rule} {rows:,}" for kind, rule, rows in q.by_rule if kind == severity]
            if rules:
                label = "quarantined" if severity == "error" else "warned"
                out.append(f"    {label}: {', '.join(rules)}")
    if e.quality is not None and not e.quality:
        out.append("  (no file: no branch behind this figure has delivered)")
    return "\n".join(out)


def _stale_line(e: Explanation) -> str:
    if not e.has_stale_data:
        return f"no (every branch the figure depends on has a snapshot at most {STALE_AFTER_DAYS} days old)"
    parts = []
    for state in ("stale", "missing"):
        branches = [s.branch_code for s in e.sources or [] if s.snapshot_state == state]
        if branches:
            parts.append(f"{state}: {_listed(branches)}")
    return "YES, some branches are stale or missing" + (f" ({'; '.join(parts)})" if parts else "")


def _listed(branches: list[str], limit: int = 12) -> str:
    more = f" and {len(branches) - limit} more" if len(branches) > limit else ""
    return ", ".join(branches[:limit]) + more


def cmd_explain(args, config) -> int:
    """`ucj explain`: 0 when the files behind the figure add up to it; 1 when they do not, or were not recorded for
    that date; 2 when the region or date is unknown or nothing is published."""
    try:
        explanation = explain(UcjPaths(config.home).warehouse, args.region, _date(args.as_of))
    except ExplainError as error:
        print(f"ucj explain: {error}", file=sys.stderr)
        return 2
    print(render(explanation))
    if explanation.sources is not None and not explanation.adds_up:
        print("ucj explain: the files behind the figure do not add up to it: the build is wrong", file=sys.stderr)
    return 0 if explanation.sources is not None and explanation.adds_up else 1


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
