from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tests.factories import HEADER, make_nik, row, write_extract
from ucj_pipeline.contract.reference_data import RegionIndex
from ucj_pipeline.contract.row_rules import RULES, WARNINGS
from ucj_pipeline.ingest.judged_rows import judged_rows

RULES_AND_WARNINGS = {code: rule.column for code, rule in (RULES | WARNINGS).items()}

SNAPSHOT = date(2025, 12, 31)


@dataclass
class Verdict:
    accepted: pl.DataFrame
    quarantine: pl.DataFrame
    warnings: pl.DataFrame
    rows_quarantined: int


def validate(tmp_path, rows, batch_rows=100_000):
    path = write_extract(tmp_path, "PALOPO_20251231.csv", rows)
    with judged_rows(path, "csv", path.name, SNAPSHOT, RegionIndex.load(), tmp_path, batch_rows) as judged:
        return Verdict(judged.accepted(), judged.quarantine(), judged.warnings(), judged.rows_quarantined)


def rules_of_row(validation, source_row=2):
    return set(validation.quarantine.filter(source_row=source_row)["rule"].to_list())


def test_valid_row_is_accepted(tmp_path):
    result = validate(tmp_path, [row(KODE_WILAYAH="7316012006", TGL_LAHIR="05/01/1990", PROGRAM=" JKK | jkm ".upper())])
    assert result.accepted.height == 1 and result.quarantine.height == 0
    accepted = result.accepted.row(0, named=True)
    assert accepted["region_code"] == "73.16.01.2006"
    assert (accepted["has_jkk"], accepted["has_jkm"], accepted["has_jp"], accepted["has_jkp"]) == (
        True,
        True,
        False,
        False,
    )
    assert accepted["age_years"] == 35


@pytest.mark.parametrize(
    ("program", "stored", "has"),
    [
        (" JKP;JKK | JKK,JP ", "JKK,JKP,JP", {"jkk": True, "jkm": False, "jht": False, "jp": True, "jkp": True}),
        ("JKK JKM\tJHT", "JHT,JKK,JKM", {"jkk": True, "jkm": True, "jht": True, "jp": False, "jkp": False}),
        ("JKP", "JKP", {"jkk": False, "jkm": False, "jht": False, "jp": False, "jkp": True}),
    ],
)
def test_stored_programmes_are_each_named_once_sorted(tmp_path, program, stored, has):
    """The snapshot stores a programme list as each programme once, sorted, and a flag per programme, whatever
    separators the branch used (a programme is a whole word: JP is not in JKP)."""
    path = write_extract(tmp_path, "PALOPO_20251231.csv", [row(PROGRAM=program)])
    with judged_rows(path, "csv", path.name, SNAPSHOT, RegionIndex.load(), tmp_path) as judged:
        judged.write_snapshot(tmp_path / "snapshot.parquet", "PALOPO", SNAPSHOT, "0" * 64, b"k" * 32)
    written = pl.read_parquet(tmp_path / "snapshot.parquet").row(0, named=True)
    assert written["programs"] == stored
    assert {p: written[f"has_{p}"] for p in has} == has


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"NIK": "731601450190001"}, "nik_format"),
        ({"NIK": "7.316E+15"}, "nik_format"),
        ({"NIK": "9901014501900001"}, "nik_province"),
        ({"NIK": "7300014501900001"}, "nik_region_digits"),
        ({"NIK": "7316013202900001"}, "nik_birth_date"),
        ({"NIK": "7316014501900000"}, "nik_serial"),
        ({"NIK": ""}, "value_required"),
        ({"TGL_LAHIR": "1990-02-30"}, "birth_date_format"),
        ({"TGL_LAHIR": "01/13/1990"}, "birth_date_format"),
        ({"TGL_LAHIR": "2015-01-01"}, "age_range"),
        ({"TGL_LAHIR": "1920-01-01"}, "age_range"),
        ({"JENIS_KELAMIN": "M"}, "sex_value"),
        ({"KODE_WILAYAH": "73-16"}, "region_code_format"),
        ({"KODE_WILAYAH": "73.99"}, "region_code_unknown"),
        ({"KODE_WILAYAH": "73.16.01.9999"}, "region_code_unknown"),
        ({"SEGMEN": "PBI"}, "segment_value"),
        ({"PROGRAM": "JKK,JKN"}, "program_value"),
        ({"PROGRAM": "jkk,jkm"}, "program_value"),
        ({"STATUS": "aktif"}, "status_value"),
        ({"SUMBER_IURAN": "APBN"}, "funding_source_value"),
        ({"KATEGORI": "honorer"}, "category_format"),
        ({"TGL_KEPESERTAAN": "2026-01-01"}, "enrolment_after_snapshot"),
        ({"TGL_KEPESERTAAN": "kemarin"}, "enrolment_date_format"),
        ({"IURAN_TERAKHIR": "2025-13"}, "last_paid_month_format"),
    ],
)
def test_each_rule_quarantines_the_row_and_names_the_rule(tmp_path, overrides, rule):
    result = validate(tmp_path, [row(**overrides), row(serial=2)])
    assert rules_of_row(result) == {rule}
    assert result.accepted["source_row"].to_list() == [3]
    quarantined = result.quarantine.row(0, named=True)
    assert quarantined["rule_description"] == RULES[rule].description
    assert quarantined["column_name"] in (RULES[rule].column, next(iter(overrides)))


