"""The Dagster UI tells the truth, seen in a real browser (headless Chromium through Playwright) on a real
`ucj ui` (webserver, daemon, code server) started on 127.0.0.1 on a fresh home:

- a fresh start with files waiting: the branches' ingests, then exactly one refresh (one report build);
- a bad file for PALOPO and a good one for SINJAI: every view a person reads first shows PALOPO failing — the asset's
  check list (`file_rules`, `all_branches_healthy`), the asset overview's latest check results, the check's partition
  counts, the asset's partitions — and its run says what was wrong and what to do, as its first line, without a
  stack trace; SINJAI's good run does not clear it; then a good resend from PALOPO turns all of them green;
- the time from a file drop to the published marts, printed;
- the Great Expectations Data Docs linked from the checks open with their styles and without any request to the
  internet.
"""

import os
import time
from datetime import date, timedelta

import duckdb
import pytest
from playwright.sync_api import sync_playwright

from tests.dagster_dev import MARKS_DRAWN, dagster_dev, docs_port, graphql, launch_chromium, wait_for
from tests.factories import HEADER, make_nik, row, write_extract
from ucj_pipeline.runtime.paths import PROJECT_ROOT

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


TODAY = date.today()  # the first refresh's reporting date: the snapshots are days old, so none is stale
FIRST, SECOND = TODAY - timedelta(days=3), TODAY - timedelta(days=1)
SCREENSHOTS = PROJECT_ROOT / "docs" / "images"


def named(branch: str, snapshot: date, resend: str = "") -> str:
    return f"{branch}_{snapshot:%Y%m%d}{resend}.csv"


