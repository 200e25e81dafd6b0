"""Small, explicit extract files for tests: valid rows by default, broken exactly where a test says."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import date
from pathlib import Path

HEADER = [
    "NIK", "NAMA", "TGL_LAHIR", "JENIS_KELAMIN", "KODE_WILAYAH", "SEGMEN", "PROGRAM", "STATUS", "SUMBER_IURAN",
    "KATEGORI", "TGL_KEPESERTAAN", "IURAN_TERAKHIR", "NPP",
]  # fmt: skip


def make_nik(region: str = "7316", district: str = "01", birth: date = date(1990, 1, 5), female: bool = False,
             serial: int = 1) -> str:  # fmt: skip
    day = birth.day + (40 if female else 0)
    return f"{region}{district}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def row(serial: int = 1, **overrides: str) -> dict[str, str]:
    """A valid, covered participant in Enrekang (73.16) unless overridden."""
    base = {
        "NIK": make_nik(serial=serial),
        "NAMA": f"Peserta {serial}",
        "TGL_LAHIR": "1990-01-05",
        "JENIS_KELAMIN": "L",
        "KODE_WILAYAH": "73.16",
        "SEGMEN": "BPU",
        "PROGRAM": "JKK,JKM",
        "STATUS": "AKTIF",
        "SUMBER_IURAN": "APBD",
        "KATEGORI": "HONORER",
        "TGL_KEPESERTAAN": "2024-01-01",
        "IURAN_TERAKHIR": "2025-11",
        "NPP": "",
    }
    base.update(overrides)
    return base


def csv_bytes(records: list[dict[str, str]], delimiter: str = ",", header: list[str] | None = None,
              encoding: str = "utf-8") -> bytes:  # fmt: skip
    """A CSV extract's bytes: the contract's header (or `header`) and the records."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header or HEADER, delimiter=delimiter, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(records)
    return buffer.getvalue().encode(encoding)


def write_extract(folder: Path, name: str, rows: list[dict[str, str]], delimiter: str = ",",
                  encoding: str = "utf-8", header: list[str] | None = None) -> Path:  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    data = csv_bytes(rows, delimiter, header, encoding)
    path = folder / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return path