def test_every_reason_of_a_row_is_kept(tmp_path):
    """One value of the wrong form and several out of range: each reason is kept (one wrong form is no shift)."""
    overrides = dict(SEGMEN="X", KODE_WILAYAH="99.99", NIK="7316014501900000", TGL_KEPESERTAAN="2026-01-01")
    result = validate(tmp_path, [row(**overrides)])
    assert rules_of_row(result) == {"segment_value", "region_code_unknown", "nik_serial", "enrolment_after_snapshot"}
    assert result.rows_quarantined == 1


def test_values_of_the_wrong_form_in_two_columns_are_one_misaligned_row_with_nothing_shown(tmp_path):
    result = validate(tmp_path, [row(SEGMEN="X", STATUS="Y"), row(serial=2)])
    assert rules_of_row(result) == {"misaligned_row"}
    assert result.quarantine["offending_value"].to_list() == [None]
    assert result.accepted["source_row"].to_list() == [3]


@pytest.mark.parametrize(
    ("column", "value", "shown"),
    [
        ("SEGMEN", "PBI", True),
        ("STATUS", "aktif", True),
        ("PROGRAM", "JKK;JKN", True),
        ("KATEGORI", "HONORER-2", False),  # a digit: never shown
        ("JENIS_KELAMIN", "Siti", False),  # Title Case: may be a name
        ("JENIS_KELAMIN", "PLANTED", False),  # a word of the row's own name
        ("SUMBER_IURAN", "199902", False),  # a run of digits
        ("SEGMEN", "A" * 40, False),  # not a short token
        ("IURAN_TERAKHIR", "2025-13", False),  # a date-shaped column: never shown
        ("KODE_WILAYAH", "73-16", False),  # a code: never shown
    ],
)
def test_an_offending_value_is_shown_only_when_it_is_a_short_vocabulary_token(tmp_path, column, value, shown):
    result = validate(tmp_path, [row(NAMA="Siti Planted", **{column: value})])
    [issue] = result.quarantine.to_dicts()
    assert issue["column_name"] == column and issue["rule"] != "misaligned_row"
    assert issue["offending_value"] == (value if shown else None)


def test_personal_values_never_enter_the_quarantine(tmp_path):
    bad_nik, bad_birth = "7316014501900000", "2015-01-01"  # nik_serial, age_range: one wrong form (SEGMEN)
    result = validate(tmp_path, [row(NIK=bad_nik, TGL_LAHIR=bad_birth, SEGMEN="X")])
    values = result.quarantine["offending_value"].to_list()
    assert bad_nik not in values and bad_birth not in values
    assert "X" in values  # a non-personal value is kept, to say what to fix


