"""Provenance of the published figures, through the real `ucj` command on small files: `marts.figure_sources` names
the delivered files behind every figure, `ucj explain` prints them, and the figure is recomputed from those files'
archived bytes alone."""

from __future__ import annotations

import hashlib
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_ucj, small_extracts
from tests.factories import make_nik, row, write_extract
from tests.independent_coverage import counted_records
from ucj_pipeline.contract.reference_data import RegionIndex

pytestmark = pytest.mark.slow(40)  # seconds, for the test order (conftest)

AS_OF = date(2025, 12, 31)
ENREKANG = "73.16"


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A home after one `ucj run`: PALOPO (Enrekang) and MAKASSAR share people (small_extracts), PALOPO resent its
    30 November snapshot (`_01`, with one quarantined row: the file as delivered is the resend, not the original)
    and has an older snapshot (history only). Returns the home and each delivered file's SHA-256 by name."""
    home = tmp_path_factory.mktemp("explain") / "ucj_home"
    outbox = home.parent / "outbox"
    delivered = small_extracts(outbox)
    resend = [row(NIK=make_nik(serial=i)) for i in range(1, 34)] + [row(NIK="7316011234")]
    delivered.append(write_extract(outbox, "PALOPO_20251130_01.csv", resend))
    delivered.append(write_extract(outbox, "PALOPO_20251031.csv", [row(NIK=make_nik(serial=i)) for i in range(50, 60)]))
    hashes = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in delivered}
    (home / "landing").mkdir(parents=True)
    for path in delivered:
        shutil.copy(path, home / "landing" / path.name)
    run_ucj(home, "run", "--as-of", AS_OF.isoformat())
    return home, hashes


