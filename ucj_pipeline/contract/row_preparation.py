"""Every column ingest derives from an extract's text, each in one place: the values the row rules judge (parsed
dates, the age on the snapshot date, a normalised region code, the programme list; the NIK is cleaned in polars by
`nik.clean_nik`) and, from them, the columns the lake stores of an accepted row (`PARTICIPANT_COLUMNS`, typed and
ordered by the column contract). Both are DuckDB SQL, run over the whole file where it lies (`judged_rows`)."""

from __future__ import annotations

from datetime import date

from ucj_pipeline.contract.pseudonymise import participant_key_sql

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")
PROGRAMS = ("JKK", "JKM", "JHT", "JP", "JKP")  # the contract's programmes
PERSONAL_COLUMNS = frozenset({"NIK", "NAMA", "TGL_LAHIR"})

# Prepared column -> contract column it comes from.
SOURCE_ROW = "source_row"  # a row's line (CSV) or row number (Excel, Parquet) in its file, as the contract counts

SOURCE_COLUMN = {
    "nik": "NIK",
    "age_years": "TGL_LAHIR",
    "birth_date_text": "TGL_LAHIR",
    "sex": "JENIS_KELAMIN",
    "region_code_text": "KODE_WILAYAH",
    "region_code": "KODE_WILAYAH",
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

# Prepared column -> its SQL over the view `raw_rows` (the contract columns as delivered, as text), computed as the
# file is read (`extract_reader.load_extract` adds each row's `source_row`).
PREPARED_COLUMNS = {
    "nik_text": "NIK",
    "name_text": "NULLIF(trim(NAMA), '')",
    "birth_date_text": "trim(TGL_LAHIR)",
    "birth_date": "try_strptime(trim(TGL_LAHIR), $date_formats)::DATE",
    "age_years": "date_sub('year', try_strptime(trim(TGL_LAHIR), $date_formats)::DATE, $snapshot_date)",
    "sex": "trim(JENIS_KELAMIN)",
    "region_code_text": "trim(KODE_WILAYAH)",
    "region_code": """CASE
        WHEN regexp_full_match(replace(trim(KODE_WILAYAH), '.', ''), '[0-9]{4}([0-9]{6})?') THEN
            concat_ws('.', NULLIF(substr(replace(trim(KODE_WILAYAH), '.', ''), 1, 2), ''),
                      NULLIF(substr(replace(trim(KODE_WILAYAH), '.', ''), 3, 2), ''),
                      NULLIF(substr(replace(trim(KODE_WILAYAH), '.', ''), 5, 2), ''),
                      NULLIF(substr(replace(trim(KODE_WILAYAH), '.', ''), 7, 4), ''))
    END""",
    "segment": "trim(SEGMEN)",
    "program_text": "trim(PROGRAM)",
    # Whether the list names the programme as a whole word (`JP` is not in `JKP`); a regular expression per
    # programme costs half what splitting the list into a sorted, distinct array did.
    **{f"has_{p.lower()}": f"regexp_matches(PROGRAM, '(^|[,;|\\s]){p}([,;|\\s]|$)')" for p in PROGRAMS},
    "status": "trim(STATUS)",
    "funding_source": "trim(SUMBER_IURAN)",
    "category": "NULLIF(trim(KATEGORI), '')",
    "enrolment_date_text": "trim(TGL_KEPESERTAAN)",
    "enrolment_date": "try_strptime(trim(TGL_KEPESERTAAN), $date_formats)::DATE",
    "last_paid_month": "NULLIF(trim(IURAN_TERAKHIR), '')",
    "employer_npp": "NULLIF(trim(NPP), '')",
}
PREPARE_SQL = (
    "SELECT\n    " + ",\n    ".join(f"{sql} AS {name}" for name, sql in PREPARED_COLUMNS.items()) + "\nFROM raw_rows"
)


def prepare_params(snapshot_date: date) -> dict:
    return {"date_formats": list(DATE_FORMATS), "snapshot_date": snapshot_date}


# Stored participant column -> its SQL over `accepted_rows` (the prepared columns of the accepted rows, with the
# cleaned `nik`). The column contract (schema.yml) says which columns are stored, in which order and type.
PARTICIPANT_COLUMNS = {
    "branch_code": "$branch_code",
    "snapshot_date": "$snapshot_date",
    "participant_key": participant_key_sql("nik"),
    "sex": "sex",
    "age_band": "CASE WHEN age_years < 25 THEN '15-24' WHEN age_years < 35 THEN '25-34' WHEN age_years < 45 THEN "
    "'35-44' WHEN age_years < 55 THEN '45-54' WHEN age_years < 65 THEN '55-64' ELSE '65+' END",
    "regency_code": "substr(region_code, 1, 5)",
    "village_code": "CASE WHEN length(region_code) = 13 THEN region_code END",
    "segment": "segment",
    # The programmes once each, sorted (the row rules let only PROGRAMS through): JKK, JKM, ... as `JKK,JKM`.
    "programs": "concat_ws(',', "
    + ", ".join(f"CASE WHEN has_{p.lower()} THEN '{p}' END" for p in sorted(PROGRAMS))
    + ")",
    **{f"has_{p.lower()}": f"has_{p.lower()}" for p in PROGRAMS},
    "status": "status",
    "funding_source": "funding_source",
    "category": "category",
    "enrolment_date": "enrolment_date",
    "last_paid_month": "last_paid_month",
    "employer_npp": "employer_npp",
    "source_file_hash": "$file_hash",
    "stored_snapshot_id": "$stored_snapshot_id",
    "source_row": "source_row",
}


def stored_sql(derived: dict[str, str], columns: list[tuple[str, str]]) -> str:
    """The query writing a feed's accepted rows: every column the contract stores (`columns`: name and type, from
    schema.yml), in its order and type, each from its SQL in `derived`, in file order."""
    underived = [name for name, _ in columns if name not in derived]
    unstored = set(derived) - {name for name, _ in columns}
    if underived or unstored:
        raise ValueError(
            f"ingest derives {sorted(unstored)} that the contract does not store, and not {underived} that it does"
        )
    select = ",\n    ".join(f"CAST({derived[name]} AS {kind}) AS {name}" for name, kind in columns)
    return f"SELECT\n    {select}\nFROM accepted_rows"


def participant_sql(columns: list[tuple[str, str]]) -> str:
    """The query writing a membership snapshot (`stored_sql` of PARTICIPANT_COLUMNS)."""
    return stored_sql(PARTICIPANT_COLUMNS, columns)
