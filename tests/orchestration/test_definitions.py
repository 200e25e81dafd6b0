"""The asset graph as a reviewable snapshot: an accidental change to it shows up here."""

import json
import os
import subprocess
import sys

from dagster import AssetKey

from ucj_pipeline.orchestration.definitions import build_definitions
from ucj_pipeline.runtime.paths import PROJECT_ROOT

defs = build_definitions()

EXPECTED_ASSETS = {
    "region_codes", "branch_registry", "branch_service_areas", "worker_bases", "targets",
    "premium_rates", "premium_discounts", "budget_premiums", "benefit_amounts",
    "participant_snapshots", "claim_payments", "extract_files", "row_issues", "misnamed_extract_files",
    "stg_participant_snapshots", "stg_claim_payments", "stg_extract_files", "stg_row_issues", "stg_regions", "stg_branches",
    "stg_branch_regencies", "stg_worker_bases", "stg_targets",
    "stg_premium_rates", "stg_premium_discounts", "stg_budget_premiums", "stg_benefit_amounts",
    "int_branch_snapshot_status", "int_current_participants", "int_covered_workers", "int_covered_worker_counts",
    "int_regency_branches", "int_target_regions", "int_budget_premium_months", "target_cost", "budget_funded_workers",
    "int_claims_branch_months", "benefits_paid", "benefits_year",
    "coverage_regency", "coverage_province", "coverage_national", "branch_status", "coverage_breakdown",
    "coverage_history", "figure_sources", "village_programme", "target_history", "target_tracking",
    "reference_regions", "reference_branches", "reference_worker_base", "reference_targets",
    "reference_premium_rates", "reference_premium_discounts", "reference_budget_premiums", "reference_benefit_amounts",
    "quality_ingest_log", "quality_quarantine",
    "ucj_warehouse", "target_report",
}  # fmt: skip


def test_asset_keys():
    assert {key.to_user_string() for key in defs.resolve_all_asset_keys()} == EXPECTED_ASSETS


EXPECTED_CHECKS = {
    "participant_snapshots:row_rules", "participant_snapshots:file_rules", "participant_snapshots:snapshot_fresh",
    "participant_snapshots:all_branches_healthy",
    "coverage_province:province_equals_sum_of_regencies", "coverage_national:national_equals_sum_of_provinces",
    "branch_status:branches_fresh", "figure_sources:figure_sources_equal_published_figures",
    "coverage_regency:regencies_within_worker_base",
    "stg_claim_payments:claims_payees_are_participants",
    "claim_payments:claims_file_rules", "claim_payments:all_branches_claims_healthy",
    "benefits_paid:benefits_paid_levels_add_up",
    "benefits_year:benefits_year_levels_add_up",
    "budget_funded_workers:budget_funded_workers_total_equals_categories",
    "ucj_warehouse:ge_coverage_regency", "ucj_warehouse:ge_coverage_province", "ucj_warehouse:ge_coverage_national",
    "ucj_warehouse:ge_target_tracking", "ucj_warehouse:ge_target_cost", "ucj_warehouse:ge_budget_funded_workers",
    "ucj_warehouse:ge_quality_ingest_log",
}  # fmt: skip


def test_jobs():
    assert {job.name for job in defs.resolve_all_job_defs()} >= {
        "ingest_branch_job",
        "misnamed_files_job",
        "refresh_warehouse_job",
    }


def test_asset_checks():
    keys = defs.resolve_asset_graph().asset_check_keys
    assert {f"{k.asset_key.to_user_string()}:{k.name}" for k in keys} == EXPECTED_CHECKS
    blocking = {
        f"{spec.asset_key.to_user_string()}:{spec.name}"
        for checks in defs.resolve_asset_graph().assets_defs
        for spec in checks.check_specs
        if spec.blocking
    }
    assert blocking == {
        "coverage_province:province_equals_sum_of_regencies",
        "coverage_national:national_equals_sum_of_provinces",
        "figure_sources:figure_sources_equal_published_figures",
        "benefits_paid:benefits_paid_levels_add_up",
        "benefits_year:benefits_year_levels_add_up",
        "budget_funded_workers:budget_funded_workers_total_equals_categories",
        # Great Expectations on the new file, before it is swapped in: a failure keeps the last good file.
        "ucj_warehouse:ge_coverage_regency",
        "ucj_warehouse:ge_coverage_province",
        "ucj_warehouse:ge_coverage_national",
        "ucj_warehouse:ge_target_tracking",
        "ucj_warehouse:ge_target_cost",
        "ucj_warehouse:ge_budget_funded_workers",
        "ucj_warehouse:ge_quality_ingest_log",
    }


def test_sensors_and_schedule_run_by_default():
    assert sorted(s.name for s in defs.sensors) == ["landing_area_sensor", "refresh_after_ingest"]
    assert all(defs.resolve_sensor_def(s.name).default_status.value == "RUNNING" for s in defs.sensors)
    assert [s.name for s in defs.schedules] == ["daily_coverage_refresh"]
    schedule = defs.resolve_schedule_def("daily_coverage_refresh")
    assert (schedule.cron_schedule, schedule.execution_timezone, schedule.job_name) == (
        "0 6 * * *",
        "Asia/Jakarta",
        "refresh_warehouse_job",
    )
    assert schedule.default_status.value == "RUNNING"


