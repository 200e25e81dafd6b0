"""A catalogue of hostile and odd deliveries, each judged as the contract says, with nothing lost.

Every case starts from a branch (PALOPO) whose good snapshot of 2025-11-30 was accepted, lands one or more
files, runs the branch ingest and the rejection of unusable entries, and asserts for every landed entry: its
outcome and rule, a reason that names the file as delivered and never a temporary path or a library's message,
the archived bytes equal to the delivered bytes (or, for what is not a regular file, nothing read and the entry
moved aside), an empty landing area, and that the branch's previous snapshot still counts where the new file
does not.
"""

from __future__ import annotations

import codecs
import gzip
import io
import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
import xlsxwriter

from tests.factories import HEADER, csv_bytes, row, write_extract
from ucj_pipeline.contract.reference_data import known_branch_codes
from ucj_pipeline.ingest.branch_ingest import IngestSettings, ingest_branch, lake, reject_unusable_entries
from ucj_pipeline.ingest.landing_store import LocalDelivery
from ucj_pipeline.runtime.paths import UcjPaths

KEY = b"test-key-0123456789"
TODAY = date(2026, 1, 15)
GOOD_DATE = date(2025, 11, 30)
NEW = "PALOPO_20251231"


def rows(n: int = 40, start: int = 1) -> list[dict[str, str]]:
    return [row(serial=i) for i in range(start, start + n)]


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def excel(folder: Path, name: str, records: list[dict[str, str]], date_cells: bool = True) -> Path:
    path = folder / name
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    for c, column in enumerate(HEADER):
        sheet.write_string(0, c, column)
    for r, record in enumerate(records, start=1):
        for c, column in enumerate(HEADER):
            value = record[column]
            if column == "NIK":
                sheet.write_number(r, c, int(value))  # typed-in digits: a number cell
            elif column in ("TGL_LAHIR", "TGL_KEPESERTAAN") and date_cells:
                sheet.write_datetime(r, c, datetime.fromisoformat(value), date_format)
            else:
                sheet.write_string(r, c, value)
    book.close()
    return path


def parquet(folder: Path, name: str, records: list[dict[str, str]]) -> Path:
    path = folder / name
    pl.DataFrame(records).write_parquet(path)
    return path


@dataclass
class Case:
    id: str
    land: Callable[[Path, Path], None]  # (landing folder, a folder outside it)
    expect: dict[str, tuple[str, str | None]]  # landed name -> (outcome, rule)
    reason_has: str = ""
    counted_date: date = GOOD_DATE  # the branch's snapshot that counts afterwards
    extra: Callable[[IngestSettings, list[dict]], None] | None = field(default=None)


def _misaligned_name_row(serial: int) -> str:
    # An unquoted comma in a title (`Siti Aminah, S.Pd`): every value after it shifts one column right.
    r = row(serial=serial, NAMA="Siti Aminah, S.Pd", TGL_LAHIR="1987-03-04")
    return ",".join(r[h] for h in HEADER)


def _with_lines(records: list[dict[str, str]], extra_lines: list[str]) -> bytes:
    return csv_bytes(records) + "".join(line + "\n" for line in extra_lines).encode()


def _no_pii_in_issues(settings: IngestSettings, _rows: list[dict]) -> None:
    issues = duckdb.sql(f"SELECT * FROM read_parquet('{lake.source_glob(settings.paths.lake, lake.ROW_ISSUES)}')").pl()
    text = " ".join(str(v) for v in issues.to_dicts())
    assert "1987-03-04" not in text and "Siti" not in text and "S.Pd" not in text
    assert issues.filter(pl.col("rule") == "field_count").height >= 1
    assert issues.filter(pl.col("rule") == "field_count")["offending_value"].is_null().all()


def _excel_counts_exactly(settings: IngestSettings, rows_: list[dict]) -> None:
    [log] = [r for r in rows_ if r["file_name"] == f"{NEW}.xlsx"]
    assert (log["rows_read"], log["rows_accepted"], log["rows_quarantined"]) == (40, 40, 0)


