"""Great Expectations suites on the published marts: they pass on the sample and fail, saying why, on a corrupted
copy of the published file."""

import os
import re
import shutil
from datetime import date
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pytest

from assets.warehouse_assets import published_suites
from tests.conftest import run_ucj as ucj
from tests.dagster_dev import MARKS_DRAWN, launch_chromium, serve_folder
from ucj_pipeline.models.sql_checks import discover_checks
from ucj_pipeline.models.sql_models import project_models
from ucj_pipeline.publish.quality import data_docs_site, validate_published_marts
from ucj_pipeline.publish.storage import Storage
from ucj_pipeline.runtime.paths import PROJECT_ROOT, UcjPaths

pytestmark = pytest.mark.slow(45)  # seconds, for the test order (conftest)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    home = tmp_path_factory.mktemp("ucj_home")
    ucj(home, "sample", "--branches", "SINJAI", "--scale", "0.02")
    ucj(home, "run", "--as-of", "2025-12-31")
    return home


def test_suites_pass_on_the_sample_and_build_data_docs(published, tmp_path):
    validation = validate_published_marts(
        published / "warehouse" / "ucj.duckdb", tmp_path / "quality", published_suites()
    )
    results, docs = validation.results, validation.build_data_docs()
    assert {r.table: (r.success, r.failures, r.warnings) for r in results} == {
        "coverage_regency": (True, [], []),
        "coverage_province": (True, [], []),
        "coverage_national": (True, [], []),
        "target_tracking": (True, [], []),
        "target_cost": (True, [], []),
        "budget_funded_workers": (True, [], []),
        "quality_ingest_log": (True, [], []),
    }
    assert all(r.evaluated >= 4 for r in results)
    assert docs.exists() and "coverage_regency" in docs.read_text()
    assert data_docs_site(published / "quality").joinpath("index.html").exists()  # the run's own, under UCJ_HOME
    # Each suite's result has its own page, under the run's name: the reporting date of the figures, then the time.
    for result in results:
        page = docs.parent / result.page
        assert page.is_file() and f"validations/{result.table}/refresh 2025-12-31 " in str(page), result.page
    assert "__none__" not in docs.read_text() and "refresh 2025-12-31 " in docs.read_text()


def test_data_docs_keep_the_newest_results_of_each_suite(published, tmp_path):
    quality, built = tmp_path / "quality", published / "warehouse" / "ucj.duckdb"
    for _ in range(3):
        docs = validate_published_marts(built, quality, published_suites()).build_data_docs(keep=2)
    stored = sorted(p.relative_to(quality) for p in quality.rglob("validations/coverage_regency/*/*/*.json"))
    pages = sorted(p for p in data_docs_site(quality).rglob("validations/coverage_regency/*/*/*.html"))
    assert len(stored) == 2 and len(pages) == 2, (stored, pages)
    linked = set(re.findall(r"validations/coverage_regency/refresh%202025-12-31[^/]*/([0-9T.Z]+)/", docs.read_text()))
    assert linked == {page.parent.name for page in pages}  # the index links the kept runs, and only those


def test_suites_fail_with_a_readable_reason_on_a_corrupted_mart(published, tmp_path):
    corrupted = tmp_path / "ucj.duckdb"
    shutil.copy(published / "warehouse" / "ucj.duckdb", corrupted)
    with duckdb.connect(str(corrupted)) as con:
        con.execute("DELETE FROM marts.coverage_regency WHERE regency_code = '73.16'")  # a regency goes missing
        con.execute("UPDATE marts.coverage_regency SET coverage_pct = 140 WHERE regency_code = '73.07'")
        con.execute("UPDATE marts.target_tracking SET status = 'fine' WHERE target_id = 'sinjai_plus_20_points'")
    results = validate_published_marts(corrupted, tmp_path / "quality", published_suites()).results
    by_table = {r.table: r for r in results}
    assert by_table["coverage_province"].success and by_table["coverage_national"].success
    regency = by_table["coverage_regency"]
    assert not regency.success
    text = "\n".join(regency.failures)
    assert "expect_table_row_count_to_equal" in text and "observed 513" in text
    assert "expect_column_distinct_values_to_equal_set(column=regency_code)" in text
    assert "coverage_pct_deviation" in text  # 140% is not what 46,153 / 115,383 gives: the build is wrong
    # Above 100% alone is surprising data, not a wrong build: a warning, apart from the blocking failures.
    assert "expect_column_values_to_be_between(column=coverage_pct," not in text
    [above] = regency.warnings
    assert "expect_column_values_to_be_between(column=coverage_pct, max_value=100" in above and "140" in above
    tracking = "\n".join(by_table["target_tracking"].failures)
    assert "expect_column_values_to_be_in_set(column=status" in tracking and "fine" in tracking