def test_refreshes_come_from_one_job_not_from_partial_automation():
    # No asset is refreshed by declarative automation (which ran partial refreshes while ingests were still going):
    # the refresh sensor asks for the whole refresh job, once the ingests have finished.
    graph = defs.resolve_asset_graph()
    assert all(graph.get(key).automation_condition is None for key in graph.get_all_asset_keys())
    refresh = defs.resolve_job_def("refresh_warehouse_job")
    assert {k.to_user_string() for k in refresh.asset_layer.executable_asset_keys} == EXPECTED_ASSETS - {
        "participant_snapshots", "claim_payments", "extract_files", "row_issues", "misnamed_extract_files"
    }  # fmt: skip
    for job in ("ingest_branch_job", "misnamed_files_job", "refresh_warehouse_job"):
        assert defs.resolve_job_def(job).executor_def.name == "in_process", job


def test_lineage_is_derived_from_sql():
    graph = defs.resolve_asset_graph()
    assert graph.get(AssetKey("coverage_province")).parent_keys == {AssetKey("coverage_regency")}
    assert graph.get(AssetKey("stg_participant_snapshots")).parent_keys == {AssetKey("participant_snapshots")}
    assert AssetKey("coverage_regency") in graph.get(AssetKey("ucj_warehouse")).parent_keys
    assert graph.get(AssetKey("target_tracking")).parent_keys == {
        AssetKey("int_target_regions"),
        AssetKey("target_history"),
    }


def test_every_asset_is_described_and_grouped():
    for spec in defs.resolve_all_asset_specs():
        assert spec.description, spec.key
        assert spec.group_name != "default", spec.key


def test_ingest_and_its_checks_are_partitioned_by_branch():
    spec = next(s for s in defs.resolve_all_asset_specs() if s.key == AssetKey("participant_snapshots"))
    assert spec.partitions_def.name == "branch"
    ingest = defs.resolve_assets_def("participant_snapshots")
    assert {c.name: c.partitions_def.name if c.partitions_def else None for c in ingest.check_specs} == {
        "file_rules": "branch", "row_rules": "branch", "snapshot_fresh": "branch", "claims_file_rules": "branch",
        "all_branches_healthy": None,  # every branch at once: the asset-level truth no branch can overwrite
        "all_branches_claims_healthy": None,
    }  # fmt: skip


def test_the_code_location_loads_without_the_heavy_libraries():
    """Every run process loads the code location first: pandas, polars, Pandera, Great Expectations and matplotlib
    load only in the steps that use them."""
    heavy = ["pandas", "polars", "pandera", "great_expectations", "matplotlib", "scipy"]
    loaded = subprocess.run(
        [sys.executable, "-c", f"import sys, ucj_pipeline.orchestration.definitions; print([m for m in {heavy!r} if m in sys.modules])"],
        capture_output=True, text=True, check=True, cwd=PROJECT_ROOT,
    ).stdout.strip()  # fmt: skip
    assert loaded == "[]"


def test_importing_the_code_location_runs_no_duckdb_query():
    """Model columns come from the committed manifest: loading the code location (in every run process) asks
    DuckDB nothing. Every way into a DuckDB connection is made to fail before the import."""
    script = (
        "import duckdb\n"
        "def refuse(*args, **kwargs):\n"
        "    raise AssertionError('a DuckDB query while the code location loads')\n"
        "for name in ('connect', 'sql', 'query', 'execute', 'read_csv', 'read_parquet', 'from_query', 'table'):\n"
        "    setattr(duckdb, name, refuse)\n"
        "import ucj_pipeline.orchestration.definitions\n"
        "print(len(ucj_pipeline.orchestration.definitions.build_definitions().resolve_all_asset_specs()))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert int(loaded.stdout.strip().splitlines()[-1]) == len(EXPECTED_ASSETS)


def test_with_a_celery_broker_every_job_sends_its_steps_to_celery_and_the_url_stays_in_the_environment():
    script = (
        "import json\n"
        "from ucj_pipeline.orchestration.definitions import build_definitions\n"
        "defs = build_definitions()\n"
        "for job in ('ingest_branch_job', 'misnamed_files_job', 'refresh_warehouse_job'):\n"
        "    executor = defs.resolve_job_def(job).executor_def\n"
        "    declared = executor.config_schema._invoke_user_config_fn({})['config']\n"
        "    resolved = executor.config_schema.resolve_config({}).value['config']\n"
        "    print(json.dumps([job, executor.name, declared, resolved['broker'], resolved['backend']]))\n"
    )
    broker = "redis://:s3cret@127.0.0.1:6399/0"
    env = {**os.environ, "UCJ_CELERY_BROKER": broker}
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=PROJECT_ROOT, env=env)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    by_variable = {"broker": {"env": "UCJ_CELERY_BROKER"}, "backend": {"env": "UCJ_CELERY_BROKER"}}
    assert [json.loads(line) for line in loaded.stdout.strip().splitlines()] == [
        [job, "celery", by_variable, broker, broker]
        for job in ("ingest_branch_job", "misnamed_files_job", "refresh_warehouse_job")
    ]  # the definitions name the variable; the URL (password included) is read when a run starts
