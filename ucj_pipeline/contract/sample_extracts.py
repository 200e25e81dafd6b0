"""Synthetic branch extracts that follow the contract and reproduce the seeds' figures. SYNTHETIC DATA.

Every person here is invented (seeded, deterministic): NIKs have a valid structure but belong to nobody. The
sample delivers monthly full snapshots for the seeds' branches and reproduces:

- Enrekang: 46,589 covered workers on 2025-12-31, 17,125 of them funded by the regional budget (APBD);
- Sinjai: about 40% of its BPS employed base (115,383) covered;
- all four segments, several funding sources and worker categories, village-level codes for BPU and PMI;
- a small share of bad rows (each contract rule broken somewhere), in-file duplicates, and people enrolled in two
  branches, so that quarantine and national de-duplication have work to do;
- the contract's variety of formats: `;` and `,` delimiters, Windows-1252, csv.gz, three date formats;
- monthly claims files for 2025 paying these people, with the seeds' benefit figures (`sample_claims`).

Regencies without a seed figure get a plausible coverage rate at `scale` times their realistic volume
(default 0.1, so the demo stays small; `--scale 1` gives realistic volumes).
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from ucj_pipeline.contract.reference_data import branch_service_areas, region_codes, worker_bases
from ucj_pipeline.runtime.atomic_files import written_atomically

SNAPSHOT_DATES = (date(2025, 10, 31), date(2025, 11, 30), date(2025, 12, 31))
SEED_BRANCHES = ("PALOPO", "SINJAI", "LUWUTIMUR", "MAKASSAR", "PALU", "LUWUK")
ENREKANG, SINJAI, LUWU_TIMUR, BANGGAI = "73.16", "73.07", "73.24", "72.01"
# Covered workers on the last snapshot date, fixed by the seeds (Sinjai: 40% of 115,383).
SEED_COVERED = {ENREKANG: 46_589, SINJAI: round(0.40 * 115_383), LUWU_TIMUR: 61_000, BANGGAI: 84_000}
SEED_APBD_COVERED = {ENREKANG: 17_125}
DEFAULT_SCALE = 0.1
BAD_ROW_SHARE = 0.01
IN_FILE_DUPLICATE_SHARE = 0.003
NOT_COVERED_SHARE = 0.2


@dataclass(frozen=True)
class BranchStyle:
    """How a branch's source system writes files (the contract allows all of these)."""

    delimiter: str = ","
    encoding: str = "utf-8"
    date_format: str = "%Y-%m-%d"
    gzip: bool = False


STYLES = {
    "PALOPO": BranchStyle(),
    "SINJAI": BranchStyle(delimiter=";", encoding="utf-8-sig"),
    "LUWUTIMUR": BranchStyle(date_format="%d/%m/%Y"),
    "MAKASSAR": BranchStyle(gzip=True, date_format="%d-%m-%Y"),
    "PALU": BranchStyle(delimiter=";", date_format="%d/%m/%Y"),
    "LUWUK": BranchStyle(encoding="cp1252"),
}
FIRST_NAMES = np.array(
    [
        "Andi",
        "Muhammad",
        "Siti",
        "Nur",
        "Ahmad",
        "Sitti",
        "Rahmat",
        "Hasanuddin",
        "Irma",
        "Rusdi",
        "Wahyuni",
        "Syamsul",
        "Fatmawati",
        "Asriani",
        "Darmawan",
        "Hartati",
        "Yusuf",
    ]
)
LAST_NAMES = np.array(
    [
        "Rahman",
        "Saleh",
        "Hamzah",
        "Baso",
        "Latif",
        "Mappa",
        "Tandi",
        "Pongrekun",
        "Daeng",
        "Lamba",
        "José",
        "Nurhayati",
        "Arifin",
        "Sampe",
        "Bandaso",
    ]
)
APBD_CATEGORIES = np.array(["HONORER", "KADER_DESA", "PETUGAS_KEAGAMAAN", "PEKERJA_RENTAN", "NELAYAN", "PETANI"])
OTHER_CATEGORIES = np.array(["PEKERJA_RENTAN", "NELAYAN", "PETANI", "PEDAGANG", "OJEK"])
PROGRAM_TEXT = {  # covered programmes by segment, in the separators each source system uses
    "PU": np.array(["JKK,JKM,JHT,JP", "JKK,JKM,JHT,JP,JKP", "JKK,JKM,JHT"]),
    "BPU": np.array(["JKK JKM", "JKK;JKM;JHT", "JKK JKM"]),
    "JAKON": np.array(["JKK|JKM"]),
    "PMI": np.array(["JKK,JKM,JHT"]),
}