def test_duplicate_nik_keeps_the_active_then_latest_enrolled_row(tmp_path):
    rows = [
        row(STATUS="NONAKTIF", TGL_KEPESERTAAN="2025-06-01"),  # row 2: newest, but inactive
        row(STATUS="AKTIF", TGL_KEPESERTAAN="2020-01-01"),  # row 3
        row(STATUS="AKTIF", TGL_KEPESERTAAN="2023-01-01"),  # row 4: active and latest -> kept
    ]
    result = validate(tmp_path, rows)
    assert result.accepted["source_row"].to_list() == [4]
    assert sorted(result.quarantine.filter(rule="duplicate_nik")["source_row"].to_list()) == [2, 3]


def test_nik_disagreeing_with_birth_date_or_sex_is_kept_with_a_warning(tmp_path):
    nik = make_nik(birth=date(1990, 1, 5), female=True)
    result = validate(tmp_path, [row(NIK=nik, JENIS_KELAMIN="L", TGL_LAHIR="1991-01-05")])
    assert result.accepted.height == 1 and result.quarantine.height == 0
    assert sorted(result.warnings["rule"].to_list()) == ["nik_birth_date_mismatch", "nik_sex_mismatch"]


def test_a_file_judged_in_batches_gets_the_verdict_of_one_batch(tmp_path, monkeypatch):
    """Batches never hold more than their size, and the one rule over the whole file (the same NIK twice) still sees
    rows of different batches: the verdict equals the one-batch verdict."""
    import ucj_pipeline.ingest.judged_rows as judged_module

    rows = [row(serial=i, STATUS="NONAKTIF" if i % 3 else "AKTIF") for i in range(1, 30)]
    rows += [row(serial=i, TGL_KEPESERTAAN="2024-06-01") for i in range(1, 30, 4)]  # the same NIKs, later batches
    rows += [row(serial=90, SEGMEN="X"), row(serial=91, NIK="123"), row(serial=92, KODE_WILAYAH="99.99")]
    whole = validate(tmp_path / "whole", rows)
    heights = []
    judge = judged_module.judge_batch
    monkeypatch.setattr(
        judged_module,
        "judge_batch",
        lambda batch, schema, spec: heights.append(batch.height) or judge(batch, schema, spec),
    )
    batched = validate(tmp_path / "batched", rows, batch_rows=4)
    assert max(heights) <= 4 and sum(heights) == len(rows) and len(heights) >= 10
    assert whole.quarantine.filter(rule="duplicate_nik").height > 0
    for kept, verdict in ((whole, "whole"), (batched, "batched")):
        assert kept.accepted["source_row"].is_sorted(), verdict
    assert batched.accepted.equals(whole.accepted)
    assert batched.quarantine.equals(whole.quarantine)
    assert batched.warnings.equals(whole.warnings)


def test_a_large_file_is_judged_in_a_database_file_with_the_same_verdict(tmp_path, monkeypatch):
    """A small file is judged in memory, a large one in a database file in the private scratch folder (gone
    afterwards): the verdict is the same."""
    import ucj_pipeline.ingest.judged_rows as judged_module

    databases = []
    where = judged_module._scratch_database
    monkeypatch.setattr(judged_module, "_scratch_database", lambda *a: databases.append(where(*a)) or databases[-1])
    rows = [row(serial=i) for i in range(1, 20)] + [row(serial=3), row(serial=30, SEGMEN="X")]
    small = validate(tmp_path / "small", rows)
    monkeypatch.setattr(judged_module, "IN_MEMORY_UP_TO", 0)
    large = validate(tmp_path / "large", rows)
    assert databases[0] == ":memory:"
    assert Path(databases[1]).name == "judged.duckdb" and Path(databases[1]).is_relative_to(tmp_path / "large")
    assert not Path(databases[1]).exists() and not Path(databases[1]).parent.exists()
    assert small.quarantine.height == 2 and small.accepted.height == 19
    assert large.accepted.equals(small.accepted) and large.quarantine.equals(small.quarantine)


def _shifted(person: dict[str, str], direction: str, trailing_empty: bool) -> list[str]:
    """The person's fields as a shifted row: `right`, an unquoted comma in the name makes two fields of it; `left`,
    the name is left out. `trailing_empty` keeps the empty last field (NPP) a writer may also omit, so that the row
    has the header's field count or not."""
    fields = [person[h] for h in HEADER]
    name = HEADER.index("NAMA")
    if direction == "right":
        fields[name : name + 1] = [person["NAMA"], " S.Pd"]
    else:
        del fields[name]
    if trailing_empty:
        return fields + ([""] if direction == "left" else [])
    return fields[:-1] if direction == "right" else fields


