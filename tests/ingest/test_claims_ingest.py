"""Claims extracts through the same delivery path as membership (`branch_ingest.ingest_branch`): parsed by their
own contract, archived, judged, pseudonymised into their own lake table, logged with their feed; membership's
figures are unaffected."""

import csv
import io
from datetime import date

import duckdb
import pytest

from tests.factories import make_nik, row, write_extract
from ucj_pipeline.contract import claims
from ucj_pipeline.contract.pseudonymise import participant_key
from ucj_pipeline.contract.reference_data import known_branch_codes
from ucj_pipeline.ingest import lake
from ucj_pipeline.ingest.branch_ingest import IngestSettings, ingest_branch
from ucj_pipeline.ingest.landing_store import LocalDelivery
from ucj_pipeline.runtime.paths import UcjPaths

KEY = b"test-key-0123456789"
TODAY = date(2025, 4, 10)
HEIRS = [make_nik(region="7324", serial=s) for s in (11, 12, 13)]


def claims_bytes(
    rows: list[dict[str, str]], header: tuple[str, ...] = claims.REQUIRED_COLUMNS + claims.OPTIONAL_COLUMNS
):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def death(nik: str, n: int, benefit: str, amount: str, paid: str = "2025-03-14") -> dict[str, str]:
    return {
        "NO_KLAIM": f"JKM/7324/{n:04d}", "NIK": nik, "PROGRAM": "JKM", "MANFAAT": benefit,
        "TGL_KEJADIAN": "2025-02-27", "TGL_BAYAR": paid, "NOMINAL": amount, "SEGMEN": "BPU",
        "SUMBER_IURAN": "APBD", "KATEGORI": "NELAYAN", "KODE_WILAYAH": "73.24",
    }  # fmt: skip


def three_fishermen() -> list[dict[str, str]]:
    """Luwu Timur, March 2025: three JKM death benefits of Rp42 million each (lump sum + periodic + funeral)."""
    parts = (("SANTUNAN_KEMATIAN", "20.000.000"), ("SANTUNAN_BERKALA", "12.000.000"), ("BIAYA_PEMAKAMAN", "10.000.000"))
    return [death(nik, i, benefit, amount) for i, nik in enumerate(HEIRS) for benefit, amount in parts]


@pytest.fixture
def settings(tmp_path):
    return IngestSettings(paths=UcjPaths(tmp_path).ensure(), pseudonym_key=KEY)


def ingest(settings, branch="LUWUTIMUR"):
    files = [LocalDelivery(p) for p in sorted(settings.paths.landing.iterdir()) if not p.name.endswith(".done")]
    return ingest_branch(branch, files, settings, known_branch_codes(), TODAY)


def payments(settings) -> list[dict]:
    glob = lake.source_glob(settings.paths.lake, lake.CLAIM_PAYMENTS)
    return duckdb.sql(f"SELECT * FROM read_parquet('{glob}') ORDER BY source_row").pl().to_dicts()


def test_a_month_of_claims_is_accepted_pseudonymised_into_its_own_table_beside_membership(settings):
    landing = settings.paths.landing
    write_extract(landing, "LUWUTIMUR_20250331.csv", [row(NIK=nik, KODE_WILAYAH="73.24") for nik in HEIRS])
    (landing / "LUWUTIMUR_KLAIM_202503.csv").write_bytes(claims_bytes(three_fishermen()))
    outcomes = {o.log_row["file_name"]: o.log_row for o in ingest(settings)}
    claim_row = outcomes["LUWUTIMUR_KLAIM_202503.csv"]
    assert (claim_row["outcome"], claim_row["feed"], claim_row["rows_accepted"]) == ("accepted", "claims", 9)
    assert claim_row["snapshot_date"] == date(2025, 3, 1) and claim_row["rows_warned"] == 0
    assert outcomes["LUWUTIMUR_20250331.csv"]["feed"] == "membership"
    stored = payments(settings)
    assert sum(p["amount_rupiah"] for p in stored) == 3 * 42_000_000
    assert {p["participant_key"] for p in stored} == {participant_key(n, KEY) for n in HEIRS}  # links to membership
    assert {p["payment_month"] for p in stored} == {date(2025, 3, 1)} and {p["regency_code"] for p in stored} == {
        "73.24"
    }
    text = b"".join(p.read_bytes() for p in (settings.paths.lake / lake.CLAIM_PAYMENTS).rglob("*.parquet"))
    for secret in (*HEIRS, "JKM/7324/0001", "2025-03-14", "2025-02-27"):
        assert secret.encode() not in text  # no NIK, claim number or date of a single payment in the lake
    # Membership is unaffected: its snapshot dates and the branch's health count membership deliveries only.
    assert lake.accepted_snapshot_dates(settings.paths.lake, "LUWUTIMUR") == {date(2025, 3, 31)}