def _plausible_rate(regency_code: str) -> float:
    """A stable, plausible coverage rate (25-45%) for a regency without a seed figure."""
    return 0.25 + (int(regency_code.replace(".", "")) * 7919 % 200) / 1000


def regency_plan(branch_code: str, scale: float) -> dict[str, int]:
    """Covered workers per regency that the branch's last snapshot holds."""
    bases = worker_bases().query("base_kind == 'bps_employed'").set_index("regency_code")["workers"]
    served = branch_service_areas().query("branch_code == @branch_code")["regency_code"]
    return {code: SEED_COVERED.get(code, max(1, round(bases[code] * _plausible_rate(code) * scale))) for code in served}


def _niks(regency: str, districts: np.ndarray, birth: pd.DatetimeIndex, female: np.ndarray, rng) -> np.ndarray:
    day = birth.day.to_numpy() + np.where(female, 40, 0)
    serial = rng.integers(1, 10_000, len(birth))
    district = rng.choice(districts, len(birth))
    return np.char.add(
        np.char.add(np.char.add(regency.replace(".", ""), district), np.char.zfill(day.astype(str), 2)),
        np.char.add(
            np.char.add(
                np.char.zfill(birth.month.to_numpy().astype(str), 2),
                np.char.zfill((birth.year.to_numpy() % 100).astype(str), 2),
            ),
            np.char.zfill(serial.astype(str), 4),
        ),
    )


def people_of_regency(regency: str, covered: int, rng, apbd_covered: int | None = None) -> pd.DataFrame:
    """The participants a branch records in one regency: `covered` covered ones plus not-covered ones."""
    regions = region_codes()
    districts = regions.query("region_level == 'district' and regency_code == @regency")["region_code"].str[-2:]
    villages = regions.query("region_level == 'village' and regency_code == @regency")["region_code"].to_numpy()
    not_covered = round(covered * NOT_COVERED_SHARE / (1 - NOT_COVERED_SHARE))
    n = covered + not_covered
    female = rng.random(n) < 0.42
    birth = pd.DatetimeIndex(pd.Timestamp("1962-01-01") + pd.to_timedelta(rng.integers(0, 15_700, n), unit="D"))
    segment = rng.choice(["PU", "BPU", "JAKON", "PMI"], n, p=[0.45, 0.4, 0.1, 0.05])
    is_covered = np.arange(n) < covered
    apbd = np.zeros(n, dtype=bool)
    target_apbd = apbd_covered if apbd_covered is not None else round(covered * 0.2)
    apbd[:target_apbd] = True
    segment[apbd] = "BPU"
    programs = np.empty(n, dtype=object)
    for name, choices in PROGRAM_TEXT.items():
        mask = segment == name
        programs[mask] = rng.choice(choices, int(mask.sum()))
    status = np.where(is_covered, "AKTIF", "NONAKTIF")
    # A few active people without JKM: active, but not covered by the UCJ rule.
    no_jkm = ~is_covered & (rng.random(n) < 0.15)
    status[no_jkm] = "AKTIF"
    programs[no_jkm] = "JKK,JHT"
    funding = np.where(segment == "PU", "PEMBERI_KERJA", np.where(segment == "JAKON", "PEMBERI_KERJA", "MANDIRI"))
    category = np.where(segment == "BPU", rng.choice(OTHER_CATEGORIES, n), "")
    category = np.where(rng.random(n) < 0.3, "", category)
    funding = np.where(apbd, "APBD", funding)
    category = np.where(apbd, rng.choice(APBD_CATEGORIES, n), category)
    village_staff = ~apbd & is_covered & (segment == "BPU") & (rng.random(n) < 0.1)
    funding = np.where(village_staff, "APBDES", funding)
    category = np.where(village_staff, "PERANGKAT_DESA", category)
    funding = np.where(~apbd & ~village_staff & (segment == "BPU") & (rng.random(n) < 0.05), "CSR", funding)
    # Workplace for PU and JAKON (the regency), domicile for BPU and PMI (usually the village).
    at_village = np.isin(segment, ["BPU", "PMI"]) & (rng.random(n) < 0.85) & (len(villages) > 0)
    if regency == LUWU_TIMUR:  # "Satu Desa 100 Tenaga Kerja": villages drawn unevenly, so some reach 100
        weights = np.linspace(2.0, 0.3, len(villages))
        village = rng.choice(villages, n, p=weights / weights.sum())
    else:
        village = rng.choice(villages, n) if len(villages) else np.full(n, regency)
    region = np.where(at_village, village, regency)
    # Most enrolled long ago; about 1.5% a month recently, so monthly snapshots grow.
    enrolment = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3_925, n), unit="D")
    recent = rng.random(n)
    for month_end, share in ((date(2025, 10, 31), 0.015), (date(2025, 11, 30), 0.015), (date(2025, 12, 31), 0.015)):
        pick = recent < share
        recent = np.where(pick, 2.0, recent - share)
        enrolment = enrolment.where(~pick, pd.Timestamp(month_end) - pd.to_timedelta(rng.integers(0, 28, n), "D"))
    paid = enrolment.where(enrolment > pd.Timestamp("2025-09-01"), pd.Timestamp("2025-11-01"))
    return pd.DataFrame(
        {
            "NIK": _niks(regency, districts.to_numpy(), birth, female, rng),
            "NAMA": np.char.add(np.char.add(rng.choice(FIRST_NAMES, n), " "), rng.choice(LAST_NAMES, n)),
            "TGL_LAHIR": birth,
            "JENIS_KELAMIN": np.where(female, "P", "L"),
            "KODE_WILAYAH": region,
            "SEGMEN": segment,
            "PROGRAM": programs,
            "STATUS": status,
            "SUMBER_IURAN": funding,
            "KATEGORI": category,
            "TGL_KEPESERTAAN": pd.DatetimeIndex(enrolment),
            "IURAN_TERAKHIR": pd.DatetimeIndex(paid).strftime("%Y-%m"),
            "NPP": np.where(
                np.isin(segment, ["PU", "JAKON"]), np.char.add("NPP", rng.integers(10**7, 10**8, n).astype(str)), ""
            ),
        }
    )