SHIFTS = [(d, t) for d in ("right", "left") for t in (True, False)]


@pytest.mark.parametrize(("direction", "trailing_empty"), SHIFTS)
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_shifted_row_is_quarantined_with_none_of_its_values(tmp_path, direction, trailing_empty, file_format):
    """The shifted row's birth date lands under JENIS_KELAMIN (right) or its sex under TGL_LAHIR (left): whatever
    the field count says, it is quarantined as misaligned, and no value of it, above all no personal one, is shown."""
    import xlsxwriter

    person = row(NIK=make_nik(birth=date(1999, 2, 10), female=True, serial=7), NAMA="Siti Aminah",
                 TGL_LAHIR="1999-02-10", JENIS_KELAMIN="P")  # fmt: skip
    records = [[row(serial=1)[h] for h in HEADER], _shifted(person, direction, trailing_empty)]
    path = tmp_path / f"PALOPO_20251231.{file_format}"
    if file_format == "csv":
        path.write_text("\n".join(",".join(f'"{v}"' if "," in v else v for v in r) for r in [HEADER, *records]))
    else:
        book = xlsxwriter.Workbook(path)
        sheet = book.add_worksheet()
        for r, values in enumerate([HEADER, *records]):
            for c, value in enumerate(values):
                sheet.write_string(r, c, value)
        book.close()
    with judged_rows(path, file_format, path.name, SNAPSHOT, RegionIndex.load(), tmp_path) as judged:
        quarantine, accepted = judged.quarantine(), judged.accepted()
    assert accepted["source_row"].to_list() == [2]
    assert set(quarantine["rule"]) <= {"misaligned_row", "field_count"} and quarantine["source_row"].to_list() == [3]
    assert quarantine["offending_value"].to_list() == [None]
    planted = {person["NIK"], "1999-02-10", "Siti", "Aminah", "S.Pd"}
    assert not [v for v in planted if v in str(quarantine.rows())]


@pytest.mark.parametrize(
    ("overrides", "rule", "column"),
    [
        ({"NPP": make_nik(serial=1)}, "npp_personal_value", "employer_npp"),  # the row's own NIK
        ({"NPP": "1990-01-05"}, "npp_personal_value", "employer_npp"),  # a date
        ({"NPP": "Peserta"}, "npp_personal_value", "employer_npp"),  # a word of the name
        ({"KATEGORI": "PESERTA"}, "category_personal_value", "category"),
    ],
)
def test_a_personal_value_keyed_into_a_free_text_column_is_flagged_and_not_stored(tmp_path, overrides, rule, column):
    """NPP is free text and KATEGORI any upper-case words: a NIK, a date or a word of the name keyed there breaks no
    rule, so the row counts, flagged, and that column is not stored in the snapshot."""
    path = write_extract(tmp_path, "PALOPO_20251231.csv", [row(serial=1, **overrides), row(serial=2, NPP="12345678")])
    with judged_rows(path, "csv", path.name, SNAPSHOT, RegionIndex.load(), tmp_path) as judged:
        judged.write_snapshot(tmp_path / "snapshot.parquet", "PALOPO", SNAPSHOT, "0" * 64, b"k" * 32)
        warnings = judged.warnings()
        judged.write_row_issues(tmp_path / "issues.parquet", path.name, "0" * 64, "PALOPO", SNAPSHOT)
    stored = pl.read_parquet(tmp_path / "snapshot.parquet").sort("source_row")
    assert stored.height == 2 and stored[column].to_list()[0] is None
    assert stored["employer_npp"].to_list()[1] == "12345678"  # an employer number is kept
    assert warnings.to_dicts() == [{"source_row": 2, "rule": rule}]
    [issue] = pl.read_parquet(tmp_path / "issues.parquet").to_dicts()
    assert (issue["severity"], issue["column_name"], issue["offending_value"]) == (
        "warning",
        RULES_AND_WARNINGS[rule],
        None,
    )
