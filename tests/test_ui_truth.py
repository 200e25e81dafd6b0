"""The Dagster UI tells the truth, seen in a real browser (headless Chromium through Playwright) on a real
`ucj ui` (webserver, daemon, code server) started on 127.0.0.1 on a fresh home:

- a fresh start with files waiting: the branches' ingests, then exactly one refresh (one report build);
- a bad file for PALOPO and a good one for SINJAI: PALOPO's partition is shown failed, and its run says what was
  wrong and what to do; SINJAI's good run does not clear it; then a good resend from PALOPO does;
- the time from a file drop to the published marts, printed;
- the Great Expectations Data Docs linked from the checks open with their styles and without any request to the
  internet.
"""

import time

import duckdb
import pytest
from playwright.sync_api import sync_playwright

from tests.dagster_dev import dagster_dev, docs_port, graphql, wait_for
from tests.factories import HEADER, make_nik, row, write_extract

pytestmark = pytest.mark.slow(125)  # seconds, for the test order (conftest)

RUNS = """{ runsOrError { ... on Runs { results { runId jobName status creationTime startTime endTime
    tags { key value } } } } }"""
REPORTS = """{ assetOrError(assetKey: {path: ["target_report"]}) {
    ... on Asset { assetMaterializations(limit: 10) { runId } } } }"""
DOCS_LINK = """{ assetCheckExecutions(assetKey: {path: ["ucj_warehouse"]}, checkName: "ge_coverage_regency", limit: 1) {
    evaluation { metadataEntries { label ... on UrlMetadataEntry { url } } } } }"""


def runs(port: int) -> list[dict]:
    found = graphql(port, RUNS)["data"]["runsOrError"]["results"]
    for run in found:
        run["tags"] = {t["key"]: t["value"] for t in run["tags"]}
    return sorted(found, key=lambda r: r["creationTime"])


def sinjai_covered(home) -> int | None:
    published = home / "warehouse" / "ucj.duckdb"
    if not published.exists():
        return None
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute(
            "SELECT covered_workers FROM marts.coverage_regency WHERE regency_code = '73.07'"
        ).fetchall()[0][0]


def drop(home, tmp_path, name: str, rows: list[dict], header: list[str] | None = None) -> None:
    """As a transfer job delivers: write elsewhere, move into the landing area, then the '.done' marker."""
    staged = write_extract(tmp_path / "outbox", name, rows, header=header)
    staged.rename(home / "landing" / name)
    (home / "landing" / f"{name}.done").touch()


def sinjai_people(count: int) -> list[dict]:
    return [row(NIK=make_nik(region="7307", serial=i), KODE_WILAYAH="73.07") for i in range(1, count + 1)]


def palopo_people() -> list[dict]:
    return [row(NIK=make_nik(serial=i)) for i in range(1, 11)]


def branches_of(run: dict) -> set[str]:
    """The branch partitions a run covered: one (`dagster/partition`) or a range of them (its two ends)."""
    tags = run["tags"]
    if "dagster/partition" in tags:
        return {tags["dagster/partition"]}
    return {tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]}


def partitions_text(page, port: int, partition: str | None = None) -> str:
    suffix = f"&partition={partition}" if partition else ""
    page.goto(f"http://127.0.0.1:{port}/assets/participant_snapshots?view=partitions{suffix}")
    page.get_by_text("PALOPO", exact=True).first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    return page.inner_text("body")