def _unique_niks(frame: pd.DataFrame, taken: set[str], rng) -> pd.DataFrame:
    """Re-draw the serial of any NIK already used, so that only deliberate duplicates share a NIK."""
    niks = frame["NIK"].to_numpy().copy()
    as_series = pd.Series(niks)
    clash = (as_series.duplicated() | as_series.isin(taken)).to_numpy()
    seen = set(niks[~clash])
    for i in np.flatnonzero(clash):
        nik = niks[i]
        while nik in seen or nik in taken:
            nik = nik[:12] + f"{rng.integers(1, 10_000):04d}"
        seen.add(nik)
        niks[i] = nik
    taken.update(seen)
    return frame.assign(NIK=niks)


BAD_ROW_KINDS = (
    ("NIK", lambda v, rng: v[:15]),  # nik_format
    ("NIK", lambda v, rng: f"{float(v):.3E}"),  # Excel scientific notation: digits lost
    ("NIK", lambda v, rng: "99" + v[2:]),  # nik_province
    ("NIK", lambda v, rng: v[:12] + "0000"),  # nik_serial
    ("KODE_WILAYAH", lambda v, rng: "99.99"),  # region_code_unknown
    ("SEGMEN", lambda v, rng: "PBI"),  # segment_value
    ("PROGRAM", lambda v, rng: "JKK,JKN"),  # program_value
    ("STATUS", lambda v, rng: "PENSIUN"),  # status_value
    ("SUMBER_IURAN", lambda v, rng: "APBN"),  # funding_source_value
    ("JENIS_KELAMIN", lambda v, rng: "X"),  # sex_value
    ("TGL_LAHIR", lambda v, rng: pd.Timestamp("2015-06-01")),  # age_range
    ("TGL_KEPESERTAAN", lambda v, rng: pd.Timestamp("2026-02-01")),  # enrolment_after_snapshot
)


def _bad_rows(people: pd.DataFrame, rng) -> pd.DataFrame:
    """Broken copies of real-looking rows with fresh NIK serials: each breaks one contract rule."""
    n = max(len(BAD_ROW_KINDS), round(len(people) * BAD_ROW_SHARE))
    bad = people.sample(n=n, random_state=int(rng.integers(2**31))).reset_index(drop=True)
    bad["NIK"] = bad["NIK"].str[:12] + pd.Series(rng.integers(1, 10_000, n)).map("{:04d}".format)
    bad = bad.astype({"TGL_LAHIR": object, "TGL_KEPESERTAAN": object})
    for i in range(n):
        column, breaker = BAD_ROW_KINDS[i % len(BAD_ROW_KINDS)]
        bad.at[i, column] = breaker(bad.at[i, column], rng)
    return bad


def _format_dates(frame: pd.DataFrame, fmt: str) -> pd.DataFrame:
    out = frame.copy()
    for column in ("TGL_LAHIR", "TGL_KEPESERTAAN"):
        values = out[column]
        stamps = pd.to_datetime(values.where(values.map(type) == pd.Timestamp), errors="coerce")
        out[column] = stamps.dt.strftime(fmt).where(stamps.notna(), values)
    return out


