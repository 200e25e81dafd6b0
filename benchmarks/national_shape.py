"""Benchmark of the national shape: every branch of the registry, skewed file sizes, three contenders in one run.

    python benchmarks/national_shape.py [--rows 2000000] [--branches 120] [--snapshots 1] [--skew 0.3] [--repeat 3]
                                        [--claims-months 12] [--claims-share 0.01]

Generates about N rows of synthetic extracts for the registry's branches (each branch's size follows the worker
base of the regencies it serves, times a log-normal factor, so the largest file is several times the median),
`--snapshots` monthly full snapshots of each, plain UTF-8 CSV. Then times, each in its own process:
  - `ucj run`, end to end, as a user runs it (Dagster runs, contract, quarantine, pseudonymisation, archive,
    lake, SQL models, checks, Great Expectations, atomic publish);
  - the same work in bare DuckDB: `benchmarks/same_work.sql` (row rules, quarantine, HMAC-SHA256, a Parquet lake,
    national de-duplication, counts per regency, a DuckDB file): the floor;
  - the arithmetic alone: read, de-duplicate, count;
and two incremental figures: one branch delivers a new snapshot into the lake that holds the country (when the
new ucj.duckdb is swapped in for BI tools, and when `ucj run` is done, after the report and the Data Docs), and a
run with nothing new. The claims feed: every branch's `--claims-months` monthly claims files of 2025 (each month
about `--claims-share` of the branch's participants paid once, plain UTF-8 CSV), delivered with the membership
snapshots to a `ucj run` of their own (what the claims add to a national run), then one branch's next claims month
into that lake. Prints rows, files, seconds, peak RSS and the ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ucj_pipeline.contract.pseudonymise import DEV_KEY, hmac_sql_params  # noqa: E402
from ucj_pipeline.contract.reference_data import branch_registry, branch_service_areas, worker_bases  # noqa: E402
from ucj_pipeline.contract.sample_extracts import STYLES, _unique_niks, people_of_regency, write_extract  # noqa: E402
from ucj_pipeline.runtime.paths import REFERENCE_DIR  # noqa: E402
from ucj_pipeline.runtime.sql_text import sql_string  # noqa: E402

LAST_SNAPSHOT = date(2025, 12, 31)
NEXT_SNAPSHOT = date(2026, 1, 31)  # the incremental delivery
MONTH_ENDS = [date(2025, m, d) for m, d in ((7, 31), (8, 31), (9, 30), (10, 31), (11, 30), (12, 31))]
STYLE = STYLES["PALOPO"]  # like with like: plain UTF-8 CSV with ISO dates for every contender

ARITHMETIC = textwrap.dedent(
    """
    import sys, duckdb
    rows = duckdb.connect().execute('''
        WITH extract AS (
            SELECT * FROM read_csv($files, header = true, all_varchar = true, quote = '"', escape = '"',
                                   delim = ',', union_by_name = true)
        ),
        covered AS (
            SELECT NIK, KODE_WILAYAH FROM extract
            WHERE STATUS = 'AKTIF' AND PROGRAM LIKE '%JKK%' AND PROGRAM LIKE '%JKM%'
            QUALIFY row_number() OVER (PARTITION BY NIK ORDER BY TGL_KEPESERTAAN DESC) = 1
        )
        SELECT left(replace(KODE_WILAYAH, '.', ''), 4) AS regency, count(*) FROM covered GROUP BY ALL
    ''', {'files': sys.argv[1:]}).fetchall()
    print(sum(r[1] for r in rows))
    """
)

SAME_WORK = textwrap.dedent(
    """
    import sys, duckdb, json
    from pathlib import Path
    args = json.loads(sys.argv[1])
    import datetime
    params = {**args['params'], **{k: bytes.fromhex(args['params'][k]) for k in ('hmac_ipad', 'hmac_opad')}}
    params['as_of'] = datetime.date.fromisoformat(params['as_of'])
    script = Path(args['script']).read_text()
    for name, path in args['paths'].items():
        script = script.replace('@' + name + '@', path)
    con = duckdb.connect()
    for statement in con.extract_statements(script):
        con.execute(statement, {p: params[p] for p in statement.named_parameters})
    """
)


def branch_bases(branches: list[str]) -> pd.Series:
    """Each branch's worker base: that of the regencies it serves, shared among the branches serving each."""
    bases = worker_bases().query("base_kind == 'bps_employed'").set_index("regency_code")["workers"]
    served = branch_service_areas()
    sharing = served.groupby("regency_code")["branch_code"].transform("count")
    served = served.assign(base=served["regency_code"].map(bases) / sharing)
    return served.groupby("branch_code")["base"].sum().reindex(branches).fillna(1.0)


