"""The structure of the NIK (Nomor Induk Kependudukan), as the contract's row rules define it.

    PP RR DD DDMMYY SSSS
    |  |  |  |      `- serial, not 0000
    |  |  |  `- birth date; women add 40 to the day
    |  |  `- district (kecamatan) digits, not 00
    |  `- regency digits, not 00
    `- province code (old codes from before a split stay valid)

Functions take and return pandas Series so that millions of rows are checked without a Python loop. A check on
the NIK's parts passes vacuously where the NIK is not 16 digits: that row already fails `nik_format`, and a
second reason about the same garbage would only be noise.
"""

from __future__ import annotations

import pandas as pd

NIK_PATTERN = r"\d{16}"
# Separators the contract allows inside a NIK, and Excel's text-forcing leading apostrophe.
_NOISE = r"[\s.\-]"


def clean_nik(raw: pd.Series) -> pd.Series:
    """Remove spaces, dots and dashes (and Excel's leading apostrophe). Scientific notation is left to fail."""
    return raw.str.replace(r"^'", "", regex=True).str.replace(_NOISE, "", regex=True)


def is_well_formed(nik: pd.Series) -> pd.Series:
    return nik.str.fullmatch(NIK_PATTERN).fillna(False).astype(bool)


def has_known_province(nik: pd.Series, province_codes: frozenset[str]) -> pd.Series:
    return ~is_well_formed(nik) | nik.str[:2].isin(province_codes)


def has_region_digits(nik: pd.Series) -> pd.Series:
    return ~is_well_formed(nik) | ((nik.str[2:4] != "00") & (nik.str[4:6] != "00"))


def has_serial(nik: pd.Series) -> pd.Series:
    return ~is_well_formed(nik) | (nik.str[12:16] != "0000")


def encoded_day(nik: pd.Series) -> pd.Series:
    """Day of month as written in the NIK (41-71 for women), as a number; NA where not well formed."""
    return pd.to_numeric(nik.where(is_well_formed(nik)).str[6:8], errors="coerce")


def encoded_sex(nik: pd.Series) -> pd.Series:
    """'P' where the day digits carry the +40 for women, 'L' otherwise; NA where not well formed."""
    day = encoded_day(nik)
    return pd.Series(pd.NA, index=nik.index, dtype="str").mask(day > 40, "P").mask(day <= 40, "L")


def encoded_birth_date(nik: pd.Series) -> pd.Series:
    """The birth date in digits 7-12, as a datetime (NaT where it is not a real date).

    The two-digit year is read in the 2000s: 2000 is a leap year, so 29 February is accepted exactly when it
    exists in some century. The century is irrelevant to the rule, which only asks for a real date.
    """
    day = encoded_day(nik)
    day = day.where(day <= 40, day - 40)
    text = day.astype("Int64").astype("str").str.zfill(2) + nik.str[8:10] + "20" + nik.str[10:12]
    return pd.to_datetime(text.where(day.notna()), format="%d%m%Y", errors="coerce")


def has_birth_date(nik: pd.Series) -> pd.Series:
    return ~is_well_formed(nik) | encoded_birth_date(nik).notna()
