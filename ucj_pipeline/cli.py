"""`ucj`: generate sample extracts, run the pipeline through Dagster, and print coverage.

ucj sample [--scale 0.1] [--seed N]     synthetic extracts into $UCJ_HOME/landing
ucj run [--as-of YYYY-MM-DD]            everything landed -> lake -> models -> warehouse/ucj.duckdb
ucj backfill [--from D] [--to D]        recompute history for every snapshot date in the lake, oldest first
ucj status [--province 73] [--all]      targets, then coverage by province and regency, from the published file
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

from ucj_pipeline.settings import UcjPaths, today_in_jakarta

DAGSTER_YAML = """# Written by `ucj` for local use: SQLite storage in this folder (the Dagster default).
# Production uses PostgreSQL: deploy/dagster.yaml (see the README).
concurrency:
  runs:
    max_concurrent_runs: 4
    tag_concurrency_limits:  # one run per branch partition at a time
      - key: dagster/partition
        value:
          applyLimitPerUniqueValue: true
        limit: 1
  pools:
    default_limit: 1  # ucj_publish: one publish of ucj.duckdb at a time
telemetry:
  enabled: false
"""


# The CLI shows Dagster's INFO events (files, outcomes, warnings); DEBUG events stay in the instance and the UI.
RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def _prepare_dagster_home(paths: UcjPaths) -> None:
    home = paths.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(home)
    if not (home / "dagster.yaml").exists():
        (home / "dagster.yaml").write_text(DAGSTER_YAML)


def cmd_sample(args: argparse.Namespace) -> int:
    from ucj_pipeline.sample_extracts import SEED_BRANCHES, generate_sample

    paths = UcjPaths.from_env().ensure()
    branches = tuple(args.branches.split(",")) if args.branches else SEED_BRANCHES
    files = generate_sample(paths.landing, scale=args.scale, seed=args.seed, branches=branches)
    print(f"SYNTHETIC sample: wrote {len(files)} extracts into {paths.landing}")
    for path in files:
        print(f"  {path.name}  ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """What the sensor and automation do under the daemon, done now and in order: misnamed files, one ingest run
    per branch with files, then one refresh. Every file counts as complete (the operator asked for this run)."""
    from dagster import DagsterInstance

    from resources import LandingArea, PipelineSettings
    from ucj_pipeline.definitions import build_definitions
    from ucj_pipeline.landing_files import plan_landing_runs
    from ucj_pipeline.reference_data import known_branch_codes

    paths = UcjPaths.from_env().ensure()
    _prepare_dagster_home(paths)
    settings = PipelineSettings.from_env(as_of_date=args.as_of)
    landing_area = LandingArea(folder=str(paths.landing), settle_seconds=0)
    defs = build_definitions(settings, landing_area)
    instance = DagsterInstance.get()
    plan = plan_landing_runs(
        landing_area.ready_files(), {}, known_branch_codes(), set(instance.get_dynamic_partitions("branch")),
        today_in_jakarta(),  # the contract's "future" is today's, not the reporting date's
    )  # fmt: skip
    if plan.new_branches:
        instance.add_dynamic_partitions("branch", plan.new_branches)
    ok = True
    if plan.misnamed:
        result = defs.resolve_job_def("misnamed_files_job").execute_in_process(
            instance=instance, run_config=RUN_CONFIG, raise_on_error=False
        )
        print(f"misnamed files rejected: {', '.join(f.name for f in plan.misnamed)} (run {result.run_id})")
        ok &= result.success
    for run in plan.branch_runs:
        started = time.perf_counter()
        result = defs.resolve_job_def("ingest_branch_job").execute_in_process(
            instance=instance, partition_key=run.branch_code, run_config=RUN_CONFIG, raise_on_error=False
        )
        took = time.perf_counter() - started
        verdict = "ok" if result.success else "FAILED (a file was rejected: see quality.ingest_log)"
        print(f"ingest {run.branch_code}: {verdict} in {took:.1f}s (run {result.run_id})")
        ok &= result.success
    refreshed = _refresh(defs, instance, settings.reporting_date())
    print(f"published: {paths.warehouse}")
    return 0 if ok and refreshed else 1


def _refresh(defs, instance, as_of: date) -> bool:
    """One run of the refresh job (models, history, targets, published file, report) for a reporting date."""
    from resources import AS_OF_DATE_TAG

    started = time.perf_counter()
    result = defs.resolve_job_def("refresh_warehouse_job").execute_in_process(
        instance=instance, tags={AS_OF_DATE_TAG: as_of.isoformat()}, run_config=RUN_CONFIG, raise_on_error=False
    )
    took = time.perf_counter() - started
    print(f"refresh warehouse {as_of}: {'ok' if result.success else 'FAILED'} in {took:.1f}s (run {result.run_id})")
    return result.success


def cmd_backfill(args: argparse.Namespace) -> int:
    """History for every accepted snapshot date in the lake (within --from/--to), oldest first, then --to."""
    from dagster import DagsterInstance

    from ucj_pipeline.definitions import build_definitions
    from ucj_pipeline.lake import accepted_snapshot_dates
    from ucj_pipeline.settings import parse_as_of

    paths = UcjPaths.from_env().ensure()
    _prepare_dagster_home(paths)
    last = parse_as_of(args.to)
    first = date.fromisoformat(args.from_) if args.from_ else date.min
    dates = sorted({d for d in accepted_snapshot_dates(paths.lake) if first <= d <= last} | {last})
    defs, instance = build_definitions(), DagsterInstance.get()
    print(f"backfilling history for {len(dates)} reporting date(s): {', '.join(map(str, dates))}")
    return 0 if all([_refresh(defs, instance, d) for d in dates]) else 1


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


def cmd_status(args: argparse.Namespace) -> int:
    import duckdb

    paths = UcjPaths.from_env()
    if not paths.warehouse.exists():
        print(f"No published warehouse at {paths.warehouse}: run `ucj run` first.", file=sys.stderr)
        return 1
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        _print_targets(con)
        national = con.execute(
            "SELECT as_of_date, covered_workers, worker_base, coverage_pct, has_stale_data FROM marts.coverage_national"
        ).fetchall()[0]
        print(f"\nUCJ coverage as of {national[0]}  (synthetic sample data unless you loaded real extracts)\n")
        print(
            f"Indonesia: {national[1]:,} covered of {national[2]:,} workers = {national[3]}%"
            + ("  [some branches stale or missing]" if national[4] else "")
        )
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


def _print_targets(con) -> None:
    rows = con.execute(
        "SELECT target_id, region_name, coverage_pct, target_pct, target_date, gap_workers, required_monthly_net_new, "
        "recent_monthly_net_change, projected_coverage_pct, status FROM marts.target_tracking"
    ).fetchall()
    as_of = con.execute("SELECT max(as_of_date) FROM marts.target_tracking").fetchall()[0][0]
    print(f"Target tracking as of {as_of}  (marts.target_tracking; report: $UCJ_HOME/reports/latest.html)\n")
    _print_table(
        rows,
        ["target", "region", "now %", "target %", "by", "workers needed", "needed/month", "pace/month",
         "projected %", "status"],
    )  # fmt: skip


def cmd_ui(args: argparse.Namespace) -> int:
    paths = UcjPaths.from_env().ensure()
    _prepare_dagster_home(paths)
    workspace = Path(__file__).resolve().parent.parent / "workspace.yaml"
    command = [
        str(Path(sys.executable).parent / "dagster"),
        "dev",
        "-w",
        str(workspace),
        "-h",
        args.host,
        "-p",
        str(args.port),
    ]
    print(f"Dagster UI on http://{args.host}:{args.port} (DAGSTER_HOME={paths.dagster_home}); Ctrl-C stops it")
    os.execv(command[0], command)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ucj", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sample = sub.add_parser("sample", help="write synthetic, contract-conforming extracts into the landing area")
    sample.add_argument(
        "--scale",
        type=float,
        default=0.1,
        help="volume of regencies without a seed figure, as a share of realistic (default 0.1)",
    )
    sample.add_argument("--seed", type=int, default=20251231)
    sample.add_argument("--branches", help="comma-separated branch codes (default: the seeds' six branches)")
    sample.set_defaults(func=cmd_sample)
    run = sub.add_parser("run", help="process everything in the landing area and publish ucj.duckdb")
    run.add_argument("--as-of", default=None, help="reporting date YYYY-MM-DD (default: today, Asia/Jakarta)")
    run.set_defaults(func=cmd_run)
    backfill = sub.add_parser("backfill", help="recompute coverage and target history from the snapshots in the lake")
    backfill.add_argument("--from", dest="from_", default=None, help="first reporting date YYYY-MM-DD")
    backfill.add_argument("--to", default=None, help="last reporting date YYYY-MM-DD (default: today, Asia/Jakarta)")
    backfill.set_defaults(func=cmd_backfill)
    status = sub.add_parser("status", help="print coverage by province and regency")
    status.add_argument("--province", help="only this province code, e.g. 73")
    status.add_argument("--all", action="store_true", help="every province and regency, also those without data")
    status.set_defaults(func=cmd_status)
    ui = sub.add_parser("ui", help="start the Dagster UI and daemon (dagster dev) on this code location")
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=cmd_ui)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