def branch_sizes(rows: int, branches: list[str], skew: float, rng) -> dict[str, int]:
    """Rows per branch: its worker base times a log-normal factor; so the biggest branch is several times the
    median, as Jakarta's are."""
    weight = branch_bases(branches) * rng.lognormal(0.0, skew, len(branches))
    return {b: max(50, round(rows * w / weight.sum())) for b, w in weight.items()}


def branch_people(branch: str, count: int, rng) -> pd.DataFrame:
    """About `count` people of a branch, unique NIKs within it. Branches serving the same regency may share a few
    NIKs by chance: people enrolled in two branches, which the national de-duplication counts once."""
    areas = branch_service_areas().query("branch_code == @branch")["regency_code"].tolist()
    bases = worker_bases().query("base_kind == 'bps_employed'").set_index("regency_code")["workers"]
    share = bases.reindex(areas).fillna(1.0)
    parts = [people_of_regency(code, max(1, round(0.8 * count * share[code] / share.sum())), rng) for code in areas]
    return _unique_niks(pd.concat(parts, ignore_index=True), set(), rng)


def _largest_branches(count: int) -> list[str]:
    """The `count` branches with the largest worker bases (all of them: every branch of the registry), so that a
    benchmark of few branches does not put millions of people into a small regency's coverage."""
    bases = branch_bases(list(branch_registry()["branch_code"]))
    return list(bases.sort_values(ascending=False, kind="stable").index[:count])


def over_base_people(branch: str, over_base: dict[str, float], rng) -> pd.DataFrame | None:
    """Extra covered people of `branch` in the regencies of `over_base` it serves (regency -> covered / base): a
    regency that counts more covered workers than its estimated base, as small regencies beside industrial ones do."""
    areas = set(branch_service_areas().query("branch_code == @branch")["regency_code"]) & set(over_base)
    bases = worker_bases().query("base_kind == 'bps_employed'").set_index("regency_code")["workers"]
    parts = [people_of_regency(code, round(over_base[code] * bases[code]), rng) for code in sorted(areas)]
    return pd.concat(parts, ignore_index=True) if parts else None


