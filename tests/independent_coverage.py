"""An independent recomputation of UCJ coverage from the extract files, for tests.

Plain Python over the raw CSV files, one row at a time, written from the contract's text and sharing no code
with the pipeline. If the pipeline and this disagree, one of them misreads the contract.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

PROGRAMS = {"JKK", "JKM", "JHT", "JP", "JKP"}


def _read(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ",")
    return [{k.strip().upper(): (v or "").strip() for k, v in r.items()} for r in reader]


def _date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    return None


def _nik_ok(nik: str, provinces: set[str]) -> bool:
    if not re.fullmatch(r"\d{16}", nik) or nik[:2] not in provinces or "00" in (nik[2:4], nik[4:6]):
        return False
    day = int(nik[6:8]) - (40 if int(nik[6:8]) > 40 else 0)
    try:
        date(2000 + int(nik[10:12]), int(nik[8:10]), day)
    except ValueError:
        return False
    return nik[12:] != "0000"


def _valid(r: dict[str, str], snapshot: date, regions: dict[str, set[str]]) -> tuple[str, str | None] | None:
    """(nik, region) of a row passing every row rule, else None."""
    nik = re.sub(r"[\s.\-]", "", r["NIK"].lstrip("'"))
    birth, enrolled = _date(r["TGL_LAHIR"]), _date(r["TGL_KEPESERTAAN"])
    code = r["KODE_WILAYAH"].replace(".", "")
    region = None
    if re.fullmatch(r"\d{4}", code):
        region = f"{code[:2]}.{code[2:]}"
    elif re.fullmatch(r"\d{10}", code):
        region = f"{code[:2]}.{code[2:4]}.{code[4:6]}.{code[6:]}"
    programs = [p for p in re.split(r"[,;|\s]+", r["PROGRAM"]) if p]
    ok = (
        _nik_ok(nik, regions["province"])
        and birth is not None
        and 15 <= snapshot.year - birth.year - ((snapshot.month, snapshot.day) < (birth.month, birth.day)) <= 100
        and r["JENIS_KELAMIN"] in ("L", "P")
        and region is not None
        and region[:5] in regions["regency"]
        and (len(region) == 5 or region in regions["village"])
        and r["SEGMEN"] in ("PU", "BPU", "JAKON", "PMI")
        and programs
        and set(programs) <= PROGRAMS
        and r["STATUS"] in ("AKTIF", "NONAKTIF")
        and r["SUMBER_IURAN"] in ("MANDIRI", "PEMBERI_KERJA", "APBD", "APBDES", "CSR", "LAINNYA")
        and (not r.get("KATEGORI") or re.fullmatch(r"[A-Z]+(_[A-Z]+)*", r["KATEGORI"]))
        and enrolled is not None
        and enrolled <= snapshot
        and (not r.get("IURAN_TERAKHIR") or re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", r["IURAN_TERAKHIR"]))
    )
    return (nik, region) if ok else None


def covered_by_regency(files: list[Path], as_of: date, regions: dict[str, set[str]]) -> Counter:
    """Covered people per regency on `as_of`, from full-snapshot files named BRANCH_YYYYMMDD.csv[.gz]."""
    return Counter(region[:5] for region in covered_people(files, as_of, regions).values())


def covered_people(files: list[Path], as_of: date, regions: dict[str, set[str]]) -> dict[str, str]:
    """Each covered person's NIK on `as_of` and the region (regency or village code) that places them."""
    return {nik: region for nik, (_, region) in counted_records(files, as_of, regions).items()}


def counted_records(files: list[Path], as_of: date, regions: dict[str, set[str]]) -> dict[str, tuple[str, str]]:
    """Each covered person's NIK on `as_of`: the branch whose record counts and the region that record places them in."""
    current: dict[str, tuple[date, Path]] = {}
    for path in files:
        branch, stamp = path.name.split(".")[0].split("_")[:2]
        snapshot = datetime.strptime(stamp, "%Y%m%d").date()
        if snapshot <= as_of and (branch not in current or snapshot > current[branch][0]):
            current[branch] = (snapshot, path)
    best: dict[str, tuple] = {}
    for branch, (snapshot, path) in current.items():
        kept: dict[str, tuple] = {}
        for row_number, r in enumerate(_read(path), start=2):
            valid = _valid(r, snapshot, regions)
            if valid is None:
                continue
            nik, region = valid
            enrolled = _date(r["TGL_KEPESERTAAN"])
            rank = (r["STATUS"] == "AKTIF", enrolled, -row_number)  # in-file duplicates: AKTIF, latest, first
            if nik not in kept or rank > kept[nik][0]:
                programs = set(re.split(r"[,;|\s]+", r["PROGRAM"]))
                covered = r["STATUS"] == "AKTIF" and {"JKK", "JKM"} <= programs
                kept[nik] = (rank, covered, enrolled, region)
        for nik, (_, covered, enrolled, region) in kept.items():
            if not covered:
                continue
            # Nationally: newest snapshot, then latest enrolment, then branch code.
            rank = (snapshot, enrolled, [-ord(c) for c in branch])
            if nik not in best or rank > best[nik][0]:
                best[nik] = (rank, branch, region)
    return {nik: (branch, region) for nik, (_, branch, region) in best.items()}
