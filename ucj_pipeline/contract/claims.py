"""The claims feed's contract (`docs/claims-extract.md`): its columns, vocabularies, the values its row
rules judge (DuckDB SQL over `raw_rows`, as the file is read) and the rules themselves (a Pandera schema, one check
per rule, named by it). Where the claims contract says "as membership", the membership rules are reused
(`row_rules`, `row_preparation`, `nik`). No Dagster.
"""

from __future__ import annotations

from datetime import date

import pandera.polars as pa
import polars as pl

from ucj_pipeline.contract.pseudonymise import participant_key_sql
from ucj_pipeline.contract.reference_data import RegionIndex
from ucj_pipeline.contract.row_preparation import DATE_FORMATS, PREPARED_COLUMNS, PROGRAMS, stored_sql
from ucj_pipeline.contract.row_rules import (
    FUNDING_SOURCES,
    SEGMENTS,
    Rule,
    frame_rule_check,
    nik_checks,
    parsed_or_empty,
    region_known_check,
    rule_check,
)
from ucj_pipeline.contract.row_rules import RULES as MEMBERSHIP_RULES
from ucj_pipeline.runtime.paths import today_in_jakarta

REQUIRED_COLUMNS = (
    "NO_KLAIM",
    "NIK",
    "PROGRAM",
    "MANFAAT",
    "TGL_BAYAR",
    "NOMINAL",
    "SEGMEN",
    "SUMBER_IURAN",
    "KODE_WILAYAH",
)
OPTIONAL_COLUMNS = ("TGL_KEJADIAN", "KATEGORI")
EXCEL_DATE_COLUMNS = ("TGL_KEJADIAN", "TGL_BAYAR")
BENEFITS = (
    "SANTUNAN_KEMATIAN",
    "SANTUNAN_BERKALA",
    "BIAYA_PEMAKAMAN",
    "BEASISWA",
    "PERAWATAN",
    "STMB",
    "CACAT",
    "SALDO_JHT",
    "PENSIUN",
    "TUNAI_JKP",
    "LAINNYA",
)
DEATH_BENEFITS = ("SANTUNAN_KEMATIAN", "SANTUNAN_BERKALA", "BIAYA_PEMAKAMAN", "BEASISWA")
# "Allowed pairs of PROGRAM and MANFAAT": JKM with the death benefits; JKK with those and care, STMB, disability;
# JHT with its balance; JP with the pension; JKP with its cash; LAINNYA with any programme.
ALLOWED_BENEFITS = {
    "JKM": DEATH_BENEFITS,
    "JKK": (*DEATH_BENEFITS, "PERAWATAN", "STMB", "CACAT"),
    "JHT": ("SALDO_JHT",),
    "JP": ("PENSIUN",),
    "JKP": ("TUNAI_JKP",),
}
ALLOWED_PAIRS = tuple(sorted({(p, b) for p, bs in ALLOWED_BENEFITS.items() for b in (*bs, "LAINNYA")}))
MAX_AMOUNT = 5_000_000_000
# Whole rupiah: digits, optionally grouped in threes by `.` (`42.000.000`). `42,000,000`, `42.000.000,00`,
# `Rp 42.000.000` and decimals match neither and are errors, not guesses.
AMOUNT_TEXT = r"[0-9]{1,3}(\.[0-9]{3})+|[0-9]+"
CLAIM_NUMBER = r"^[A-Z0-9/-]{1,30}$"

# Prepared column -> its SQL over `raw_rows` (the claims columns as text). The NIK is cleaned in polars, as for
# membership; the claim number is judged, never stored (a keyed hash would do for duplicates across files).
PREPARED_CLAIM_COLUMNS = {
    "nik_text": "NIK",
    "claim_number": "trim(NO_KLAIM)",
    "programme": "trim(PROGRAM)",
    "benefit": "trim(MANFAAT)",
    "event_date_text": "NULLIF(trim(TGL_KEJADIAN), '')",
    "event_date": "try_strptime(trim(TGL_KEJADIAN), $date_formats)::DATE",
    "payment_date_text": "trim(TGL_BAYAR)",
    "payment_date": "try_strptime(trim(TGL_BAYAR), $date_formats)::DATE",
    "amount_text": "trim(NOMINAL)",
    "amount": f"CASE WHEN regexp_full_match(trim(NOMINAL), '{AMOUNT_TEXT}') "
    "THEN TRY_CAST(replace(trim(NOMINAL), '.', '') AS BIGINT) END",  # too many digits: NULL, amount_format
    **{c: PREPARED_COLUMNS[c] for c in ("segment", "funding_source", "category", "region_code_text", "region_code")},
}
PREPARE_SQL = (
    "SELECT\n    "
    + ",\n    ".join(f"{sql} AS {name}" for name, sql in PREPARED_CLAIM_COLUMNS.items())
    + "\nFROM raw_rows"
)
SOURCE_COLUMN = {
    "nik": "NIK",
    "claim_number": "NO_KLAIM",
    "programme": "PROGRAM",
    "benefit": "MANFAAT",
    "event_date_text": "TGL_KEJADIAN",
    "event_date": "TGL_KEJADIAN",
    "payment_date_text": "TGL_BAYAR",
    "payment_date": "TGL_BAYAR",
    "amount_text": "NOMINAL",
    "amount": "NOMINAL",
    "segment": "SEGMEN",
    "funding_source": "SUMBER_IURAN",
    "category": "KATEGORI",
    "region_code_text": "KODE_WILAYAH",
    "region_code": "KODE_WILAYAH",
}


