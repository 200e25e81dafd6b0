"""The claims contract's names and row rules (claims-extract.md), judged as ingest judges them: the file's text
prepared by DuckDB (`claims.PREPARE_SQL`), a batch through the Pandera schema (`row_rules.judge_batch`)."""

from datetime import date

import duckdb
import polars as pl
import pytest

from tests.factories import make_nik
from ucj_pipeline.contract import claims
from ucj_pipeline.contract.file_names import ExtractRejected, parse_claims_name
from ucj_pipeline.contract.reference_data import RegionIndex
from ucj_pipeline.contract.row_rules import judge_batch

MARCH = date(2025, 3, 1)
KNOWN = frozenset({"LUWUTIMUR", "PALOPO"})
AMOUNTS = [
    ("SANTUNAN_KEMATIAN", date(2019, 12, 2), None, 20_000_000),
    ("SANTUNAN_BERKALA", date(2019, 12, 2), None, 12_000_000),
    ("BIAYA_PEMAKAMAN", date(2019, 12, 2), None, 10_000_000),
]


def payment(**overrides: str) -> dict[str, str]:
    row = {
        "NO_KLAIM": "KLM/2025/0001",
        "NIK": make_nik(region="7324"),
        "PROGRAM": "JKM",
        "MANFAAT": "SANTUNAN_KEMATIAN",
        "TGL_KEJADIAN": "2025-02-20",
        "TGL_BAYAR": "2025-03-05",
        "NOMINAL": "20.000.000",
        "SEGMEN": "BPU",
        "SUMBER_IURAN": "APBD",
        "KATEGORI": "NELAYAN",
        "KODE_WILAYAH": "73.24",
    }
    return row | overrides


def judge(rows: list[dict[str, str]], delivered: date = date(2025, 4, 2)):
    columns = claims.REQUIRED_COLUMNS + claims.OPTIONAL_COLUMNS
    with duckdb.connect() as con:
        con.execute(f"CREATE TABLE raw_rows ({', '.join(f'{c} VARCHAR' for c in columns)})")
        con.executemany(f"INSERT INTO raw_rows VALUES ({', '.join('?' for _ in columns)})",
                        [[r.get(c) for c in columns] for r in rows])  # fmt: skip
        prepared = con.sql(claims.PREPARE_SQL, params=claims.prepare_params(MARCH)).arrow()
    prepared = pl.from_arrow(prepared)
    prepared = prepared.with_columns(source_row=pl.int_range(2, len(rows) + 2, dtype=pl.Int64))
    schema = claims.build_claims_schema(RegionIndex.load(), MARCH, delivered)
    return judge_batch(prepared, schema, claims.claims_row_rules(AMOUNTS))


def rules_of(judgement) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for row, rule in judgement.issues.select("source_row", "rule").iter_rows():
        found.setdefault(row, set()).add(rule)
    return found


def test_a_good_payment_passes_and_a_death_benefit_of_the_reference_amount_warns_nothing():
    judgement = judge([payment(), payment(MANFAAT="BIAYA_PEMAKAMAN", NOMINAL="10000000")])
    assert judgement.issues.height == 0 and judgement.valid.height == 2
    assert judgement.warnings.height == 0


@pytest.mark.parametrize(
    ("nominal", "rule"),
    [
        ("42,000,000", "amount_format"),
        ("Rp 42.000.000", "amount_format"),
        ("42.000.000,00", "amount_format"),
        ("42000000.5", "amount_format"),
        ("4.20.000", "amount_format"),
        ("0", "amount_range"),
        ("5.000.000.001", "amount_range"),
        ("99999999999999999999999", "amount_format"),
    ],
)
def test_an_amount_is_whole_rupiah_or_an_error_never_a_guess(nominal, rule):
    assert rules_of(judge([payment(NOMINAL=nominal, MANFAAT="LAINNYA")])) == {2: {rule}}


def test_the_amount_forms_the_contract_allows():
    judgement = judge(
        [payment(NOMINAL=n, MANFAAT="LAINNYA") for n in ("42.000.000", "42000000", "500", "5.000.000.000")]
    )
    assert judgement.issues.height == 0


