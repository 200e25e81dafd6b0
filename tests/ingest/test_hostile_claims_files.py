"""Hostile claims files (claims-extract.md), each through ingest as a branch would deliver it: the outcome, the rule,
the ingest log row, the row issue and the archived bytes. A bad row among good ones is quarantined with its rule
and the file accepted (the threshold is 5%); a bad name is rejected before a byte is read; an empty month is a
complete month; the highest resend counts whatever the order of arrival."""

import hashlib
from datetime import date

import duckdb
import pytest

from tests.factories import make_nik
from tests.ingest.test_claims_ingest import claims_bytes, death
from ucj_pipeline.contract.reference_data import known_branch_codes
from ucj_pipeline.ingest import lake
from ucj_pipeline.ingest.branch_ingest import IngestSettings, ingest_branch, reject_unusable_entries
from ucj_pipeline.ingest.landing_store import LocalDelivery
from ucj_pipeline.runtime.paths import UcjPaths

TODAY = date(2025, 4, 10)
NAME = "LUWUTIMUR_KLAIM_202503.csv"


def good_payments(n: int = 30) -> list[dict[str, str]]:
    return [
        death(make_nik(region="7324", serial=500 + i), 500 + i, "PERAWATAN", "1.000.000") | {"PROGRAM": "JKK"}
        for i in range(n)
    ]


def hostile(**overrides: str) -> dict[str, str]:
    return death(make_nik(region="7324", serial=900), 900, "SANTUNAN_KEMATIAN", "20.000.000") | overrides


@pytest.fixture
def settings(tmp_path):
    return IngestSettings(paths=UcjPaths(tmp_path).ensure(), pseudonym_key=b"test-key-0123456789")


def deliver(settings, name: str, data: bytes) -> list[dict]:
    path = settings.paths.landing / name
    path.write_bytes(data)
    return [o.log_row for o in ingest_branch("LUWUTIMUR", [LocalDelivery(path)], settings, known_branch_codes(), TODAY)]


def issues(settings, file_hash: str) -> list[tuple]:
    glob = lake.source_glob(settings.paths.lake, lake.ROW_ISSUES)
    return duckdb.sql(
        f"SELECT source_row, rule, offending_value FROM read_parquet('{glob}') WHERE file_hash = '{file_hash}'"
    ).fetchall()


def archived(settings, log_row: dict) -> bytes:
    return (settings.paths.home / log_row["archived_as"]).read_bytes()


@pytest.mark.parametrize(
    ("bad", "rule"),
    [
        (hostile(NOMINAL="42,000,000"), "amount_format"),
        (hostile(NOMINAL="Rp 42.000.000"), "amount_format"),
        (hostile(NOMINAL="42.000.000,00"), "amount_format"),
        (hostile(NOMINAL="20000000.5"), "amount_format"),
        (hostile(TGL_BAYAR="2025-04-02"), "payment_date_in_month"),
        (hostile(PROGRAM="JHT"), "program_benefit_pair"),
    ],
    ids=["thousands_commas", "rupiah_prefix", "decimal_comma", "decimal", "outside_month", "pair"],
)
def test_a_hostile_row_is_quarantined_with_its_rule_and_the_file_accepted(settings, bad, rule):
    data = claims_bytes([*good_payments(), bad])
    [log_row] = deliver(settings, NAME, data)
    assert (log_row["outcome"], log_row["feed"], log_row["rows_read"], log_row["rows_accepted"]) == (
        "accepted", "claims", 31, 30)  # fmt: skip
    assert log_row["file_hash"] == hashlib.sha256(data).hexdigest() and archived(settings, log_row) == data
    assert [(r, ru) for r, ru, _ in issues(settings, log_row["file_hash"])] == [(32, rule)]  # line 32: header + 30


def test_a_duplicate_payment_keeps_the_first(settings):
    data = claims_bytes([*good_payments(), good_payments()[0]])
    [log_row] = deliver(settings, NAME, data)
    assert (log_row["outcome"], log_row["rows_accepted"], log_row["rows_quarantined"]) == ("accepted", 30, 1)
    assert [(r, ru) for r, ru, _ in issues(settings, log_row["file_hash"])] == [(32, "duplicate_payment")]


def test_an_empty_month_is_accepted_as_complete(settings):
    data = claims_bytes([])
    [log_row] = deliver(settings, NAME, data)
    assert (log_row["outcome"], log_row["rows_read"], log_row["rows_accepted"]) == ("accepted", 0, 0)
    assert archived(settings, log_row) == data


def test_a_future_month_is_rejected_before_it_is_read_and_archived(settings):
    path = settings.paths.landing / "LUWUTIMUR_KLAIM_202505.csv"
    data = claims_bytes(good_payments())
    path.write_bytes(data)
    [log_row] = reject_unusable_entries([LocalDelivery(path)], settings, known_branch_codes(), TODAY)
    assert (log_row["outcome"], log_row["rejection_rule"], log_row["rows_read"]) == ("rejected", "payment_month", None)
    assert "after the current month" in log_row["reason"] and archived(settings, log_row) == data
    assert not path.exists()


def test_a_resend_that_arrives_before_its_original_still_counts(settings):
    resend = claims_bytes(good_payments(30))
    original = claims_bytes(good_payments(31))
    [first] = deliver(settings, "LUWUTIMUR_KLAIM_202503_01.csv", resend)
    [second] = deliver(settings, NAME, original)
    assert (first["outcome"], second["outcome"]) == ("accepted", "superseded")
    assert "resend 01" in second["reason"] and archived(settings, second) == original
    stored = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{lake.source_glob(settings.paths.lake, lake.CLAIM_PAYMENTS)}')"
    ).fetchall()
    assert stored == [(30,)]  # the resend's payments, not the original's
