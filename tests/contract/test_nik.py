from datetime import date

import polars as pl
import pytest

from tests.factories import make_nik
from ucj_pipeline.contract import nik


def evaluate(expression, values):
    return (
        pl.DataFrame({"nik": values}, schema={"nik": pl.String}).select(expression(pl.col("nik"))).to_series().to_list()
    )


def test_clean_nik_removes_separators_and_excel_apostrophe():
    assert evaluate(nik.clean_nik, [" 7316.01-450190 0001 ", "'7316014501900001"]) == ["7316014501900001"] * 2


def test_scientific_notation_is_never_repaired():
    cleaned = evaluate(nik.clean_nik, ["7.316E+15"])
    assert evaluate(nik.is_well_formed, cleaned) == [False]


@pytest.mark.parametrize(
    ("value", "well_formed"),
    [("7316014501900001", True), ("731601450190001", False), ("73160145019000011", False), ("73160145019A0001", False)],
)
def test_well_formed_is_exactly_sixteen_digits(value, well_formed):
    assert evaluate(nik.is_well_formed, [value]) == [well_formed]


def test_province_must_be_known_but_checks_only_well_formed_niks():
    provinces = ["73", "91"]
    assert evaluate(lambda c: nik.has_known_province(c, provinces), ["7316014501900001", "9901014501900001", "1"]) == [
        True, False, True,
    ]  # fmt: skip


def test_regency_and_district_digits_not_00():
    values = ["7300014501900001", "7316004501900001", "7316014501900001"]
    assert evaluate(nik.has_region_digits, values) == [False, False, True]


def test_serial_not_0000():
    assert evaluate(nik.has_serial, ["7316014501900000", "7316014501900001"]) == [False, True]


def test_birth_date_digits_women_add_forty():
    female = make_nik(birth=date(1990, 1, 5), female=True)
    assert female[6:8] == "45"
    assert evaluate(nik.encoded_sex, [female, make_nik()]) == ["P", "L"]
    assert evaluate(nik.encoded_birth_date, [female]) == [date(2090, 1, 5)]  # century is not encoded


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("290200", True),
        ("290201", False),
        ("310490", False),
        ("320190", False),
        ("000190", False),
        ("721290", False),
        ("711290", True),
    ],
)
def test_birth_date_digits_must_be_a_real_date(digits, valid):
    assert evaluate(nik.has_birth_date, [f"731601{digits}0001"]) == [valid]