def generate(
    landing: Path,
    later: Path,
    rows: int,
    branches: int,
    snapshots: int,
    skew: float,
    over_base: dict[str, float],
    claims: Path,
    claims_months: int,
    claims_share: float,
) -> dict:
    rng = np.random.default_rng(7)
    claims_rng = np.random.default_rng(28)  # a stream of its own: the membership files do not move
    codes = sorted(_largest_branches(branches))
    sizes = branch_sizes(rows, codes, skew, rng)
    written, per_branch, claim_rows = 0, {}, 0
    for branch in codes:
        people = branch_people(branch, sizes[branch], rng)
        extra = over_base_people(branch, over_base, rng)
        if extra is not None:
            people = _unique_niks(pd.concat([people, extra], ignore_index=True), set(), rng)
        for snapshot in MONTH_ENDS[-snapshots:]:
            write_extract(people, landing, branch, snapshot, STYLE)
            written += len(people)
        per_branch[branch] = len(people)
        for month in range(13 - claims_months, 13):
            payments = claims_month(people, branch, LAST_SNAPSHOT.year, month, claims_share, claims_rng)
            write_claims(payments, claims, branch, LAST_SNAPSHOT.year, month)
            claim_rows += len(payments)
    median_branch = sorted(per_branch, key=per_branch.get)[len(per_branch) // 2]
    grown = branch_people(median_branch, round(per_branch[median_branch] * 1.02), np.random.default_rng(8))
    write_extract(grown, later, median_branch, NEXT_SNAPSHOT, STYLE)
    if claims_months:  # the same branch's next claims month (January 2026), for the claims' incremental figure
        payments = claims_month(grown, median_branch, NEXT_SNAPSHOT.year, NEXT_SNAPSHOT.month, claims_share, claims_rng)
        write_claims(payments, later / "claims", median_branch, NEXT_SNAPSHOT.year, NEXT_SNAPSHOT.month)
    counts = sorted(per_branch.values())
    return {
        "rows": written, "files": len(codes) * snapshots, "median_branch": median_branch,
        "smallest": counts[0], "median": counts[len(counts) // 2], "largest": counts[-1],
        "claim_rows": claim_rows, "claim_files": len(codes) * claims_months,
    }  # fmt: skip


# Programme and benefit of a payment (allowed pairs of docs/claims-extract.md), its weight and median amount.
CLAIM_KINDS = (("JHT", "SALDO_JHT", 0.55, 12_000_000), ("JKK", "PERAWATAN", 0.2, 3_000_000),
               ("JKK", "STMB", 0.1, 2_500_000), ("JP", "PENSIUN", 0.1, 400_000),
               ("JKM", "SANTUNAN_KEMATIAN", 0.03, 20_000_000), ("JKM", "BEASISWA", 0.02, 3_000_000))  # fmt: skip
CLAIM_COLUMNS = ("NO_KLAIM", "NIK", "PROGRAM", "MANFAAT", "TGL_KEJADIAN", "TGL_BAYAR", "NOMINAL", "SEGMEN",
                 "SUMBER_IURAN", "KATEGORI", "KODE_WILAYAH")  # fmt: skip


def claims_month(people: pd.DataFrame, branch: str, year: int, month: int, share: float, rng) -> pd.DataFrame:
    """One branch's payments of one month: about `share` of its participants, each paid once, with plausible
    amounts per benefit kind (whole rupiah), paid on a day of that month."""
    paid = people.sample(frac=share, random_state=int(rng.integers(2**31)))
    n = len(paid)
    kinds = rng.choice(len(CLAIM_KINDS), n, p=[k[2] for k in CLAIM_KINDS])
    programme = np.array([k[0] for k in CLAIM_KINDS])[kinds]
    benefit = np.array([k[1] for k in CLAIM_KINDS])[kinds]
    median_amount = np.array([k[3] for k in CLAIM_KINDS])[kinds]
    amount = np.maximum(100_000, (median_amount * rng.lognormal(0.0, 0.6, n)).round(-3)).astype(np.int64)
    days = rng.integers(1, 29, n)
    return pd.DataFrame({
        "NO_KLAIM": [f"{p}/{year}{month:02d}/{i:07d}" for i, p in enumerate(programme)],  # unique in a branch
        "NIK": paid["NIK"].to_numpy(), "PROGRAM": programme, "MANFAAT": benefit, "TGL_KEJADIAN": "",
        "TGL_BAYAR": [f"{year}-{month:02d}-{d:02d}" for d in days], "NOMINAL": amount.astype(str),
        "SEGMEN": paid["SEGMEN"].to_numpy(), "SUMBER_IURAN": paid["SUMBER_IURAN"].to_numpy(),
        "KATEGORI": paid["KATEGORI"].to_numpy(), "KODE_WILAYAH": paid["KODE_WILAYAH"].to_numpy(),
    }, columns=list(CLAIM_COLUMNS))  # fmt: skip


def write_claims(frame: pd.DataFrame, folder: Path, branch: str, year: int, month: int) -> None:
    frame.to_csv(folder / f"{branch}_KLAIM_{year}{month:02d}.csv", index=False)


def _identity(path: Path | None):
    if path is None:
        return None
    with contextlib.suppress(OSError):
        info = path.stat()
        return info.st_ino, info.st_mtime_ns
    return None


def run_child(command: list[str], env: dict[str, str], watch: Path | None = None) -> tuple[float, float, str, float]:
    """Seconds, peak RSS (MiB) and output of a command, and when `watch` (a file) was first replaced (seconds from
    the start; nan if never). The peak is the sum of RSS over the command's process tree, sampled every 0.05 s
    (ingest's worker processes and the checks' helper count together)."""
    import psutil

    start = time.perf_counter()
    before, replaced_at = _identity(watch), float("nan")
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err, text=True)
        tree_peak = 0
        with contextlib.suppress(psutil.NoSuchProcess):
            parent = psutil.Process(process.pid)
            while parent.status() != psutil.STATUS_ZOMBIE:
                total = 0
                for member in [parent, *parent.children(recursive=True)]:
                    with contextlib.suppress(psutil.NoSuchProcess):
                        total += member.memory_info().rss
                tree_peak = max(tree_peak, total)
                if replaced_at != replaced_at and watch is not None and _identity(watch) not in (None, before):
                    replaced_at = time.perf_counter() - start
                time.sleep(0.05)
        _, status, _ = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(command[:3])} failed:\n{out.read()[-3000:]}\n{err.read()[-3000:]}")
        # Not `usage.ru_maxrss`: Linux carries the parent's high-water mark over fork and exec, so a small child
        # would report this benchmark's own memory (it holds the generated shape).
        return seconds, tree_peak / 2**20, out.read(), replaced_at


