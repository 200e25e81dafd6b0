"""`ucj`: generate sample extracts, run the pipeline through Dagster, and print coverage.

ucj sample [--scale 0.1] [--seed N]     synthetic extracts into the landing area
ucj run [--as-of YYYY-MM-DD]            everything landed -> lake -> models -> warehouse/ucj.duckdb
ucj backfill [--from D] [--to D]        recompute history for every snapshot date in the lake, oldest first
ucj status [--province 73] [--all]      targets, then coverage by province and regency, from the published file
ucj explain REGION [--as-of YYYY-MM-DD] one figure (73.16, 73 or ID) and the delivered files behind it, their SHA-256,
                                        the checks it passed and each file's quarantine
ucj report [--lang id|en] [--out FILE]  the HTML target report of the published figures, in a language
ucj check FILE...                       a branch's pre-flight: the contract's rules on files, nothing written
ucj ui                                  the Dagster UI and daemon on http://127.0.0.1:3000
ucj bi [--port 8088] [--setup-only]     Apache Superset on the published file, its dashboards imported from bi/
                                        (own virtualenv .venv-bi; admin password from UCJ_BI_ADMIN_PASSWORD)

Exit codes of run and backfill: 0 published, every file accepted; 3 published, some files rejected (listed);
1 failed (the line says why; the last good published file keeps serving); 2 misconfigured (nothing ran).
Exit codes of explain: 0 the files add up to the figure; 1 they do not, or were not recorded for that date;
2 unknown region or date, or nothing published.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from ucj_pipeline.ingest.archive import printable_name
from ucj_pipeline.orchestration.configuration import (
    DEFAULT_DATA_DOCS_URL,
    Configuration,
    ConfigurationError,
    load_configuration,
)
from ucj_pipeline.orchestration.dagster_home import prepare_dagster_home
from ucj_pipeline.orchestration.status_command import cmd_status
from ucj_pipeline.publish.data_docs import serve_data_docs
from ucj_pipeline.publish.explain import cmd_explain
from ucj_pipeline.publish.report_texts import LANGUAGES
from ucj_pipeline.publish.target_report import cmd_report
from ucj_pipeline.runtime import home_lock
from ucj_pipeline.runtime.atomic_files import remove_leftovers, scratch_prefix
from ucj_pipeline.runtime.home_lock import HomeBusy
from ucj_pipeline.runtime.paths import WORKSPACE_FILE, UcjPaths, private_umask, today_in_jakarta

# The CLI shows Dagster's INFO events (files, outcomes, warnings); DEBUG events stay in the instance and the UI.
RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


# Exit codes of `ucj run` / `ucj backfill` (README.md, "Exit codes"): what a cron job or an operator acts on.
EXIT_PUBLISHED = 0  # published; every file accepted
EXIT_FAILED = 1  # something failed (the line says what); the last good published file keeps serving
EXIT_MISCONFIGURED = 2  # a setting is wrong; nothing ran
EXIT_PUBLISHED_WITH_REJECTIONS = 3  # published; some files were rejected (listed)


@contextmanager
def _home_alone(config: Configuration, command: str):
    """Hold UCJ_HOME alone, clear what dead runs left, and open the Dagster instance."""
    from dagster import DagsterInstance

    paths = UcjPaths(config.home).ensure()
    with home_lock.exclusive(paths.home, command, config.lock_wait_seconds):
        removed = remove_leftovers([paths.lake, paths.warehouse_dir, paths.archive, paths.tmp, paths.reports])
        if removed:
            print(f"removed {len(removed)} temporary file(s) left by interrupted runs")
        prepare_dagster_home(config.dagster_home)
        instance = DagsterInstance.get()
        from ucj_pipeline.orchestration.local_runs import fail_dead_runs

        fail_dead_runs(instance)
        yield paths, instance


def _execute(
    defs,
    job: str,
    instance,
    label: str,
    tags: dict | None = None,
    partition_key: str | None = None,
    command: str = "ucj run",
) -> bool:
    from ucj_pipeline.orchestration.dagster_internals import execute_as_code_location_run
    from ucj_pipeline.orchestration.local_runs import process_tags

    started = time.perf_counter()
    result = execute_as_code_location_run(
        defs, job, instance, RUN_CONFIG, {**process_tags(command), **(tags or {})}, partition_key=partition_key
    )
    took = time.perf_counter() - started
    failure = _why_failed(result, rejection_fails_run=job == "ingest_branch_job")
    verdict = "ok" if result.success else "a file was rejected (below)" if failure is None else f"FAILED: {failure}"
    print(f"{label}: {verdict} in {took:.1f}s (run {result.run_id})")
    return failure is None


def _why_failed(result, rejection_fails_run: bool) -> str | None:
    """None when the run did its job. A rejected file fails its ingest run (the blocking `file_rules` check) but is
    reported on its own (exit code 3), so for an ingest run that failure alone does not count."""
    if result.success:
        return None
    failures = result.get_step_failure_events()
    for event in failures:
        error = event.step_failure_data.error
        if rejection_fails_run and error is not None and error.cls_name == "BranchDeliveryRejected":
            continue
        lines = (error.message if error is not None else "").strip().splitlines()
        return f"{event.step_key}: {lines[0] if lines else 'failed'}"
    return None if failures else "the run failed before any step (see the Dagster UI)"


def cmd_sample(args: argparse.Namespace, config: Configuration) -> int:
    from ucj_pipeline.contract.sample import generate_sample
    from ucj_pipeline.contract.sample_extracts import SEED_BRANCHES
    from ucj_pipeline.ingest.landing_store import open_landing

    paths = UcjPaths(config.home).ensure()
    branches = tuple(args.branches.split(",")) if args.branches else SEED_BRANCHES
    landing = open_landing(config.landing_url or str(paths.landing))
    # Written in scratch space, then delivered with `.done` markers, as a branch's transfer job would.
    with tempfile.TemporaryDirectory(dir=paths.tmp, prefix=scratch_prefix()) as scratch:
        files = generate_sample(Path(scratch), scale=args.scale, seed=args.seed, branches=branches)
        sizes = {landing.deliver(path): path.stat().st_size for path in files}
    claims = {name: size for name, size in sizes.items() if "_KLAIM_" in name}
    print(f"SYNTHETIC sample: wrote {len(sizes) - len(claims)} extracts into {landing.location}")
    for name, size in sizes.items():
        if name not in claims:
            print(f"  {name}  ({size / 1e6:.1f} MB)")
    print(f"and {len(claims)} claims months (January to December 2025):")
    for branch in dict.fromkeys(name.split("_KLAIM_")[0] for name in claims):
        mine = sorted(name for name in claims if name.startswith(f"{branch}_KLAIM_"))
        size = sum(claims[name] for name in mine)
        print(f"  {mine[0]} .. {mine[-1]}  ({len(mine)} files, {size / 1e6:.1f} MB)")
    return 0


def cmd_run(args: argparse.Namespace, config: Configuration) -> int:
    """What the sensor and automation do under the daemon, done now and in order: unusable entries, the ingest runs
    (one per contiguous block of branches with files: usually one, its branches in parallel), then one refresh,
    unless nothing is new (no file landed, and the published figures are for this date, by this code, and include
    every ingest). Every file counts as complete (the operator asked for this run)."""
    from dagster import in_process_executor

    from assets.partitions import partition_key_of, partition_range_tags
    from resources import AS_OF_DATE_TAG, LandingArea, PipelineSettings
    from resources.marts_quality import prewarm_quality_helper
    from ucj_pipeline.contract.reference_data import known_branch_codes
    from ucj_pipeline.ingest.lake import logged_since
    from ucj_pipeline.ingest.landing_files import ingest_runs, plan_landing_runs
    from ucj_pipeline.orchestration.definitions import build_definitions
    from ucj_pipeline.orchestration.refresh_rule import published_figures_current

    since = datetime.now(UTC)
    with _home_alone(config, "ucj run") as (paths, instance):
        settings = PipelineSettings.from_env()
        as_of = {AS_OF_DATE_TAG: args.as_of or today_in_jakarta().isoformat()}  # every run of this command
        landing_area = LandingArea(location=config.landing_url or str(paths.landing), settle_seconds=0)
        defs = build_definitions(settings, landing_area, in_process_executor)  # this command is the one process
        plan = plan_landing_runs(
            landing_area.ready_files(),
            {},
            known_branch_codes(),
            set(instance.get_dynamic_partitions("branch")),
            today_in_jakarta(),  # the contract's "future" is today's, not the reporting date's
        )
        if plan.new_branches:
            instance.add_dynamic_partitions("branch", plan.new_branches)
        delivered = bool(plan.branch_runs or plan.misnamed)  # then a refresh follows, whatever the figures
        if delivered:  # the refresh's GX helper starts importing now, while the files are read
            prewarm_quality_helper()
        ok = True
        if plan.misnamed:
            names = ", ".join(printable_name(f.name) for f in plan.misnamed)
            ok &= _execute(defs, "misnamed_files_job", instance, f"unusable entries rejected ({names})", as_of)
        # One machine: `ucj run` executes its runs in this process, whatever the executor of the daemon's runs.
        for run in ingest_runs(plan.branch_runs, list(instance.get_dynamic_partitions("branch"))):
            ok &= _execute(
                defs,
                "ingest_branch_job",
                instance,
                f"ingest {run.label}",
                {**as_of, **partition_range_tags(run)},
                partition_key=partition_key_of(run),
            )
        current = None if delivered else published_figures_current(
            instance, as_of[AS_OF_DATE_TAG], paths.warehouse
        )  # fmt: skip
        if current:
            print(f"nothing new: no refresh ({current})")
        else:
            ok &= _refresh(defs, instance, date.fromisoformat(as_of[AS_OF_DATE_TAG]))
        rejected = [r for r in logged_since(paths.lake, since) if r["outcome"] == "rejected"]
    for row in rejected:
        print(f"REJECTED {row['file_name']} ({row['rejection_rule']}): {row['reason']}")
    if not ok:
        print("ucj run FAILED (see above); the last good published file keeps serving", file=sys.stderr)
        return EXIT_FAILED
    print(f"published: {paths.warehouse}")
    if rejected:
        print(f"{len(rejected)} file(s) rejected (listed above); each branch's last good snapshot keeps counting")
        return EXIT_PUBLISHED_WITH_REJECTIONS
    return EXIT_PUBLISHED


def _refresh(defs, instance, as_of: date, command: str = "ucj run") -> bool:
    """One run of the refresh job (models, history, targets, published file, report) for a reporting date."""
    from resources import AS_OF_DATE_TAG

    return _execute(
        defs,
        "refresh_warehouse_job",
        instance,
        f"refresh warehouse {as_of}",
        tags={AS_OF_DATE_TAG: as_of.isoformat()},
        command=command,
    )


def cmd_backfill(args: argparse.Namespace, config: Configuration) -> int:
    """History for every accepted snapshot date in the lake (within --from/--to), oldest first, then --to."""
    from dagster import in_process_executor

    from ucj_pipeline.ingest.lake import accepted_snapshot_dates
    from ucj_pipeline.orchestration.definitions import build_definitions
    from ucj_pipeline.runtime.paths import parse_as_of

    last = parse_as_of(args.to)
    first = date.fromisoformat(args.from_) if args.from_ else date.min
    with _home_alone(config, "ucj backfill") as (paths, instance):
        dates = sorted({d for d in accepted_snapshot_dates(paths.lake) if first <= d <= last} | {last})
        defs = build_definitions(executor=in_process_executor)
        print(f"backfilling history for {len(dates)} reporting date(s): {', '.join(map(str, dates))}")
        results = [_refresh(defs, instance, d, "ucj backfill") for d in dates]
    return EXIT_PUBLISHED if all(results) else EXIT_FAILED


def cmd_ui(args: argparse.Namespace, config: Configuration) -> int:
    # The first start creates the instance storage: under the home's lock, so two first starts cannot both
    # create it (a half-made SQLite schema); then the lock is released for the long-lived processes.
    with _home_alone(config, "ucj ui (first start)") as (paths, _):
        pass
    dagster = str(Path(sys.executable).parent / "dagster")
    command = [dagster, "dev", "-w", str(WORKSPACE_FILE), "-h", args.host, "-p", str(args.port)]
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"WARNING: the Dagster UI has no login; on {args.host} anyone who reaches it can launch and wipe runs. "
            "Put the authenticating proxy of deploy/nginx-ucj.conf in front instead (docs/production.md).",
            file=sys.stderr,
        )
    docs_port = args.docs_port or args.port + 1
    docs_server = serve_data_docs(paths.home / "quality", docs_port)
    if config.data_docs_url == DEFAULT_DATA_DOCS_URL:  # not configured: the runs link to this server
        os.environ["UCJ_DATA_DOCS_URL"] = f"http://127.0.0.1:{docs_port}/"  # passed on to `dagster dev`
    print(f"Dagster UI on http://{args.host}:{args.port} (DAGSTER_HOME={config.dagster_home}); Ctrl-C stops it")
    print(f"Great Expectations Data Docs on http://127.0.0.1:{docs_port}/index.html (this machine only)")
    from ucj_pipeline.runtime.helper_processes import run_process_group

    try:
        return run_process_group(command)  # SIGTERM or Ctrl-C stops every process of it within seconds
    finally:
        docs_server.terminate()
        docs_server.wait(timeout=5)


def cmd_bi(args: argparse.Namespace, config: Configuration) -> int:
    """Apache Superset on the published file (docs/bi.md): its own virtualenv installed from bi/'s pins, the
    metadata and admin under $UCJ_HOME/bi, served on 127.0.0.1 only, the dashboards of bi/dashboards imported with
    the file's read-only URI. Refuses without UCJ_BI_ADMIN_PASSWORD (there is no default password)."""
    import signal

    from ucj_pipeline.publish import superset

    paths = superset.BiPaths(config.home)
    try:
        password = superset.admin_password(config.environment)
        if superset.install_bi_venv(paths):
            print(f"installed Apache Superset {superset.SUPERSET_VERSION} into {paths.bi_venv}")
        superset.setup_metadata(paths, config.environment)
        print(f"Superset metadata and admin '{superset.DEFAULT_ADMIN}' ready in {paths.bi_home}")
        if args.setup_only:
            return 0
        server = superset.start_superset(paths, args.port, config.environment)
    except superset.SupersetError as error:
        print(f"ucj bi: {error}", file=sys.stderr)
        return EXIT_MISCONFIGURED if isinstance(error, superset.AdminPasswordMissing) else EXIT_FAILED
    with server:
        client = superset.SupersetClient(server.url, superset.DEFAULT_ADMIN, password)
        client.import_assets(superset.build_bundle(paths, paths.bi_home / "ucj_dashboards.zip"))
        print(f"Apache Superset on {server.url}/superset/dashboard/ucj-coverage/ (this machine only; user "
              f"'{superset.DEFAULT_ADMIN}', password from UCJ_BI_ADMIN_PASSWORD); Ctrl-C stops it")  # fmt: skip
        stopped = []

        def stop(signum: int, _frame) -> None:  # pass it on; the wait below returns when Superset is gone
            stopped.append(signum)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.process.pid, signal.SIGTERM)

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, stop)
        code = server.process.wait()
        return 0 if stopped else code