def test_dates_pairs_and_vocabularies():
    judgement = judge(
        [
            payment(TGL_BAYAR="2025-04-01"),  # after the month
            payment(TGL_BAYAR="28/02/2025"),  # before it
            payment(TGL_BAYAR="2025-03-31", TGL_KEJADIAN="2025-04-01"),  # the event after the payment
            payment(TGL_BAYAR="31/02/2025"),  # not a date
            payment(PROGRAM="JHT", MANFAAT="SANTUNAN_KEMATIAN"),  # not a JHT benefit
            payment(PROGRAM="JKK", MANFAAT="STMB", NOMINAL="1.500.000"),  # allowed
            payment(PROGRAM="JP", MANFAAT="LAINNYA", NOMINAL="1"),  # LAINNYA with any programme
            payment(NO_KLAIM="klm 01"),
        ],
        delivered=date(2025, 3, 30),
    )
    assert rules_of(judgement) == {
        2: {"payment_date_in_month", "payment_after_delivery"},
        3: {"payment_date_in_month"},
        4: {"event_after_payment", "payment_after_delivery"},
        5: {"payment_date_format"},
        6: {"program_benefit_pair"},
        9: {"claim_number_format"},
    }


def test_a_death_benefit_off_the_reference_amount_is_kept_and_flagged():
    judgement = judge([payment(NOMINAL="25.000.000"), payment(PROGRAM="JKK", NOMINAL="25.000.000")])
    assert judgement.valid.height == 2
    assert judgement.warnings.to_dicts() == [{"source_row": 2, "rule": "death_benefit_amount"}]


def test_a_wrong_value_is_echoed_only_for_a_vocabulary_column_and_never_the_nik_or_the_claim_number():
    judgement = judge([payment(PROGRAM="jkx"), payment(NO_KLAIM="klm 01"), payment(NIK="12")])
    echoed = {r["rule"]: r["offending_value"] for r in judgement.issues.to_dicts()}
    assert echoed == {"program_value": "jkx", "claim_number_format": None, "nik_format": None}
    shifted = judge([payment(PROGRAM="jkx", NO_KLAIM="klm 01", NIK="12")])  # three columns off at once
    assert shifted.issues.select("rule", "offending_value").to_dicts() == [
        {"rule": "misaligned_row", "offending_value": None}
    ]


@pytest.mark.parametrize(
    ("name", "month", "resend"),
    [("LUWUTIMUR_KLAIM_202503.csv", date(2025, 3, 1), 0), ("PALOPO_KLAIM_202512_02.xlsx", date(2025, 12, 1), 2)],
)
def test_a_claims_name_parses_to_its_branch_month_and_resend(name, month, resend):
    parsed = parse_claims_name(name, KNOWN, date(2025, 12, 15))
    assert (parsed.branch_code, parsed.snapshot_date, parsed.resend, parsed.feed) == (name.split("_")[0], month, resend,
                                                                                      "claims")  # fmt: skip


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("PALOPO_KLAIM_202601.csv", "payment_month"),  # after the current month
        ("PALOPO_KLAIM_202513.csv", "payment_month"),
        ("PALOPO_KLAIM_2025_03.csv", "file_name"),
        ("PALOPO_20251231.csv", "file_name"),  # a membership name is not a claims name
        ("BOGUS_KLAIM_202503.csv", "unknown_branch"),
        ("PALOPO_KLAIM_202503.txt", "file_name"),
    ],
)
def test_a_claims_name_that_breaks_the_contract_is_rejected_with_its_rule(name, rule):
    with pytest.raises(ExtractRejected) as rejected:
        parse_claims_name(name, KNOWN, date(2025, 12, 15))
    assert rejected.value.rule == rule


def test_the_current_month_is_a_month_to_date_file():
    assert parse_claims_name("PALOPO_KLAIM_202512.csv", KNOWN, date(2025, 12, 1)).snapshot_date == date(2025, 12, 1)