def query(home: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse" / "ucj.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_explain_prints_the_figure_the_files_their_hashes_and_a_total_equal_to_it(published):
    home, hashes = published
    [(covered, base, pct)] = query(
        home, "SELECT covered_workers, worker_base, coverage_pct FROM marts.coverage_regency WHERE regency_code = ?",
        [ENREKANG],
    )  # fmt: skip
    assert covered == 14  # PALOPO's resend covers 33 people; the 19 it shares with MAKASSAR count there
    out = run_ucj(home, "explain", "7316").stdout  # the code without its dot
    lines = out.splitlines()
    assert lines[0] == f"Kabupaten Enrekang (regency {ENREKANG}), as of {AS_OF} (the published reporting date)"
    assert f"covered workers  {covered:,}" in out and f"worker base      {base:,}" in out and f"{pct:.2f}%" in out
    [palopo] = [line for line in lines if line.startswith("PALOPO ")]
    assert "PALOPO_20251130_01.csv" in palopo and hashes["PALOPO_20251130_01.csv"] in palopo
    assert "2025-11-30" in palopo and "current" in palopo and palopo.split()[-1] == f"{covered:,}"
    assert "PALOPO_20251130.csv" not in out  # the superseded original is not behind the figure
    [total] = [line for line in lines if line.startswith("total ")]
    assert total.endswith(f"{covered:,}  = the published figure")
    assert "figure_sources_equal_published_figures" in out and "province_equals_sum_of_regencies" in out
    assert "ge_coverage_regency" in out
    assert "PALOPO_20251130_01.csv: 34 rows read, 33 accepted, 1 quarantined" in out
    assert "quarantined: nik_format 1" in out


def test_explain_national_names_both_branches_that_share_people(published):
    home, hashes = published
    out = run_ucj(home, "explain", "ID").stdout
    [(national,)] = query(home, "SELECT covered_workers FROM marts.coverage_national")
    assert national == 14 + 35  # 52 covered records, 19 people in both branches counted once
    for name in ("PALOPO_20251130_01.csv", "MAKASSAR_20251130.csv.gz"):
        assert name in out and hashes[name] in out
    [total] = [line for line in out.splitlines() if line.startswith("total ")]
    assert total.endswith(f"{national:,}  = the published figure")


def test_every_figure_is_recomputed_from_the_archived_files_figure_sources_names(published):
    """The files behind the national figure, read from the archive (archived_as) and counted by the independent
    recomputation, give every region's published figure and each branch's covered_workers_counted."""
    home, hashes = published
    rows = query(
        home,
        "SELECT DISTINCT file_name, file_sha256, archived_as FROM marts.figure_sources "
        "WHERE as_of_date = ? AND region_level = 'national' AND file_name IS NOT NULL",
        [AS_OF],
    )
    files = []
    for name, sha256, archived_as in rows:
        data = (home / archived_as).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha256 == hashes[name], name
        files.append(home / archived_as)
    assert sorted(p.name for p in files) == ["MAKASSAR_20251130.csv.gz", "PALOPO_20251130_01.csv"]
    index = RegionIndex.load()
    regions = {"province": set(index.provinces), "regency": set(index.regencies), "village": set(index.villages)}
    records = counted_records(files, AS_OF, regions).values()
    by_branch_and_regency = Counter((branch, region[:5]) for branch, region in records)
    by_regency = Counter(region[:5] for _, region in records)
    traced = query(
        home,
        "SELECT branch_code, region_code, covered_workers_counted FROM marts.figure_sources "
        "WHERE as_of_date = ? AND region_level = 'regency' AND covered_workers_counted > 0",
        [AS_OF],
    )
    assert {(b, r): n for b, r, n in traced} == dict(by_branch_and_regency)
    published_figures = dict(
        query(home, "SELECT regency_code, covered_workers FROM marts.coverage_regency WHERE covered_workers > 0")
    )
    assert published_figures == dict(by_regency)
    [(enrekang_sum,)] = query(
        home,
        "SELECT sum(covered_workers_counted) FROM marts.figure_sources WHERE as_of_date = ? AND region_code = ?",
        [AS_OF, ENREKANG],
    )
    assert enrekang_sum == by_regency[ENREKANG] == published_figures[ENREKANG] == 14
    [(national,)] = query(home, "SELECT covered_workers FROM marts.coverage_national")
    assert national == sum(by_regency.values()) == len(records) == 49  # 68 covered records, 19 people twice


def test_every_region_s_sources_add_up_to_its_published_figure(published):
    home, _ = published
    mismatches = query(
        home,
        """
        SELECT h.as_of_date, h.region_level, h.region_code, h.covered_workers, s.counted
        FROM marts.coverage_history AS h
        LEFT JOIN (
            SELECT as_of_date, region_level, region_code, sum(covered_workers_counted) AS counted
            FROM marts.figure_sources GROUP BY ALL
        ) AS s USING (as_of_date, region_level, region_code)
        WHERE h.as_of_date IN (SELECT as_of_date FROM marts.figure_sources)
          AND h.covered_workers IS DISTINCT FROM coalesce(s.counted, 0)
        """,
    )
    assert mismatches == []
    levels = dict(query(home, "SELECT region_level, count(DISTINCT region_code) FROM marts.figure_sources GROUP BY 1"))
    assert levels == {"national": 1, "province": 38, "regency": 514}  # every regency has a branch serving it
    # A branch that serves a region is listed even when it contributes nothing (missing: no file).
    missing = query(
        home,
        "SELECT count(*), count(file_name), sum(covered_workers_counted) FROM marts.figure_sources "
        "WHERE snapshot_state = 'missing'",
    )
    assert missing[0][0] > 0 and missing[0][1:] == (0, 0)


def test_the_blocking_check_returns_the_regions_whose_sources_do_not_add_up(published, tmp_path):
    from ucj_pipeline.ingest import lake
    from ucj_pipeline.models.sql_checks import discover_checks, run_check
    from ucj_pipeline.models.sql_models import project_models

    home, _ = published
    models = project_models()
    check = discover_checks(models)["figure_sources_equal_published_figures"]
    assert check.blocking and check.asset == "figure_sources"
    assert run_check(check, models, home / "lake", AS_OF).passed
    broken = tmp_path / "lake"
    shutil.copytree(home / "lake", broken)
    stored = lake.history_path(broken, "figure_sources", AS_OF)
    with duckdb.connect() as con:  # one more covered worker counted from PALOPO's file in Enrekang than published
        con.execute(
            f"COPY (SELECT * REPLACE (CASE WHEN branch_code = 'PALOPO' AND region_code IN ('73.16', '73', 'ID') "
            f"THEN covered_workers_counted + 1 ELSE covered_workers_counted END AS covered_workers_counted) "
            f"FROM read_parquet('{stored}')) TO '{stored}.new' (FORMAT parquet)"
        )
    Path(f"{stored}.new").replace(stored)
    outcome = run_check(check, models, broken, AS_OF)
    assert [(r[0], r[1], r[3] - r[2]) for r in outcome.rows] == [
        ("national", "ID", 1),
        ("province", "73", 1),
        ("regency", "73.16", 1),
    ]


def test_explain_refuses_unknown_regions_and_dates_with_exit_code_2(published, tmp_path):
    home, _ = published
    for args, says in [
        (["99.99"], "unknown region: 99.99 is not a Kemendagri regency code"),
        (["Enrekang"], "'Enrekang' is not a region code"),
        (["73.16.01"], "73.16.01 is a district or village code"),
        ([ENREKANG, "--as-of", "2025-06-30"], "no published figures for 2025-06-30: marts.coverage_history holds"),
    ]:
        result = run_ucj(home, "explain", *args, expect=2)
        assert result.stdout == "" and says in result.stderr, (args, result.stderr)
    nothing = run_ucj(tmp_path / "empty_home", "explain", ENREKANG, expect=2)
    assert "nothing is published" in nothing.stderr


def test_the_checks_explain_names_are_the_definitions_blocking_checks():
    from ucj_pipeline.orchestration.definitions import build_definitions

    defs = build_definitions()
    from ucj_pipeline.publish.explain import blocking_checks

    blocking = {
        (spec.name, spec.asset_key.to_user_string())
        for assets in defs.resolve_asset_graph().assets_defs
        for spec in assets.check_specs
        if spec.blocking
    }
    assert {(c.name, c.on) for c in blocking_checks()} == blocking


def test_explain_reads_the_published_file_without_dagster(published):
    """The domain logic is a plain module: explaining a figure loads no Dagster (as `ucj status`)."""
    import subprocess
    import sys

    home, _ = published
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from ucj_pipeline.publish.explain import explain, render\n"
        f"text = render(explain(Path({str(home / 'warehouse' / 'ucj.duckdb')!r}), '73'))\n"
        "print('dagster' in sys.modules, 'Sulawesi Selatan (province 73)' in text)\n"
    )
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert ran.stdout.split() == ["False", "True"], ran.stderr[-2000:]
