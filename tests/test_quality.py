"""Great Expectations suites on the published marts: they pass on the sample and fail, saying why, on a corrupted
copy of the published file."""

import re
import shutil
from datetime import date

import duckdb
import pytest

from assets.warehouse_assets import published_suites
from tests.conftest import run_ucj as ucj
from ucj_pipeline.quality import data_docs_site, validate_published_marts
from ucj_pipeline.settings import UcjPaths
from ucj_pipeline.sql_checks import discover_checks
from ucj_pipeline.sql_models import project_models
from ucj_pipeline.storage import Storage

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
        "quality_ingest_log": (True, [], []),
    }
    assert all(r.evaluated >= 4 for r in results)
    assert docs.exists() and "coverage_regency" in docs.read_text()
    assert data_docs_site(published / "quality").joinpath("index.html").exists()  # the run's own, under UCJ_HOME


def test_data_docs_keep_the_newest_results_of_each_suite(published, tmp_path):
    quality, built = tmp_path / "quality", published / "warehouse" / "ucj.duckdb"
    for _ in range(3):
        docs = validate_published_marts(built, quality, published_suites()).build_data_docs(keep=2)
    stored = sorted(p.relative_to(quality) for p in quality.rglob("validations/coverage_regency/*/*/*.json"))
    pages = sorted(p for p in data_docs_site(quality).rglob("validations/coverage_regency/*/*/*.html"))
    assert len(stored) == 2 and len(pages) == 2, (stored, pages)
    linked = set(re.findall(r"validations/coverage_regency/__none__/([0-9T.Z]+)/", docs.read_text()))
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