def test_the_ui_shows_branch_health_runs_and_data_docs_truthfully(tmp_path):
    home = tmp_path / "ucj"
    (home / "landing").mkdir(parents=True)
    drop(home, tmp_path, "PALOPO_20251130.csv", palopo_people())
    drop(home, tmp_path, "SINJAI_20251130.csv", sinjai_people(5))
    with dagster_dev(home) as port, sync_playwright() as playwright:
        # A fresh start: the two ingests, then one refresh, and the report built once.
        wait_for(lambda: sinjai_covered(home) == 5, timeout=300, interval=1, what="the first refresh to publish")
        time.sleep(12)  # two more sensor ticks: nothing else may start
        first = runs(port)
        # The branches' ingest (one run for both when one look of the sensor saw both files), then one refresh.
        *ingests, refresh = first
        assert [(r["jobName"], r["status"]) for r in first] == [("ingest_branch_job", "SUCCESS")] * len(ingests) + [
            ("refresh_warehouse_job", "SUCCESS")
        ]
        assert set().union(*map(branches_of, ingests)) == {"PALOPO", "SINJAI"}
        # The refresh comes after every ingest: queued by the one that ended last, as it ended, or by the sensor.
        *earlier, last = sorted(ingests, key=lambda r: r["endTime"])
        assert all(refresh["creationTime"] >= r["endTime"] for r in earlier), "no refresh while an ingest still runs"
        assert refresh["tags"].get("ucj/requested_by") == last["runId"] or refresh["creationTime"] >= last["endTime"]
        assert refresh["tags"]["ucj/as_of_date"]  # the reporting date it used, in the run list
        reports = graphql(port, REPORTS)["data"]["assetOrError"]["assetMaterializations"]
        assert [r["runId"] for r in reports] == [refresh["runId"]]

        # A bad file for PALOPO (a column missing) and a good one for SINJAI, delivered together.
        dropped = time.monotonic()
        drop(home, tmp_path, "PALOPO_20251201.csv", palopo_people(), header=[h for h in HEADER if h != "PROGRAM"])
        drop(home, tmp_path, "SINJAI_20251201.csv", sinjai_people(8))
        wait_for(lambda: sinjai_covered(home) == 8, timeout=300, interval=0.5, what="SINJAI's new file published")
        took = time.monotonic() - dropped
        print(f"\ndrop to published (two branches, one rejected), under the daemon: {took:.1f} s")

        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        text = partitions_text(page, port)
        assert "Failed (1)" in text and "Materialized (1)" in text
        assert "failed, and did not materialize this asset" in partitions_text(page, port, "PALOPO")
        [failed] = [r for r in runs(port) if r["status"] == "FAILURE"]
        assert "PALOPO" in branches_of(failed)  # its own run, or one with SINJAI's: PALOPO's partition failed alone
        assert failed["tags"]["ucj/rejected"].startswith("PALOPO_20251201.csv: rejected by rule 'missing_column'")
        page.goto(f"http://127.0.0.1:{port}/runs/{failed['runId']}")
        page.get_by_text("rejected by rule 'missing_column'").first.wait_for(timeout=60_000)
        said = page.inner_text("body")
        assert "the branch's snapshot of 2025-11-30 keeps counting" in said
        assert "resend it as PALOPO_20251201_01.csv" in said

        # PALOPO resends a good file: its partition is healthy again.
        drop(home, tmp_path, "PALOPO_20251201_01.csv", palopo_people())
        wait_for(lambda: "Materialized (2)" in partitions_text(page, port), timeout=240, interval=3,
                 what="PALOPO to recover")  # fmt: skip
        assert "Failed (0)" in partitions_text(page, port)

        # The Data Docs the checks link to: styled from the site itself, no request leaves this machine.
        wait_for(lambda: len([r for r in runs(port) if r["jobName"] == "refresh_warehouse_job"]) >= 3
                 and runs(port)[-1]["status"] == "SUCCESS", timeout=240, what="the last refresh")  # fmt: skip
        [execution] = graphql(port, DOCS_LINK)["data"]["assetCheckExecutions"]
        [link] = [e["url"] for e in execution["evaluation"]["metadataEntries"] if e["label"] == "data_docs"]
        assert link == f"http://127.0.0.1:{docs_port(port)}/index.html"
        outside = []
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("http://127.0.0.1")
                   else (outside.append(route.request.url), route.abort()))  # fmt: skip
        page.goto(link)
        page.wait_for_load_state("networkidle")
        assert "Expectation" in page.inner_text("body")
        styles = page.evaluate("Array.from(document.styleSheets).map(s => s.href || '')")
        assert any(s.endswith("/static/vendor/bootstrap.min.css") for s in styles), styles
        assert page.evaluate("getComputedStyle(document.body).boxSizing") == "border-box"  # Bootstrap's reboot
        assert outside == []
        browser.close()
