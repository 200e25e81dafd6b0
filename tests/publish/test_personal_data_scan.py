"""No personal value anywhere but the archive: planted NIKs, names, birth dates and claims (claim numbers, payment
dates), delivered in files with
misaligned rows (an unquoted comma in a title shifts the birth date into JENIS_KELAMIN; with the empty last field left
out the field count is still right, and only the row's content shows the shift; a left shift), a birth date and a NIK
keyed into non-personal columns, and a whole file rejected for its misaligned rows, are looked for in every table of the
published file, every lake file, every report, every file of Dagster's storage (run and event logs, compute logs),
the Great Expectations project and what `ucj run` printed."""

from __future__ import annotations

import csv
import io

import duckdb
import pytest

from tests.conftest import run_ucj
from tests.factories import HEADER, make_nik, row

pytestmark = pytest.mark.slow(35)  # seconds, for the test order (conftest)

FIRST_NAMES = ("Zulaikha", "Wirawan", "Sumarni", "Fransiska", "Yohanes", "Nurhayati", "Bonifasius", "Theresia")


def _person(i: int) -> dict[str, str]:
    born = f"19{60 + i % 30:02d}-{1 + i % 12:02d}-{1 + i % 27:02d}"
    from datetime import date

    nik = make_nik(birth=date.fromisoformat(born), serial=i)
    return row(NIK=nik, NAMA=f"{FIRST_NAMES[i % len(FIRST_NAMES)]} Planted{i:04d}", TGL_LAHIR=born)


def _csv(people: list[dict[str, str]], misaligned: list[dict[str, str]], shifted: list[list[str]] = ()) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(people)
    for person in misaligned:  # `Nama, S.Pd` unquoted: one field too many, every value after NAMA shifted
        out.write(",".join([person["NIK"], person["NAMA"] + ", S.Pd", *[person[h] for h in HEADER[2:]]]) + "\r\n")
    csv.writer(out).writerows(shifted)  # shifted rows whose field count is still the header's
    return out.getvalue().encode()


def _shifted_right(person: dict[str, str]) -> list[str]:
    """`Nama, S.Pd` unquoted and the empty last field (NPP) left out, as some writers do: the field count is right,
    the birth date sits under JENIS_KELAMIN."""
    return [person["NIK"], person["NAMA"], "S.Pd", *[person[h] for h in HEADER[2:-1]]]


def _shifted_left(person: dict[str, str]) -> list[str]:
    """NAMA left out and an empty field added at the end: the birth date sits under NAMA, the sex under TGL_LAHIR."""
    return [person["NIK"], *[person[h] for h in HEADER[2:]], ""]


CLAIMS_HEADER = ("NO_KLAIM", "NIK", "PROGRAM", "MANFAAT", "TGL_KEJADIAN", "TGL_BAYAR", "NOMINAL", "SEGMEN",
                 "SUMBER_IURAN", "KATEGORI", "KODE_WILAYAH")  # fmt: skip


def _payment(person: dict[str, str], i: int) -> dict[str, str]:
    """A JKK care payment to a planted participant: its claim number and payment day are a single person's claim."""
    return {
        "NO_KLAIM": f"KLMPLANT/{i:04d}", "NIK": person["NIK"], "PROGRAM": "JKK", "MANFAAT": "PERAWATAN",
        "TGL_KEJADIAN": f"2025-10-{1 + i:02d}", "TGL_BAYAR": f"2025-11-{1 + i:02d}", "NOMINAL": f"{i}.250.000",
        "SEGMEN": "PU", "SUMBER_IURAN": "PEMBERI_KERJA", "KATEGORI": "", "KODE_WILAYAH": person["KODE_WILAYAH"],
    }  # fmt: skip


def _claims_csv(payments: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CLAIMS_HEADER)
    writer.writeheader()
    writer.writerows(payments)
    return out.getvalue().encode()


