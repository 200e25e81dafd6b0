"""Targets, history and the report through the real CLI, on the synthetic sample: three monthly snapshots of the
branches serving Sinjai, Luwu Timur and Banggai, run and backfilled as a user does, checked against an independent
recomputation from the extract files and the reference CSVs."""

import csv
import math
import shutil
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_ucj as ucj
from tests.independent_coverage import covered_people
from ucj_pipeline.contract.reference_data import RegionIndex
from ucj_pipeline.contract.sample import CLAIMS_BASELINE
from ucj_pipeline.runtime.paths import REFERENCE_DIR

pytestmark = pytest.mark.slow(250)  # seconds, for the test order (conftest)

BIN = Path(sys.executable).parent
BRANCHES = "SINJAI,LUWUTIMUR,LUWUK"
DATES = (date(2025, 10, 31), date(2025, 11, 30), date(2025, 12, 31))
AS_OF = DATES[-1]
HISTORY_DATES = (CLAIMS_BASELINE, *DATES)  # the sample's snapshots: also one before the claims year
MONTH_DAYS = 30.4375


@pytest.fixture(scope="module")
def tracked(tmp_path_factory):
    home = tmp_path_factory.mktemp("ucj_home")
    ucj(home, "sample", "--branches", BRANCHES, "--scale", "0.02")
    extracts = tmp_path_factory.mktemp("extracts")
    for path in (home / "landing").iterdir():
        shutil.copy(path, extracts)
    ucj(home, "run", "--as-of", AS_OF.isoformat())
    ucj(home, "backfill", "--to", AS_OF.isoformat())
    return home, sorted(p for p in extracts.iterdir() if "_KLAIM_" not in p.name)  # the membership extracts