def test_reconciliation_names_the_region_that_does_not_add_up(published, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(published / "lake", home / "lake")
    storage = Storage(UcjPaths(home), project_models())
    checks = discover_checks(storage.models)
    as_of = date(2025, 12, 31)
    for name in ("province_equals_sum_of_regencies", "national_equals_sum_of_provinces"):
        assert storage.run_check(checks[name], as_of).passed, name

    province = home / "lake" / "models" / "coverage_province.parquet"
    duckdb.sql(
        f"COPY (SELECT * REPLACE (covered_workers + CASE province_code WHEN '73' THEN 1 ELSE 0 END AS covered_workers) "
        f"FROM read_parquet('{province}')) TO '{tmp_path / 'corrupted.parquet'}' (FORMAT parquet)"
    )
    shutil.move(tmp_path / "corrupted.parquet", province)
    outcome = storage.run_check(checks["province_equals_sum_of_regencies"], as_of)
    [(region, covered, sum_covered, *_)] = outcome.rows
    assert region == "73" and covered == sum_covered + 1
    assert outcome.columns[:3] == ["region_code", "covered_workers", "sum_of_regencies_covered_workers"]
    assert "73 |" in outcome.as_markdown()
    [(country, *_)] = storage.run_check(checks["national_equals_sum_of_provinces"], as_of).rows
    assert country == "ID"


def test_after_a_publish_the_data_docs_are_built_in_the_helper_and_the_run_ends_when_they_are(published, tmp_path):
    from dagster import build_init_resource_context

    from resources.marts_quality import MartsQuality

    quality, context = MartsQuality(), build_init_resource_context()
    quality.setup_for_execution(context)
    folder = tmp_path / "quality"
    [result] = quality.validate(published / "warehouse" / "ucj.duckdb", folder, published_suites()[:1])
    assert result.success
    quality.start_data_docs()  # returns at once: the publish step goes on (the report is drawn meanwhile)
    assert quality._docs is not None  # in the helper, not in this process
    quality.teardown_after_execution(context)  # the run's end waits for the pages
    assert quality._docs.done() and quality._docs.exception() is None
    assert result.table in data_docs_site(folder).joinpath("index.html").read_text()


def test_each_ge_check_links_the_page_of_its_own_validation(published, tmp_path, monkeypatch):
    from dagster import build_asset_context

    from assets.warehouse_assets import _check_results

    served = "https://ucj.example.go.id/data-docs/"
    monkeypatch.setenv("UCJ_DATA_DOCS_URL", served)
    quality = tmp_path / "quality"
    validation = validate_published_marts(published / "warehouse" / "ucj.duckdb", quality, published_suites())
    validation.build_data_docs()
    checks = _check_results(build_asset_context(), validation.results, quality)
    assert len(checks) == len(published_suites())
    for check in checks:
        suite, url = check.check_name.removeprefix("ge_"), check.metadata["data_docs"].value
        assert url.startswith(f"{served}validations/{suite}/refresh%202025-12-31%20"), url  # not the index
        page = data_docs_site(quality) / unquote(url.removeprefix(served))
        assert page.is_file() and Path(check.metadata["data_docs_file"].value) == page
        assert f"{suite}</" in page.read_text() or f"{suite} " in page.read_text()


LOCAL_FILE = re.compile(r"""<(?:link|script|img)\b[^>]*?(?:href|src)=["'](?![a-z]+:|#)([^"'#?]+)""", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(["']?(?![a-z]+:|#)([^"')?#]+)""")


def test_data_docs_pages_find_every_file_they_load_and_their_marks_font(published):
    """The run's own site, as `ucj run` built it: no page or stylesheet refers to a file the site lacks (a missing
    webfont leaves the pass and fail marks blank), and the pages that show marks load Font Awesome from the site."""
    site = data_docs_site(published / "quality")
    pages = sorted(site.rglob("*.html"))
    validations = [p for p in pages if "validations" in p.relative_to(site).parts]
    assert validations and all("refresh 2025-12-31 " in str(p) for p in validations)  # no run named __none__
    for page in pages:
        html = page.read_text()
        for reference in LOCAL_FILE.findall(html):
            assert (page.parent / unquote(reference)).is_file(), f"{page.relative_to(site)}: {reference}"
        if 'class="fas ' in html or "fas fa-" in html:
            assert "static/vendor/fontawesome/css/solid.min.css" in html, page.relative_to(site)
    for page in validations:
        assert 'class="fas fa-check-circle text-success"' in page.read_text(), "a passed expectation's mark"
    for sheet in site.rglob("*.css"):
        for reference in CSS_URL.findall(sheet.read_text()):
            assert (sheet.parent / reference).is_file(), f"{sheet.relative_to(site)}: {reference}"
    assert (site / "static/vendor/fontawesome/webfonts/fa-solid-900.woff2").is_file()
    assert (site / "static/vendor/fontawesome/LICENSE.txt").is_file()


SCREENSHOT = PROJECT_ROOT / "docs" / "images" / "data-docs-validation.png"


def test_a_validation_page_shows_its_marks_in_headless_chromium(published):
    """The page a `ge_coverage_regency` check links, in headless Chromium, served as `ucj ui` serves it, with every
    request off this machine refused. With UCJ_UPDATE_SCREENSHOTS=1 it is docs/ui.md's screenshot: taken from the
    Data Docs of UCJ_HOME when that home has them (a `make demo` home), else from this test's own."""
    from playwright.sync_api import sync_playwright

    update = bool(os.environ.get("UCJ_UPDATE_SCREENSHOTS"))
    demo = Path(os.environ.get("UCJ_HOME", "data")).resolve()
    home = demo if update and data_docs_site(demo / "quality").joinpath("index.html").is_file() else published
    site = data_docs_site(home / "quality")
    page_path = max(site.glob("validations/coverage_regency/*/*/*.html"), key=lambda p: p.parent.name)  # newest
    with serve_folder(site) as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        outside, missing = [], []
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                   else (outside.append(route.request.url), route.abort()))  # fmt: skip
        page.on("response", lambda response: missing.append(response.url) if response.status >= 400 else None)
        page.goto(base + page_path.relative_to(site).as_posix().replace(" ", "%20"))
        page.wait_for_load_state("networkidle")
        drawn = page.evaluate(MARKS_DRAWN)
        assert outside == [] and missing == [], (outside, missing)
        assert drawn["fonts"] == ["loaded"] and drawn["glyph"], drawn  # the solid webfont, from the site itself
        assert drawn["marks"] >= 10 and drawn["drawn"] == drawn["marks"], drawn
        assert "refresh " in page.inner_text("body") and "__none__" not in page.inner_text("body")
        if update:
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
        browser.close()