def screenshot(page, name: str) -> None:
    """The docs' screenshots, taken by this test's browser when asked (UCJ_UPDATE_SCREENSHOTS=1)."""
    if os.environ.get("UCJ_UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=str(SCREENSHOTS / name))


def open_page(page, url: str) -> None:
    page.goto(url)
    skip = page.get_by_text("Skip", exact=True)  # Dagster's community pop-up, shown once per browser profile
    try:
        skip.wait_for(timeout=4000)
        skip.click()
    except Exception:  # noqa: BLE001 - not shown
        pass


def checks_text(page, port: int, check: str = "file_rules") -> str:
    """The asset's check list, with one check's partition counts."""
    open_page(page, f"http://127.0.0.1:{port}/assets/participant_snapshots?view=checks&checkDetail={check}")
    page.get_by_text("all_branches_healthy", exact=True).first.wait_for(timeout=60_000)
    tabs = page.get_by_text("Partitions", exact=True)
    tabs.nth(tabs.count() - 1).click()  # the check's own tab (the asset has one too)
    page.get_by_text("Passed (", exact=False).first.wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    return page.inner_text("body")


def check_statuses(text: str) -> dict[str, str]:
    """Check name -> its status in the asset's check list ("Failed", "Succeeded", ...)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    names = ("all_branches_healthy", "file_rules", "row_rules", "snapshot_fresh")
    return {line: lines[i + 2] for i, line in enumerate(lines[:-2]) if line in names and lines[i + 1] == line}


def latest_check_results(page, port: int) -> dict[str, int]:
    """The asset overview's "Latest check results": how many checks failed and passed."""
    open_page(page, f"http://127.0.0.1:{port}/assets/participant_snapshots")
    results = page.get_by_text("Latest check results").first.locator("xpath=..")
    results.locator('[role="img"]').first.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    counts = {}
    for tag in results.locator(".BaseTag").all():
        icon = tag.locator('[role="img"]').first.get_attribute("aria-label")
        counts[icon] = int(tag.inner_text().strip() or 0)
    return {"failed": counts.get("cancel", 0), "passed": counts.get("check_circle", 0)}


def partitions_text(page, port: int, partition: str | None = None) -> str:
    suffix = f"&partition={partition}" if partition else ""
    open_page(page, f"http://127.0.0.1:{port}/assets/participant_snapshots?view=partitions{suffix}")
    page.get_by_text("PALOPO", exact=True).first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    return page.inner_text("body")


def test_the_ui_shows_branch_health_runs_and_data_docs_truthfully(tmp_path):
    home = tmp_path / "ucj"
    (home / "landing").mkdir(parents=True)
    drop(home, tmp_path, named("PALOPO", FIRST), palopo_people())
    drop(home, tmp_path, named("SINJAI", FIRST), sinjai_people(5))
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
        drop(home, tmp_path, named("PALOPO", SECOND), palopo_people(), header=[h for h in HEADER if h != "PROGRAM"])
        drop(home, tmp_path, named("SINJAI", SECOND), sinjai_people(8))
        wait_for(lambda: sinjai_covered(home) == 8, timeout=300, interval=0.5, what="SINJAI's new file published")
        took = time.monotonic() - dropped
        print(f"\ndrop to published (two branches, one rejected), under the daemon: {took:.1f} s")

        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        text = partitions_text(page, port)
        assert "Failed (1)" in text and "Materialized (1)" in text
        assert "failed, and did not materialize this asset" in partitions_text(page, port, "PALOPO")
        # What a person reads first: the check list, the check's partition counts, the overview. SINJAI's good
        # delivery, reported last, must not paint any of them green.
        text = checks_text(page, port)
        assert check_statuses(text)["file_rules"] == "Failed", check_statuses(text)
        assert check_statuses(text)["all_branches_healthy"] == "Failed", check_statuses(text)
        assert "Failed (1)" in text and "Passed (1)" in text and "Missing (0)" in text
        screenshot(page, "asset-checks-failing.png")
        open_page(
            page, f"http://127.0.0.1:{port}/assets/participant_snapshots?view=checks&checkDetail=all_branches_healthy"
        )
        page.get_by_text("REJECTED PALOPO", exact=False).first.wait_for(timeout=30_000)
        assert "keeps counting" in page.inner_text("body")
        # The overview counts the checks of the latest materialisation (SINJAI's partition) and the asset-level one:
        # all_branches_healthy is the red mark there.
        assert latest_check_results(page, port)["failed"] >= 1
        [failed] = [r for r in runs(port) if r["status"] == "FAILURE"]
        assert "PALOPO" in branches_of(failed)  # its own run, or one with SINJAI's: PALOPO's partition failed alone
        bad = named("PALOPO", SECOND)
        assert failed["tags"]["ucj/rejected"] == f"{bad}: rejected by rule 'missing_column'"
        open_page(page, f"http://127.0.0.1:{port}/runs/{failed['runId']}")
        page.get_by_text("rejected by rule 'missing_column'").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        said = page.inner_text("body")
        assert f"the branch's snapshot of {FIRST} keeps counting" in said
        assert f"resend it as {named('PALOPO', SECOND, '_01')}" in said
        # The failure reads first: the one-line reason, with no class name, no stack trace, no stutter.
        assert "Stack Trace" not in said and "BranchDeliveryRejected" not in said and "Traceback" not in said
        assert f"{bad}: rejected: {bad}" not in said
        screenshot(page, "failed-run.png")

        # PALOPO resends a good file: every view is healthy again.
        drop(home, tmp_path, named("PALOPO", SECOND, "_01"), palopo_people())
        wait_for(lambda: "Materialized (2)" in partitions_text(page, port), timeout=240, interval=3,
                 what="PALOPO to recover")  # fmt: skip
        assert "Failed (0)" in partitions_text(page, port)
        text = checks_text(page, port)
        assert set(check_statuses(text).values()) == {"Succeeded"}, check_statuses(text)
        assert "Failed (0)" in text and "Passed (2)" in text
        screenshot(page, "asset-checks-healthy.png")
        assert latest_check_results(page, port)["failed"] == 0

        # The Data Docs the checks link to: styled from the site itself, no request leaves this machine.
        wait_for(lambda: len([r for r in runs(port) if r["jobName"] == "refresh_warehouse_job"]) >= 3
                 and runs(port)[-1]["status"] == "SUCCESS", timeout=240, what="the last refresh")  # fmt: skip
        [execution] = graphql(port, DOCS_LINK)["data"]["assetCheckExecutions"]
        [link] = [e["url"] for e in execution["evaluation"]["metadataEntries"] if e["label"] == "data_docs"]
        # The check links its own suite's validation of that run (named by the run's reporting date), not the index.
        assert link.startswith(f"http://127.0.0.1:{docs_port(port)}/validations/coverage_regency/refresh%20"), link
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
        drawn = page.evaluate(MARKS_DRAWN)  # the pass and fail marks are visible (Font Awesome, from the site)
        assert drawn["fonts"] == ["loaded"] and drawn["glyph"] and drawn["marks"] > 0, drawn
        assert drawn["drawn"] == drawn["marks"], drawn
        browser.close()
