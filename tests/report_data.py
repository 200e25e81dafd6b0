"""A ReportData shaped like `make demo`'s published figures, built in plain Python from the reference CSVs: six of the
120 branches delivered (LUWUK, LUWUTIMUR, MAKASSAR, PALOPO, PALU, SINJAI), so seven South Sulawesi regencies have no
delivering branch; the seven seed targets with three monthly history dates. Takalar (73.05) has a current branch and
zero covered workers: a true 0, not "no data"."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date

from ucj_pipeline.publish.target_report import ReportData
from ucj_pipeline.runtime.paths import REFERENCE_DIR

AS_OF = date(2025, 12, 31)
DATES = (date(2025, 10, 31), date(2025, 11, 30), AS_OF)
DEMO_BRANCHES = frozenset({"LUWUK", "LUWUTIMUR", "MAKASSAR", "PALOPO", "PALU", "SINJAI"})
SEEDS = {"72.01": (84_000, 195_600), "73.07": (46_153, 115_383), "73.16": (46_589, 116_834), "73.24": (61_000, 161_158)}
ZERO_COVERED = "73.05"  # Takalar: served by MAKASSAR, which delivered, and nobody covered
SOUTH_SULAWESI_NO_BRANCH = {"73.08": "Bone", "73.11": "Barru", "73.12": "Soppeng", "73.13": "Wajo",
                            "73.14": "Sidenreng Rappang", "73.15": "Pinrang", "73.72": "Parepare"}  # fmt: skip


def reference(name: str) -> list[dict[str, str]]:
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _tracking(national: dict, provinces: dict[str, dict]) -> list[dict]:
    """The seven seed targets as marts.target_tracking has them on the demo's reporting date."""
    names = {t["target_id"]: t for t in reference("targets.csv")}
    sulsel = provinces["73"]

    def row(target_id: str, region_name: str, covered: int, base: int, pct: float, gap: int, required, pace: float,
            projected: float, status: str, reason: str, stale: bool, **extra) -> dict:  # fmt: skip
        ref = names[target_id]
        return {
            "as_of_date": AS_OF, "target_id": target_id, "target_name": ref["target_name"], "level": ref["level"],
            "region_code": ref["region_code"], "region_name": region_name, "target_pct": float(ref["target_pct"]),
            "target_workers_per_village": None, "target_date": date.fromisoformat(ref["target_date"]),
            "target_date_note": ref["target_date_note"], "covered_workers": covered, "worker_base": base,
            "coverage_pct": pct, "villages": None, "villages_meeting_target": None, "gap_workers": gap,
            "required_monthly_net_new": required, "recent_monthly_net_change": pace,
            "projected_coverage_pct": projected, "status": status, "status_reason": reason, "has_stale_data": stale,
        } | extra  # fmt: skip

    below_half = "recent pace is below half the required pace, or not positive"
    n_cov, n_base, n_pct = national["covered_workers"], national["worker_base"], national["coverage_pct"]
    return [
        row("national_rpjmn_2025", "Indonesia", n_cov, n_base, n_pct, 45_261_309, None, 5709.3, n_pct, "off_track",
            "target date passed without meeting the target", True),
        row("national_rpjmn_2029", "Indonesia", n_cov, n_base, n_pct, 61_972_714, 1_291_099, 5709.3, 0.47,
            "off_track", below_half, True),
        row("national_rpjpn_2045", "Indonesia", n_cov, n_base, n_pct, 140_886_892, 587_029, 5709.3, 1.24,
            "off_track", below_half, True),
        row("sulsel_inpres_2021", "Sulawesi Selatan", sulsel["covered_workers"], sulsel["worker_base"],
            sulsel["coverage_pct"], 2_947_023, 245_754, 3940.9, 6.61, "off_track", below_half, True),
        row("banggai_rpjmd_2030", "Kabupaten Banggai", 84_000, 195_600, 42.94, 110_622, 1844, 1238.0, 80.91, "at_risk",
            "recent pace is at least half the required pace", False),
        row("sinjai_plus_20_points", "Kabupaten Sinjai", 46_153, 115_383, 40.0, 23_077, 481, 662.6, 67.57, "on_track",
            "recent pace meets or beats the required pace", False),
        row("luwutimur_satu_desa_100", "Kabupaten Luwu Timur", 12_462, 12_800, 97.36, 338, 29, 20.5, 99.28, "at_risk",
            "recent pace is at least half the required pace", False, target_workers_per_village=100, villages=128,
            villages_meeting_target=112),
    ]  # fmt: skip


