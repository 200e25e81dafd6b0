"""The contract's row rules as a Pandera schema, and the judgement of a batch of an extract's rows by it.

`row_preparation.PREPARE_SQL` turns the file's text into the values the rules judge (parsed dates, age on the
snapshot date, normalised region code); `judge_batch` cleans the NIK and runs the Pandera schema from
`build_row_schema` (polars backend, lazy), which reports every rule every row breaks. A failing row is quarantined
with all its reasons; the rest of the file is used. The one rule that needs the whole file, the same NIK twice
(`duplicate_nik`: the AKTIF row is kept, then the latest enrolment), is judged by `judged_rows` over every batch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache

import pandera.polars as pa
import polars as pl

from ucj_pipeline.contract import nik as nik_rules
from ucj_pipeline.contract.reference_data import RegionIndex
from ucj_pipeline.contract.row_preparation import PROGRAMS, SOURCE_COLUMN, SOURCE_ROW, TEXT_COLUMN

SEXES = ("L", "P")
SEGMENTS = ("PU", "BPU", "JAKON", "PMI")
STATUSES = ("AKTIF", "NONAKTIF")
FUNDING_SOURCES = ("MANDIRI", "PEMBERI_KERJA", "APBD", "APBDES", "CSR", "LAINNYA")
MIN_AGE, MAX_AGE = 15, 100


@dataclass(frozen=True)
class Rule:
    code: str
    column: str  # the contract column the rule judges
    description: str


RULES: dict[str, Rule] = {
    r.code: r
    for r in [
        Rule("value_required", "*", "a required value is empty"),
        Rule("nik_format", "NIK", "NIK must be exactly 16 digits once spaces, dots and dashes are removed"),
        Rule("nik_province", "NIK", "NIK digits 1-2 must be a known province code"),
        Rule("nik_region_digits", "NIK", "NIK digits 3-4 and 5-6 must not be 00"),
        Rule("nik_birth_date", "NIK", "NIK digits 7-12 must be a real date DDMMYY (women add 40 to the day)"),
        Rule("nik_serial", "NIK", "NIK digits 13-16 must not be 0000"),
        Rule("birth_date_format", "TGL_LAHIR", "TGL_LAHIR must be a real date: YYYY-MM-DD, DD/MM/YYYY or DD-MM-YYYY"),
        Rule(
            "enrolment_date_format",
            "TGL_KEPESERTAAN",
            "TGL_KEPESERTAAN must be a real date: YYYY-MM-DD, DD/MM/YYYY or DD-MM-YYYY",
        ),
        Rule("age_range", "TGL_LAHIR", f"age on the snapshot date must be between {MIN_AGE} and {MAX_AGE}"),
        Rule("sex_value", "JENIS_KELAMIN", "JENIS_KELAMIN must be L or P"),
        Rule("region_code_format", "KODE_WILAYAH", "KODE_WILAYAH must be a regency (73.16) or village code"),
        Rule("region_code_unknown", "KODE_WILAYAH", "KODE_WILAYAH is not a regency or village in the reference"),
        Rule("segment_value", "SEGMEN", "SEGMEN must be PU, BPU, JAKON or PMI"),
        Rule("program_value", "PROGRAM", "PROGRAM must list only JKK, JKM, JHT, JP, JKP"),
        Rule("status_value", "STATUS", "STATUS must be AKTIF or NONAKTIF"),
        Rule("funding_source_value", "SUMBER_IURAN", "SUMBER_IURAN must be one of " + ", ".join(FUNDING_SOURCES)),
        Rule("category_format", "KATEGORI", "KATEGORI must be upper-case word(s) joined by _"),
        Rule("enrolment_after_snapshot", "TGL_KEPESERTAAN", "TGL_KEPESERTAAN must not be after the snapshot date"),
        Rule("last_paid_month_format", "IURAN_TERAKHIR", "IURAN_TERAKHIR must be YYYY-MM"),
        Rule("duplicate_nik", "NIK", "the same NIK appears again in this file; the AKTIF, latest-enrolled row is kept"),
        Rule(
            "field_count",
            "*",
            "the row has more or fewer fields than the header (an unquoted , or ; inside a value?); none of its "
            "values is kept",
        ),
        Rule(
            "misaligned_row",
            "*",
            "two or more columns hold values not of their form at once, the signature of a shifted row (an unquoted "
            ", or ; inside a value, or a missing field, with the field count still right); none of its values is "
            "shown or kept",
        ),
    ]
}
# Rules on a column's form or closed vocabulary: a row failing them in two or more columns at once is read as
# shifted (`misaligned_row`), since its values then sit under other columns' names and a personal value (the birth
# date, a part of the name) may sit under a column whose value would otherwise be echoed.
SHIFT_SIGNATURE_RULES = frozenset(
    {
        "nik_format",
        "birth_date_format",
        "sex_value",
        "region_code_format",
        "segment_value",
        "program_value",
        "status_value",
        "funding_source_value",
        "category_format",
        "enrolment_date_format",
        "last_paid_month_format",
    }
)
# "The same NIK twice in one file: one row is kept (the AKTIF one, then the latest enrolment)": the order in which
# the rows of one NIK are ranked (then their order in the file); the first is kept, the others are `duplicate_nik`.
DUPLICATE_NIK_KEEPS_FIRST = "status <> 'AKTIF', enrolment_date DESC NULLS LAST"
MISALIGNED_AT = 2  # columns failing a SHIFT_SIGNATURE_RULES rule in one row
# The columns whose offending value may be echoed: closed vocabularies, whose values are short tokens. Never a date,
# a region code or the NIK; and only a value shaped like a vocabulary token (`_echoable`).
ECHOED_COLUMNS = ("JENIS_KELAMIN", "SEGMEN", "PROGRAM", "STATUS", "SUMBER_IURAN", "KATEGORI")
ECHOED_TOKEN = r"^[A-Za-z_]{1,16}(?:[,;| ]+[A-Za-z_]{1,16}){0,5}$"
ECHOED_MAX_LENGTH = 32
WARNINGS: dict[str, Rule] = {
    r.code: r
    for r in [
        Rule(
            "nik_birth_date_mismatch",
            "NIK",
            "NIK date digits differ from TGL_LAHIR (row kept: a NIK is never reissued)",
        ),
        Rule("nik_sex_mismatch", "NIK", "NIK sex digit differs from JENIS_KELAMIN (row kept: a NIK is never reissued)"),
        Rule(
            "npp_personal_value",
            "NPP",
            "NPP holds what looks like personal data (a NIK, a date, or a word of the participant's name): the row is "
            "kept, its NPP is not stored",
        ),
        Rule(
            "category_personal_value",
            "KATEGORI",
            "KATEGORI holds a word of the participant's name: the row is kept, its category is not stored",
        ),
    ]
}
# Warnings whose column is not stored for the row (a free-text value that carries personal data): rule -> the
# prepared column that is emptied in the snapshot.
NOT_STORED = {"npp_personal_value": "employer_npp", "category_personal_value": "category"}
DATE_SHAPE = r"[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}"

PROGRAM_LIST = r"^\s*(?:{p})(?:[,;|\s]+(?:{p}))*[,;|\s]*$".format(p="|".join(PROGRAMS))


def rule_check(rule: str, expression) -> pa.Check:
    """A Pandera check named by the contract rule; `expression(column)` is a boolean polars expression."""
    return pa.Check(lambda data: data.lazyframe.select(expression(pl.col(data.key))), name=rule, error=rule)


def frame_rule_check(rule: str, expression: pl.Expr) -> pa.Check:
    return pa.Check(lambda data: data.lazyframe.select(expression), name=rule, error=rule)


def parsed_or_empty(text_column: str, value_column: str) -> pl.Expr:
    """The text is empty (another rule says so) or it parsed."""
    return pl.col(text_column).is_null() | pl.col(value_column).is_not_null()


@cache
def region_code_lists(regions: RegionIndex) -> tuple[pl.Series, pl.Series]:
    """Known regency and village codes as imploded Series (one list each), built once per process and index: a
    Python list would become a Series again in every batch's check, and a bare Series is ambiguous to `is_in`
    (deprecated in polars 1.28+, and twice as slow)."""
    return (
        pl.Series(sorted(regions.regencies), dtype=pl.String).implode(),
        pl.Series(sorted(regions.villages), dtype=pl.String).implode(),
    )


def nik_checks(regions: RegionIndex) -> list[pa.Check]:
    """The NIK's rules, as every feed's contract states them ("as in the membership contract")."""
    provinces = sorted(regions.provinces)
    return [
        rule_check("nik_format", nik_rules.is_well_formed),
        rule_check("nik_province", lambda c: nik_rules.has_known_province(c, provinces)),
        rule_check("nik_region_digits", nik_rules.has_region_digits),
        rule_check("nik_birth_date", nik_rules.has_birth_date),
        rule_check("nik_serial", nik_rules.has_serial),
    ]


def region_known_check(regions: RegionIndex) -> pa.Check:
    """`region_code_unknown`: a normalised KODE_WILAYAH is a regency (and, when given, a village) of the reference."""
    regencies, villages = region_code_lists(regions)

    def region_known(code: pl.Expr) -> pl.Expr:
        village_ok = (code.str.len_chars() != 13) | code.is_in(villages)
        return code.str.slice(0, 5).is_in(regencies) & village_ok

    return rule_check("region_code_unknown", region_known)


def build_row_schema(regions: RegionIndex, snapshot_date: date) -> pa.DataFrameSchema:
    """The Pandera schema of a prepared extract: one check per contract row rule, named by the rule."""

    def required(*checks: pa.Check) -> pa.Column:
        return pa.Column(None, nullable=False, required=True, checks=list(checks))

    def optional(*checks: pa.Check) -> pa.Column:
        return pa.Column(None, nullable=True, required=True, checks=list(checks))

    return pa.DataFrameSchema(
        {
            "nik": required(*nik_checks(regions)),
            "birth_date_text": required(),
            "age_years": optional(rule_check("age_range", lambda c: c.is_between(MIN_AGE, MAX_AGE))),
            "sex": required(rule_check("sex_value", lambda c: c.is_in(SEXES))),
            "region_code_text": required(),
            "region_code": optional(region_known_check(regions)),
            "segment": required(rule_check("segment_value", lambda c: c.is_in(SEGMENTS))),
            "program_text": required(rule_check("program_value", lambda c: c.str.contains(PROGRAM_LIST))),
            "status": required(rule_check("status_value", lambda c: c.is_in(STATUSES))),
            "funding_source": required(rule_check("funding_source_value", lambda c: c.is_in(FUNDING_SOURCES))),
            "category": optional(rule_check("category_format", lambda c: c.str.contains(r"^[A-Z]+(?:_[A-Z]+)*$"))),
            "enrolment_date_text": required(),
            "enrolment_date": optional(
                rule_check("enrolment_after_snapshot", lambda c: c <= pl.lit(snapshot_date, dtype=pl.Date))
            ),
            "last_paid_month": optional(
                rule_check("last_paid_month_format", lambda c: c.str.contains(r"^[0-9]{4}-(0[1-9]|1[0-2])$"))
            ),
        },
        checks=[
            frame_rule_check("birth_date_format", parsed_or_empty("birth_date_text", "birth_date")),
            frame_rule_check("enrolment_date_format", parsed_or_empty("enrolment_date_text", "enrolment_date")),
            frame_rule_check("region_code_format", parsed_or_empty("region_code_text", "region_code")),
        ],
        strict=False,
        name="branch_extract_rows",
    )


ISSUE_SCHEMA = {"row_index": pl.Int64, "column_name": pl.String, "rule": pl.String}


@dataclass
class BatchJudgement:
    """One batch of prepared rows judged: every (row, broken rule) with the offending text where it may be shown,
    the rows that broke no rule (their key for the file's duplicate rule), and the NIK warnings of those rows."""

    issues: pl.DataFrame  # source_row, column_name, rule, offending_value
    valid: pl.DataFrame  # source_row, nik, status, enrolment_date
    warnings: pl.DataFrame  # source_row, rule


@dataclass(frozen=True)
class RowRules:
    """What judging a feed's prepared rows needs beside its schema: which contract column each prepared column and
    each rule is about, which columns' text may be echoed (contract column -> prepared text column), the rules whose
    failure in several columns at once marks a shifted row, the columns the whole-file rule ranks the valid rows
    by, and the warnings on valid rows."""

    source_column: Mapping[str, str]
    rules: Mapping[str, Rule]
    echoed: Mapping[str, str]
    shift_rules: frozenset[str]
    valid_columns: tuple[str, ...]
    warnings: Callable[[pl.DataFrame], pl.DataFrame]


def membership_warnings(valid: pl.DataFrame) -> pl.DataFrame:
    return pl.concat([nik_consistency_warnings(valid), personal_value_warnings(valid)])


def _failures(prepared: pl.DataFrame, schema: pa.DataFrameSchema, spec: RowRules) -> pl.DataFrame:
    """(row_index, contract column, rule) for every rule every row breaks."""
    try:
        schema.validate(prepared, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases.filter(pl.col("index").is_not_null())
        rule = pl.when(pl.col("check") == "not_nullable").then(pl.lit("value_required")).otherwise(pl.col("check"))
        return (
            cases.select(
                row_index=pl.col("index").cast(pl.Int64),
                rule=rule,
                column_name=pl.col("column").replace_strict(dict(spec.source_column), default=None),
            )
            .with_columns(
                column_name=pl.coalesce(
                    "column_name",
                    pl.col("rule").replace_strict({k: r.column for k, r in spec.rules.items()}, default=None),
                )
            )
            .select(list(ISSUE_SCHEMA))
            .unique(maintain_order=True)
        )
    return pl.DataFrame(schema=ISSUE_SCHEMA)


def nik_consistency_warnings(rows: pl.DataFrame) -> pl.DataFrame:
    """Rows kept but flagged: NIK date digits or sex digit disagree with TGL_LAHIR / JENIS_KELAMIN. For rows that
    broke no rule (their NIK's digits are a real date)."""
    day, month, year = nik_rules.encoded_date_digits(pl.col("nik"))
    birth = pl.col("birth_date")
    date_mismatch = (day != birth.dt.day()) | (month != birth.dt.month()) | (year != birth.dt.year() % 100)
    sex_mismatch = nik_rules.encoded_sex(pl.col("nik")) != pl.col("sex")
    rules = {"nik_birth_date_mismatch": date_mismatch, "nik_sex_mismatch": sex_mismatch}
    flags = rows.lazy().select(SOURCE_ROW, **{code: mask.fill_null(False) for code, mask in rules.items()}).collect()
    return pl.concat([flags.filter(pl.col(code)).select(SOURCE_ROW, rule=pl.lit(code)) for code in rules])


def _name_words(text: pl.Expr) -> pl.Expr:
    return text.str.to_uppercase().str.extract_all(r"[A-Z]{3,}")


def _holds_name_word(value: pl.Expr) -> pl.Expr:
    """The value holds a word (3 letters or more) of the row's own name (`name_text`; a feed without names: never)."""
    return (_name_words(value).list.set_intersection(_name_words(pl.col("name_text"))).list.len() > 0).fill_null(False)


def personal_value_warnings(rows: pl.DataFrame) -> pl.DataFrame:
    """Rows kept but flagged, with a free-text column that is then not stored: NPP holding a NIK, a date or a word of
    the row's name; KATEGORI (upper-case words) holding a word of the row's name. A personal value keyed into the
    wrong column must not reach the lake."""
    npp = pl.col("employer_npp")
    squeezed = npp.str.replace_all(r"[\s.\-]", "")
    rules = {
        "npp_personal_value": (
            squeezed.str.contains(r"[0-9]{16}")
            | ((pl.col("nik").str.len_chars() >= 8) & squeezed.str.contains(pl.col("nik"), literal=True))
            | npp.str.contains(DATE_SHAPE)
            | _holds_name_word(npp)
        ),
        "category_personal_value": _holds_name_word(pl.col("category")),
    }
    flags = rows.lazy().select(SOURCE_ROW, **{code: mask.fill_null(False) for code, mask in rules.items()}).collect()
    return pl.concat([flags.filter(pl.col(code)).select(SOURCE_ROW, rule=pl.lit(code)) for code in rules])


def _echoable(value: pl.Expr) -> pl.Expr:
    """Whether a value delivered in a closed-vocabulary column may be shown to say what to fix: a short token of
    letters and `_` (a list of them for PROGRAM), all upper-case or all lower-case (a Title Case word may be a name),
    with no digit (so never a date or a run of digits), and holding no word of the row's own name."""
    return (
        value.str.contains(ECHOED_TOKEN)
        & (value.str.len_chars() <= ECHOED_MAX_LENGTH)
        & ((value == value.str.to_uppercase()) | (value == value.str.to_lowercase()))
        & ~_holds_name_word(value)
    ).fill_null(False)


def _misaligned(failures: pl.DataFrame, shift_rules: frozenset[str]) -> pl.DataFrame:
    """The failures with every row that breaks SHIFT_SIGNATURE_RULES in MISALIGNED_AT or more columns replaced by
    one `misaligned_row` failure."""
    shifted = (
        failures.filter(pl.col("rule").is_in(shift_rules))
        .group_by("row_index")
        .agg(pl.col("column_name").n_unique().alias("columns"))
        .filter(pl.col("columns") >= MISALIGNED_AT)
        .select("row_index")
    )
    if not shifted.height:
        return failures
    replaced = shifted.with_columns(column_name=pl.lit(None, pl.String), rule=pl.lit("misaligned_row"))
    return pl.concat([failures.join(shifted, on="row_index", how="anti"), replaced.select(list(ISSUE_SCHEMA))])


def judge_batch(prepared: pl.DataFrame, schema: pa.DataFrameSchema, spec: RowRules | None = None) -> BatchJudgement:
    """Judge a batch of prepared rows (a feed's PREPARE_SQL, with `nik_text`) against the feed's row schema
    (membership: `build_row_schema`, `MEMBERSHIP_ROWS`). Which of the valid rows are duplicates needs the whole
    file: `judged_rows` decides it."""
    spec = spec or MEMBERSHIP_ROWS
    prepared = (
        prepared.with_columns(nik=nik_rules.clean_nik(pl.col("nik_text")))
        .drop("nik_text")
        .with_row_index("row_index")
        .with_columns(pl.col("row_index").cast(pl.Int64))
    )
    if "name_text" not in prepared.columns:
        prepared = prepared.with_columns(name_text=pl.lit(None, pl.String))
    failures = _misaligned(_failures(prepared, schema, spec), spec.shift_rules)
    failed = failures.select("row_index").unique()
    valid = prepared.join(failed, on="row_index", how="anti")
    text = prepared.join(failed, on="row_index", how="semi").select(
        "row_index",
        SOURCE_ROW,
        # The file's text that broke the rule, to say what to fix: only in a closed-vocabulary column, only a
        # vocabulary-shaped token (never a personal column, a date, a code, a run of digits or a name).
        *(
            pl.when(_echoable(pl.col(text))).then(pl.col(text)).alias(f"text_{column}")
            for column, text in spec.echoed.items()
        ),
    )
    issues = failures.join(text, on="row_index", how="left").select(
        SOURCE_ROW,
        "column_name",
        "rule",
        offending_value=pl.coalesce(
            *(pl.when(pl.col("column_name") == column).then(pl.col(f"text_{column}")) for column in spec.echoed),
            pl.lit(None, pl.String),
        ),
    )
    return BatchJudgement(
        issues=issues, valid=valid.select(SOURCE_ROW, *spec.valid_columns), warnings=spec.warnings(valid)
    )


MEMBERSHIP_ROWS = RowRules(
    source_column=SOURCE_COLUMN,
    rules=RULES,
    echoed={column: TEXT_COLUMN[column] for column in ECHOED_COLUMNS},
    shift_rules=SHIFT_SIGNATURE_RULES,
    valid_columns=("nik", "status", "enrolment_date"),
    warnings=membership_warnings,
)
