from datetime import date

import pytest

from ucj_pipeline.contract.file_names import ExtractRejected, parse_extract_name

KNOWN = frozenset({"PALOPO", "SINJAI", "LUWUTIMUR"})
TODAY = date(2026, 1, 15)


@pytest.mark.parametrize(
    ("name", "branch", "snapshot", "resend", "file_format"),
    [
        ("PALOPO_20251231.csv", "PALOPO", date(2025, 12, 31), 0, "csv"),
        ("SINJAI_20251130_02.csv.gz", "SINJAI", date(2025, 11, 30), 2, "csv"),
        ("LUWUTIMUR_20260115.xlsx", "LUWUTIMUR", date(2026, 1, 15), 0, "xlsx"),
        ("PALOPO_20250101_01.parquet", "PALOPO", date(2025, 1, 1), 1, "parquet"),
    ],
)
def test_contract_names_parse(name, branch, snapshot, resend, file_format):
    extract = parse_extract_name(name, KNOWN, TODAY)
    assert (extract.branch_code, extract.snapshot_date, extract.resend, extract.file_format) == (
        branch, snapshot, resend, file_format,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("palopo_20251231.csv", "file_name"),
        ("PALOPO_20251231.txt", "file_name"),
        ("PALOPO 20251231.csv", "file_name"),
        ("../PALOPO_20251231.csv", "file_name"),
        ("PALOPO_20251231_1.csv", "file_name"),
        ("PA_20251231.csv", "file_name"),
        ("MAKASSAR2_20251231.csv", "unknown_branch"),
        ("PALOPO_20250230.csv", "snapshot_date"),
        ("PALOPO_20260116.csv", "snapshot_date"),
    ],
)
def test_names_outside_the_contract_are_rejected_with_the_rule(name, rule):
    with pytest.raises(ExtractRejected) as rejected:
        parse_extract_name(name, KNOWN, TODAY)
    assert rejected.value.rule == rule
    assert name in str(rejected.value)


def test_resend_sorts_after_the_snapshot_it_replaces():
    first = parse_extract_name("PALOPO_20251231.csv", KNOWN, TODAY)
    resend = parse_extract_name("PALOPO_20251231_01.csv", KNOWN, TODAY)
    older = parse_extract_name("PALOPO_20251130_03.csv", KNOWN, TODAY)
    assert sorted([resend, first, older], key=lambda e: e.sort_key) == [older, resend, first]
