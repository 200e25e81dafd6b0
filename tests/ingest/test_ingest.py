import hashlib
import hmac
from datetime import date

import duckdb
import pytest

from tests.factories import row, write_extract
from ucj_pipeline.contract.reference_data import known_branch_codes
from ucj_pipeline.ingest.branch_ingest import IngestSettings, ingest_branch, lake, reject_unusable_entries
from ucj_pipeline.ingest.landing_store import LocalDelivery
from ucj_pipeline.runtime.paths import UcjPaths

KEY = b"test-key-0123456789"
TODAY = date(2026, 1, 15)


@pytest.fixture
def settings(tmp_path):
    return IngestSettings(paths=UcjPaths(tmp_path).ensure(), pseudonym_key=KEY)


def ingest(settings, branch="PALOPO"):
    return ingest_branch(branch, landed(settings), settings, known_branch_codes(), TODAY)


def landed(settings):
    return [LocalDelivery(p) for p in sorted(settings.paths.landing.iterdir())]


def lake_rows(settings, table, where="true"):
    glob = lake.source_glob(settings.paths.lake, table)
    return duckdb.sql(f"SELECT * FROM read_parquet('{glob}') WHERE {where}").pl()


def test_accepted_file_is_pseudonymised_in_the_lake_and_archived_by_hash(settings):
    path = write_extract(settings.paths.landing, "PALOPO_20251231.csv", [row(serial=i) for i in range(1, 51)])
    data = path.read_bytes()
    [outcome] = ingest(settings)
    log = outcome.log_row
    assert (log["outcome"], log["rows_read"], log["rows_accepted"], log["rows_quarantined"]) == ("accepted", 50, 50, 0)
    assert not path.exists()
    archived = settings.paths.home / log["archived_as"]
    assert archived.read_bytes() == data and log["file_hash"] == hashlib.sha256(data).hexdigest()
    participants = lake_rows(settings, lake.PARTICIPANT_SNAPSHOTS)
    expected = int(hmac.new(KEY, row(serial=1)["NIK"].encode(), hashlib.sha256).hexdigest()[:30], 16)
    assert expected in participants["participant_key"].to_list()
    assert not {"nik", "NIK", "NAMA", "birth_date", "TGL_LAHIR"} & set(participants.columns)


def test_same_bytes_twice_are_processed_once(settings):
    rows = [row(serial=i) for i in range(1, 11)]
    write_extract(settings.paths.landing, "PALOPO_20251231.csv", rows)
    ingest(settings)
    write_extract(settings.paths.landing, "PALOPO_20251231.csv", rows)
    [again] = ingest(settings)
    assert again.outcome == "duplicate"
    assert lake_rows(settings, lake.PARTICIPANT_SNAPSHOTS).height == 10
    assert lake_rows(settings, lake.EXTRACT_FILES)["outcome"].sort().to_list() == ["accepted", "duplicate"]


def test_file_over_the_quarantine_threshold_is_rejected_and_the_last_good_snapshot_stays(settings):
    write_extract(settings.paths.landing, "PALOPO_20251130.csv", [row(serial=i) for i in range(1, 101)])
    ingest(settings)
    bad = [row(serial=i) for i in range(1, 95)] + [row(serial=200 + i, SEGMEN="XX") for i in range(6)]
    write_extract(settings.paths.landing, "PALOPO_20251231.csv", bad)
    [outcome] = ingest(settings)
    assert outcome.outcome == "rejected"
    assert outcome.log_row["rejection_rule"] == "quarantine_threshold"
    reason = outcome.log_row["reason"]
    assert "PALOPO_20251231.csv" in reason and "6 of 100 rows (6.0%)" in reason and "segment_value" in reason
    assert "row 96 (segment_value)" in reason
    snapshots = lake_rows(settings, lake.PARTICIPANT_SNAPSHOTS)
    assert snapshots["snapshot_date"].unique().to_list() == [date(2025, 11, 30)]
    assert lake_rows(settings, lake.ROW_ISSUES, "rule = 'segment_value'").height == 6  # kept, with reasons
    assert (settings.paths.home / outcome.log_row["archived_as"]).exists()  # the raw file is never lost


def test_exactly_five_percent_quarantined_is_still_accepted(settings):
    rows = [row(serial=i) for i in range(1, 96)] + [row(serial=200 + i, SEGMEN="XX") for i in range(5)]
    write_extract(settings.paths.landing, "PALOPO_20251231.csv", rows)
    [outcome] = ingest(settings)
    assert outcome.outcome == "accepted" and outcome.log_row["rows_accepted"] == 95