def prepare_params(month_start: date) -> dict:
    """The parameters of PREPARE_SQL (the month and the delivery day are the schema's: `build_claims_schema`)."""
    return {"date_formats": list(DATE_FORMATS)}


def month_end(month_start: date) -> date:
    """The first day of the next month."""
    return date(month_start.year + month_start.month // 12, month_start.month % 12 + 1, 1)


# The rules the claims contract takes "as in the membership contract": the same declarations (`row_rules.RULES`).
SHARED_RULES = (
    "value_required",
    "nik_format",
    "nik_province",
    "nik_region_digits",
    "nik_birth_date",
    "nik_serial",
    "funding_source_value",
    "category_format",
    "region_code_format",
    "region_code_unknown",
    "field_count",
)
RULES: dict[str, Rule] = {code: MEMBERSHIP_RULES[code] for code in SHARED_RULES} | {
    r.code: r
    for r in [
        Rule("claim_number_format", "NO_KLAIM", "NO_KLAIM must be 1 to 30 characters of A-Z, 0-9, - and /"),
        Rule("program_value", "PROGRAM", "PROGRAM must be one of " + ", ".join(PROGRAMS)),
        Rule("benefit_value", "MANFAAT", "MANFAAT must be one of " + ", ".join(BENEFITS)),
        Rule("program_benefit_pair", "MANFAAT", "MANFAAT is not a benefit of that PROGRAM (the contract's pairs)"),
        Rule("payment_date_format", "TGL_BAYAR", "TGL_BAYAR must be a real date: YYYY-MM-DD, DD/MM/YYYY or DD-MM-YYYY"),
        Rule("payment_date_in_month", "TGL_BAYAR", "TGL_BAYAR must be inside the file's month"),
        Rule("payment_after_delivery", "TGL_BAYAR", "TGL_BAYAR must not be after the day the file was delivered"),
        Rule("event_date_format", "TGL_KEJADIAN", "TGL_KEJADIAN must be a real date, as TGL_BAYAR"),
        Rule("event_after_payment", "TGL_KEJADIAN", "TGL_KEJADIAN must not be after TGL_BAYAR"),
        Rule(
            "amount_format",
            "NOMINAL",
            "NOMINAL must be whole rupiah: digits, optionally grouped in threes by . (42.000.000); not 42,000,000, "
            "42.000.000,00, Rp 42.000.000 or a decimal",
        ),
        Rule("amount_range", "NOMINAL", f"NOMINAL must be more than 0 and at most {MAX_AMOUNT:,}"),
        Rule("segment_value", "SEGMEN", "SEGMEN must be " + ", ".join(SEGMENTS)),
        Rule(
            "duplicate_payment",
            "NO_KLAIM",
            "the same NO_KLAIM, MANFAAT and TGL_BAYAR appear again in this file; the first is kept",
        ),
    ]
}
WARNINGS: dict[str, Rule] = {
    r.code: r
    for r in [
        Rule(
            "payee_not_participant",
            "NIK",
            "the NIK is in no accepted membership snapshot of any branch up to the payment month (row kept)",
        ),
        Rule(
            "death_benefit_amount",
            "NOMINAL",
            "a death benefit whose amount differs from the reference amount in force on the payment date (row kept)",
        ),
    ]
}
# "The same NO_KLAIM, MANFAAT and TGL_BAYAR twice in one file: the first is kept".
DUPLICATE_KEY = "claim_number, benefit, payment_date"
DUPLICATE_KEEPS_FIRST = "1"  # nothing ranks before the order in the file


def build_claims_schema(
    regions: RegionIndex, month_start: date, delivered_on: date | None = None
) -> pa.DataFrameSchema:
    """The Pandera schema of prepared claims rows: one check per contract row rule, named by the rule."""
    delivered_on = delivered_on or today_in_jakarta()
    first, after = pl.lit(month_start, dtype=pl.Date), pl.lit(month_end(month_start), dtype=pl.Date)
    pairs = pl.Series([f"{p}:{b}" for p, b in ALLOWED_PAIRS], dtype=pl.String).implode()

    def required(*checks: pa.Check) -> pa.Column:
        return pa.Column(None, nullable=False, required=True, checks=list(checks))

    def optional(*checks: pa.Check) -> pa.Column:
        return pa.Column(None, nullable=True, required=True, checks=list(checks))

    known_pair = (
        ~pl.col("programme").is_in(PROGRAMS)
        | ~pl.col("benefit").is_in(BENEFITS)
        | pl.concat_str(["programme", "benefit"], separator=":").is_in(pairs)
    ).fill_null(True)
    event_in_order = (
        pl.col("event_date").is_null()
        | pl.col("payment_date").is_null()
        | (pl.col("event_date") <= pl.col("payment_date"))
    )
    return pa.DataFrameSchema(
        {
            "claim_number": required(rule_check("claim_number_format", lambda c: c.str.contains(CLAIM_NUMBER))),
            "nik": required(*nik_checks(regions)),
            "programme": required(rule_check("program_value", lambda c: c.is_in(PROGRAMS))),
            "benefit": required(rule_check("benefit_value", lambda c: c.is_in(BENEFITS))),
            "payment_date_text": required(),
            "payment_date": optional(
                rule_check("payment_date_in_month", lambda c: (c >= first) & (c < after)),
                rule_check("payment_after_delivery", lambda c: c <= pl.lit(delivered_on, dtype=pl.Date)),
            ),
            "event_date_text": optional(),
            "amount_text": required(),
            "amount": optional(rule_check("amount_range", lambda c: (c > 0) & (c <= MAX_AMOUNT))),
            "segment": required(rule_check("segment_value", lambda c: c.is_in(SEGMENTS))),
            "funding_source": required(rule_check("funding_source_value", lambda c: c.is_in(FUNDING_SOURCES))),
            "category": optional(rule_check("category_format", lambda c: c.str.contains(r"^[A-Z]+(?:_[A-Z]+)*$"))),
            "region_code_text": required(),
            "region_code": optional(region_known_check(regions)),
        },
        checks=[
            frame_rule_check("program_benefit_pair", known_pair),
            frame_rule_check("payment_date_format", parsed_or_empty("payment_date_text", "payment_date")),
            frame_rule_check("event_date_format", parsed_or_empty("event_date_text", "event_date")),
            frame_rule_check("event_after_payment", event_in_order),
            frame_rule_check("amount_format", parsed_or_empty("amount_text", "amount")),
            frame_rule_check("region_code_format", parsed_or_empty("region_code_text", "region_code")),
        ],
        strict=False,
        name="claims_extract_rows",
    )


# Rules on a column's form or closed vocabulary: failing two or more at once marks a shifted row (as membership).
SHIFT_SIGNATURE_RULES = frozenset(
    {
        "claim_number_format",
        "nik_format",
        "program_value",
        "benefit_value",
        "payment_date_format",
        "amount_format",
        "segment_value",
        "funding_source_value",
        "category_format",
        "region_code_format",
    }
)
ECHOED = {"PROGRAM": "programme", "MANFAAT": "benefit", "SEGMEN": "segment", "SUMBER_IURAN": "funding_source"}


def death_benefit_warnings(valid: pl.DataFrame, amounts: list[tuple[str, date, date | None, int]]) -> pl.DataFrame:
    """Valid rows kept but flagged `death_benefit_amount`: a JKM death benefit (lump sum, periodic, funeral) whose
    amount differs from the reference amount in force on its payment date (`amounts`: benefit, from, to or None,
    amount in rupiah; reference data `benefit_amounts.csv`)."""
    flagged = pl.lit(False)
    for benefit, start, end, amount in amounts:
        in_force = (pl.col("payment_date") >= pl.lit(start, dtype=pl.Date)) & (
            pl.lit(True) if end is None else pl.col("payment_date") <= pl.lit(end, dtype=pl.Date)
        )
        differs = (pl.col("programme") == "JKM") & (pl.col("benefit") == benefit) & in_force
        flagged = flagged | (differs & (pl.col("amount") != amount)).fill_null(False)
    return valid.filter(flagged).select("source_row", rule=pl.lit("death_benefit_amount"))


def claims_row_rules(amounts: list[tuple[str, date, date | None, int]]):
    """What judging a batch of claims rows needs beside the schema (`row_rules.RowRules`)."""
    from ucj_pipeline.contract.row_rules import RowRules

    return RowRules(
        source_column=SOURCE_COLUMN,
        rules=RULES,
        echoed=ECHOED,
        shift_rules=SHIFT_SIGNATURE_RULES,
        valid_columns=("nik", "claim_number", "benefit", "payment_date"),
        warnings=lambda valid: death_benefit_warnings(valid, amounts),
    )


LAKE_TABLE = "claim_payments"
# Stored claim column -> its SQL over `accepted_rows`. The payee is the pseudonymised participant key (the same key
# as membership: a payment links to its participant); no claim number, no NIK, no date of the payment or of the
# event is stored: the month, the regency and the amount are what the published figures need.
CLAIM_COLUMNS = {
    "branch_code": "$branch_code",
    "payment_month": "$snapshot_date",
    "participant_key": participant_key_sql("nik"),
    "programme": "programme",
    "benefit": "benefit",
    "segment": "segment",
    "funding_source": "funding_source",
    "category": "category",
    "regency_code": "substr(region_code, 1, 5)",
    "amount_rupiah": "amount",
    "source_file_hash": "$file_hash",
    "stored_snapshot_id": "$stored_snapshot_id",
    "source_row": "source_row",
}


def claim_sql(columns: list[tuple[str, str]]) -> str:
    """The query writing a branch's accepted payments of a month (`row_preparation.stored_sql`)."""
    return stored_sql(CLAIM_COLUMNS, columns)