def query(home: Path, sql: str) -> list[dict]:
    with duckdb.connect(str(home / "warehouse" / "ucj.duckdb"), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def reference_csv(name: str) -> list[dict[str, str]]:
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def expected_tracking(extracts: list[Path]) -> dict[str, dict]:
    """The target table recomputed from the contract's and the status rule's text, in plain Python."""
    index = RegionIndex.load()
    regions = {"province": set(index.provinces), "regency": set(index.regencies), "village": set(index.villages)}
    people = {d: covered_people(extracts, d, regions) for d in DATES}
    bases = {r["regency_code"]: int(r["workers"]) for r in _bps_bases()}
    villages = {}
    for v in reference_csv("villages.csv"):
        villages.setdefault(v["district_code"][:5], []).append(v["code"])

    def measure(target: dict, day: date) -> tuple[int, int]:
        places = people[day].values()
        if target["level"] == "village_programme":
            per_village = Counter(p for p in places if len(p) == 13)
            quota = int(target["target_workers_per_village"])
            codes = villages[target["region_code"]]
            return sum(min(per_village[c], quota) for c in codes), quota * len(codes)
        scope = {
            "national": lambda code: True,
            "province": lambda code: code[:2] == target["region_code"],
            "regency": lambda code: code == target["region_code"],
        }[target["level"]]
        return sum(1 for p in places if scope(p[:5])), sum(b for code, b in bases.items() if scope(code))

    expected = {}
    for target in reference_csv("targets.csv"):
        covered, base = measure(target, AS_OF)
        then = min(d for d in DATES if d < AS_OF and (AS_OF - d).days <= 90)
        covered_then, _ = measure(target, then)
        target_pct = float(target["target_pct"])
        target_workers = math.ceil(target_pct / 100 * base)
        gap = max(target_workers - covered, 0)
        months_left = max((date.fromisoformat(target["target_date"]) - AS_OF).days, 0) / MONTH_DAYS
        required = gap / months_left if months_left > 0 else None
        pace = (covered - covered_then) / ((AS_OF - then).days / MONTH_DAYS)
        projected = max(covered + pace * months_left, 0)
        if gap == 0:
            status = "achieved"
        elif months_left == 0:
            status = "off_track"
        elif pace >= required:
            status = "on_track"
        elif pace > 0 and pace >= 0.5 * required:
            status = "at_risk"
        else:
            status = "off_track"
        expected[target["target_id"]] = {
            "covered_workers": covered,
            "worker_base": base,
            "coverage_pct": 100 * covered / base,
            "target_workers": target_workers,
            "gap_workers": gap,
            "gap_pct_points": max(target_pct - 100 * covered / base, 0),
            "months_left": months_left,
            "required_monthly_net_new": None if required is None else math.ceil(required),
            "pace_since_date": then,
            "recent_monthly_net_change": pace,
            "projected_covered_workers": projected,
            "projected_coverage_pct": 100 * projected / base,
            "status": status,
        }
    return expected


def _bps_bases() -> list[dict]:
    """BPS employed base per regency: the published figure where SOURCES.md gives one, else the labelled estimate."""
    from ucj_pipeline.contract.reference_data import worker_bases  # reference data, not coverage logic

    frame = worker_bases()
    return frame[frame["base_kind"] == "bps_employed"].to_dict("records")


def test_a_row_for_each_seed_target(tracked):
    home, _ = tracked
    ids = {r["target_id"] for r in query(home, "SELECT target_id FROM marts.target_tracking")}
    assert ids == {t["target_id"] for t in reference_csv("targets.csv")}
    assert {"banggai_rpjmd_2030", "sulsel_inpres_2021", "sinjai_plus_20_points", "national_rpjmn_2029",
            "luwutimur_satu_desa_100"} <= ids  # fmt: skip


def test_target_numbers_equal_an_independent_recomputation(tracked):
    home, extracts = tracked
    expected = expected_tracking(extracts)
    rows = {r["target_id"]: r for r in query(home, "SELECT * FROM marts.target_tracking")}
    assert rows.keys() == expected.keys()
    exact = ("covered_workers", "worker_base", "target_workers", "gap_workers", "required_monthly_net_new",
             "pace_since_date", "status")  # fmt: skip
    rounded = {"coverage_pct": 0.006, "gap_pct_points": 0.006, "months_left": 0.06, "recent_monthly_net_change": 0.06,
               "projected_covered_workers": 1, "projected_coverage_pct": 0.006}  # fmt: skip
    for target_id, want in expected.items():
        got = rows[target_id]
        for column in exact:
            assert got[column] == want[column], (target_id, column, got[column], want[column])
        for column, tolerance in rounded.items():
            assert abs(float(got[column]) - want[column]) <= tolerance, (target_id, column, got[column], want[column])
    # The seeds' situations as the sample builds them: Sinjai at 40% and on track, Banggai short of 99.5%.
    assert rows["sinjai_plus_20_points"]["coverage_pct"] == 40.0
    assert rows["banggai_rpjmd_2030"]["status"] in ("at_risk", "off_track")
    assert {r["status"] for r in rows.values()} <= {"achieved", "on_track", "at_risk", "off_track"}


def test_village_programme_counts_villages_meeting_the_target(tracked):
    home, extracts = tracked
    index = RegionIndex.load()
    regions = {"province": set(index.provinces), "regency": set(index.regencies), "village": set(index.villages)}
    per_village = Counter(p for p in covered_people(extracts, AS_OF, regions).values() if len(p) == 13)
    rows = query(home, "SELECT * FROM marts.village_programme WHERE regency_code = '73.24'")
    assert len(rows) == 128  # Luwu Timur's villages (SOURCES.md)
    for r in rows:
        assert r["covered_workers"] == per_village[r["village_code"]]
        assert r["meets_programme_target"] == (per_village[r["village_code"]] >= 100)
    meeting = sum(per_village[r["village_code"]] >= 100 for r in rows)
    assert 0 < meeting < 128
    assert {r["regency_villages_meeting_target"] for r in rows} == {meeting}
    assert {r["regency_villages_meeting_target_pct"] for r in rows} == {round(100 * meeting / 128, 2)}


def test_history_has_each_date_once_survives_reruns_and_rebuilds(tracked):
    home, _ = tracked
    history_sql = "SELECT * FROM marts.coverage_history ORDER BY as_of_date, region_level, region_code"
    per_region = query(home, "SELECT region_level, region_code, count(*) AS dates, count(DISTINCT as_of_date) AS "
                             "distinct_dates FROM marts.coverage_history GROUP BY ALL")  # fmt: skip
    assert len(per_region) == 1 + 38 + 514
    assert {(r["dates"], r["distinct_dates"]) for r in per_region} == {(4, 4)}
    before = query(home, history_sql)
    assert sorted({r["as_of_date"] for r in before}) == list(HISTORY_DATES)

    ucj(home, "run", "--as-of", AS_OF.isoformat())  # the same day again: replaced, not duplicated
    assert query(home, history_sql) == before

    (home / "warehouse" / "ucj.duckdb").unlink()  # rebuild the published file from the lake
    ucj(home, "run", "--as-of", AS_OF.isoformat())
    assert query(home, history_sql) == before
    assert len(query(home, "SELECT * FROM marts.target_history")) == 4 * len(reference_csv("targets.csv"))


def test_every_column_of_target_tracking_is_described_for_bi_tools(tracked):
    home, _ = tracked
    shell = subprocess.run(
        [str(BIN / "duckdb"), "-readonly", "-csv", str(home / "warehouse" / "ucj.duckdb"), "-c",
         "select column_name, comment from duckdb_columns() where table_name='target_tracking'"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    rows = list(csv.DictReader(shell.stdout.splitlines()))
    assert len(rows) >= 25 and all(len(r["comment"]) > 10 for r in rows), rows


def test_status_prints_the_target_table(tracked):
    home, _ = tracked
    out = ucj(home, "status").stdout
    assert "Target tracking as of 2025-12-31" in out
    for target in reference_csv("targets.csv"):
        assert target["target_id"] in out


def test_report_renders_in_headless_chromium(tracked, tmp_path):
    home, _ = tracked
    report = home / "reports" / "latest.html"
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Chromium is required (make test installs it: scripts/install-test-services.sh)"
    flags = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,2400"]  # fmt: skip
    dom = subprocess.run([*flags, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    # The rendered page: the target table and the coverage chart name the seeds' regions.
    for text in ("Kabupaten Sinjai", "Kabupaten Banggai", "Kabupaten Luwu Timur", "Sulawesi Selatan"):
        assert text in dom.stdout
    chart = dom.stdout[dom.stdout.index('id="coverage-chart"') :]
    chart = chart[: chart.index("</figure>")]
    for label in ("Sinjai (73.07)", "Banggai (72.01)", "Luwu Timur (73.24)"):
        assert label in chart
    assert 'id="trend-chart"' in dom.stdout

    shot = tmp_path / "report.png"
    result = subprocess.run([*flags, f"--screenshot={shot}", report.as_uri()], capture_output=True, timeout=120)
    assert result.returncode == 0 and shot.exists()
    from PIL import Image

    with Image.open(shot) as image:
        assert image.size == (1200, 2400)
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert len(colours) > 50, "the page rendered more than a blank background"
    bar_blue = sum(n for n, (r, g, b) in colours if abs(r - 0x3A) < 8 and abs(g - 0x8F) < 8 and abs(b - 0xD9) < 8)
    assert bar_blue > 2_000, "the coverage chart's bars are drawn"
