"""Ingest of branch extracts: file rules, row rules, pseudonymisation, lake and archive. No Dagster needed.

For every landed file of a branch, in snapshot order: hash it (the same bytes twice are processed once), read it,
validate every row, reject it whole when a file rule fails (the branch's last good snapshot keeps serving),
otherwise write the accepted rows, pseudonymised, as that branch's snapshot for that date. Every file, accepted or
not, gets a row in the ingest log and is moved, byte for byte, into the archive under its content hash.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl

from ucj_pipeline import lake
from ucj_pipeline.extract_files import ExtractFile, ExtractRejected, content_hash, parse_extract_name
from ucj_pipeline.extract_reader import SOURCE_ROW, read_extract
from ucj_pipeline.landing_files import DONE_MARKER
from ucj_pipeline.pseudonymise import hmac_sql, hmac_sql_params
from ucj_pipeline.reference_data import RegionIndex
from ucj_pipeline.row_rules import RULES, WARNINGS, RowValidation, prepare_rows, validate_rows
from ucj_pipeline.settings import DEFAULT_QUARANTINE_THRESHOLD, UcjPaths

log = logging.getLogger(__name__)
FIRST_OFFENDING_ROWS = 5


@dataclass(frozen=True)
class IngestSettings:
    paths: UcjPaths
    pseudonym_key: bytes
    quarantine_threshold: float = DEFAULT_QUARANTINE_THRESHOLD
    regions: RegionIndex = field(default_factory=RegionIndex.load)


@dataclass
class FileOutcome:
    """What happened to one delivered file: the ingest log row, plus the validation if it got that far."""

    log_row: dict
    validation: RowValidation | None = None

    @property
    def outcome(self) -> str:
        return self.log_row["outcome"]


def _now() -> datetime:
    return datetime.now(UTC)


class FileStillBeingWritten(Exception):
    """A landed file changed while it was read: transient; the caller retries later (nothing was written)."""


def landed_files_of_branch(files: list[Path], branch_code: str, known_branches: frozenset[str], today: date):
    """The branch's ready files whose names pass the contract, oldest snapshot first."""
    found = []
    for path in sorted(p for p in files if p.name.startswith(f"{branch_code}_")):
        try:
            extract = parse_extract_name(path.name, known_branches, today)
        except ExtractRejected:
            continue  # left for reject_misnamed_files, which logs it
        if extract.branch_code == branch_code and path.is_file():
            found.append((extract, path))
    return sorted(found, key=lambda item: item[0].sort_key)


def _log_row(name: str, file_hash: str, received_at: datetime, **fields) -> dict:
    row = dict.fromkeys(lake.SCHEMAS[lake.EXTRACT_FILES].names)
    row.update(file_name=name, file_hash=file_hash, received_at=received_at, processed_at=_now(), **fields)
    return row


def _archive(path: Path, file_hash: str, paths: UcjPaths) -> str:
    path.with_name(path.name + DONE_MARKER).unlink(missing_ok=True)  # the writer's "finished" marker, if any
    target = paths.archive / file_hash / path.name
    if target.exists():
        path.unlink()
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
    return str(target.relative_to(paths.home))


def _write_log(row: dict, paths: UcjPaths) -> None:
    stamp = row["processed_at"].strftime("%Y%m%dT%H%M%S%f")
    lake.write_parquet(
        pd.DataFrame([row]),
        paths.lake / lake.EXTRACT_FILES / f"{stamp}_{row['file_hash'][:16]}.parquet",
        lake.SCHEMAS[lake.EXTRACT_FILES],
    )


def _row_issues(validation: RowValidation, extract: ExtractFile, file_hash: str) -> pl.DataFrame:
    warnings = validation.warnings.with_columns(
        column_name=pl.lit("NIK"),
        rule_description=pl.col("rule").replace_strict({k: r.description for k, r in WARNINGS.items()}),
        offending_value=pl.lit(None, pl.String),
        severity=pl.lit("warning"),
    )
    issues = pl.concat([validation.quarantine.with_columns(severity=pl.lit("error")), warnings], how="diagonal")
    return issues.with_columns(
        file_name=pl.lit(extract.name),
        file_hash=pl.lit(file_hash),
        branch_code=pl.lit(extract.branch_code),
        snapshot_date=pl.lit(extract.snapshot_date),
    )


PARTICIPANT_SQL = f"""
SELECT
    $branch_code::VARCHAR AS branch_code,
    $snapshot_date::DATE AS snapshot_date,
    {hmac_sql("nik")} AS participant_key,
    sex,
    CASE WHEN age_years < 25 THEN '15-24' WHEN age_years < 35 THEN '25-34' WHEN age_years < 45 THEN '35-44'
         WHEN age_years < 55 THEN '45-54' WHEN age_years < 65 THEN '55-64' ELSE '65+' END AS age_band,
    substr(region_code, 1, 5) AS regency_code,
    CASE WHEN length(region_code) = 13 THEN region_code END AS village_code,
    segment,
    array_to_string(programs, ',') AS programs,
    list_contains(programs, 'JKK') AS has_jkk,
    list_contains(programs, 'JKM') AS has_jkm,
    list_contains(programs, 'JHT') AS has_jht,
    list_contains(programs, 'JP') AS has_jp,
    list_contains(programs, 'JKP') AS has_jkp,
    status,
    funding_source,
    category,
    enrolment_date::DATE AS enrolment_date,
    last_paid_month,
    employer_npp,
    $file_hash::VARCHAR AS source_file_hash,
    source_row::BIGINT AS source_row
FROM accepted_rows
"""  # DuckDB keeps insertion order, so the file order survives without a sort


