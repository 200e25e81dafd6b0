"""The values the row rules judge, prepared from an extract's text in DuckDB: a cleaned NIK, parsed dates, the age on
the snapshot date, a normalised region code; and which contract column each prepared column comes from."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from ucj_pipeline import nik as nik_rules

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")
PERSONAL_COLUMNS = frozenset({"NIK", "NAMA", "TGL_LAHIR"})

# Prepared column -> contract column it comes from.
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

# Parsing runs in DuckDB: vectorised and parallel over the whole file, which matters at millions of rows.
PREPARE_SQL = """
SELECT
    source_row,
    trim(NIK) AS nik_text,
    NULLIF(trim(NAMA), '') AS name_text,
    trim(TGL_LAHIR) AS birth_date_text,
    try_strptime(trim(TGL_LAHIR), $date_formats)::DATE AS birth_date,
    date_sub('year', try_strptime(trim(TGL_LAHIR), $date_formats)::DATE, $snapshot_date) AS age_years,
    trim(JENIS_KELAMIN) AS sex,
    trim(KODE_WILAYAH) AS region_code_text,
    CASE
        WHEN regexp_full_match(replace(trim(KODE_WILAYAH), '.', ''), '[0-9]{4}([0-9]{6})?') THEN
            concat_ws('.', NULLIF(substr(replace(trim(KODE_WILAYAH), '.', ''), 1, 2), ''),
                      NULLIF(substr(replace(trim(KODE_WILAYAH), '.', ''), 3, 2), ''),
                      NULLIF(substr(replace(trim(KODE_WILAYAH), '.', ''), 5, 2), ''),
                      NULLIF(substr(replace(trim(KODE_WILAYAH), '.', ''), 7, 4), ''))
    END AS region_code,
    trim(SEGMEN) AS segment,
    trim(PROGRAM) AS program_text,
    list_sort(list_distinct(list_filter(regexp_split_to_array(trim(PROGRAM), '[,;|\\s]+'), lambda p: p <> '')))
        AS programs,
    trim(STATUS) AS status,
    trim(SUMBER_IURAN) AS funding_source,
    NULLIF(trim(KATEGORI), '') AS category,
    trim(TGL_KEPESERTAAN) AS enrolment_date_text,
    try_strptime(trim(TGL_KEPESERTAAN), $date_formats)::DATE AS enrolment_date,
    NULLIF(trim(IURAN_TERAKHIR), '') AS last_paid_month,
    NULLIF(trim(NPP), '') AS employer_npp
FROM raw_rows
"""


def prepare_rows(raw: pl.DataFrame, snapshot_date: date) -> pl.DataFrame:
    """The values the rules judge, one row per file row, in file order."""
    with duckdb.connect() as con:
        con.execute("SET python_enable_replacements = false")
        con.register("raw_rows", raw)
        prepared = con.sql(
            PREPARE_SQL,  # DuckDB preserves insertion order: rows stay in file order
            params={"date_formats": list(DATE_FORMATS), "snapshot_date": snapshot_date},
        ).pl()
    return prepared.with_columns(nik=nik_rules.clean_nik(pl.col("nik_text"))).drop("nik_text")