def demo_report_data(delivered: frozenset[str] = DEMO_BRANCHES) -> ReportData:
    branches = reference("branches.csv")
    serving: dict[str, list[str]] = defaultdict(list)
    for link in reference("branch_regencies.csv"):
        serving[link["regency_code"]].append(link["branch_code"])
    province_names = {p["code"]: p["name"] for p in reference("provinces.csv")}
    regencies = []
    for r in reference("regencies.csv"):
        code = r["code"]
        current = [b for b in serving[code] if b in delivered]
        missing = [b for b in serving[code] if b not in delivered]
        covered, base = SEEDS.get(code, (0, 100_000))
        if code not in SEEDS and current and code != ZERO_COVERED:
            covered = 4_000
        if not current:
            covered = 0
        regencies.append({
            "as_of_date": AS_OF, "province_code": r["province_code"], "province_name": province_names[r["province_code"]],
            "regency_code": code, "regency_name": r["name"], "covered_workers": covered, "worker_base": base,
            "coverage_pct": round(100 * covered / base, 2), "worker_base_is_estimate": code not in ("72.01", "73.07"),
            "current_branches": len(current), "stale_branches": None,
            "missing_branches": ", ".join(sorted(missing)) or None, "has_stale_data": bool(missing),
        })  # fmt: skip
    provinces = {}
    for code, name in province_names.items():
        mine = [r for r in regencies if r["province_code"] == code]
        covered, base = sum(r["covered_workers"] for r in mine), sum(r["worker_base"] for r in mine)
        missing = sorted({b for r in mine for b in (r["missing_branches"] or "").split(", ") if b})
        provinces[code] = {
            "as_of_date": AS_OF, "province_code": code, "province_name": name, "covered_workers": covered,
            "worker_base": base, "coverage_pct": round(100 * covered / base, 2) if base else None,
            "stale_branches": None, "missing_branches": ", ".join(missing) or None, "has_stale_data": bool(missing),
        }  # fmt: skip
    covered, base = sum(r["covered_workers"] for r in regencies), 141_983_048
    national = {"as_of_date": AS_OF, "country_code": "ID", "country_name": "Indonesia", "covered_workers": covered,
                "worker_base": base, "coverage_pct": round(100 * covered / base, 2),
                "has_stale_data": len(delivered) < len(branches)}  # fmt: skip
    tracking = _tracking(national, provinces)
    history = [
        {"as_of_date": day, "target_id": t["target_id"], "level": t["level"], "region_code": t["region_code"],
         "covered_workers": round(t["covered_workers"] * (0.97 + 0.015 * i)), "worker_base": t["worker_base"],
         "coverage_pct": round(t["coverage_pct"] * (0.97 + 0.015 * i), 2), "has_stale_data": t["has_stale_data"]}
        for t in tracking for i, day in enumerate(DATES)
    ]  # fmt: skip
    return ReportData(
        as_of_date=AS_OF,
        target_costs=_target_costs(tracking),
        benefits=_enrekang_benefits(),
        benefits_year=[
            {
                "region_level": "regency",
                "region_code": "73.16",
                "year": 2025,
                "amount_rupiah": 21_880_000_000,
                "workers_paid": 2_272,
                "amount_to_budget_funded": 2_170_000_000,
            }
        ],  # fmt: skip
        national=national,
        tracking=tracking,
        target_history=history,
        regencies=regencies,
        provinces=list(provinces.values()),
        branches=[
            {
                "branch_code": b["branch_code"],
                "snapshot_state": "current" if b["branch_code"] in delivered else "missing",
            }
            for b in branches
        ],
    )


MONTHLY_BUDGET_PREMIUM = 16_800  # the demo's basis: the BPU schedule paid by a regional budget (JKK + JKM)


def _target_costs(tracking: list[dict]) -> list[dict]:
    """marts.target_cost's shape for the seed targets: the national ones cost 20-digit rupiah amounts (the widest
    cells of the report, printed on A4)."""
    rows = []
    for t in tracking:
        months = max(0, (t["target_date"].year - AS_OF.year) * 12 + t["target_date"].month - AS_OF.month)
        yearly = t["gap_workers"] * MONTHLY_BUDGET_PREMIUM * 12
        rows.append({
            "target_id": t["target_id"], "target_name": t["target_name"], "region_name": t["region_name"],
            "gap_workers": t["gap_workers"], "monthly_premium_rupiah": MONTHLY_BUDGET_PREMIUM,
            "yearly_cost_full_gap_rupiah": yearly, "path_cost_rupiah": yearly * months // 24,
            "premium_basis": "BPU schedule paid by a regional budget (APBD): JKK Rp10,000 + JKM Rp6,800",
        })  # fmt: skip
    return rows


def _enrekang_benefits() -> list[dict]:
    """marts.benefits_paid summed per month and programme for Enrekang, 2025 (Rp21.88 bn in the year)."""
    shares = {"JHT": 0.62, "JKK": 0.12, "JKM": 0.16, "JP": 0.10}
    return [
        {"region_code": "73.16", "month": date(2025, m, 1), "programme": programme,
         "amount_rupiah": round(21_880_000_000 * share / 12), "amount_budget_funded": round(2_170_000_000 * share / 12)}
        for m in range(1, 13) for programme, share in shares.items()
    ]  # fmt: skip