def test_planted_personal_values_appear_nowhere_but_the_archive(home):
    accepted = [_person(i) for i in range(1, 150)]
    shifted = [_person(i) for i in range(160, 162)]  # 7 of 156 rows quarantined: the file is accepted
    same_count = [_person(i) for i in range(170, 173)]  # shifted, with the header's field count
    keyed_wrong = [_person(70) | {"SEGMEN": _person(70)["TGL_LAHIR"]}, _person(71) | {"KATEGORI": _person(71)["NIK"]}]
    rejected = [_person(i) for i in range(200, 220)]
    rejected_shifted = [_person(i) for i in range(220, 230)]  # a third of the file: rejected whole
    landing = home / "landing"
    landing.mkdir(parents=True)
    right_and_left = [_shifted_right(same_count[0]), _shifted_right(same_count[1]), _shifted_left(same_count[2])]
    (landing / "PALOPO_20251130.csv").write_bytes(_csv([*accepted, *keyed_wrong], shifted, right_and_left))
    (landing / "SINJAI_20251130.csv").write_bytes(_csv(rejected, rejected_shifted))
    payments = [_payment(person, i) for i, person in enumerate(accepted[:20], start=1)]
    (landing / "PALOPO_KLAIM_202511.csv").write_bytes(_claims_csv(payments))
    result = run_ucj(home, "run", "--as-of", "2025-12-31", expect=3)
    printed = result.stdout + result.stderr

    everyone = [*accepted, *shifted, *same_count, *keyed_wrong, *rejected, *rejected_shifted]
    planted = {p["NIK"] for p in everyone} | {p["NAMA"] for p in everyone} | {p["TGL_LAHIR"] for p in everyone}
    planted |= {p["NAMA"].split()[1] for p in everyone}  # the surname alone, as a misaligned field would hold it
    planted |= {p["NO_KLAIM"] for p in payments} | {p["TGL_BAYAR"] for p in payments}  # a single person's claim
    assert len(planted) > 250

    def assert_clean(text: str, where: str) -> None:
        found = sorted(v for v in planted if v in text)
        assert not found, f"personal values {found[:5]} in {where}"

    assert_clean(printed, "what ucj run printed")
    checked = {"tables": 0, "parquet": 0, "files": 0}
    with duckdb.connect(str(home / "warehouse" / "ucj.duckdb"), read_only=True) as con:
        for (table,) in con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall():
            assert_clean(str(con.execute(f"SELECT * FROM {table}").fetchall()), table)
            checked["tables"] += 1
    for path in sorted(home.rglob("*")):
        relative = path.relative_to(home)
        if not path.is_file() or relative.parts[0] == "archive":
            continue
        if path.suffix == ".parquet":  # compressed: read the values
            with duckdb.connect() as con:
                assert_clean(str(con.execute(f"SELECT * FROM read_parquet('{path}')").fetchall()), str(relative))
            checked["parquet"] += 1
        elif path.suffix != ".duckdb":  # SQLite storage, logs, reports, GE docs, lock files: the raw bytes
            assert_clean(path.read_bytes().decode("utf-8", "replace"), str(relative))
            checked["files"] += 1
    assert checked["tables"] >= 9 and checked["parquet"] > 20 and checked["files"] > 20, checked
    assert (home / "dagster_home" / "history" / "runs.db").exists()  # Dagster's storage was among them

    # The personal values are in the archive, and only there.
    archived = b"".join(p.read_bytes() for p in (home / "archive").rglob("*.csv"))
    assert accepted[0]["NAMA"].encode() in archived and rejected_shifted[0]["TGL_LAHIR"].encode() in archived
    with duckdb.connect(str(home / "warehouse" / "ucj.duckdb"), read_only=True) as con:
        rules = dict(con.execute("SELECT rule, count(*) FROM quality.quarantine GROUP BY ALL").fetchall())
        outcomes = dict(con.execute("SELECT file_name, outcome FROM quality.ingest_log").fetchall())
    assert rules["field_count"] == 2 + 10 and rules["misaligned_row"] == 3
    assert rules["segment_value"] == rules["category_format"] == 1
    assert outcomes == {
        "PALOPO_20251130.csv": "accepted",
        "SINJAI_20251130.csv": "rejected",
        "PALOPO_KLAIM_202511.csv": "accepted",
    }
    assert payments[0]["NO_KLAIM"].encode() in b"".join(p.read_bytes() for p in (home / "archive").rglob("*KLAIM*"))