def test_an_empty_month_is_a_complete_month_and_a_future_month_is_rejected(settings):
    landing = settings.paths.landing
    (landing / "LUWUTIMUR_KLAIM_202502.csv").write_bytes(claims_bytes([]))
    (landing / "LUWUTIMUR_KLAIM_202505.csv").write_bytes(claims_bytes(three_fishermen()))
    outcomes = {o.log_row["file_name"]: o.log_row for o in ingest(settings)}
    assert (outcomes["LUWUTIMUR_KLAIM_202502.csv"]["outcome"], outcomes["LUWUTIMUR_KLAIM_202502.csv"]["rows_read"]) == (
        "accepted", 0)  # fmt: skip
    # A future month is a misnamed file: logged and archived by reject_unusable_entries, not ingested.
    assert "LUWUTIMUR_KLAIM_202505.csv" not in outcomes


def test_the_highest_resend_of_a_month_counts_whatever_the_order_and_a_duplicate_payment_is_quarantined(settings):
    landing = settings.paths.landing
    rows = three_fishermen()
    care = [
        death(make_nik(region="7324", serial=100 + i), 100 + i, "PERAWATAN", "1.000.000") | {"PROGRAM": "JKK"}
        for i in range(16)
    ]
    resend = rows + care + [rows[0]]  # 26 rows, the last a repeat of the first payment
    (landing / "LUWUTIMUR_KLAIM_202503_01.csv").write_bytes(claims_bytes(resend))
    (landing / "LUWUTIMUR_KLAIM_202503.csv").write_bytes(claims_bytes(rows))
    outcomes = {o.log_row["file_name"]: o.log_row for o in ingest(settings)}
    assert outcomes["LUWUTIMUR_KLAIM_202503_01.csv"]["outcome"] == "accepted"
    assert outcomes["LUWUTIMUR_KLAIM_202503_01.csv"]["rows_quarantined"] == 1  # duplicate_payment: the first kept
    assert outcomes["LUWUTIMUR_KLAIM_202503.csv"]["outcome"] == "superseded"
    assert sum(p["amount_rupiah"] for p in payments(settings)) == 3 * 42_000_000 + 16 * 1_000_000


def test_a_death_benefit_off_the_reference_amount_is_kept_and_warned(settings):
    landing = settings.paths.landing
    (landing / "LUWUTIMUR_KLAIM_202503.csv").write_bytes(
        claims_bytes([death(HEIRS[0], 1, "SANTUNAN_KEMATIAN", "25.000.000")])
    )
    [outcome] = ingest(settings)
    assert (outcome.log_row["outcome"], outcome.log_row["rows_accepted"], outcome.log_row["rows_warned"]) == (
        "accepted",
        1,
        1,
    )


def test_ucj_check_judges_a_claims_file_by_the_claims_contract(tmp_path):
    from ucj_pipeline.ingest.preflight import check_files

    good, bad = tmp_path / "LUWUTIMUR_KLAIM_202503.csv", tmp_path / "LUWUTIMUR_KLAIM_202503_01.csv"
    good.write_bytes(claims_bytes(three_fishermen()))
    bad.write_bytes(claims_bytes([death(HEIRS[0], 1, "SANTUNAN_KEMATIAN", "42,000,000")]))
    first, second = check_files([good, bad], 0.05, TODAY)
    assert first.accepted, first
    assert not second.accepted and "amount_format: 1 row(s) (rows 2)" in second.text


def test_two_branches_empty_months_are_each_their_own_not_a_copy(settings):
    """An empty month's file is the header alone: the same bytes for every branch, and no copy of another's."""
    empty = claims_bytes([])
    for branch in ("LUWUTIMUR", "PALOPO"):
        (settings.paths.landing / f"{branch}_KLAIM_202502.csv").write_bytes(empty)
        [outcome] = ingest(settings, branch)
        assert (outcome.log_row["outcome"], outcome.log_row["rows_read"]) == ("accepted", 0), branch