def write_participant_snapshot(
    accepted: pl.DataFrame, extract: ExtractFile, file_hash: str, key: bytes, target: Path
) -> int:
    """Accepted rows as stored in the lake: pseudonymised, no name, no birth date (only an age band)."""
    columns = [c for c in accepted.columns if c not in ("birth_date", "birth_date_text")]  # personal: dropped
    params = {
        "branch_code": extract.branch_code,
        "snapshot_date": extract.snapshot_date,
        "file_hash": file_hash,
        **hmac_sql_params(key),
    }
    with duckdb.connect() as con:
        con.execute("SET python_enable_replacements = false")
        con.register("accepted_rows", accepted.select(columns))
        lake.copy_to_parquet(con, PARTICIPANT_SQL, params, target)
    return accepted.height


def _first_offending(validation: RowValidation) -> str:
    firsts = validation.quarantine.unique(SOURCE_ROW, keep="first", maintain_order=True).head(FIRST_OFFENDING_ROWS)
    return "; ".join(f"row {r} ({rule})" for r, rule in firsts.select(SOURCE_ROW, "rule").iter_rows())


def _raise_if_changed(path: Path, before, name: str) -> None:
    after = path.stat()
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise FileStillBeingWritten(f"{name}: changed while it was read (still being written?)")


def ingest_file(path: Path, extract: ExtractFile, settings: IngestSettings) -> FileOutcome:
    """Process one landed file end to end; never raises for bad input, the outcome says what happened."""
    paths = settings.paths
    before = path.stat()
    file_hash = content_hash(path)
    received_at = datetime.fromtimestamp(before.st_mtime, UTC)
    base = dict(
        branch_code=extract.branch_code,
        snapshot_date=extract.snapshot_date,
        resend=extract.resend,
        file_format=extract.file_format,
    )
    if lake.was_accepted(paths.lake, file_hash):
        row = _log_row(
            extract.name,
            file_hash,
            received_at,
            **base,
            outcome="duplicate",
            reason="the same bytes were delivered and accepted before; processed once",
        )
        row["archived_as"] = _archive(path, file_hash, paths)
        _write_log(row, paths)
        return FileOutcome(row)

    validation = None
    try:
        raw = read_extract(path, extract.file_format, extract.name)
        _raise_if_changed(path, before, extract.name)
        validation = validate_rows(
            prepare_rows(raw.rows, extract.snapshot_date), settings.regions, extract.snapshot_date
        )
        counts = dict(
            rows_read=validation.rows_read,
            rows_quarantined=validation.rows_quarantined,
            rows_warned=validation.warnings[SOURCE_ROW].n_unique(),
            extra_columns=",".join(raw.extra_columns) or None,
        )
        lake.write_parquet(
            _row_issues(validation, extract, file_hash),
            paths.lake / lake.ROW_ISSUES / f"{file_hash}.parquet",
            lake.SCHEMAS[lake.ROW_ISSUES],
        )
        share = validation.rows_quarantined / validation.rows_read
        if share > settings.quarantine_threshold:
            raise ExtractRejected(
                extract.name,
                "quarantine_threshold",
                f"{validation.rows_quarantined} of {validation.rows_read} rows ({share:.1%}) quarantined, more "
                f"than the {settings.quarantine_threshold:.0%} allowed; first offending rows: "
                f"{_first_offending(validation)}",
            )
        rows_accepted = write_participant_snapshot(
            validation.accepted,
            extract,
            file_hash,
            settings.pseudonym_key,
            lake.snapshot_path(paths.lake, extract.branch_code, extract.snapshot_date),
        )
        row = _log_row(
            extract.name, file_hash, received_at, **base, **counts, outcome="accepted", rows_accepted=rows_accepted
        )
    except ExtractRejected as rejection:
        _raise_if_changed(path, before, extract.name)  # unreadable because half-written: retry, don't reject
        log.warning("%s", rejection)
        counts = {} if validation is None else counts
        row = _log_row(
            extract.name,
            file_hash,
            received_at,
            **base,
            **counts,
            outcome="rejected",
            rows_accepted=0,
            rejection_rule=rejection.rule,
            reason=str(rejection),
        )
    row["archived_as"] = _archive(path, file_hash, paths)
    _write_log(row, paths)
    return FileOutcome(row, validation)


def ingest_branch(
    branch_code: str, files: list[Path], settings: IngestSettings, known_branches: frozenset[str], today: date
) -> list[FileOutcome]:
    """Ingest every ready file of one branch, oldest snapshot first (a resend after what it replaces)."""
    return [
        ingest_file(path, extract, settings)
        for extract, path in landed_files_of_branch(files, branch_code, known_branches, today)
    ]


def reject_misnamed_files(
    files: list[Path], settings: IngestSettings, known_branches: frozenset[str], today: date
) -> list[dict]:
    """Ready files whose names break the contract: logged, archived untouched, never parsed."""
    rows = []
    for path in sorted(p for p in files if p.is_file() and not p.name.startswith(".")):
        try:
            parse_extract_name(path.name, known_branches, today)
        except ExtractRejected as rejection:
            file_hash = content_hash(path)
            received_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            row = _log_row(
                path.name,
                file_hash,
                received_at,
                outcome="rejected",
                rejection_rule=rejection.rule,
                reason=str(rejection),
            )
            row["archived_as"] = _archive(path, file_hash, settings.paths)
            _write_log(row, settings.paths)
            rows.append(row)
    return rows


__all__ = [
    "RULES",
    "FileOutcome",
    "FileStillBeingWritten",
    "IngestSettings",
    "ingest_branch",
    "ingest_file",
    "reject_misnamed_files",
]
