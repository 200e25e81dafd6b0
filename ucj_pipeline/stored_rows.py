"""What ingest stores of a judged file: the participant snapshot (accepted rows, pseudonymised, each column derived
in one place and stored as the column contract says) and the row issues (quarantined or flagged rows, with rules).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from ucj_pipeline import lake
from ucj_pipeline.column_contract import contract
from ucj_pipeline.extract_files import ExtractFile
from ucj_pipeline.pseudonymise import hmac_sql, hmac_sql_params
from ucj_pipeline.row_rules import WARNINGS, RowValidation


def row_issues(validation: RowValidation, extract: ExtractFile, file_hash: str) -> pl.DataFrame:
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


# How each stored participant column is derived from the validated rows; the column contract (schema.yml) says
# which columns are stored, in which order and with which type.
PARTICIPANT_COLUMNS = {
    "branch_code": "$branch_code",
    "snapshot_date": "$snapshot_date",
    "participant_key": hmac_sql("nik"),
    "sex": "sex",
    "age_band": "CASE WHEN age_years < 25 THEN '15-24' WHEN age_years < 35 THEN '25-34' WHEN age_years < 45 THEN "
    "'35-44' WHEN age_years < 55 THEN '45-54' WHEN age_years < 65 THEN '55-64' ELSE '65+' END",
    "regency_code": "substr(region_code, 1, 5)",
    "village_code": "CASE WHEN length(region_code) = 13 THEN region_code END",
    "segment": "segment",
    "programs": "array_to_string(programs, ',')",
    **{f"has_{p.lower()}": f"list_contains(programs, '{p}')" for p in ("JKK", "JKM", "JHT", "JP", "JKP")},
    "status": "status",
    "funding_source": "funding_source",
    "category": "category",
    "enrolment_date": "enrolment_date",
    "last_paid_month": "last_paid_month",
    "employer_npp": "employer_npp",
    "source_file_hash": "$file_hash",
    "source_row": "source_row",
}


def participant_sql(columns: list[tuple[str, str]]) -> str:
    """The query writing a snapshot: every contract column, in the contract's order and type."""
    underived = [name for name, _ in columns if name not in PARTICIPANT_COLUMNS]
    unstored = set(PARTICIPANT_COLUMNS) - {name for name, _ in columns}
    if underived or unstored:
        raise ValueError(
            f"ingest derives {sorted(unstored)} that the contract does not store, and not {underived} that it does"
        )
    select = ",\n    ".join(f"CAST({PARTICIPANT_COLUMNS[name]} AS {kind}) AS {name}" for name, kind in columns)
    return f"SELECT\n    {select}\nFROM accepted_rows"  # DuckDB keeps insertion order: the file's order survives


PARTICIPANT_SQL = participant_sql(contract().typed_columns(lake.PARTICIPANT_SNAPSHOTS))


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