def cmd_check(args: argparse.Namespace, config: Configuration) -> int:
    """Pre-flight for a branch: the ingest's own file and row rules (`judge_file`) on files anywhere, writing
    nothing. Exit 0 when every file would be accepted, 1 when any would be rejected."""
    from ucj_pipeline.ingest.preflight import check_files

    reports = check_files([Path(f) for f in args.files], config.quarantine_threshold, today_in_jakarta())
    for report in reports:
        print(report.text)
    return 0 if all(r.accepted for r in reports) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ucj", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sample = sub.add_parser(
        "sample",
        help="write synthetic, contract-conforming extracts (membership snapshots, 2025 claims months) into the "
        "landing area",
    )
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
    run.add_argument("--as-of", type=_iso_date, default=None, help="reporting date YYYY-MM-DD (default: today)")
    run.set_defaults(func=cmd_run)
    backfill = sub.add_parser("backfill", help="recompute coverage and target history from the snapshots in the lake")
    backfill.add_argument("--from", dest="from_", type=_iso_date, default=None, help="first reporting date YYYY-MM-DD")
    backfill.add_argument("--to", type=_iso_date, default=None, help="last reporting date YYYY-MM-DD (default: today)")
    backfill.set_defaults(func=cmd_backfill)
    status = sub.add_parser("status", help="print coverage by province and regency")
    status.add_argument("--province", help="only this province code, e.g. 73")
    status.add_argument("--all", action="store_true", help="every province and regency, also those without data")
    status.set_defaults(func=cmd_status)
    explain = sub.add_parser("explain", help="print one published figure and the delivered files behind it")
    explain.add_argument("region", metavar="REGION", help="Kemendagri code: regency 73.16 (or 7316), province 73, ID")
    explain.add_argument(
        "--as-of", type=_iso_date, default=None, help="a date of marts.coverage_history (default: the published one)"
    )
    explain.set_defaults(func=cmd_explain)
    report = sub.add_parser("report", help="write the HTML target report of the published figures, in a language")
    report.add_argument("--lang", choices=LANGUAGES, default=None, help="id or en (default UCJ_REPORT_LANG, id)")
    report.add_argument("--out", metavar="FILE", help="default $UCJ_HOME/reports/ucj_targets_<date>.<lang>.html")
    report.set_defaults(func=cmd_report)
    check = sub.add_parser("check", help="check extract files against the contract without ingesting anything")
    check.add_argument("files", nargs="+", metavar="FILE", help="extract files, named as they will be delivered")
    check.set_defaults(func=cmd_check)
    ui = sub.add_parser("ui", help="start the Dagster UI and daemon (dagster dev) on this code location")
    ui.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    ui.add_argument("--port", type=int, default=3000)
    ui.add_argument("--docs-port", type=int, default=None, help="port of the Data Docs server (default: --port + 1)")
    ui.set_defaults(func=cmd_ui)
    bi = sub.add_parser("bi", help="Apache Superset on the published file, with the dashboards of bi/dashboards")
    bi.add_argument("--port", type=int, default=8088, help="port on 127.0.0.1 (default 8088)")
    bi.add_argument(
        "--setup-only", action="store_true", help="install and set up Superset (virtualenv, metadata, admin), then stop"
    )
    bi.set_defaults(func=cmd_bi)
    for command in (run, backfill, ui):
        command.add_argument(
            "--lock-wait",
            type=float,
            default=None,
            metavar="SECONDS",
            help="how long to wait while another ucj command holds UCJ_HOME (default UCJ_LOCK_WAIT_SECONDS, "
            "3600; 0 refuses at once)",
        )
    args = parser.parse_args(argv)
    private_umask()
    try:
        config = load_configuration(check_home=args.command != "check")
    except ConfigurationError as error:
        for problem in error.problems:
            print(f"ucj: configuration error: {problem}", file=sys.stderr)
        return EXIT_MISCONFIGURED
    if getattr(args, "lock_wait", None) is not None:
        config = replace(config, lock_wait_seconds=max(0.0, args.lock_wait))
    try:
        return args.func(args, config)
    except HomeBusy as busy:
        print(f"ucj {args.command}: {busy}", file=sys.stderr)
        return EXIT_FAILED


def _iso_date(text: str) -> str:
    try:
        date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None
    return text


if __name__ == "__main__":
    sys.exit(main())