def _superseded_keeps_the_higher_resend(settings: IngestSettings, rows_: list[dict]) -> None:
    current = lake.current_delivery(settings.paths.lake, "PALOPO", date(2025, 12, 31))
    assert current.file_name == f"{NEW}_02.csv" and current.resend == 2
    snapshot = pl.read_parquet(lake.snapshot_path(settings.paths.lake, "PALOPO", date(2025, 12, 31)))
    assert snapshot.height == 30  # _02 has 30 people, _01 has 20


def _symlink(target: Callable[[Path, Path], Path]):
    def land(landing: Path, outside: Path) -> None:
        os.symlink(target(landing, outside), landing / f"{NEW}.csv")

    return land


def _outside_extract(landing: Path, outside: Path) -> Path:
    return write_extract(outside, "real.csv", rows())


CASES = [
    # --- rejected whole: the file's bytes or structure ----------------------------------------------------------
    Case("empty", lambda d, o: write(d, f"{NEW}.csv", b""), {f"{NEW}.csv": ("rejected", "empty_file")}),
    Case("bom_only", lambda d, o: write(d, f"{NEW}.csv", codecs.BOM_UTF8), {f"{NEW}.csv": ("rejected", "empty_file")}),
    Case("blank_lines", lambda d, o: write(d, f"{NEW}.csv", b"\n\r\n  \n"), {f"{NEW}.csv": ("rejected", "empty_file")}),
    Case("header_only", lambda d, o: write(d, f"{NEW}.csv", csv_bytes([])), {f"{NEW}.csv": ("rejected", "no_data_rows")}),
    Case("tab_delimited", lambda d, o: write(d, f"{NEW}.csv", csv_bytes(rows(), "\t")),
         {f"{NEW}.csv": ("rejected", "delimiter")}, "tab"),
    Case("pipe_delimited", lambda d, o: write(d, f"{NEW}.csv", csv_bytes(rows(), "|")),
         {f"{NEW}.csv": ("rejected", "delimiter")}, "'|'"),
    Case("utf16_bom", lambda d, o: write(d, f"{NEW}.csv", csv_bytes(rows()).decode().encode("utf-16")),
         {f"{NEW}.csv": ("rejected", "encoding")}, "UTF-16"),
    Case("utf16_no_bom", lambda d, o: write(d, f"{NEW}.csv", csv_bytes(rows()).decode().encode("utf-16-le")),
         {f"{NEW}.csv": ("rejected", "encoding")}),
    Case("nul_bytes", lambda d, o: write(d, f"{NEW}.csv", csv_bytes(rows()) + b"7316\x00\x00,1\n"),
         {f"{NEW}.csv": ("rejected", "encoding")}, "NUL"),
    Case("neither_utf8_nor_cp1252", lambda d, o: write(d, f"{NEW}.csv", csv_bytes(rows()) + b"\x81\x8d\xc3(\n"),
         {f"{NEW}.csv": ("rejected", "encoding")}),
    Case("unbalanced_quote", lambda d, o: write(d, f"{NEW}.csv", _with_lines(rows(3), ['"7316010501900099,Budi,1990'])
                                                + csv_bytes(rows(5, 10)).split(b"\n", 1)[1]),
         {f"{NEW}.csv": ("rejected", "malformed_csv")}, "line 5"),
    Case("text_after_closing_quote", lambda d, o: write(d, f"{NEW}.csv", csv_bytes(rows(3)).replace(
        b"Peserta 2", b'"Peserta" 2')),
         {f"{NEW}.csv": ("rejected", "malformed_csv")}, "line 3"),
    Case("header_unclosed_quote", lambda d, o: write(d, f"{NEW}.csv", b'"NIK,' + csv_bytes(rows(3))[4:]),
         {f"{NEW}.csv": ("rejected", "malformed_csv")}, "line 1"),
    Case("duplicate_column", lambda d, o: write(d, f"{NEW}.csv", csv_bytes(rows(), header=[*HEADER, "NIK"])),
         {f"{NEW}.csv": ("rejected", "duplicate_column")}, "NIK"),
    Case("duplicate_column_case", lambda d, o: write(d, f"{NEW}.csv",
                                                     csv_bytes(rows(), header=[*HEADER, " status "])),
         {f"{NEW}.csv": ("rejected", "duplicate_column")}, "STATUS"),
    Case("missing_column", lambda d, o: write(d, f"{NEW}.csv", csv_bytes(rows(), header=HEADER[:-5] + ["NPP"])),
         {f"{NEW}.csv": ("rejected", "missing_column")}, "TGL_KEPESERTAAN"),
    Case("gzip_truncated", lambda d, o: write(d, f"{NEW}.csv.gz", gzip.compress(csv_bytes(rows(500)))[:900]),
         {f"{NEW}.csv.gz": ("rejected", "truncated")}),
    Case("gzip_not_gzip", lambda d, o: write(d, f"{NEW}.csv.gz", csv_bytes(rows())),
         {f"{NEW}.csv.gz": ("rejected", "unreadable")}),
    Case("xlsx_is_csv", lambda d, o: write(d, f"{NEW}.xlsx", csv_bytes(rows())),
         {f"{NEW}.xlsx": ("rejected", "unreadable")}, "Excel"),
    Case("xlsx_garbage_zip", lambda d, o: write(d, f"{NEW}.xlsx", b"PK\x03\x04" + os.urandom(300)),
         {f"{NEW}.xlsx": ("rejected", "unreadable")}),
    Case("xlsx_empty_sheet", lambda d, o: write(d, f"{NEW}.xlsx", _empty_workbook()),
         {f"{NEW}.xlsx": ("rejected", "empty_file")}),
    Case("parquet_garbage", lambda d, o: write(d, f"{NEW}.parquet", b"PAR1 not really"),
         {f"{NEW}.parquet": ("rejected", "unreadable")}, "Parquet"),
    Case("parquet_truncated", lambda d, o: write(d, f"{NEW}.parquet", _half(parquet(o, "x.parquet", rows()))),
         {f"{NEW}.parquet": ("rejected", "unreadable")}),
    Case("many_misaligned_rows", lambda d, o: write(d, f"{NEW}.csv", _with_lines(rows(30), [
        _misaligned_name_row(900 + i) for i in range(5)])),
         {f"{NEW}.csv": ("rejected", "quarantine_threshold")}, "field_count"),
    Case("many_bad_values", lambda d, o: write(d, f"{NEW}.csv", csv_bytes(rows(30) + [row(serial=90 + i, SEGMEN="X")
                                                                                  for i in range(5)])),
         {f"{NEW}.csv": ("rejected", "quarantine_threshold")}, "segment_value"),
    # --- rejected before reading: names ------------------------------------------------------------------------
    Case("name_trailing_newline", lambda d, o: write(d, f"{NEW}.csv\n", csv_bytes(rows())),
         {f"{NEW}.csv\\n": ("rejected", "file_name")}),
    Case("name_arabic_indic_digits", lambda d, o: write(d, "PALOPO_٢٠٢٥١٢٣١.csv", csv_bytes(rows())),
         {"PALOPO_\\u0662\\u0660\\u0662\\u0665\\u0661\\u0662\\u0663\\u0661.csv": ("rejected", "file_name")}),
    Case("name_fullwidth_letters", lambda d, o: write(d, "ＰALOPO_20251231.csv", csv_bytes(rows())),
         {"\\uff30ALOPO_20251231.csv": ("rejected", "file_name")}),
    Case("name_lowercase", lambda d, o: write(d, "palopo_20251231.csv", csv_bytes(rows())),
         {"palopo_20251231.csv": ("rejected", "file_name")}),
    Case("name_unknown_branch", lambda d, o: write(d, "NOSUCH_20251231.csv", csv_bytes(rows())),
         {"NOSUCH_20251231.csv": ("rejected", "unknown_branch")}),
    Case("name_impossible_date", lambda d, o: write(d, "PALOPO_20250231.csv", csv_bytes(rows())),
         {"PALOPO_20250231.csv": ("rejected", "snapshot_date")}),
    Case("name_future_date", lambda d, o: write(d, "PALOPO_20270101.csv", csv_bytes(rows())),
         {"PALOPO_20270101.csv": ("rejected", "snapshot_date")}),
    Case("name_double_extension", lambda d, o: write(d, f"{NEW}.csv.exe", csv_bytes(rows())),
         {f"{NEW}.csv.exe": ("rejected", "file_name")}),
    Case("name_with_spaces", lambda d, o: write(d, "PALOPO 20251231.csv", csv_bytes(rows())),
         {"PALOPO 20251231.csv": ("rejected", "file_name")}),
    Case("name_old_excel", lambda d, o: write(d, f"{NEW}.xls", csv_bytes(rows())),
         {f"{NEW}.xls": ("rejected", "file_name")}),
    Case("name_three_digit_resend", lambda d, o: write(d, f"{NEW}_001.csv", csv_bytes(rows())),
         {f"{NEW}_001.csv": ("rejected", "file_name")}),
    # --- not regular files: never read, never followed ------------------------------------------------------------
    Case("symlink_to_passwd", _symlink(lambda d, o: Path("/etc/passwd")),
         {f"{NEW}.csv": ("rejected", "not_a_regular_file")}, "symbolic link"),
    Case("symlink_to_good_extract", _symlink(_outside_extract),
         {f"{NEW}.csv": ("rejected", "not_a_regular_file")}, "symbolic link"),
    Case("dangling_symlink", _symlink(lambda d, o: o / "nothing-here.csv"),
         {f"{NEW}.csv": ("rejected", "not_a_regular_file")}),
    Case("directory", lambda d, o: (d / f"{NEW}.csv").mkdir(), {f"{NEW}.csv": ("rejected", "not_a_regular_file")},
         "directory"),
    Case("fifo", lambda d, o: os.mkfifo(d / f"{NEW}.csv"), {f"{NEW}.csv": ("rejected", "not_a_regular_file")},
         "named pipe"),
    # --- resends, repeats, conflicts ---------------------------------------------------------------------------
    Case("two_formats_together", lambda d, o: (write(d, f"{NEW}.csv", csv_bytes(rows())),
                                               excel(d, f"{NEW}.xlsx", rows())),
         {f"{NEW}.csv": ("rejected", "format_conflict"), f"{NEW}.xlsx": ("rejected", "format_conflict")}),
    Case("same_bytes_as_last_month", lambda d, o: write(d, f"{NEW}.csv", (d.parent / "good.csv").read_bytes()),
         {f"{NEW}.csv": ("accepted", None)}, counted_date=date(2025, 12, 31)),
    Case("same_bytes_same_date", lambda d, o: write(d, "PALOPO_20251130.csv", (d.parent / "good.csv").read_bytes()),
         {"PALOPO_20251130.csv": ("duplicate", None)}),
    # --- odd but valid -----------------------------------------------------------------------------------------
    Case("excel_date_cells_numeric_nik", lambda d, o: excel(d, f"{NEW}.xlsx", rows()),
         {f"{NEW}.xlsx": ("accepted", None)}, counted_date=date(2025, 12, 31), extra=_excel_counts_exactly),
    Case("cp1252_semicolons_crlf", lambda d, o: write(d, f"{NEW}.csv", csv_bytes(
        rows(39) + [row(serial=77, NAMA="José Ñandú")], ";").decode().encode("cp1252")),  # csv writes CRLF
         {f"{NEW}.csv": ("accepted", None)}, counted_date=date(2025, 12, 31)),
    Case("one_misaligned_row_of_40", lambda d, o: write(d, f"{NEW}.csv", _with_lines(rows(39), [
        _misaligned_name_row(950)])), {f"{NEW}.csv": ("accepted", None)}, counted_date=date(2025, 12, 31),
         extra=_no_pii_in_issues),
    Case("quoted_newline_in_name", lambda d, o: write(d, f"{NEW}.csv", csv_bytes(rows(39) + [
        row(serial=88, NAMA="Baris\nKedua")])), {f"{NEW}.csv": ("accepted", None)}, counted_date=date(2025, 12, 31)),
]  # fmt: skip