def test_resend_replaces_the_snapshot_of_that_date(settings):
    write_extract(settings.paths.landing, "PALOPO_20251231.csv", [row(serial=i) for i in range(1, 11)])
    write_extract(settings.paths.landing, "PALOPO_20251231_01.csv", [row(serial=i) for i in range(1, 4)])
    outcomes = ingest(settings)
    assert [(o.log_row["file_name"], o.outcome) for o in outcomes] == [
        ("PALOPO_20251231_01.csv", "accepted"),
        ("PALOPO_20251231.csv", "superseded"),
    ]
    assert lake_rows(settings, lake.PARTICIPANT_SNAPSHOTS).height == 3


def test_unreadable_file_is_rejected_whole_with_file_and_rule(settings):
    (settings.paths.landing / "PALOPO_20251231.csv.gz").write_bytes(b"not gzip at all")
    [outcome] = ingest(settings)
    assert outcome.outcome == "rejected" and outcome.log_row["rejection_rule"] == "unreadable"
    assert "PALOPO_20251231.csv.gz" in outcome.log_row["reason"]
    assert not lake.has_files(settings.paths.lake, lake.PARTICIPANT_SNAPSHOTS)


def test_misnamed_files_are_logged_and_archived_without_parsing(settings):
    for name in ("palopo 2025.csv", "NOSUCHBRANCH_20251231.csv", "PALOPO_20270101.csv"):
        (settings.paths.landing / name).write_text("whatever")
    rows = reject_unusable_entries(landed(settings), settings, known_branch_codes(), TODAY)
    assert sorted(r["rejection_rule"] for r in rows) == ["file_name", "snapshot_date", "unknown_branch"]
    assert list(settings.paths.landing.iterdir()) == []
    assert all((settings.paths.home / r["archived_as"]).exists() for r in rows)


def test_a_rejected_file_sent_again_is_judged_again(settings):
    rows = [row(serial=i) for i in range(1, 11)]
    write_extract(settings.paths.landing, "PALOPO_20251231.csv", rows)
    strict = IngestSettings(paths=settings.paths, pseudonym_key=KEY, quarantine_threshold=-1.0)  # rejects anything
    [first] = ingest_branch("PALOPO", landed(settings), strict, known_branch_codes(), TODAY)
    assert first.outcome == "rejected"
    write_extract(settings.paths.landing, "PALOPO_20251231.csv", rows)  # the same bytes, after the fix upstream
    [again] = ingest(settings)
    assert again.outcome == "accepted" and again.log_row["file_hash"] == first.log_row["file_hash"]


def test_a_branch_reads_only_its_own_ingest_log_and_a_home_s_older_flat_log_still_counts(settings):
    for offset, branch in enumerate(("PALOPO", "SINJAI")):  # other people: the same bytes would be a copy
        write_extract(settings.paths.landing, f"{branch}_20251130.csv", [row(serial=1 + 10 * offset)])
        write_extract(settings.paths.landing, f"{branch}_20251231.csv", [row(serial=2 + 10 * offset)])
        ingest(settings, branch)
    log_dir = settings.paths.lake / lake.EXTRACT_FILES
    assert sorted(p.name for p in log_dir.iterdir()) == ["PALOPO", "SINJAI"]
    # A home from before the per-branch folders: PALOPO's November row lies directly in extract_files/.
    [november] = [
        p for p in (log_dir / "PALOPO").iterdir()
        if duckdb.sql(f"SELECT snapshot_date FROM '{p}'").fetchall() == [(date(2025, 11, 30),)]
    ]  # fmt: skip
    november.rename(log_dir / november.name)
    assert all("SINJAI" not in f for f in lake._log_files(settings.paths.lake, "PALOPO"))
    assert lake.accepted_snapshot_dates(settings.paths.lake, "PALOPO") == {date(2025, 11, 30), date(2025, 12, 31)}
    assert lake.current_delivery(settings.paths.lake, "PALOPO", date(2025, 11, 30)).file_name == "PALOPO_20251130.csv"
    assert lake.current_delivery(settings.paths.lake, "SINJAI", date(2025, 11, 30)).file_name == "SINJAI_20251130.csv"
    assert len(lake.logged_since(settings.paths.lake, date(2000, 1, 1))) == 4
    assert lake_rows(settings, lake.EXTRACT_FILES).height == 4  # what the models read: every row, once
