"""Reference data shipped with the project: Kemendagri regions, the branch registry and worker bases.

The CSV files in `reference/` are versioned; `SOURCES.md` beside them says where each comes from and under which
licence. This module turns them into the tables the pipeline uses (pandas frames with documented columns) and
into `RegionIndex`, the lookup the row rules use to resolve `KODE_WILAYAH`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from ucj_pipeline.runtime.paths import REFERENCE_DIR

if TYPE_CHECKING:  # pandas loads when reference data is read, not when the code location loads
    import pandas as pd

# BPS Sakernas 2024: about 142 million employed; Kemendagri 2025: 284,973,643 people. Regencies without an open
# BPS figure get population x this ratio, labelled as an estimate (SOURCES.md).
NATIONAL_EMPLOYED = 142_000_000
NATIONAL_POPULATION = 284_973_643
EMPLOYMENT_TO_POPULATION = NATIONAL_EMPLOYED / NATIONAL_POPULATION
ESTIMATE_SOURCE = (
    "Estimate: population 2025 (Kemendagri, via cahyadsn/wilayah) x national employment-to-population ratio "
    f"{EMPLOYMENT_TO_POPULATION:.4f} (BPS Sakernas 2024: 142 million employed / 284,973,643 people)"
)


def _read(name: str, reference_dir: Path = REFERENCE_DIR) -> pd.DataFrame:
    import pandas as pd

    return pd.read_csv(reference_dir / name, dtype=str, keep_default_na=False)


@cache
def region_codes() -> pd.DataFrame:
    """One row per province, regency, district and village: code, level, name, parent codes."""
    import pandas as pd

    provinces = _read("provinces.csv")
    regencies = _read("regencies.csv")
    districts = _read("districts.csv")
    villages = _read("villages.csv")
    villages["regency_code"] = villages["district_code"].str[:5]
    frames = [
        pd.DataFrame(
            {
                "region_code": provinces["code"],
                "region_level": "province",
                "region_name": provinces["name"],
                "province_code": provinces["code"],
                "regency_code": None,
                "district_code": None,
            }
        ),
        pd.DataFrame(
            {
                "region_code": regencies["code"],
                "region_level": "regency",
                "region_name": regencies["name"],
                "province_code": regencies["province_code"],
                "regency_code": regencies["code"],
                "district_code": None,
            }
        ),
        pd.DataFrame(
            {
                "region_code": districts["code"],
                "region_level": "district",
                "region_name": districts["name"],
                "province_code": districts["regency_code"].str[:2],
                "regency_code": districts["regency_code"],
                "district_code": districts["code"],
            }
        ),
        pd.DataFrame(
            {
                "region_code": villages["code"],
                "region_level": "village",
                "region_name": villages["name"],
                "province_code": villages["district_code"].str[:2],
                "regency_code": villages["regency_code"],
                "district_code": villages["district_code"],
            }
        ),
    ]
    return pd.concat(frames, ignore_index=True)


@cache
def branch_registry() -> pd.DataFrame:
    """One row per branch office: branch_code, branch_name, regional_office."""
    return _read("branches.csv")


@cache
def branch_service_areas() -> pd.DataFrame:
    """One row per (branch, regency it serves)."""
    return _read("branch_regencies.csv")


@cache
def worker_bases() -> pd.DataFrame:
    """One row per regency and base kind: the denominator of coverage, with its source.

    `bps_employed` exists for every regency (the BPS figure where SOURCES.md gives one, otherwise the labelled
    estimate); `potensi_pekerja` only where a source gives it.
    """
    import pandas as pd

    population = _read("population_2025.csv")
    regencies = _read("regencies.csv")
    facts = _read("worker_base_facts.csv")
    pop = regencies.merge(population[["code", "total"]], on="code", how="left")
    estimate = pd.DataFrame(
        {
            "regency_code": pop["code"],
            "base_kind": "bps_employed",
            "workers": (pop["total"].astype("int64") * EMPLOYMENT_TO_POPULATION).round().astype("int64"),
            "reference_period": "2025",
            "source": ESTIMATE_SOURCE,
            "is_estimate": True,
        }
    )
    facts = facts.assign(workers=facts["workers"].astype("int64"), is_estimate=False)
    known = set(zip(facts["regency_code"], facts["base_kind"], strict=True))
    estimate = estimate[[(c, "bps_employed") not in known for c in estimate["regency_code"]]]
    out = pd.concat([facts, estimate], ignore_index=True)
    return out.sort_values(["regency_code", "base_kind"], ignore_index=True)


@dataclass(frozen=True)
class RegionIndex:
    """What the row rules need to resolve codes: known province, regency and village codes (dotted)."""

    provinces: frozenset[str]
    regencies: frozenset[str]
    villages: frozenset[str]

    @classmethod
    @cache
    def load(cls) -> RegionIndex:
        regions = region_codes()
        by_level = {level: frozenset(g["region_code"]) for level, g in regions.groupby("region_level")}
        return cls(by_level["province"], by_level["regency"], by_level["village"])

    def __reduce__(self):
        """The shipped index travels to a worker process by name and is loaded there once per process (pickling
        its 85,000 codes cost about 35 ms per branch handed to a worker); any other index travels whole."""
        if self is RegionIndex.load():
            return _shipped_region_index, ()
        return RegionIndex, (self.provinces, self.regencies, self.villages)


def _shipped_region_index() -> RegionIndex:
    return RegionIndex.load()


TARGET_LEVELS = ("national", "province", "regency", "village_programme")
BASE_KINDS = ("bps_employed", "potensi_pekerja")


@cache
def targets() -> pd.DataFrame:
    """One row per coverage target a government set, with its baseline, date, worker base kind and source.

    `village_programme` targets count enrolled (covered) workers per village of the regency; their `target_pct`
    is the share of villages that must meet `target_workers_per_village` (100: every village).
    """
    import pandas as pd

    frame = _read("targets.csv")
    bad_level = set(frame["level"]) - set(TARGET_LEVELS)
    bad_base = set(frame["base_kind"]) - set(BASE_KINDS)
    if bad_level or bad_base or frame["target_id"].duplicated().any():
        raise ValueError(
            f"targets.csv: unknown level {bad_level or ''} or base kind {bad_base or ''}, or a repeated id"
        )
    for column in ("target_pct", "baseline_pct"):
        frame[column] = pd.to_numeric(frame[column].replace("", None)).astype("float64")
    frame["target_workers_per_village"] = pd.to_numeric(frame["target_workers_per_village"].replace("", None)).astype(
        "Int64"
    )
    for column in ("target_date", "baseline_date"):
        frame[column] = pd.to_datetime(frame[column].replace("", None)).dt.date
    frame["target_date_note"] = frame["target_date_note"].replace("", None)
    return frame


def known_branch_codes() -> frozenset[str]:
    return frozenset(branch_registry()["branch_code"])


@cache
def reference_fingerprint() -> str:
    """What the reference tables are derived from: every file of the reference folder and this module's code. A
    lake file written under the same fingerprint holds the same rows, and need not be written again."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for path in sorted(p for p in REFERENCE_DIR.iterdir() if p.is_file()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


REFERENCE_TABLES = {
    "region_codes": region_codes,
    "branch_registry": branch_registry,
    "branch_service_areas": branch_service_areas,
    "worker_bases": worker_bases,
    "targets": targets,
}
