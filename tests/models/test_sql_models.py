import pytest

from ucj_pipeline.models.sql_models import SOURCES, discover_models, table_dependencies


def test_dependencies_come_from_the_sql_and_ctes_are_not_tables():
    sql = """
        with covered as (select * from int_covered_workers),
             regions as (select * from stg_regions r join (select * from stg_worker_bases) b using (regency_code))
        select * from covered join regions using (regency_code)
        where exists (select 1 from stg_branches)
    """
    assert table_dependencies(sql) == {"int_covered_workers", "stg_regions", "stg_worker_bases", "stg_branches"}


def test_table_functions_are_not_dependencies():
    assert table_dependencies("select * from read_parquet('x.parquet') join stg_regions using (a)") == {"stg_regions"}


def test_models_are_layered_and_read_only_earlier_layers_or_sources():
    models = discover_models()
    rank = {"staging": 0, "intermediate": 1, "marts": 2}
    for model in models.values():
        assert model.name.startswith({"staging": "stg_", "intermediate": "int_", "marts": ""}[model.layer])
        for dependency in model.depends_on:
            if model.layer == "staging":
                assert dependency in SOURCES, f"{model.name} reads {dependency}: staging reads only sources"
            else:
                assert dependency not in SOURCES, f"{model.name} reads source {dependency}: go through staging"
                assert rank[models[dependency].layer] <= rank[model.layer]


def test_the_bi_interface_tables_are_published():
    published = {m.publish_as for m in discover_models().values() if m.publish_as}
    assert {
        "marts.coverage_regency", "marts.coverage_province", "marts.coverage_national", "reference.regions",
        "reference.branches", "reference.worker_base", "quality.ingest_log", "quality.quarantine",
        "reference.premium_rates", "reference.premium_discounts", "reference.budget_premiums",
        "reference.benefit_amounts", "marts.target_cost", "marts.budget_funded_workers",
    } <= published  # fmt: skip


def test_unknown_table_is_an_error(tmp_path):
    for layer in ("staging", "intermediate", "marts"):
        (tmp_path / layer).mkdir()
    (tmp_path / "marts" / "broken.sql").write_text("-- One row per nothing.\nselect * from no_such_model\n")
    with pytest.raises(ValueError, match="no_such_model"):
        discover_models(tmp_path)


def test_every_model_says_what_one_row_is():
    for model in discover_models().values():
        assert model.description.lower().startswith("one row"), model.path


def test_the_models_memory_grows_with_the_lake_within_bounds(tmp_path):
    """DuckDB memory for the models: 8 bytes per byte of stored snapshots, at least 768 MB, at most 2 GB."""
    from ucj_pipeline.models.sql_models import MODEL_MEMORY_MAX, MODEL_MEMORY_MIN, model_memory_limit

    def snapshot(branch: str, size: int) -> None:
        path = tmp_path / "lake" / "participant_snapshots" / f"branch_code={branch}" / "snapshot_date=2025-12-31"
        path.mkdir(parents=True)
        with open(path / "snapshot.parquet", "wb") as f:
            f.truncate(size)  # a sparse file: only its size counts

    assert model_memory_limit(None) == model_memory_limit(tmp_path / "lake") == MODEL_MEMORY_MIN == 768 * 10**6
    snapshot("PALOPO", 50 * 2**20)
    assert model_memory_limit(tmp_path / "lake") == MODEL_MEMORY_MIN  # 400 MB
    snapshot("MAKASSAR", 150 * 2**20)
    assert model_memory_limit(tmp_path / "lake") == 1600 * 2**20  # 200 MB of snapshots, as 10 M rows
    snapshot("BOGOR", 2**30)
    assert model_memory_limit(tmp_path / "lake") == MODEL_MEMORY_MAX == 2000 * 10**6
