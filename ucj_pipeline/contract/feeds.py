"""A feed is what one kind of branch delivery is to the pipeline: its contract (the names it owns, its columns,
its row rules and how its rows are prepared and stored) and the lake table its accepted rows go to, which the SQL
models of `dbt_like_sql/` read from staging on. The delivery path (landing → archive → judge → lake → models →
publish; docs/architecture.md) is written once and takes a feed; adding the claims feed (claims-extract.md) is a
second `Feed`, its rules and its SQL, not a copy of the path.

Today there is one feed, `membership()` (`docs/branch-extract.md`). A feed is built when first asked
for: its row rules import Pandera and polars, which the code location does not load.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING

from ucj_pipeline.contract import file_rules, row_preparation
from ucj_pipeline.contract.file_names import ExtractFile, parse_extract_name

if TYPE_CHECKING:
    import pandera.polars as pa

    from ucj_pipeline.contract.reference_data import RegionIndex
    from ucj_pipeline.contract.row_rules import RowRules, Rule


@dataclass(frozen=True)
class Feed:
    name: str
    contract_doc: str  # the contract as published in docs/
    parse_name: Callable[[str, frozenset[str], date], ExtractFile]  # ExtractRejected for a name it does not own
    required_columns: tuple[str, ...]
    optional_columns: tuple[str, ...]
    excel_date_columns: tuple[str, ...]  # dates an Excel sheet may hold as serial numbers
    # The row rules: the values they judge, prepared from the text as the file is read (DuckDB SQL over `raw_rows`,
    # with parameters of the snapshot date), the Pandera schema that judges a batch of them, and their descriptions.
    prepare_sql: str
    prepare_params: Callable[[date], dict]
    row_schema: Callable[[RegionIndex, date], pa.DataFrameSchema]
    rules: Mapping[str, Rule]
    warnings: Mapping[str, Rule]
    row_rules: RowRules  # what judging a batch needs beside the schema (columns, echoes, valid columns, warnings)
    # The whole-file rule: rows of the same key, ranked; the first is kept, the others quarantined under the rule.
    duplicate_key: str
    duplicate_keeps_first: str
    duplicate_rule: str
    empty_allowed: bool  # a header and no rows is a valid file (claims: a month without payments)
    not_stored: Mapping[str, str]  # warning rule -> stored column left empty on a row it flags (a personal value)
    stored_sql: Callable[[list[tuple[str, str]]], str]  # the accepted rows as the lake table stores them
    lake_table: str  # where accepted rows go (`ingest.lake`), read by the staging models below
    period_column: str  # the lake table's column for the delivery's date (snapshot date; payment month)
    staging_models: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required_columns + self.optional_columns

    def rule_descriptions(self) -> dict[str, str]:
        return {code: rule.description for code, rule in (self.rules | self.warnings).items()}


@cache
def membership() -> Feed:
    """Branch membership extracts: one full snapshot per branch and date."""
    from ucj_pipeline.contract import row_rules  # Pandera, polars: when a file is judged, not at import

    return Feed(
        name="membership",
        contract_doc="docs/branch-extract.md",
        parse_name=parse_extract_name,
        required_columns=file_rules.REQUIRED_COLUMNS,
        optional_columns=file_rules.OPTIONAL_COLUMNS,
        excel_date_columns=("TGL_LAHIR", "TGL_KEPESERTAAN"),
        prepare_sql=row_preparation.PREPARE_SQL,
        prepare_params=row_preparation.prepare_params,
        row_schema=row_rules.build_row_schema,
        rules=row_rules.RULES,
        warnings=row_rules.WARNINGS,
        row_rules=row_rules.MEMBERSHIP_ROWS,
        duplicate_key="nik",
        duplicate_keeps_first=row_rules.DUPLICATE_NIK_KEEPS_FIRST,
        duplicate_rule="duplicate_nik",
        empty_allowed=False,
        not_stored=row_rules.NOT_STORED,
        stored_sql=row_preparation.participant_sql,
        lake_table="participant_snapshots",
        period_column="snapshot_date",
        staging_models=("stg_participant_snapshots",),
    )


def _day(value) -> date | None:
    """A reference date as a `date` (empty: open-ended)."""
    if value is None or value != value or value == "":  # None, NaN/NaT, empty text
        return None
    return value.date() if hasattr(value, "date") and callable(value.date) else date.fromisoformat(str(value)[:10])


@cache
def claims() -> Feed:
    """Branch claims extracts: every benefit payment of one branch in one month (claims-extract.md)."""
    from ucj_pipeline.contract import claims as contract
    from ucj_pipeline.contract.file_names import parse_claims_name
    from ucj_pipeline.contract.reference_data import benefit_amounts

    amounts = [
        (r["benefit"], _day(r["effective_from"]), _day(r["effective_to"]), int(r["amount_rupiah"]))
        for r in benefit_amounts().to_dict("records")
        if r["programme"] == "JKM"
    ]
    return Feed(
        name="claims",
        contract_doc="docs/claims-extract.md",
        parse_name=parse_claims_name,
        required_columns=contract.REQUIRED_COLUMNS,
        optional_columns=contract.OPTIONAL_COLUMNS,
        excel_date_columns=contract.EXCEL_DATE_COLUMNS,
        prepare_sql=contract.PREPARE_SQL,
        prepare_params=contract.prepare_params,
        row_schema=contract.build_claims_schema,
        rules=contract.RULES,
        warnings=contract.WARNINGS,
        row_rules=contract.claims_row_rules(amounts),
        duplicate_key=contract.DUPLICATE_KEY,
        duplicate_keeps_first="",
        duplicate_rule="duplicate_payment",
        empty_allowed=True,
        not_stored={},
        stored_sql=contract.claim_sql,
        lake_table=contract.LAKE_TABLE,
        period_column="payment_month",
        staging_models=("stg_claim_payments",),
    )


@cache
def feeds() -> tuple[Feed, ...]:
    return (membership(), claims())


def feed_named(name: str) -> Feed:
    """The feed an `ExtractFile` names (`ExtractFile.feed`)."""
    for feed in feeds():
        if feed.name == name:
            return feed
    raise KeyError(f"no feed {name!r}")
