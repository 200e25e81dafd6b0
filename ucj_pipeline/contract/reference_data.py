"""Reference data shipped with the project: Kemendagri regions, the branch registry, worker bases, targets, and the
premium and benefit schedules (dated rows: a rate is never a constant in code).

The CSV files in `reference/` are versioned; `SOURCES.md` beside them says where each comes from and under which
licence. This module turns them into the tables the pipeline uses (pandas frames with documented columns) and
into `RegionIndex`, the lookup the row rules use to resolve `KODE_WILAYAH`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta
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


# Premiums and benefits: dated rows, each in force from `effective_from` to `effective_to` (both inclusive; an empty
# `effective_to` is open-ended), applied by `ucj_pipeline.contract.premiums`.
PROGRAMMES = ("JKK", "JKM", "JHT", "JP", "JKP")
_WHOLE = re.compile(r"[0-9]+")


def _iso_dates(frame: pd.DataFrame, column: str, name: str, *, optional: bool = False) -> None:
    """ISO dates (YYYY-MM-DD) as `datetime.date`; an empty cell is None where `optional`, an error otherwise."""

    def parse(text: str) -> date | None:
        if not text and optional:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{name}: {column} {text!r} is not a date (YYYY-MM-DD)") from None

    frame[column] = frame[column].map(parse).astype(object)


def _whole_numbers(frame: pd.DataFrame, column: str, name: str) -> None:
    """Whole numbers written as plain digits (no separators, no decimals), as int64."""
    bad = [v for v in frame[column] if not _WHOLE.fullmatch(v)]
    if bad:
        raise ValueError(f"{name}: {column} must be a whole number of plain digits, not {bad[0]!r}")
    frame[column] = frame[column].astype("int64")


def _check_known(frame: pd.DataFrame, column: str, known: tuple[str, ...], name: str) -> None:
    unknown = sorted(set(frame[column]) - set(known))
    if unknown:
        raise ValueError(f"{name}: unknown {column} {', '.join(unknown)} (known: {', '.join(known)})")


def _check_periods(frame: pd.DataFrame, key: list[str], name: str) -> None:
    """Each row's period runs forward, and no two rows of the same key are in force on the same day (a lookup finds
    at most one)."""
    for row in frame.itertuples(index=False):
        if row.effective_to is not None and row.effective_to < row.effective_from:
            raise ValueError(
                f"{name}: a row of {dict(zip(key, (getattr(row, k) for k in key), strict=True))} ends before it starts"
            )
    for values, rows in frame.groupby(key, sort=False):
        periods = sorted(zip(rows["effective_from"], rows["effective_to"], strict=True), key=lambda period: period[0])
        for (_, end), (start, _) in zip(periods, periods[1:], strict=False):
            if end is None or end >= start:
                raise ValueError(f"{name}: two rows of {dict(zip(key, values, strict=True))} are in force on {start}")


@cache
def premium_rates() -> pd.DataFrame:
    """One row per programme (component), segment and period: the monthly premium per worker in whole rupiah
    (`monthly_rupiah`), its basis and source. BPU at the lowest income bracket: JKK Rp10,000 + JKM Rp6,800."""
    name = "premium_rates.csv"
    frame = _read(name)
    _check_known(frame, "component", PROGRAMMES, name)
    _iso_dates(frame, "effective_from", name)
    _iso_dates(frame, "effective_to", name, optional=True)
    _whole_numbers(frame, "monthly_rupiah", name)
    _check_periods(frame, ["component", "segment"], name)
    return frame


@cache
def premium_discounts() -> pd.DataFrame:
    """One row per programme (component), segment and period of a discount: `discount_pct` (whole percent) off the
    premium, except where the premium is paid by a funding source listed in `not_for_funding` (comma-separated).
    PP 50/2025: 50% off BPU JKK and JKM from April to December 2026, not for APBN, APBD or APBDES payers."""
    name = "premium_discounts.csv"
    frame = _read(name)
    _check_known(frame, "component", PROGRAMMES, name)
    _iso_dates(frame, "effective_from", name)
    _iso_dates(frame, "effective_to", name, optional=True)
    _whole_numbers(frame, "discount_pct", name)
    if (frame["discount_pct"] > 100).any():
        raise ValueError(f"{name}: discount_pct above 100")
    _check_periods(frame, ["component", "segment"], name)
    return frame


@cache
def budget_premiums() -> pd.DataFrame:
    """One row per regency and period: what the regency's budget pays a month per budget-funded worker
    (`monthly_rupiah_per_worker`, whole rupiah) where a public report says so, with what the figure is and its
    source. The CSV gives each figure's first day; `effective_to` is derived: the day before the regency's next
    figure, empty while it is in force. Elsewhere the BPU schedule is the planning premium."""
    import pandas as pd

    name = "budget_premiums.csv"
    frame = _read(name)
    _check_known(frame, "regency_code", tuple(_read("regencies.csv")["code"]), name)
    _iso_dates(frame, "effective_from", name)
    _whole_numbers(frame, "monthly_rupiah_per_worker", name)
    starts: dict[str, list[date]] = {}
    for code, start in zip(frame["regency_code"], frame["effective_from"], strict=True):
        starts.setdefault(code, []).append(start)
    following = [
        min((s for s in starts[code] if s > start), default=None)
        for code, start in zip(frame["regency_code"], frame["effective_from"], strict=True)
    ]
    ends = [None if f is None else f - timedelta(days=1) for f in following]
    frame.insert(frame.columns.get_loc("effective_from") + 1, "effective_to", pd.Series(ends, dtype=object))
    _check_periods(frame, ["regency_code"], name)
    return frame


@cache
def benefit_amounts() -> pd.DataFrame:
    """One row per programme, benefit and period: the benefit amount in force in whole rupiah (`amount_rupiah`) and
    its source. JKM death benefit: Rp20 M lump sum + Rp12 M periodic + Rp10 M funeral = Rp42 M (PP 82/2019)."""
    name = "benefit_amounts.csv"
    frame = _read(name)
    _check_known(frame, "programme", PROGRAMMES, name)
    _iso_dates(frame, "effective_from", name)
    _iso_dates(frame, "effective_to", name, optional=True)
    _whole_numbers(frame, "amount_rupiah", name)
    _check_periods(frame, ["programme", "benefit"], name)
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
    "premium_rates": premium_rates,
    "premium_discounts": premium_discounts,
    "budget_premiums": budget_premiums,
    "benefit_amounts": benefit_amounts,
}
