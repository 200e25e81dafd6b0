"""`ucj status`: the published figures in the terminal, read from ucj.duckdb as a BI tool reads them."""

from __future__ import annotations

import argparse
import sys

from ucj_pipeline.orchestration.configuration import Configuration
from ucj_pipeline.runtime.paths import UcjPaths


def _print_table(rows: list[tuple], headers: list[str]) -> None:
    text = [
        [
            ("" if v is None else f"{v:,}" if isinstance(v, int) else f"{v:,.2f}" if isinstance(v, float) else str(v))
            for v in row
        ]
        for row in rows
    ]
    widths = [max(len(h), *(len(r[i]) for r in text)) if text else len(h) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in text:
        print(
            "  ".join(
                v.rjust(w) if v.replace(",", "").replace(".", "").isdigit() else v.ljust(w)
                for v, w in zip(row, widths, strict=True)
            )
        )


def cmd_status(args: argparse.Namespace, config: Configuration) -> int:
    import duckdb

    paths = UcjPaths(config.home)
    if not paths.warehouse.exists():
        print(f"No published warehouse at {paths.warehouse}: run `ucj run` first.", file=sys.stderr)
        return 1
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        _print_targets(con)
        _print_budget(con)
        _print_benefits(con)
        national = con.execute(
            "SELECT as_of_date, covered_workers, worker_base, coverage_pct, has_stale_data FROM marts.coverage_national"
        ).fetchall()[0]
        print(f"\nUCJ coverage as of {national[0]}  (synthetic sample data unless you loaded real extracts)\n")
        print(
            f"Indonesia: {national[1]:,} covered of {national[2]:,} workers = {national[3]}%"
            + ("  [some branches stale or missing]" if national[4] else "")
        )
        _print_branch_health(paths, national[0])
        where = "WHERE province_code = ?" if args.province else "WHERE covered_workers > 0" if not args.all else ""
        params = [args.province] if args.province else []
        provinces = con.execute(
            "SELECT province_code, province_name, covered_workers, worker_base, coverage_pct, stale_branches, "
            f"missing_branches FROM marts.coverage_province {where} ORDER BY province_code",
            params,
        ).fetchall()
        print("\nCoverage by province")
        _print_table(provinces, ["code", "province", "covered", "worker base", "coverage %", "stale", "missing"])
        regencies = con.execute(
            "SELECT regency_code, regency_name, covered_workers, worker_base, coverage_pct, "
            "CASE WHEN worker_base_is_estimate THEN 'estimate' ELSE 'BPS' END, stale_branches, missing_branches "
            f"FROM marts.coverage_regency {where} ORDER BY regency_code",
            params,
        ).fetchall()
        print("\nCoverage by regency")
        _print_table(regencies, ["code", "regency", "covered", "worker base", "coverage %", "base", "stale", "missing"])
    return 0


def _print_branch_health(paths: UcjPaths, as_of) -> None:
    """Every branch on the published reporting date, from the ingest log (the lake: as current as the last ingest,
    which may be newer than the published file): rejected latest deliveries, stale and missing branches, and
    snapshots that wait for a later reporting date."""
    from ucj_pipeline.contract.reference_data import known_branch_codes
    from ucj_pipeline.ingest.branch_health import country_health, waiting_sentence
    from ucj_pipeline.runtime.paths import STALE_AFTER_DAYS

    health = country_health(paths.lake, sorted(known_branch_codes()), as_of)
    rejected, stale, missing, waiting = (
        health.rejected(),
        health.stale(STALE_AFTER_DAYS),
        health.missing(),
        health.waiting(),
    )
    never = health.never_delivered()
    current = len(health.branches) - len({b.branch_code for b in (*stale, *missing, *never, *rejected)})
    print(
        f"\nBranches on reporting date {as_of}: {current} of {len(health.branches)} with a current snapshot and "
        f"a good latest delivery, {len(rejected)} with a rejected latest delivery, {len(stale)} stale, "
        f"{len(missing)} with no snapshot on that date, {len(never)} never delivered; "
        f"{len(waiting)} snapshot(s) waiting for a later reporting date"
    )
    for branch in rejected:
        print(f"  REJECTED  {branch.branch_code}: {branch.message(as_of)}")
    for branch in (b for b in health.branches if b.claims_failing):
        print(f"  REJECTED  {branch.branch_code} (claims): {branch.claims_message()}")
    for branch in stale:
        snapshot = branch.counting_on(as_of)
        print(
            f"  STALE     {branch.branch_code}: snapshot of {snapshot}, {(as_of - snapshot).days} days old (still counts)"
        )
    for branch in waiting:
        snapshot = branch.waiting_after(as_of)
        print(f"  WAITING   {branch.branch_code}: snapshot of {snapshot} accepted. {waiting_sentence(snapshot, as_of)}")


def _print_targets(con) -> None:
    rows = con.execute(
        "SELECT target_id, region_name, coverage_pct, target_pct, target_date, gap_workers, required_monthly_net_new, "
        "recent_monthly_net_change, projected_coverage_pct, status FROM marts.target_tracking"
    ).fetchall()
    as_of = con.execute("SELECT max(as_of_date) FROM marts.target_tracking").fetchall()[0][0]
    print(f"Target tracking as of {as_of}  (marts.target_tracking; report: $UCJ_HOME/reports/latest.html)\n")
    _print_table(
        rows,
        [
            "target",
            "region",
            "now %",
            "target %",
            "by",
            "workers needed",
            "needed/month",
            "pace/month",
            "projected %",
            "status",
        ],
    )


SEED_REGENCIES = ("73.16", "73.24", "73.07", "72.01")  # Enrekang, Luwu Timur, Sinjai, Banggai: the seeds' regencies


def _rupiah(amount) -> str:
    """Whole rupiah with separators, and in billions (the unit of budget meetings) from Rp1 billion on."""
    value = int(amount or 0)
    short = f" (Rp{value / 1e9:,.2f} bn)" if value >= 1_000_000_000 else ""
    return f"Rp{value:,}{short}"


def _print_budget(con) -> None:
    """What closing each target's gap would cost a regional budget (marts.target_cost), with the premium basis."""
    rows = con.execute(
        "SELECT target_id, region_name, gap_workers, monthly_premium_rupiah, yearly_cost_full_gap_rupiah, "
        "path_months, path_cost_rupiah, premium_basis FROM marts.target_cost"
    ).fetchall()
    print("\nBudget each target needs  (marts.target_cost: the premium a regional budget pays per worker)\n")
    _print_table(
        [
            (t, r, gap, _rupiah(premium), _rupiah(year), months, _rupiah(path))
            for t, r, gap, premium, year, months, path, _ in rows
        ],
        ["target", "region", "workers needed", "premium/month", "whole gap, a year", "months", "required path, total"],
    )
    for target, *_, basis in rows:
        print(f"  {target}: {basis}")


def _print_benefits(con) -> None:
    """Each seed regency's benefits this year (marts.benefits_year): paid, to how many workers, to budget-funded
    workers, and whether every month of every branch is in."""
    as_of = con.execute("SELECT max(as_of_date) FROM marts.target_tracking").fetchall()[0][0]
    rows = con.execute(
        "SELECT y.region_code, r.region_name, y.amount_rupiah, y.workers_paid, y.amount_to_budget_funded, "
        "y.workers_paid_budget_funded, y.months_complete, y.missing_branch_months "
        "FROM marts.benefits_year AS y JOIN reference.regions AS r USING (region_code) "
        "WHERE y.region_level = 'regency' AND y.year = ? AND y.region_code IN ? ORDER BY y.region_code",
        [as_of.year, list(SEED_REGENCIES)],
    ).fetchall()
    print(f"\nBenefits paid in {as_of.year}  (marts.benefits_year; seed regencies)\n")
    _print_table(
        [
            (code, name, _rupiah(amount), workers, _rupiah(funded), funded_workers, months, missing or "")
            for code, name, amount, workers, funded, funded_workers, months, missing in rows
        ],
        ["code", "regency", "benefits paid", "workers", "to budget-funded", "workers", "months complete", "missing"],
    )
