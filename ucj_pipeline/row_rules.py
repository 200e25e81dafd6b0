"""The contract's row rules as a Pandera schema, and the split of an extract into accepted and quarantined rows.

`prepare_rows` turns the file's text into the values the rules judge (a cleaned NIK, parsed dates, age on the
snapshot date, normalised region code); `ROW_SCHEMA`-style validation (Pandera, lazy) then reports every rule
every row breaks. A failing row is quarantined with all its reasons; the rest of the file is used. The same NIK
twice in one file keeps one row (the AKTIF one, then the latest enrolment) and quarantines the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import pandera.pandas as pa

from ucj_pipeline import nik as nik_rules
from ucj_pipeline.extract_reader import SOURCE_ROW
from ucj_pipeline.reference_data import RegionIndex

SEXES = ("L", "P")
SEGMENTS = ("PU", "BPU", "JAKON", "PMI")
PROGRAMS = ("JKK", "JKM", "JHT", "JP", "JKP")
STATUSES = ("AKTIF", "NONAKTIF")
FUNDING_SOURCES = ("MANDIRI", "PEMBERI_KERJA", "APBD", "APBDES", "CSR", "LAINNYA")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")
MIN_AGE, MAX_AGE = 15, 100
PERSONAL_COLUMNS = frozenset({"NIK", "NAMA", "TGL_LAHIR"})


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
        Rule("date_format", "*", "a date must be YYYY-MM-DD, DD/MM/YYYY or DD-MM-YYYY and a real date"),
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
    ]
}
WARNINGS: dict[str, Rule] = {
    r.code: r
    for r in [
        Rule(
            "nik_birth_date_mismatch",
            "NIK",
            "NIK date digits differ from TGL_LAHIR (row kept: a NIK is never reissued)",
        ),
        Rule("nik_sex_mismatch", "NIK", "NIK sex digit differs from JENIS_KELAMIN (row kept: a NIK is never reissued)"),
    ]
}

# Prepared column -> contract column it comes from.
SOURCE_COLUMN = {
    "nik": "NIK",
    "birth_date_text": "TGL_LAHIR",
    "age_years": "TGL_LAHIR",
    "sex": "JENIS_KELAMIN",
    "region_code_text": "KODE_WILAYAH",
    "segment": "SEGMEN",
    "program_text": "PROGRAM",
    "status": "STATUS",
    "funding_source": "SUMBER_IURAN",
    "category": "KATEGORI",
    "enrolment_date_text": "TGL_KEPESERTAAN",
    "enrolment_date": "TGL_KEPESERTAAN",
    "last_paid_month": "IURAN_TERAKHIR",
}

# Contract column -> the prepared column holding its text as delivered (personal columns deliberately absent).
TEXT_COLUMN = {
    "JENIS_KELAMIN": "sex",
    "KODE_WILAYAH": "region_code_text",
    "SEGMEN": "segment",
    "PROGRAM": "program_text",
    "STATUS": "status",
    "SUMBER_IURAN": "funding_source",
    "KATEGORI": "category",
    "TGL_KEPESERTAAN": "enrolment_date_text",
    "IURAN_TERAKHIR": "last_paid_month",
}
assert not PERSONAL_COLUMNS & TEXT_COLUMN.keys()


def parse_contract_date(text: pd.Series) -> pd.Series:
    """Dates as the contract allows them (day first); NaT where none of the formats gives a real date."""
    text = text.str.strip()
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    for fmt in DATE_FORMATS:
        parsed = parsed.fillna(pd.to_datetime(text, format=fmt, errors="coerce"))
    return parsed


def normalise_region_code(text: pd.Series) -> pd.Series:
    """'7316' -> '73.16', '7316012001' -> '73.16.01.2001'; NA when the digits fit neither level."""
    digits = text.str.replace(".", "", regex=False).str.strip()
    regency = digits.str[:2] + "." + digits.str[2:4]
    village = regency + "." + digits.str[4:6] + "." + digits.str[6:10]
    ok = digits.str.fullmatch(r"\d{4}|\d{10}").fillna(False).astype(bool)
    return village.where(digits.str.len() == 10, regency).where(ok)


def program_tokens(text: pd.Series) -> pd.Series:
    return (
        text.str.strip()
        .str.split(r"[,;|\s]+", regex=True)
        .map(lambda tokens: tuple(t for t in tokens if t) if isinstance(tokens, list) else ())
    )


def prepare_rows(raw: pd.DataFrame, snapshot_date: date) -> pd.DataFrame:
    """The values the rules judge, one row per file row, index aligned with `raw`."""
    strip = {c: raw[c].str.strip() for c in raw.columns if c != SOURCE_ROW}
    birth = parse_contract_date(strip["TGL_LAHIR"])
    snapshot = pd.Timestamp(snapshot_date)
    # Whole years completed on the snapshot date.
    age = (
        snapshot.year
        - birth.dt.year
        - (
            (birth.dt.month > snapshot.month) | ((birth.dt.month == snapshot.month) & (birth.dt.day > snapshot.day))
        ).astype("Int64")
    )
    return pd.DataFrame(
        {
            SOURCE_ROW: raw[SOURCE_ROW],
            "nik": nik_rules.clean_nik(strip["NIK"]),
            "birth_date_text": strip["TGL_LAHIR"],
            "birth_date": birth,
            "age_years": age.astype("Float64"),
            "sex": strip["JENIS_KELAMIN"],
            "region_code_text": strip["KODE_WILAYAH"],
            "region_code": normalise_region_code(strip["KODE_WILAYAH"]),
            "segment": strip["SEGMEN"],
            "program_text": strip["PROGRAM"],
            "programs": program_tokens(strip["PROGRAM"]),
            "status": strip["STATUS"],
            "funding_source": strip["SUMBER_IURAN"],
            "category": strip["KATEGORI"].replace("", pd.NA),
            "enrolment_date_text": strip["TGL_KEPESERTAAN"],
            "enrolment_date": parse_contract_date(strip["TGL_KEPESERTAAN"]),
            "last_paid_month": strip["IURAN_TERAKHIR"].replace("", pd.NA),
            "employer_npp": strip["NPP"].replace("", pd.NA),
        }
    )


def _check(rule: str, fn, element_wise: bool = False) -> pa.Check:
    return pa.Check(fn, name=rule, error=rule, element_wise=element_wise)


def _is_date(text: pd.Series) -> pd.Series:
    return parse_contract_date(text).notna()


def build_row_schema(regions: RegionIndex, snapshot_date: date) -> pa.DataFrameSchema:
    """The Pandera schema of a prepared extract: one check per contract row rule, named by the rule."""
    snapshot = pd.Timestamp(snapshot_date)

    def region_known(code: pd.Series) -> pd.Series:
        normalised = normalise_region_code(code)
        regency = normalised.str[:5]
        village_ok = (normalised.str.len() != 13) | normalised.isin(regions.villages)
        return normalised.isna() | (regency.isin(regions.regencies) & village_ok)

    required = dict(nullable=False, required=True)
    optional = dict(nullable=True, required=True)
    return pa.DataFrameSchema(
        {
            "nik": pa.Column(
                None,
                **required,
                checks=[
                    _check("nik_format", nik_rules.is_well_formed),
                    _check("nik_province", lambda s: nik_rules.has_known_province(s, regions.provinces)),
                    _check("nik_region_digits", nik_rules.has_region_digits),
                    _check("nik_birth_date", nik_rules.has_birth_date),
                    _check("nik_serial", nik_rules.has_serial),
                ],
            ),
            "birth_date_text": pa.Column(None, **required, checks=[_check("date_format", _is_date)]),
            "age_years": pa.Column(
                None, **optional, checks=[_check("age_range", lambda s: s.between(MIN_AGE, MAX_AGE))]
            ),
            "sex": pa.Column(None, **required, checks=[_check("sex_value", lambda s: s.isin(SEXES))]),
            "region_code_text": pa.Column(
                None,
                **required,
                checks=[
                    _check("region_code_format", lambda s: normalise_region_code(s).notna()),
                    _check("region_code_unknown", region_known),
                ],
            ),
            "segment": pa.Column(None, **required, checks=[_check("segment_value", lambda s: s.isin(SEGMENTS))]),
            "program_text": pa.Column(
                None,
                **required,
                checks=[
                    _check(
                        "program_value",
                        lambda s: (
                            program_tokens(s).map(lambda t: bool(t) and all(p in PROGRAMS for p in t)).astype(bool)
                        ),
                    )
                ],
            ),
            "status": pa.Column(None, **required, checks=[_check("status_value", lambda s: s.isin(STATUSES))]),
            "funding_source": pa.Column(
                None, **required, checks=[_check("funding_source_value", lambda s: s.isin(FUNDING_SOURCES))]
            ),
            "category": pa.Column(
                None,
                **optional,
                checks=[_check("category_format", lambda s: s.str.fullmatch(r"[A-Z]+(?:_[A-Z]+)*").astype(bool))],
            ),
            "enrolment_date_text": pa.Column(None, **required, checks=[_check("date_format", _is_date)]),
            "enrolment_date": pa.Column(
                None, **optional, checks=[_check("enrolment_after_snapshot", lambda s: s <= snapshot)]
            ),
            "last_paid_month": pa.Column(
                None,
                **optional,
                checks=[
                    _check("last_paid_month_format", lambda s: s.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])").astype(bool))
                ],
            ),
        },
        strict=False,
        name="branch_extract_rows",
    )


@dataclass
class RowValidation:
    """Rows that passed every rule (deduplicated), and the quarantine: one row per (file row, broken rule)."""

    accepted: pd.DataFrame
    quarantine: pd.DataFrame
    warnings: pd.DataFrame
    rows_read: int

    @property
    def rows_quarantined(self) -> int:
        return int(self.quarantine[SOURCE_ROW].nunique())


def _failures(prepared: pd.DataFrame, schema: pa.DataFrameSchema) -> pd.DataFrame:
    try:
        schema.validate(prepared, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        cases = cases[cases["index"].notna()]
        rule = cases["check"].astype("str").where(cases["check"].astype("str") != "not_nullable", "value_required")
        column = cases["column"].map(SOURCE_COLUMN)
        return pd.DataFrame(
            {
                "index": cases["index"].astype("int64").to_numpy(),
                "column_name": column.to_numpy(),
                "rule": rule.to_numpy(),
            }
        )
    return pd.DataFrame({"index": [], "column_name": [], "rule": []})


def _duplicates(valid: pd.DataFrame) -> pd.Index:
    """Indices of rows whose NIK appears again: keep the AKTIF one, then the latest enrolment, then the first."""
    ordered = valid.assign(_inactive=valid["status"] != "AKTIF").sort_values(
        ["nik", "_inactive", "enrolment_date", SOURCE_ROW], ascending=[True, True, False, True]
    )
    return ordered.index[ordered.duplicated("nik", keep="first")]


def nik_consistency_warnings(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows kept but flagged: NIK date digits or sex digit disagree with TGL_LAHIR / JENIS_KELAMIN."""
    encoded = nik_rules.encoded_birth_date(rows["nik"])
    birth = rows["birth_date"]
    date_mismatch = (
        (encoded.dt.day != birth.dt.day)
        | (encoded.dt.month != birth.dt.month)
        | (encoded.dt.year % 100 != birth.dt.year % 100)
    )
    sex_mismatch = nik_rules.encoded_sex(rows["nik"]) != rows["sex"]
    parts = [
        pd.DataFrame({SOURCE_ROW: rows.loc[mask.fillna(False).astype(bool), SOURCE_ROW], "rule": code})
        for code, mask in (("nik_birth_date_mismatch", date_mismatch), ("nik_sex_mismatch", sex_mismatch))
    ]
    return pd.concat(parts, ignore_index=True)