def _empty_workbook() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet()
    book.close()
    return buffer.getvalue()


def _half(path: Path) -> bytes:
    data = path.read_bytes()
    return data[: len(data) // 2]


@pytest.fixture
def branch_with_a_good_snapshot(tmp_path):
    settings = IngestSettings(paths=UcjPaths(tmp_path / "home").ensure(), pseudonym_key=KEY)
    good = write_extract(settings.paths.home, "good.csv", rows(20, 500))
    (settings.paths.landing / "PALOPO_20251130.csv").write_bytes(good.read_bytes())
    [outcome] = ingest_branch("PALOPO", _landed(settings), settings, known_branch_codes(), TODAY)
    assert outcome.outcome == "accepted"
    return settings


def _landed(settings: IngestSettings) -> list[LocalDelivery]:
    return [LocalDelivery(p) for p in sorted(settings.paths.landing.iterdir())]


def _delivered_bytes(landing: Path) -> dict[str, bytes | None]:
    return {
        p.name: p.read_bytes() if p.is_file() and not p.is_symlink() else None
        for p in landing.iterdir()
    }  # fmt: skip


def _log(settings: IngestSettings) -> list[dict]:
    glob = lake.source_glob(settings.paths.lake, lake.EXTRACT_FILES)
    return duckdb.sql(f"SELECT * FROM read_parquet('{glob}') ORDER BY processed_at").pl().to_dicts()


def _printable(name: str) -> str:
    return name if name.isascii() and name.isprintable() else ascii(name)[1:-1]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_delivery(case: Case, branch_with_a_good_snapshot, tmp_path):
    settings = branch_with_a_good_snapshot
    outside = tmp_path / "outside"
    outside.mkdir()
    good_snapshot = lake.snapshot_path(settings.paths.lake, "PALOPO", GOOD_DATE).read_bytes()
    case.land(settings.paths.landing, outside)
    delivered = _delivered_bytes(settings.paths.landing)
    logged_before = len(_log(settings))

    reject_unusable_entries(_landed(settings), settings, known_branch_codes(), TODAY)
    ingest_branch("PALOPO", _landed(settings), settings, known_branch_codes(), TODAY)

    new_rows = _log(settings)[logged_before:]
    by_name = {r["file_name"]: r for r in new_rows}
    assert {name: (r["outcome"], r["rejection_rule"]) for name, r in by_name.items()} == case.expect
    for name, delivered_bytes in delivered.items():
        log_row = by_name[_printable(name)]
        reason = log_row["reason"] or ""
        if log_row["outcome"] == "rejected":
            assert reason.startswith(_printable(name)), reason
            assert case.reason_has in reason
            for leak in ("/tmp", ".scratch", "Error", "duckdb", "Traceback", str(settings.paths.home)):
                assert leak not in reason, reason
        if delivered_bytes is None:  # not a regular file: nothing archived, moved aside unfollowed
            assert log_row["archived_as"] is None and log_row["file_hash"] is None
            assert any(p.name.endswith(name) for p in settings.paths.set_aside.iterdir())
        else:
            archived = settings.paths.home / log_row["archived_as"]
            assert not archived.is_symlink() and archived.is_file()
            assert archived.read_bytes() == delivered_bytes
    assert list(settings.paths.landing.iterdir()) == []
    assert Path("/etc/passwd").exists()  # the link's target was never touched
    current = max(lake.accepted_snapshot_dates(settings.paths.lake, "PALOPO"))
    assert current == case.counted_date
    assert lake.snapshot_path(settings.paths.lake, "PALOPO", GOOD_DATE).read_bytes() == good_snapshot
    if case.extra is not None:
        case.extra(settings, new_rows)


def test_the_highest_resend_counts_whatever_the_order_of_arrival(branch_with_a_good_snapshot):
    settings = branch_with_a_good_snapshot
    write(settings.paths.landing, f"{NEW}_02.csv", csv_bytes(rows(30)))
    ingest_branch("PALOPO", _landed(settings), settings, known_branch_codes(), TODAY)
    write(settings.paths.landing, f"{NEW}_01.csv", csv_bytes(rows(20)))  # arrives later, was made earlier
    [late] = ingest_branch("PALOPO", _landed(settings), settings, known_branch_codes(), TODAY)
    assert late.outcome == "superseded" and "resend 02" in late.log_row["reason"]
    assert (settings.paths.home / late.log_row["archived_as"]).read_bytes() == csv_bytes(rows(20))
    _superseded_keeps_the_higher_resend(settings, [])


def test_a_resend_with_the_same_bytes_as_an_older_resend_still_replaces_the_newer_one(branch_with_a_good_snapshot):
    settings = branch_with_a_good_snapshot
    for name, n in ((f"{NEW}.csv", 10), (f"{NEW}_01.csv", 20)):
        write(settings.paths.landing, name, csv_bytes(rows(n)))
        ingest_branch("PALOPO", _landed(settings), settings, known_branch_codes(), TODAY)
    write(settings.paths.landing, f"{NEW}_02.csv", csv_bytes(rows(10)))  # back to the first version
    [outcome] = ingest_branch("PALOPO", _landed(settings), settings, known_branch_codes(), TODAY)
    assert outcome.outcome == "accepted"
    assert pl.read_parquet(lake.snapshot_path(settings.paths.lake, "PALOPO", date(2025, 12, 31))).height == 10


def test_a_crash_between_archiving_and_logging_loses_nothing(branch_with_a_good_snapshot, monkeypatch):
    settings = branch_with_a_good_snapshot
    path = write(settings.paths.landing, f"{NEW}.csv", csv_bytes(rows(25)))
    real_write_log = lake.write_log_row

    def disk_full(lake_dir, row, identity):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(lake, "write_log_row", disk_full)
    with pytest.raises(OSError):
        ingest_branch("PALOPO", _landed(settings), settings, known_branch_codes(), TODAY)
    assert path.exists()  # still landed: the delivery is not lost
    assert list(settings.paths.archive.rglob(f"{NEW}.csv"))  # and its bytes are already safe

    monkeypatch.setattr(lake, "write_log_row", real_write_log)
    [outcome] = ingest_branch("PALOPO", _landed(settings), settings, known_branch_codes(), TODAY)
    assert outcome.outcome == "accepted" and outcome.log_row["rows_accepted"] == 25
    assert max(lake.accepted_snapshot_dates(settings.paths.lake, "PALOPO")) == date(2025, 12, 31)
    assert not path.exists()


def test_a_crash_between_logging_and_clearing_the_landing_area_is_completed_without_a_second_row(
    branch_with_a_good_snapshot, monkeypatch
):
    settings = branch_with_a_good_snapshot
    path = write(settings.paths.landing, f"{NEW}.csv", csv_bytes(rows(25)))

    def power_cut(delivery, copy):
        raise SystemExit("killed")

    monkeypatch.setattr(LocalDelivery, "release", power_cut)
    with pytest.raises(SystemExit):
        ingest_branch("PALOPO", _landed(settings), settings, known_branch_codes(), TODAY)
    monkeypatch.undo()
    assert path.exists()
    [outcome] = ingest_branch("PALOPO", _landed(settings), settings, known_branch_codes(), TODAY)
    assert outcome.outcome == "accepted"
    assert not path.exists()
    assert [r["file_name"] for r in _log(settings)].count(f"{NEW}.csv") == 1


ORIGINAL_AND_RESENDS = {f"{NEW}.csv": rows(10, 100), f"{NEW}_01.csv": rows(20, 200), f"{NEW}_02.csv": rows(30, 300)}


@pytest.mark.parametrize("arrival", list(itertools.permutations(ORIGINAL_AND_RESENDS)), ids="-then-".join)
def test_an_original_and_its_resends_landing_together_count_the_highest_resend_alone(
    branch_with_a_good_snapshot, arrival
):
    """One delivery set, in every order of arrival (landing times one second apart): the highest resend counts,
    the others are judged and logged `superseded` naming it, and nobody of the lower ones is counted."""
    settings = branch_with_a_good_snapshot
    for second, name in enumerate(arrival):
        path = write(settings.paths.landing, name, csv_bytes(ORIGINAL_AND_RESENDS[name]))
        os.utime(path, (1_760_000_000 + second, 1_760_000_000 + second))
    outcomes = ingest_branch("PALOPO", _landed(settings), settings, known_branch_codes(), TODAY)
    by_name = {o.log_row["file_name"]: o for o in outcomes}
    assert {n: o.outcome for n, o in by_name.items()} == {
        f"{NEW}_02.csv": "accepted", f"{NEW}_01.csv": "superseded", f"{NEW}.csv": "superseded",
    }  # fmt: skip
    for name in (f"{NEW}.csv", f"{NEW}_01.csv"):
        assert f"{NEW}_02.csv" in by_name[name].log_row["reason"] and by_name[name].log_row["rows_accepted"] == 0
    _superseded_keeps_the_higher_resend(settings, [])
    assert list(settings.paths.landing.iterdir()) == []


def test_when_the_highest_resend_of_a_set_is_rejected_the_next_one_counts(branch_with_a_good_snapshot):
    settings = branch_with_a_good_snapshot
    write(settings.paths.landing, f"{NEW}_02.csv", b"NIK,NAMA\n1,2\n")  # required columns missing
    write(settings.paths.landing, f"{NEW}_01.csv", csv_bytes(rows(20, 200)))
    write(settings.paths.landing, f"{NEW}.csv", csv_bytes(rows(10, 100)))
    outcomes = ingest_branch("PALOPO", _landed(settings), settings, known_branch_codes(), TODAY)
    assert [(o.log_row["file_name"], o.outcome) for o in outcomes] == [
        (f"{NEW}_02.csv", "rejected"), (f"{NEW}_01.csv", "accepted"), (f"{NEW}.csv", "superseded"),
    ]  # fmt: skip
    assert pl.read_parquet(lake.snapshot_path(settings.paths.lake, "PALOPO", date(2025, 12, 31))).height == 20


def test_another_branchs_file_sent_under_this_branchs_name_is_rejected_naming_that_file(branch_with_a_good_snapshot):
    """MAKASSAR's accepted bytes delivered again as PALOPO's snapshot: rejected as `copy_of_other_branch`, naming
    MAKASSAR's file; PALOPO's own snapshot of 2025-11-30 keeps counting, and MAKASSAR's figures are untouched."""
    settings = branch_with_a_good_snapshot
    makassar = csv_bytes(rows(25, 700))
    write(settings.paths.landing, "MAKASSAR_20251231.csv", makassar)
    [theirs] = ingest_branch("MAKASSAR", _landed(settings), settings, known_branch_codes(), TODAY)
    assert theirs.outcome == "accepted"
    write(settings.paths.landing, f"{NEW}.csv", makassar)
    [ours] = ingest_branch("PALOPO", _landed(settings), settings, known_branch_codes(), TODAY)
    assert (ours.outcome, ours.log_row["rejection_rule"]) == ("rejected", "copy_of_other_branch")
    assert "MAKASSAR_20251231.csv" in ours.log_row["reason"] and f"{NEW}.csv" in ours.log_row["reason"]
    assert lake.accepted_snapshot_dates(settings.paths.lake, "PALOPO") == {GOOD_DATE}
    assert (settings.paths.home / ours.log_row["archived_as"]).read_bytes() == makassar  # nothing lost
    assert list(settings.paths.landing.iterdir()) == []
    # The same bytes as the branch's own earlier file are no copy of another branch's: judged as usual.
    write(settings.paths.landing, "PALOPO_20251215.csv", (settings.paths.home / "good.csv").read_bytes())
    [own] = ingest_branch("PALOPO", _landed(settings), settings, known_branch_codes(), TODAY)
    assert own.outcome == "accepted"
