"""Claims extracts through the same delivery path as membership (`branch_ingest.ingest_branch`): parsed by their
own contract, archived, judged, pseudonymised into their own lake table, logged with their feed; membership's
figures are unaffected."""

import csv
import io
import os
from datetime import date, datetime

import duckdb
import pytest

from tests.factories import make_nik, row, write_extract
from ucj_pipeline.contract import claims
from ucj_pipeline.contract.pseudonymise import participant_key
from ucj_pipeline.contract.reference_data import known_branch_codes
from ucj_pipeline.ingest import lake
from ucj_pipeline.ingest.branch_ingest import IngestSettings, ingest_branch
from ucj_pipeline.ingest.landing_store import LocalDelivery
from ucj_pipeline.runtime.paths import JAKARTA, UcjPaths

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


def landed_at(path, when: str) -> None:
    """The delivery's landing time (its modification time), in Asia/Jakarta."""
    stamp = datetime.fromisoformat(when).replace(tzinfo=JAKARTA).timestamp()
    os.utime(path, (stamp, stamp))


def land(settings, name: str, rows: list[dict], when: str) -> None:
    path = settings.paths.landing / name
    path.write_bytes(claims_bytes(rows))
    landed_at(path, when)


def march_total(settings) -> int:
    return sum(p["amount_rupiah"] for p in payments(settings) if p["payment_month"] == date(2025, 3, 1))


def care_rows(n: int, amount: str = "1.000.000") -> list[dict[str, str]]:
    return [
        death(make_nik(region="7324", serial=200 + i), 200 + i, "PERAWATAN", amount, paid="2025-03-03")
        | {"PROGRAM": "JKK"}
        for i in range(n)
    ]


def test_a_month_to_date_file_is_replaced_by_any_later_delivery_for_its_month_whatever_its_resend(settings):
    """claims-extract.md: a file for the current month is month-to-date, "replaced by any later delivery for that
    month": a later file with a lower resend number replaces it, and a month-to-date file that arrives after the
    complete month never replaces it."""
    # Mid-March: a month-to-date file, resent (_02) within the month; then, in April, the complete month (no _NN).
    land(settings, "LUWUTIMUR_KLAIM_202503_02.csv", care_rows(2), "2025-03-20 09:00")
    [first] = ingest(settings)
    assert (first.log_row["outcome"], march_total(settings)) == ("accepted", 2_000_000)
    land(settings, "LUWUTIMUR_KLAIM_202503.csv", care_rows(3) + three_fishermen(), "2025-04-02 08:00")
    [complete] = ingest(settings)
    assert (complete.log_row["outcome"], march_total(settings)) == ("accepted", 3_000_000 + 3 * 42_000_000)
    # A month-to-date file landed on 31 March but processed only now (a late sync): the complete month stays.
    land(settings, "LUWUTIMUR_KLAIM_202503_05.csv", care_rows(4), "2025-03-31 23:30")
    [late] = ingest(settings)
    assert late.log_row["outcome"] == "superseded" and "month-to-date" in late.log_row["reason"]
    assert "LUWUTIMUR_KLAIM_202503.csv" in late.log_row["reason"]
    assert march_total(settings) == 3_000_000 + 3 * 42_000_000
    # After the month, resends follow the membership rule again: the highest _NN counts.
    land(settings, "LUWUTIMUR_KLAIM_202503_01.csv", care_rows(1), "2025-04-05 08:00")
    [resend] = ingest(settings)
    assert (resend.log_row["outcome"], march_total(settings)) == ("accepted", 1_000_000)
    assert (
        lake.IngestLog.read(settings.paths.lake, "LUWUTIMUR")
        .current_delivery("LUWUTIMUR", date(2025, 3, 1), "claims")
        .file_name
        == "LUWUTIMUR_KLAIM_202503_01.csv"
    )


def test_of_two_month_to_date_files_in_one_run_the_later_landed_counts(settings):
    land(settings, "LUWUTIMUR_KLAIM_202503_01.csv", care_rows(5), "2025-03-10 08:00")
    land(settings, "LUWUTIMUR_KLAIM_202503.csv", care_rows(2), "2025-03-25 08:00")  # later, lower resend
    outcomes = {o.log_row["file_name"]: o.log_row for o in ingest(settings)}
    assert outcomes["LUWUTIMUR_KLAIM_202503.csv"]["outcome"] == "accepted"
    # Judged first (highest resend first) and accepted, then replaced by the later file of the same run.
    assert march_total(settings) == 2_000_000
    current = lake.IngestLog.read(settings.paths.lake, "LUWUTIMUR").current_delivery(
        "LUWUTIMUR", date(2025, 3, 1), "claims"
    )
    assert (current.file_name, current.month_to_date) == ("LUWUTIMUR_KLAIM_202503.csv", True)
