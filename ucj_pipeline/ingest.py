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

import numpy as np
import pandas as pd

from ucj_pipeline import lake
from ucj_pipeline.extract_files import ExtractFile, ExtractRejected, content_hash, parse_extract_name
from ucj_pipeline.extract_reader import SOURCE_ROW, read_extract
from ucj_pipeline.pseudonymise import pseudonymise
from ucj_pipeline.reference_data import RegionIndex
from ucj_pipeline.row_rules import RULES, WARNINGS, RowValidation, prepare_rows, validate_rows
from ucj_pipeline.settings import DEFAULT_QUARANTINE_THRESHOLD, UcjPaths

log = logging.getLogger(__name__)
FIRST_OFFENDING_ROWS = 5
AGE_BANDS = [(15, "15-24"), (25, "25-34"), (35, "35-44"), (45, "45-54"), (55, "55-64"), (65, "65+")]


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


def landed_files_of_branch(landing: Path, branch_code: str, known_branches: frozenset[str], today: date):
    """The branch's files in the landing area whose names pass the contract, oldest snapshot first."""
    files = []
    for path in sorted(landing.glob(f"{branch_code}_*")):
        try:
            extract = parse_extract_name(path.name, known_branches, today)
        except ExtractRejected:
            continue  # left for reject_misnamed_files, which logs it
        if extract.branch_code == branch_code and path.is_file():
            files.append((extract, path))
    return sorted(files, key=lambda item: item[0].sort_key)


def _log_row(name: str, file_hash: str, received_at: datetime, **fields) -> dict:
    row = dict.fromkeys(lake.SCHEMAS[lake.EXTRACT_FILES].names)
    row.update(file_name=name, file_hash=file_hash, received_at=received_at, processed_at=_now(), **fields)
    return row


def _archive(path: Path, file_hash: str, paths: UcjPaths) -> str:
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


def _row_issues(validation: RowValidation, extract: ExtractFile, file_hash: str) -> pd.DataFrame:
    warnings = validation.warnings.assign(
        severity="warning",
        column_name="NIK",
        rule_description=lambda w: w["rule"].map(lambda r: WARNINGS[r].description),
        offending_value=None,
    )
    issues = pd.concat([validation.quarantine.assign(severity="error"), warnings], ignore_index=True)
    return issues.assign(
        file_name=extract.name,
        file_hash=file_hash,
        branch_code=extract.branch_code,
        snapshot_date=extract.snapshot_date,
    )


def _age_band(age: pd.Series) -> np.ndarray:
    bounds = [lower for lower, _ in AGE_BANDS]
    labels = np.array([label for _, label in AGE_BANDS])
    return labels[np.searchsorted(bounds, age.to_numpy(dtype="int64"), side="right") - 1]


def participant_rows(accepted: pd.DataFrame, extract: ExtractFile, file_hash: str, key: bytes) -> pd.DataFrame:
    """Accepted rows as stored in the lake: pseudonymised, no name, no birth date (only an age band)."""
    programs = accepted["programs"]
    village = accepted["region_code"].where(accepted["region_code"].str.len() == 13)
    return pd.DataFrame(
        {
            "branch_code": extract.branch_code,
            "snapshot_date": extract.snapshot_date,
            "participant_key": pseudonymise(accepted["nik"], key),
            "sex": accepted["sex"].to_numpy(),
            "age_band": _age_band(accepted["age_years"]),
            "regency_code": accepted["region_code"].str[:5].to_numpy(),
            "village_code": village.to_numpy(),
            "segment": accepted["segment"].to_numpy(),
            "programs": programs.map(lambda t: ",".join(sorted(set(t)))).to_numpy(),
            **{
                f"has_{p.lower()}": programs.map(lambda t, p=p: p in t).to_numpy(dtype=bool)
                for p in ("JKK", "JKM", "JHT", "JP", "JKP")
            },
            "status": accepted["status"].to_numpy(),
            "funding_source": accepted["funding_source"].to_numpy(),
            "category": accepted["category"].to_numpy(),
            "enrolment_date": accepted["enrolment_date"].dt.date.to_numpy(),
            "last_paid_month": accepted["last_paid_month"].to_numpy(),
            "employer_npp": accepted["employer_npp"].to_numpy(),
            "source_file_hash": file_hash,
            "source_row": accepted[SOURCE_ROW].to_numpy(dtype="int64"),
        }
    )


def _first_offending(validation: RowValidation) -> str:
    firsts = validation.quarantine.drop_duplicates(SOURCE_ROW).head(FIRST_OFFENDING_ROWS)
    return "; ".join(f"row {r} ({rule})" for r, rule in zip(firsts[SOURCE_ROW], firsts["rule"], strict=True))


def ingest_file(path: Path, extract: ExtractFile, settings: IngestSettings) -> FileOutcome:
    """Process one landed file end to end; never raises for bad input, the outcome says what happened."""
    paths = settings.paths
    file_hash = content_hash(path)
    received_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    base = dict(
        branch_code=extract.branch_code,
        snapshot_date=extract.snapshot_date,
        resend=extract.resend,
        file_format=extract.file_format,
    )
    if (paths.archive / file_hash).exists():
        row = _log_row(
            extract.name,
            file_hash,
            received_at,
            **base,
            outcome="duplicate",
            reason="the same bytes were delivered before; processed once",
        )
        row["archived_as"] = _archive(path, file_hash, paths)
        _write_log(row, paths)
        return FileOutcome(row)

    validation = None
    try:
        raw = read_extract(path, extract.file_format, extract.name)
        validation = validate_rows(
            prepare_rows(raw.rows, extract.snapshot_date), settings.regions, extract.snapshot_date
        )
        counts = dict(
            rows_read=validation.rows_read,
            rows_quarantined=validation.rows_quarantined,
            rows_warned=int(validation.warnings[SOURCE_ROW].nunique()),
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
        participants = participant_rows(validation.accepted, extract, file_hash, settings.pseudonym_key)
        lake.write_parquet(
            participants,
            lake.snapshot_path(paths.lake, extract.branch_code, extract.snapshot_date),
            lake.SCHEMAS[lake.PARTICIPANT_SNAPSHOTS],
        )
        row = _log_row(
            extract.name, file_hash, received_at, **base, **counts, outcome="accepted", rows_accepted=len(participants)
        )
    except ExtractRejected as rejection:
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
    branch_code: str, landing: Path, settings: IngestSettings, known_branches: frozenset[str], today: date
) -> list[FileOutcome]:
    """Ingest every landed file of one branch, oldest snapshot first (a resend after what it replaces)."""
    return [
        ingest_file(path, extract, settings)
        for extract, path in landed_files_of_branch(landing, branch_code, known_branches, today)
    ]


def reject_misnamed_files(
    landing: Path, settings: IngestSettings, known_branches: frozenset[str], today: date
) -> list[dict]:
    """Files whose names break the contract: logged, archived untouched, never parsed."""
    rows = []
    for path in sorted(p for p in landing.iterdir() if p.is_file() and not p.name.startswith(".")):
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


__all__ = ["RULES", "IngestSettings", "FileOutcome", "ingest_file", "ingest_branch", "reject_misnamed_files"]