def write_extract(frame: pd.DataFrame, landing: Path, branch_code: str, snapshot_date: date, style: BranchStyle):
    suffix = "csv.gz" if style.gzip else "csv"
    path = landing / f"{branch_code}_{snapshot_date:%Y%m%d}.{suffix}"
    text = _format_dates(frame, style.date_format).to_csv(index=False, sep=style.delimiter)
    data = text.encode(style.encoding, errors="replace")
    with written_atomically(path) as tmp:  # a half-written file never carries a valid name
        tmp.write_bytes(gzip.compress(data, compresslevel=5, mtime=0) if style.gzip else data)
    return path


def branch_population(branch_code: str, scale: float, rng, taken: set[str]) -> pd.DataFrame:
    parts = [
        people_of_regency(code, covered, rng, SEED_APBD_COVERED.get(code))
        for code, covered in regency_plan(branch_code, scale).items()
    ]
    return _unique_niks(pd.concat(parts, ignore_index=True), taken, rng)


def membership_sample(
    landing: Path,
    scale: float = DEFAULT_SCALE,
    seed: int = 20251231,
    branches: tuple[str, ...] = SEED_BRANCHES,
    snapshot_dates: tuple[date, ...] = SNAPSHOT_DATES,
) -> tuple[list[Path], dict[str, pd.DataFrame]]:
    """Write every (branch, snapshot date) extract into `landing`; returns the files written and each branch's
    people (whom the claims sample pays: `contract/sample.py`)."""
    rng = np.random.default_rng(seed)
    landing.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    populations = {b: branch_population(b, scale, rng, taken) for b in branches}
    _enrol_in_two_branches(populations, rng)
    written = write_snapshots(populations, landing, snapshot_dates, rng)
    return written, populations


def write_snapshots(
    populations: dict[str, pd.DataFrame], landing: Path, snapshot_dates: tuple[date, ...], rng
) -> list[Path]:
    """Each branch's full snapshot on each date: the people enrolled by then, a few in-file duplicates (an older,
    inactive record) and bad rows, shuffled, in the branch's own file style."""
    written = []
    for branch, people in populations.items():
        style = STYLES.get(branch, BranchStyle())
        for snapshot_date in snapshot_dates:
            current = people[people["TGL_KEPESERTAAN"] <= pd.Timestamp(snapshot_date)]
            duplicates = current.sample(frac=IN_FILE_DUPLICATE_SHARE, random_state=int(rng.integers(2**31)))
            duplicates = duplicates.assign(
                STATUS="NONAKTIF", TGL_KEPESERTAAN=duplicates["TGL_KEPESERTAAN"] - pd.Timedelta(days=400)
            )
            rows = pd.concat([current, duplicates, _bad_rows(current, rng)], ignore_index=True)
            rows = rows.sample(frac=1.0, random_state=int(rng.integers(2**31))).reset_index(drop=True)
            written.append(write_extract(rows, landing, branch, snapshot_date, style))
    return written


def _enrol_in_two_branches(populations: dict[str, pd.DataFrame], rng) -> None:
    """People on two branches' books: Enrekang workers with an old, inactive record in Makassar, and Makassar
    workers still on Palopo's books with an older enrolment (the newer Makassar record places them)."""
    if "PALOPO" in populations and "MAKASSAR" in populations:
        palopo, makassar = populations["PALOPO"], populations["MAKASSAR"]
        enrekang_covered = palopo[(palopo["KODE_WILAYAH"].str.startswith(ENREKANG)) & (palopo["STATUS"] == "AKTIF")]
        movers = enrekang_covered.sample(n=min(300, len(enrekang_covered)), random_state=1).assign(
            STATUS="NONAKTIF",
            KODE_WILAYAH="73.71",
            SEGMEN="PU",
            SUMBER_IURAN="PEMBERI_KERJA",
            PROGRAM="JKK,JKM,JHT,JP",
            KATEGORI="",
            TGL_KEPESERTAAN=lambda f: f["TGL_KEPESERTAAN"] - pd.Timedelta(days=700),
        )
        covered_in_makassar = makassar[(makassar["STATUS"] == "AKTIF") & makassar["PROGRAM"].str.contains("JKM")]
        stayers = covered_in_makassar.sample(n=min(200, len(covered_in_makassar)), random_state=2).assign(
            KODE_WILAYAH="73.73", TGL_KEPESERTAAN=lambda f: f["TGL_KEPESERTAAN"] - pd.Timedelta(days=900)
        )
        populations["MAKASSAR"] = pd.concat([makassar, movers], ignore_index=True)
        populations["PALOPO"] = pd.concat([palopo, stayers], ignore_index=True)