def same_work_command(files: list[str], work: Path) -> list[str]:
    import json

    pads = {k: v.hex() for k, v in hmac_sql_params(DEV_KEY.encode()).items()}
    args = {
        "script": str(ROOT / "benchmarks" / "same_work.sql"),
        "paths": {
            "lake": sql_string(work / "lake"),
            "lake_glob": sql_string(work / "lake" / "**" / "*.parquet"),
            "row_issues": sql_string(work / "row_issues.parquet"),
            "warehouse": sql_string(work / "floor.duckdb"),
        },
        "params": {
            "files": files,
            "regions": [str(REFERENCE_DIR / "regencies.csv"), str(REFERENCE_DIR / "villages.csv")],
            "as_of": LAST_SNAPSHOT.isoformat(),
            **pads,
        },  # fmt: skip
    }
    return [sys.executable, "-c", SAME_WORK, json.dumps(args)]


def fresh_landing(extracts: Path, landing: Path) -> list[str]:
    """The generated files, hard-linked into an empty landing folder (`ucj run` moves what it ingests into its
    archive; the generated files stay for the next repetition)."""
    landing.mkdir(parents=True, exist_ok=True)
    for path in sorted(extracts.iterdir()):
        os.link(path, landing / path.name)
    return sorted(str(p) for p in landing.iterdir())


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def print_flagged(published: Path) -> None:
    """What `ucj run` published for the regencies above their worker base (it exited 0: run_child checks)."""
    import duckdb

    with duckdb.connect(str(published), read_only=True) as con:
        flagged = con.execute(
            "SELECT regency_code, regency_name, covered_workers, worker_base, coverage_pct FROM marts.coverage_regency "
            "WHERE exceeds_worker_base ORDER BY regency_code"
        ).fetchall()
    print(f"  published (exit 0); {len(flagged)} regencies flagged exceeds_worker_base:", flush=True)
    for code, name, covered, base, pct in flagged:
        print(f"    {code} {name}: {covered:,} covered of a base of {base:,} = {pct}%", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2_000_000, help="rows of the newest snapshot, all branches")
    parser.add_argument("--branches", type=int, default=120, help="how many registry branches (120: all)")
    parser.add_argument("--snapshots", type=int, default=1, choices=range(1, len(MONTH_ENDS) + 1))
    parser.add_argument("--skew", type=float, default=0.3, help="sigma of the log-normal branch size factor")
    parser.add_argument("--work-dir", type=Path, default=None, help="keep the files here (default: a temp dir)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="time the three contenders this many times, in turn (the machine's "
        "speed varies by 15 %% from one run to the next: the ratios of the medians are steadier)"
    )  # fmt: skip
    parser.add_argument(
        "--over-base", default="", metavar="REGENCY:RATIO,...", help="regencies that count more covered workers than "
        "their worker base, e.g. 91.19:1.21,92.11:1.16,92.12:1.09 (published and flagged, never blocking)"
    )  # fmt: skip
    parser.add_argument("--claims-months", type=int, default=12, choices=range(13),
                        help="monthly claims files of 2025 per branch (0: none; default 12)")  # fmt: skip
    parser.add_argument("--claims-share", type=float, default=0.01,
                        help="share of a branch's participants paid in a month (default 0.01)")  # fmt: skip
    args = parser.parse_args()
    over_base = {code: float(ratio) for code, ratio in (item.split(":") for item in args.over_base.split(",") if item)}

    with tempfile.TemporaryDirectory() as tmp:
        work = (args.work_dir or Path(tmp)).resolve()
        extracts, later, claims = work / "extracts", work / "later", work / "claims"
        for folder in (extracts, later, claims, later / "claims"):  # an earlier run's files would join this one
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        start = time.perf_counter()
        shape = generate(extracts, later, args.rows, args.branches, args.snapshots, args.skew, over_base, claims,
                         args.claims_months, args.claims_share)  # fmt: skip
        size = sum(p.stat().st_size for p in extracts.iterdir()) / 1e6
        print(f"generated {shape['rows']:,} rows in {shape['files']} files ({size:,.0f} MB) in "
              f"{time.perf_counter() - start:.0f} s; rows per branch: smallest {shape['smallest']:,}, median "
              f"{shape['median']:,}, largest {shape['largest']:,} ({shape['largest'] / shape['median']:.1f}x the "
              "median)", flush=True)  # fmt: skip
        if args.claims_months:
            claims_size = sum(p.stat().st_size for p in claims.iterdir()) / 1e6
            print(f"claims: {shape['claim_rows']:,} payments in {shape['claim_files']} monthly files "
                  f"({claims_size:,.0f} MB)", flush=True)  # fmt: skip

        ucj = str(Path(sys.executable).parent / "ucj")
        results: dict[str, list[tuple[float, float]]] = {}

        def contender(name: str, command: list[str], env: dict[str, str]) -> None:  # printed as soon as known
            results.setdefault(name, []).append(run_child(command, env)[:2])
            print(f"  {name}: {results[name][-1][0]:.1f} s, peak {results[name][-1][1]:.0f} MiB", flush=True)

        for repetition in range(args.repeat):  # each contender in turn, so that a slow spell hits every one
            home = work / f"home{repetition}"
            shutil.rmtree(home, ignore_errors=True)  # a home left by an earlier run would find every file a duplicate
            files = fresh_landing(extracts, home / "landing")
            env = {**os.environ, "UCJ_HOME": str(home), "DAGSTER_HOME": str(home / "dagster_home")}
            env.pop("UCJ_PSEUDONYM_KEY", None)  # the development key, as the floor uses
            if args.repeat > 1:
                print(f"repetition {repetition + 1} of {args.repeat}", flush=True)
            contender("arithmetic alone", [sys.executable, "-c", ARITHMETIC, *files], env)
            floor = home / "floor"
            shutil.rmtree(floor, ignore_errors=True)
            floor.mkdir(parents=True)
            contender("same work, bare DuckDB", same_work_command(files, floor), env)
            contender("ucj run", [ucj, "run", "--as-of", LAST_SNAPSHOT.isoformat()], env)
            if over_base:
                print_flagged(home / "warehouse" / "ucj.duckdb")
            if args.claims_months:  # the same membership, with every branch's claims months, in a home of its own
                claims_home = work / f"claims_home{repetition}"
                shutil.rmtree(claims_home, ignore_errors=True)
                fresh_landing(extracts, claims_home / "landing")
                fresh_landing(claims, claims_home / "landing")
                claims_env = {**env, "UCJ_HOME": str(claims_home), "DAGSTER_HOME": str(claims_home / "dagster_home")}
                contender("ucj run, with claims", [ucj, "run", "--as-of", LAST_SNAPSHOT.isoformat()], claims_env)
        for path in later.iterdir():  # one branch's new snapshot into the lake that holds the country (the last home)
            if path.is_file():
                os.link(path, home / "landing" / path.name)
        published = home / "warehouse" / "ucj.duckdb"  # what BI tools read: swapped in after its checks
        incremental = run_child([ucj, "run", "--as-of", NEXT_SNAPSHOT.isoformat()], env, watch=published)
        nothing_new = run_child([ucj, "run", "--as-of", NEXT_SNAPSHOT.isoformat()], env)[:2]
        claims_incremental = None
        if args.claims_months:  # one branch's next claims month into the lake that holds the country's claims
            for path in (later / "claims").iterdir():
                os.link(path, claims_home / "landing" / path.name)
            watched = claims_home / "warehouse" / "ucj.duckdb"
            claims_incremental = run_child(
                [ucj, "run", "--as-of", NEXT_SNAPSHOT.isoformat()], claims_env, watch=watched
            )

    seconds = {name: median([s for s, _ in runs]) for name, runs in results.items()}
    floor_s, arith_s = seconds["same work, bare DuckDB"], seconds["arithmetic alone"]
    print(f"\nrows {shape['rows']:,}   files {shape['files']}   branches {args.branches}   snapshots {args.snapshots}"
          + (f"   medians of {args.repeat} runs each" if args.repeat > 1 else ""))  # fmt: skip
    print(f"{'contender':<26}{'seconds':>9}{'peak MiB':>10}{'/ same work':>13}{'/ arithmetic':>14}")
    for name, runs in results.items():
        peak = max(p for _, p in runs)
        print(f"{name:<26}{seconds[name]:>9.1f}{peak:>10.0f}{seconds[name] / floor_s:>12.1f}x"
              f"{seconds[name] / arith_s:>13.1f}x")  # fmt: skip
    if args.repeat > 1:
        ratios = [u / f for (u, _), (f, _) in zip(results["ucj run"], results["same work, bare DuckDB"], strict=True)]
        print(f"ucj run / same work, run by run: {', '.join(f'{r:.2f}x' for r in ratios)}")
    print(f"\nincremental: one branch ({shape['median_branch']}) delivers a new snapshot into the lake that holds the "
          f"country: ucj.duckdb swapped in after {incremental[3]:.1f} s, `ucj run` done (report, Data Docs) in "
          f"{incremental[0]:.1f} s (peak {incremental[1]:.0f} MiB)")  # fmt: skip
    print(f"incremental: `ucj run` with nothing new: {nothing_new[0]:.1f} s (peak {nothing_new[1]:.0f} MiB)")
    if claims_incremental is not None:
        added = seconds["ucj run, with claims"] - seconds["ucj run"]
        print(f"\nclaims: {shape['claim_rows']:,} payments in {shape['claim_files']} files add {added:.1f} s to the "
              f"national run ({shape['claim_rows'] / max(added, 0.1):,.0f} payments a second; ucj run with claims "
              f"{seconds['ucj run, with claims'] / seconds['ucj run']:.2f}x without)")  # fmt: skip
        print(f"claims incremental: one branch ({shape['median_branch']}) delivers its next claims month: ucj.duckdb "
              f"swapped in after {claims_incremental[3]:.1f} s, `ucj run` done in {claims_incremental[0]:.1f} s "
              f"(peak {claims_incremental[1]:.0f} MiB)")  # fmt: skip


if __name__ == "__main__":
    main()
