"""Apache Superset on the published file, as an analyst gets it (issue 29): `ucj bi` installs Superset into its own
virtualenv, sets up its metadata and admin, serves on 127.0.0.1 only and imports the dashboards kept in
`bi/dashboards`. Headless Chromium logs in and opens "UCJ coverage"; the chart-data API behind its charts gives
Enrekang's covered workers and each target's status, equal to the published marts. Then a new snapshot lands and
`ucj run` publishes it while Superset is open and charts are being read: the publish succeeds, and the next refresh
shows the new figure without restarting Superset. Without UCJ_BI_ADMIN_PASSWORD, `ucj bi` refuses to start.

With UCJ_UPDATE_SCREENSHOTS=1 it takes docs/images/superset-ucj-coverage.png.
"""

import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_ucj as ucj
from tests.conftest import ucj_env
from tests.dagster_dev import BIN, free_port, launch_chromium, wait_for
from ucj_pipeline.publish.superset import SupersetClient
from ucj_pipeline.runtime.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow(300)  # seconds, for the test order (conftest): the install is most of it

PASSWORD = "uji-Superset-7f3a"  # this test's own admin password (there is no default)
ENREKANG = "73.16"
NEW_SNAPSHOT = "20251231"  # landed only after Superset is up


def published(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse" / "ucj.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def enrekang_covered(home: Path) -> int:
    [(covered,)] = published(
        home, f"SELECT covered_workers FROM marts.coverage_regency WHERE regency_code = '{ENREKANG}'"
    )
    return covered


def enrekang_benefits(home: Path) -> tuple[int, int, int]:
    [row] = published(home, "SELECT amount_rupiah, workers_paid, amount_to_budget_funded FROM marts.benefits_year "
                            f"WHERE region_code = '{ENREKANG}' AND year = 2025")  # fmt: skip
    return tuple(int(v) for v in row)


def listening_addresses(port: int) -> set[str]:
    """Local addresses in LISTEN state on `port`, from the kernel's socket tables (IPv4 and IPv6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A published file as of 2025-11-30, with Enrekang's 2025-12-31 snapshot held back for later."""
    home = tmp_path_factory.mktemp("bi_home")
    ucj(home, "sample", "--branches", "PALOPO,SINJAI,LUWUTIMUR,LUWUK", "--scale", "0.02")
    held = tmp_path_factory.mktemp("held_back")
    for path in (home / "landing").glob(f"*_{NEW_SNAPSHOT}.*"):
        shutil.move(path, held / path.name)
    ucj(home, "run", "--as-of", "2025-12-31", expect=None)
    return home, held


def test_ucj_bi_refuses_to_start_without_an_admin_password(home):
    bi_home, _ = home
    env = {k: v for k, v in ucj_env(bi_home).items() if k != "UCJ_BI_ADMIN_PASSWORD"}
    for password in (None, "  "):
        run_env = env if password is None else {**env, "UCJ_BI_ADMIN_PASSWORD": password}
        result = subprocess.run(
            [str(BIN / "ucj"), "bi", "--setup-only"], env=run_env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 2, result
        assert "UCJ_BI_ADMIN_PASSWORD is unset or empty" in result.stderr
        assert "no default password" in result.stderr
    assert not (bi_home / "bi" / "superset.db").exists()  # refused before anything was set up


def test_a_dashboard_reads_the_published_figures_and_sees_a_new_publish_without_a_restart(home):
    bi_home, held = home
    ucj(bi_home, "bi", "--setup-only", timeout=900, UCJ_BI_ADMIN_PASSWORD=PASSWORD)
    port = free_port()
    log = (bi_home / "ucj-bi.log").open("w")
    server = subprocess.Popen(
        [str(BIN / "ucj"), "bi", "--port", str(port)],
        env=ucj_env(bi_home, UCJ_BI_ADMIN_PASSWORD=PASSWORD),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(lambda: "Ctrl-C stops it" in (bi_home / "ucj-bi.log").read_text() or server.poll() is not None,
                 timeout=300, interval=1, what="ucj bi to serve the dashboards")  # fmt: skip
        assert server.poll() is None, (bi_home / "ucj-bi.log").read_text()
        assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1 only: no 0.0.0.0, no IPv6
        client = SupersetClient(f"http://127.0.0.1:{port}", "admin", PASSWORD)
        [database] = client.databases()
        assert client.database_uri(database["id"]).endswith(
            f"{bi_home / 'warehouse' / 'ucj.duckdb'}?access_mode=read_only"
        )  # the imported bundle keeps the connection read-only
        before = enrekang_covered(bi_home)
        statuses = {status for (status,) in published(bi_home, "SELECT status FROM marts.target_tracking")}
        _open_the_dashboard_in_chromium(port, before, statuses, enrekang_benefits(bi_home))
        _chart_figures_equal_the_published_file(client, bi_home)

        # A new snapshot lands; `ucj run` publishes it while charts are being read.
        for path in held.iterdir():
            shutil.move(path, bi_home / "landing" / path.name)
        reading, errors, answers = threading.Event(), [], []
        regency_chart = client.chart_id("Coverage by regency")

        def read_charts() -> None:
            reader = SupersetClient(client.url, "admin", PASSWORD)
            while not reading.is_set():
                try:
                    answers.append(_enrekang(reader.chart_data(regency_chart)))
                except Exception as error:  # noqa: BLE001 - collected and asserted below
                    errors.append(error)

        thread = threading.Thread(target=read_charts)
        thread.start()
        try:
            run = ucj(bi_home, "run", "--as-of", "2025-12-31", expect=None)
        finally:
            reading.set()
            thread.join(timeout=120)
        assert run.returncode in (0, 3), run.stdout + run.stderr  # published (3: the sample's planted rejections)
        assert "published:" in run.stdout
        assert errors == [] and len(answers) >= 2, (errors, len(answers))
        after = enrekang_covered(bi_home)
        assert after != before
        assert _enrekang(client.chart_data(regency_chart)) == after  # the next refresh: no restart
        _chart_figures_equal_the_published_file(client, bi_home)
        assert server.poll() is None  # the same Superset all along
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # as a service manager stops `ucj bi`
        stopping = time.monotonic()
        code = server.wait(timeout=60)
        stopped_in = time.monotonic() - stopping
        log.close()
    assert (code, listening_addresses(port)) == (0, set())  # SIGTERM (or Ctrl-C) stops Superset too, cleanly
    assert stopped_in < 20, stopped_in


def _enrekang(rows: list[dict]) -> int:
    [row] = [r for r in rows if r["regency_code"] == ENREKANG]
    return int(row["covered_workers"])


def _chart_figures_equal_the_published_file(client: SupersetClient, home: Path) -> None:
    """Enrekang's covered workers and every target's status, as the dashboard's charts query them."""
    assert _enrekang(client.chart_data(client.chart_id("Coverage by regency"))) == enrekang_covered(home)
    statuses = {r["target_id"]: r["status"] for r in client.chart_data(client.chart_id("Target tracking"))}
    assert statuses == dict(published(home, "SELECT target_id, status FROM marts.target_tracking"))
    assert len(statuses) == 7
    [enrekang] = [r for r in client.chart_data(client.chart_id("Benefits per regency and year"))
                  if r["regency_code"] == ENREKANG and r["year"] == 2025]  # fmt: skip
    assert (
        int(enrekang["amount_rupiah"]),
        int(enrekang["workers_paid"]),
        int(enrekang["amount_to_budget_funded"]),
    ) == (enrekang_benefits(home))


def _screenshot(page, name: str) -> None:
    if os.environ.get("UCJ_UPDATE_SCREENSHOTS"):
        page.screenshot(path=str(PROJECT_ROOT / "docs" / "images" / name), full_page=True)


def _open_the_dashboard_in_chromium(port: int, enrekang: int, statuses: set[str], benefits: tuple) -> None:
    """Log in as a user does and open "UCJ coverage": every chart renders, none with an error; Enrekang's row and the
    targets' statuses are on the page. Then "Benefits and budget": Enrekang's 2025 benefits are on the page."""
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{port}"
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{base}/login/")
            page.fill("#username", "admin")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            page.goto(f"{base}/superset/dashboard/ucj-coverage/")
            page.wait_for_load_state("networkidle", timeout=120_000)
            for title in ("Coverage by province", "Coverage by regency", "Target tracking", "Stale branches",
                          "Coverage against target per tracked regency", "Coverage trend"):  # fmt: skip
                page.get_by_text(title, exact=True).first.wait_for(timeout=60_000)
            wait_for(lambda: page.locator(".loading, [data-test='loading-indicator']").count() == 0,
                     timeout=60, interval=0.5, what="every chart to render")  # fmt: skip
            text = page.inner_text("body")
            assert "Kabupaten Enrekang" in text and f"{enrekang:,}" in text  # as the table shows it: 46,589
            for status in statuses:  # the target table's status cells
                assert status in text, status
            assert page.locator(".chart-container svg, .chart-container canvas").count() >= 3  # map, bars, trend
            for error in ("Unexpected error", "Error:", "Traceback", "No results were returned"):
                assert error not in text, error
            _screenshot(page, "superset-ucj-coverage.png")
            page.goto(f"{base}/superset/dashboard/benefits-budget/")
            page.wait_for_load_state("networkidle", timeout=120_000)
            for title in ("Benefits paid in Indonesia per year", "Benefits paid per month by programme",
                          "Benefits per regency and year", "What the budget buys", "Budget each target needs"):  # fmt: skip
                page.get_by_text(title, exact=True).first.wait_for(timeout=60_000)
            wait_for(lambda: page.locator(".loading, [data-test='loading-indicator']").count() == 0,
                     timeout=60, interval=0.5, what="every chart to render")  # fmt: skip
            text = page.inner_text("body")
            amount, workers, funded = benefits
            for figure in (f"{amount:,}", f"{workers:,}", f"{funded:,}"):  # Enrekang's 2025 row of the regency table
                assert figure in text, figure
            for error in ("Unexpected error", "Error:", "Traceback", "No results were returned"):
                assert error not in text, error
            _screenshot(page, "superset-benefits-budget.png")
        finally:
            browser.close()
