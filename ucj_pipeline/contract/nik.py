"""The structure of the NIK (Nomor Induk Kependudukan), as the contract's row rules define it.

    PP RR DD DDMMYY SSSS
    |  |  |  |      `- serial, not 0000
    |  |  |  `- birth date; women add 40 to the day
    |  |  `- district (kecamatan) digits, not 00
    |  `- regency digits, not 00
    `- province code (old codes from before a split stay valid)

Each function builds a polars expression over a column of cleaned NIKs, so millions of rows are checked in
native, parallel code. A check on the NIK's parts passes where the NIK is not 16 digits: that row already fails
`nik_format`, and a second reason about the same garbage would only be noise.
"""

from __future__ import annotations

import polars as pl

NIK_PATTERN = r"^[0-9]{16}$"  # ASCII digits only: `\d` would take Arabic-Indic or Devanagari digits


def clean_nik(raw: pl.Expr) -> pl.Expr:
    """Remove spaces, dots and dashes (and Excel's leading apostrophe); scientific notation is left to fail."""
    return raw.str.strip_chars().str.replace(r"^'", "").str.replace_all(r"[\s.\-]", "")


def is_well_formed(nik: pl.Expr) -> pl.Expr:
    return nik.str.contains(NIK_PATTERN)


def has_known_province(nik: pl.Expr, province_codes: list[str]) -> pl.Expr:
    return ~is_well_formed(nik) | nik.str.slice(0, 2).is_in(province_codes)


def has_region_digits(nik: pl.Expr) -> pl.Expr:
    return ~is_well_formed(nik) | ((nik.str.slice(2, 2) != "00") & (nik.str.slice(4, 2) != "00"))


def has_serial(nik: pl.Expr) -> pl.Expr:
    return ~is_well_formed(nik) | (nik.str.slice(12, 4) != "0000")


def encoded_day(nik: pl.Expr) -> pl.Expr:
    """Day of month as written in the NIK (41-71 for women); null where the NIK is not well formed."""
    return pl.when(is_well_formed(nik)).then(nik.str.slice(6, 2).cast(pl.Int32, strict=False))


def encoded_sex(nik: pl.Expr) -> pl.Expr:
    """'P' where the day digits carry the +40 for women, 'L' otherwise; null where not well formed."""
    day = encoded_day(nik)
    return pl.when(day > 40).then(pl.lit("P")).when(day.is_not_null()).then(pl.lit("L"))


def encoded_date_digits(nik: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Day (women's +40 removed), month and two-digit year as written in digits 7-12, as integers; null where the
    NIK is not well formed. Whether they make a real date is `has_birth_date`'s question: comparing them needs no
    date parsing, which costs more than the rest of a row's judgement."""
    day = encoded_day(nik)
    return (
        pl.when(day > 40).then(day - 40).otherwise(day),
        nik.str.slice(8, 2).cast(pl.Int32, strict=False),
        nik.str.slice(10, 2).cast(pl.Int32, strict=False),
    )


def encoded_birth_date(nik: pl.Expr) -> pl.Expr:
    """The birth date in digits 7-12 (null where it is not a real date).

    The two-digit year is read in the 2000s: 2000 is a leap year, so 29 February is accepted exactly when it
    exists in some century. The century is irrelevant to the rule, which only asks for a real date.
    """
    day, _, _ = encoded_date_digits(nik)
    text = day.cast(pl.String).str.zfill(2) + nik.str.slice(8, 2) + pl.lit("20") + nik.str.slice(10, 2)
    return text.str.to_date("%d%m%Y", strict=False)


def has_birth_date(nik: pl.Expr) -> pl.Expr:
    return ~is_well_formed(nik) | encoded_birth_date(nik).is_not_null()