def _offending_values(prepared: pd.DataFrame, quarantine: pd.DataFrame) -> pd.Series:
    """The file's text that broke the rule; never for personal columns (NIK, NAMA, TGL_LAHIR)."""
    values = pd.Series(pd.NA, index=quarantine.index, dtype="str")
    for column, text_column in TEXT_COLUMN.items():
        mask = quarantine["column_name"] == column
        if mask.any():
            values[mask] = prepared.loc[quarantine.loc[mask, "index"], text_column].to_numpy()
    return values


def validate_rows(prepared: pd.DataFrame, regions: RegionIndex, snapshot_date: date) -> RowValidation:
    failures = _failures(prepared, build_row_schema(regions, snapshot_date))
    failing = pd.Index(failures["index"].unique())
    valid = prepared.drop(index=failing)
    duplicate_index = _duplicates(valid)
    duplicates = pd.DataFrame({"index": duplicate_index, "column_name": "NIK", "rule": "duplicate_nik"})
    quarantine = pd.concat([failures, duplicates], ignore_index=True)
    quarantine[SOURCE_ROW] = prepared.loc[quarantine["index"], SOURCE_ROW].to_numpy()
    quarantine["offending_value"] = _offending_values(prepared, quarantine)
    quarantine["rule_description"] = quarantine["rule"].map(lambda r: RULES[r].description)
    quarantine = quarantine.drop(columns="index").sort_values([SOURCE_ROW, "rule"], ignore_index=True)
    accepted = valid.drop(index=duplicate_index)
    return RowValidation(
        accepted=accepted,
        quarantine=quarantine[[SOURCE_ROW, "column_name", "rule", "rule_description", "offending_value"]],
        warnings=nik_consistency_warnings(accepted),
        rows_read=len(prepared),
    )
